/**
 * Auto-layout with ELK's layered algorithm (elkjs, run in a web worker: see elkClient.ts).
 * Pure parts: the ELK graph for a canvas (card sizes as measured, one port per handle at the
 * handle's place, in the card's order, so ELK keeps left-to-right ports leading to
 * left-to-right children) and the canvas for ELK's answer (positions, and for every wire its
 * orthogonal route and the place of its count).
 *
 * Routes are view data (`WireData.route`), never written to the journey: a route is drawn only
 * while both ends are where the layout left them (WireEdgeView), so a card moved by hand gets
 * its smooth-step wires back.
 */
import type { ElkExtendedEdge, ElkNode, ElkPort } from 'elkjs/lib/elk-api';
import type { Position } from '../api/types';
import { DEFAULT_PORT } from '../api/types';
import type { CanvasState, StepNode, WireEdge } from './canvas';
import { NODE_HEIGHT, NODE_WIDTH } from './layout';
import { outputPorts } from './ports';

/**
 * Above this many steps auto-layout uses `layoutPositions` (dagre / the loop-only layered
 * layout) instead of ELK. Measured: elkjs lays out the 1,000-node benchmark journey in 2.8 s in
 * the browser's worker (tests/browser/tests/layout.test.mjs writes it to layout.json); in Node,
 * the same journey generated with 2,500 steps took 2.2 times as long as with 1,000, and with
 * 5,000 elkjs failed. 2,000 steps (about 5 s, with the button saying "Arranging…") is where the
 * wait stops being worth it; a failing ELK falls back as well.
 */
export const ELK_MAX_NODES = 2000;

/** The size of a wire's count (the label ELK keeps free of steps and other labels). */
export const COUNT_LABEL = { width: 48, height: 20 };

/** Where a wire's count goes (its centre, flow coordinates). */
export interface LabelSpot {
  x: number;
  y: number;
}

/** An orthogonal route of a wire: from its source handle through `points` to its target handle. */
export interface WireRoute {
  /** Start, bend points, end (flow coordinates). */
  points: Position[];
  /** The count's centre, beside the route where ELK left room for it. */
  label?: LabelSpot;
}

export const LAYOUT_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.crossingMinimization.forceNodeModelOrder': 'false',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.layered.nodePlacement.bk.fixedAlignment': 'BALANCED',
  'elk.spacing.nodeNode': '50',
  'elk.layered.spacing.nodeNodeBetweenLayers': '56',
  'elk.spacing.edgeNode': '24',
  'elk.layered.spacing.edgeNodeBetweenLayers': '24',
  'elk.spacing.edgeEdge': '14',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '14',
  'elk.spacing.edgeLabel': '4',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.spacing.componentComponent': '80',
  'elk.padding': '[top=0,left=0,bottom=0,right=0]',
};

const portId = (node: number, port: number) => `n${node}p${port}`;
const inPortId = (node: number) => `n${node}in`;

/** Width and height the canvas draws `n` at (measured when React Flow has measured it). */
export function cardSize(n: StepNode): { width: number; height: number } {
  const width = n.measured?.width ?? n.width ?? NODE_WIDTH;
  const height = n.measured?.height ?? n.height ?? NODE_HEIGHT;
  return { width: width > 0 ? width : NODE_WIDTH, height: height > 0 ? height : NODE_HEIGHT };
}

/**
 * The ELK graph for a canvas. Node `n{i}` is `c.nodes[i]`, edge `e{k}` is `c.edges[k]`; each
 * card has one input port on top (centred, like its target handle) and one output port per
 * `outputPorts` entry on the bottom at its handle's place ((i + ½) / count of the width), with
 * FIXED_POS constraints (so their order is the card's). Wires to or from missing steps, and
 * self-loops, are left out (they keep React Flow's own path). Every wire carries a label the
 * size of a count, so that ELK leaves a place for it that overlaps no step and no other count.
 */
