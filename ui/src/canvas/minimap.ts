/** The picture of a huge journey's minimap (see HugeMiniMap): pure functions. */
import type { StepNode } from '../model/canvas';
import { NODE_HEIGHT, NODE_WIDTH } from '../model/layout';
import { cardBounds } from './zoom';

export interface MiniMapPaths {
  bounds: { x: number; y: number; width: number; height: number };
  /** One path (`d`) per colour, in first-seen order. */
  paths: { color: string; d: string }[];
}

/** The cards of `nodes` as rectangles, one path per colour. */
export function miniMapPaths(nodes: readonly StepNode[], color: (n: StepNode) => string): MiniMapPaths {
  const parts = new Map<string, string[]>();
  for (const n of nodes) {
    if (n.hidden) continue;
    const w = NODE_WIDTH;
    const h = NODE_HEIGHT;
    const c = color(n);
    let list = parts.get(c);
    if (!list) parts.set(c, (list = []));
    list.push(`M${n.position.x},${n.position.y}h${w}v${h}h${-w}z`);
  }
  const bounds = cardBounds(
    nodes.filter((n) => !n.hidden).map((n) => n.position),
    { width: NODE_WIDTH, height: NODE_HEIGHT },
  );
  return { bounds, paths: [...parts].map(([c, list]) => ({ color: c, d: list.join('') })) };
}

/** Whether `b` draws as `a`: the same cards at the same places with the same data (sizes aside: cards have one size). */
export function samePicture(a: readonly StepNode[], b: readonly StepNode[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y && (x.position !== y.position || x.data !== y.data || x.hidden !== y.hidden)) return false;
  }
  return true;
}

/**
 * `miniMapPaths`, remembering the last picture: cards entering the view are measured one by
 * one (a new node array each time), and the picture is rebuilt only when a card moved, its
 * data (status, kind) changed, or cards came or went.
 */
export function pictureMemo(): (nodes: readonly StepNode[], color: (n: StepNode) => string) => MiniMapPaths {
  let last: { nodes: readonly StepNode[]; color: (n: StepNode) => string; drawn: MiniMapPaths } | null = null;
  return (nodes, color) => {
    if (last && last.color === color && samePicture(last.nodes, nodes)) {
      last = { ...last, nodes };
      return last.drawn;
    }
    last = { nodes, color, drawn: miniMapPaths(nodes, color) };
    return last.drawn;
  };
}
