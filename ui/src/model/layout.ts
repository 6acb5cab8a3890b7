/**
 * Auto-layout with dagre: layered, top to bottom, output ports ordered left to right.
 */
import dagre from '@dagrejs/dagre';
import type { EdgeDoc, NodeDoc, Position } from '../api/types';
import { DEFAULT_PORT } from '../api/types';
import { outputPorts } from './ports';

/** Size the canvas draws a node at (kept in sync with the node component's CSS). */
export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 100;

/**
 * Top-left positions for every node, laid out top to bottom. Edges naming missing nodes are
 * ignored. Deterministic: same input, same output.
 */
export function layoutPositions(nodes: readonly NodeDoc[], edges: readonly EdgeDoc[]): Map<string, Position> {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 50, ranksep: 70, edgesep: 20, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set<string>();
  for (const n of nodes) {
    if (ids.has(n.id)) continue;
    ids.add(n.id);
    g.setNode(n.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  }
  const byId = new Map(nodes.map((n) => [n.id, n] as const));
  // Order each node's out-edges by port order so that yes/no, variants... fan out left to right.
  const firstSeen = new Map<string, number>();
  edges.forEach((e, i) => {
    if (!firstSeen.has(e.from)) firstSeen.set(e.from, i);
  });
  const portRank = (e: EdgeDoc) => {
    const node = byId.get(e.from);
    return node ? outputPorts(node).findIndex((p) => p.port === (e.port ?? DEFAULT_PORT)) : 0;
  };
  const sorted = edges
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (firstSeen.get(a.e.from) ?? 0) - (firstSeen.get(b.e.from) ?? 0) || portRank(a.e) - portRank(b.e) || a.i - b.i)
    .map(({ e }) => e);
  sorted.forEach((e, i) => {
    if (ids.has(e.from) && ids.has(e.to) && e.from !== e.to) g.setEdge(e.from, e.to, {}, `e${i}`);
  });
  dagre.layout(g);
  const out = new Map<string, Position>();
  for (const id of ids) {
    const n = g.node(id) as { x: number; y: number } | undefined;
    if (n) out.set(id, { x: Math.round(n.x - NODE_WIDTH / 2), y: Math.round(n.y - NODE_HEIGHT / 2) });
  }
  return out;
}

/**
 * The free place nearest to `wanted` where a new card overlaps no existing one (rings of
 * card-sized steps around it), so that clicking the palette never hides a card.
 */
export function freeSpot(wanted: Position, taken: readonly Position[], gap = 24): Position {
  const w = NODE_WIDTH + gap;
  const h = NODE_HEIGHT + gap;
  const free = (p: Position) => taken.every((t) => Math.abs(t.x - p.x) >= w || Math.abs(t.y - p.y) >= h);
  if (free(wanted)) return wanted;
  for (let ring = 1; ring < 40; ring++) {
    const candidates: Position[] = [];
    for (let i = -ring; i <= ring; i++) {
      candidates.push({ x: wanted.x + i * w, y: wanted.y + ring * h });
      candidates.push({ x: wanted.x + i * w, y: wanted.y - ring * h });
      if (Math.abs(i) !== ring) {
        candidates.push({ x: wanted.x + ring * w, y: wanted.y + i * h });
        candidates.push({ x: wanted.x - ring * w, y: wanted.y + i * h });
      }
    }
    // Nearest first; ties prefer below, then right (reading order).
    candidates.sort((a, b) => Math.hypot(a.x - wanted.x, a.y - wanted.y) - Math.hypot(b.x - wanted.x, b.y - wanted.y) || b.y - a.y || b.x - a.x);
    const found = candidates.find(free);
    if (found) return found;
  }
  return { x: wanted.x, y: wanted.y + 40 * h };
}