export function elkGraph(c: Pick<CanvasState, 'nodes' | 'edges'>): ElkNode {
  const index = new Map<string, number>();
  c.nodes.forEach((n, i) => index.set(n.id, i));
  const portIndex: Map<string, number>[] = [];
  const children: ElkNode[] = c.nodes.map((n, i) => {
    const { width, height } = cardSize(n);
    const ports = outputPorts(n.data.doc);
    portIndex.push(new Map(ports.map((p, j) => [p.port, j] as const)));
    const elkPorts: ElkPort[] = [{ id: inPortId(i), x: width / 2, y: 0, width: 0, height: 0, layoutOptions: { 'elk.port.side': 'NORTH' } }];
    ports.forEach((_, j) => {
      elkPorts.push({
        id: portId(i, j),
        x: ((j + 0.5) / ports.length) * width,
        y: height,
        width: 0,
        height: 0,
        layoutOptions: { 'elk.port.side': 'SOUTH', 'elk.port.index': String(j) },
      });
    });
    return { id: `n${i}`, width, height, ports: elkPorts, layoutOptions: { 'elk.portConstraints': 'FIXED_POS' } };
  });
  const edges: ElkExtendedEdge[] = [];
  c.edges.forEach((e, k) => {
    const a = index.get(e.source);
    const b = index.get(e.target);
    if (a === undefined || b === undefined || a === b) return;
    const j = portIndex[a].get(e.sourceHandle ?? DEFAULT_PORT);
    edges.push({
      id: `e${k}`,
      sources: [j === undefined ? `n${a}` : portId(a, j)],
      targets: [inPortId(b)],
      labels: [{ id: `e${k}l`, text: '0000', width: COUNT_LABEL.width, height: COUNT_LABEL.height }],
    });
  });
  return { id: 'root', layoutOptions: LAYOUT_OPTIONS, children, edges };
}

/** What a layout gives the canvas: top-left positions by node id, routes by edge id. */
export interface ElkPlacement {
  positions: Map<string, Position>;
  routes: Map<string, WireRoute>;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const round = (v: number) => Math.round(v * 10) / 10;

/**
 * Reads ELK's answer for `elkGraph(c)` (same canvas): positions rounded to whole pixels (the
 * routes are shifted with them), and a route for every wire ELK routed in one section. Anything
 * missing or not a finite number is skipped: such a wire keeps its smooth-step path.
 */
export function readElkResult(c: Pick<CanvasState, 'nodes' | 'edges'>, result: ElkNode): ElkPlacement {
  const positions = new Map<string, Position>();
  const shift = new Map<number, Position>();
  for (const child of result.children ?? []) {
    const i = Number(child.id.slice(1));
    const node = c.nodes[i];
    if (!node || child.id !== `n${i}` || !finite(child.x) || !finite(child.y)) continue;
    const p = { x: Math.round(child.x), y: Math.round(child.y) };
    positions.set(node.id, p);
    shift.set(i, { x: p.x - child.x, y: p.y - child.y });
  }
  const index = new Map<string, number>();
  c.nodes.forEach((n, i) => index.set(n.id, i));
  const routes = new Map<string, WireRoute>();
  for (const edge of result.edges ?? []) {
    const k = Number(edge.id.slice(1));
    const wire: WireEdge | undefined = c.edges[k];
    const section = edge.sections?.length === 1 ? edge.sections[0] : undefined;
    if (!wire || edge.id !== `e${k}` || !section) continue;
    const a = shift.get(index.get(wire.source) ?? -1);
    const b = shift.get(index.get(wire.target) ?? -1);
    if (!a || !b) continue;
    const raw = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
    if (!raw.every((p) => p && finite(p.x) && finite(p.y))) continue;
    // The ends move with their cards' rounding; the bends keep ELK's places (a fraction of a pixel off at most).
    const points = raw.map((p, i) => {
      const d = i === 0 ? a : i === raw.length - 1 ? b : { x: 0, y: 0 };
      return { x: round(p.x + d.x), y: round(p.y + d.y) };
    });
    // Keep the first and last segments vertical (the ports are on the bottom and top sides).
    if (points.length > 2) {
      points[1] = { ...points[1], x: points[0].x };
      points[points.length - 2] = { ...points[points.length - 2], x: points[points.length - 1].x };
    }
    const route: WireRoute = { points };
    const l = edge.labels?.[0];
    if (l && finite(l.x) && finite(l.y)) {
      route.label = { x: round(l.x + (finite(l.width) ? l.width : COUNT_LABEL.width) / 2), y: round(l.y + (finite(l.height) ? l.height : COUNT_LABEL.height) / 2) };
    }
    routes.set(wire.id, route);
  }
  return { positions, routes };
}

/**
 * The canvas after a layout: nodes moved to `positions`, every wire's route replaced (a wire
 * without one in `routes` loses its old route). Untouched nodes and wires keep their identity.
 */
export function applyPlacement<C extends Pick<CanvasState, 'nodes' | 'edges'>>(c: C, placement: ElkPlacement): C {
  const nodes = c.nodes.map((n) => {
    const p = placement.positions.get(n.id);
    return p && (p.x !== n.position.x || p.y !== n.position.y) ? { ...n, position: p } : n;
  });
  const edges = c.edges.map((e) => {
    const route = placement.routes.get(e.id);
    if (!route && !e.data?.route) return e;
    const data = { ...(e.data ?? { extra: {}, explicitPort: false }) };
    if (route) data.route = route;
    else delete data.route;
    return { ...e, data };
  });
  return { ...c, nodes, edges };
}

/**
 * How far (flow pixels) a wire's end may be from where its route starts or ends and still be
 * drawn along the route: the handles stick out of the card (10.5 px below, 8.5 px above, as drawn) past the port ELK saw.
 * A card moved by hand moves further than this (or sideways at all), and its wires fall back.
 */
export const ROUTE_SLACK_Y = 16;
export const ROUTE_SLACK_X = 1.5;

/**
 * The SVG path of `route` from (sx, sy) to (tx, ty), the wire's handle points, or null when the
 * ends are no longer where the layout left them. Corners rounded by `radius` (as smooth-step).
 */
export function routePath(route: WireRoute, sx: number, sy: number, tx: number, ty: number, radius = 8): string | null {
  const p = route.points;
  if (p.length < 2) return null;
  const first = p[0];
  const last = p[p.length - 1];
  if (Math.abs(sx - first.x) > ROUTE_SLACK_X || Math.abs(tx - last.x) > ROUTE_SLACK_X) return null;
  if (Math.abs(sy - first.y) > ROUTE_SLACK_Y || Math.abs(ty - last.y) > ROUTE_SLACK_Y) return null;
  const pts = [{ x: sx, y: sy }, ...p.slice(1, -1), { x: tx, y: ty }];
  if (pts.length > 2) {
    pts[1] = { x: sx, y: pts[1].y };
    pts[pts.length - 2] = { x: tx, y: pts[pts.length - 2].y };
  }
  let d = `M ${pts[0].x},${pts[0].y}`;
  for (let i = 1; i < pts.length - 1; i++) {
    const prev = pts[i - 1];
    const cur = pts[i];
    const next = pts[i + 1];
    const r = Math.min(radius, dist(prev, cur) / 2, dist(cur, next) / 2);
    if (r < 0.5) {
      d += ` L ${cur.x},${cur.y}`;
      continue;
    }
    const a = toward(cur, prev, r);
    const b = toward(cur, next, r);
    d += ` L ${a.x},${a.y} Q ${cur.x},${cur.y} ${b.x},${b.y}`;
  }
  d += ` L ${pts[pts.length - 1].x},${pts[pts.length - 1].y}`;
  return d;
}

const dist = (a: Position, b: Position) => Math.hypot(a.x - b.x, a.y - b.y);
function toward(from: Position, to: Position, r: number): Position {
  const l = dist(from, to);
  return l === 0 ? from : { x: round(from.x + ((to.x - from.x) / l) * r), y: round(from.y + ((to.y - from.y) / l) * r) };
}

/** The middle of a route's longest segment (where a wire's buttons go when it has no label spot). */
export function routeMiddle(route: WireRoute): [number, number] {
  const p = route.points;
  let best = 0;
  let at: [number, number] = p.length > 0 ? [p[0].x, p[0].y] : [0, 0];
  for (let i = 1; i < p.length; i++) {
    const l = dist(p[i - 1], p[i]);
    if (l > best) {
      best = l;
      at = [(p[i - 1].x + p[i].x) / 2, (p[i - 1].y + p[i].y) / 2];
    }
  }
  return at;
}
