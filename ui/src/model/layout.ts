/**
 * Auto-layout: layered, top to bottom, output ports ordered left to right. Small journeys go
 * through dagre (its crossing reduction is the better picture); dagre recurses once per node
 * along a path and is quadratic-ish, so journeys above DAGRE_MAX_NODES use `layeredLayout`, a
 * loop-only layered layout (no recursion, linear passes) that handles any depth and width.
 */
import dagre from '@dagrejs/dagre';
import type { EdgeDoc, NodeDoc, Position } from '../api/types';
import { DEFAULT_PORT } from '../api/types';
import { outputPorts } from './ports';

/** Size the canvas draws a node at (kept in sync with the node component's CSS). */
export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 100;
/** Horizontal gap between cards of one layer and vertical gap between layers. */
const NODE_SEP = 50;
const RANK_SEP = 70;
/** Above this many nodes the layout is `layeredLayout` instead of dagre. */
export const DAGRE_MAX_NODES = 300;

/**
 * Top-left positions for every node, laid out top to bottom. Edges naming missing nodes are
 * ignored. Deterministic: same input, same output.
 */
export function layoutPositions(nodes: readonly NodeDoc[], edges: readonly EdgeDoc[]): Map<string, Position> {
  const ids = new Set<string>();
  for (const n of nodes) ids.add(n.id);
  const sorted = portOrderedEdges(nodes, edges);
  if (ids.size > DAGRE_MAX_NODES) return layeredLayout([...ids], sorted);
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: NODE_SEP, ranksep: RANK_SEP, edgesep: 20, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of ids) g.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
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

/** Edges in layout order: grouped by source (first appearance), then by port order, then as written. */
function portOrderedEdges(nodes: readonly NodeDoc[], edges: readonly EdgeDoc[]): EdgeDoc[] {
  const byId = new Map<string, NodeDoc>();
  for (const n of nodes) if (!byId.has(n.id)) byId.set(n.id, n);
  // Order each node's out-edges by port order so that yes/no, variants... fan out left to right.
  const firstSeen = new Map<string, number>();
  edges.forEach((e, i) => {
    if (!firstSeen.has(e.from)) firstSeen.set(e.from, i);
  });
  // One port list per source node (not per edge: a split with many variants stays linear).
  const ranks = new Map<string, Map<string, number>>();
  const portRank = (e: EdgeDoc) => {
    let r = ranks.get(e.from);
    if (!r) {
      const node = byId.get(e.from);
      r = new Map((node ? outputPorts(node) : []).map((p, i) => [p.port, i] as const));
      ranks.set(e.from, r);
    }
    return r.get(e.port ?? DEFAULT_PORT) ?? -1;
  };
  return edges
    .map((e, i) => ({ e, i, from: firstSeen.get(e.from) ?? 0, port: portRank(e) }))
    .sort((a, b) => a.from - b.from || a.port - b.port || a.i - b.i)
    .map(({ e }) => e);
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

/**
 * A layered top-to-bottom layout built from loops only, so that its stack use does not depend
 * on the journey (a 20,000-step chain or a 10,000-leaf tree lays out like a small one):
 * 1. cycles are broken by reversing the back edges of an explicit-stack depth-first search;
 * 2. each node's layer is its longest path from a source (topological order, Kahn);
 * 3. each layer starts in depth-first order (out-edges in port order, so yes/no, variants...
 *    fan out left to right), then barycentre sweeps reduce crossings;
 * 4. x positions: each layer is placed as near as possible to the mean of its parents (a pass
 *    going down), then each node above the last layer near the mean of its children (a pass
 *    going up, so a branch sits centred over yes and no), cards a fixed gap apart; "as near as
 *    possible" is a least-squares fit solved exactly by pool-adjacent-violators (linear).
 * `ids` are unique; edges naming other ids and self-loops are ignored. Deterministic.
 */
export function layeredLayout(ids: readonly string[], edges: readonly EdgeDoc[]): Map<string, Position> {
  const n = ids.length;
  const index = new Map<string, number>();
  ids.forEach((id, i) => index.set(id, i));
  const succ: number[][] = ids.map(() => []);
  const seenPair = new Set<number>();
  for (const e of edges) {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined || a === b) continue;
    const key = a * n + b;
    if (seenPair.has(key)) continue;
    seenPair.add(key);
    succ[a].push(b);
  }

  // 1. Depth-first order from the sources (then from whatever is left, e.g. a cycle of its own),
  // children in port order; back edges (to a node still on the stack) are reversed.
  const indeg = new Array<number>(n).fill(0);
  for (const out of succ) for (const b of out) indeg[b]++;
  const state = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  const preorder: number[] = [];
  const dagSucc: number[][] = ids.map(() => []);
  const roots = [...Array(n).keys()].filter((i) => indeg[i] === 0);
  for (let i = 0; i < n; i++) if (indeg[i] !== 0) roots.push(i);
  const stack: number[] = [];
  const cursor = new Int32Array(n);
  for (const root of roots) {
    if (state[root] !== 0) continue;
    state[root] = 1;
    preorder.push(root);
    stack.push(root);
    while (stack.length > 0) {
      const v = stack[stack.length - 1];
      if (cursor[v] < succ[v].length) {
        const w = succ[v][cursor[v]++];
        if (state[w] === 1) dagSucc[w].push(v); // back edge, reversed
        else {
          dagSucc[v].push(w);
          if (state[w] === 0) {
            state[w] = 1;
            preorder.push(w);
            stack.push(w);
          }
        }
      } else {
        state[v] = 2;
        stack.pop();
      }
    }
  }
  const dagPred: number[][] = ids.map(() => []);
  const dagIndeg = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    // A reversed back edge may duplicate a forward one: keep each pair once.
    dagSucc[v] = [...new Set(dagSucc[v])];
    for (const w of dagSucc[v]) {
      dagPred[w].push(v);
      dagIndeg[w]++;
    }
  }

  // 2. Longest-path layers in topological order.
  const layer = new Int32Array(n);
  const queue: number[] = [];
  for (let v = 0; v < n; v++) if (dagIndeg[v] === 0) queue.push(v);
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head];
    for (const w of dagSucc[v]) {
      if (layer[v] + 1 > layer[w]) layer[w] = layer[v] + 1;
      if (--dagIndeg[w] === 0) queue.push(w);
    }
  }

  // 3. Order within layers: depth-first order first, then barycentre sweeps down and up.
  const layers: number[][] = [];
  for (const v of preorder) {
    while (layers.length <= layer[v]) layers.push([]);
    layers[layer[v]].push(v);
  }
  const pos = new Float64Array(n); // index within its layer
  const setOrder = (row: number[]) => row.forEach((v, i) => (pos[v] = i));
  layers.forEach(setOrder);
  const sweep = (row: number[], neighbours: number[][]) => {
    if (row.length < 2) return;
    const key = new Float64Array(row.length);
    row.forEach((v, i) => {
      const ns = neighbours[v];
      // A step with no neighbour on that side (an exit going up) keeps to its left neighbour.
      if (ns.length === 0) key[i] = i === 0 ? -1 : key[i - 1];
      else {
        let sum = 0;
        for (const u of ns) sum += pos[u];
        key[i] = sum / ns.length;
      }
    });
    // Ties keep the current order (the sort is stable on the index).
    const next = row.map((_, i) => i).sort((a, b) => key[a] - key[b] || a - b).map((i) => row[i]);
    next.forEach((v, i) => (row[i] = v));
    setOrder(row);
  };
  for (let round = 0; round < 2; round++) {
    for (let l = 1; l < layers.length; l++) sweep(layers[l], dagPred);
    for (let l = layers.length - 2; l >= 0; l--) sweep(layers[l], dagSucc);
  }

  // 4. x positions (card centres), fitted to the parents going down, to the children going up.
  const gap = NODE_WIDTH + NODE_SEP;
  const x = new Float64Array(n);
  const fit = (row: number[], neighbours: number[][], first: boolean) => {
    if (row.length === 1) {
      // The common case of a chain: no neighbour in the layer to keep a gap from.
      const v = row[0];
      const ns = neighbours[v];
      if (ns.length > 0) {
        let sum = 0;
        for (const u of ns) sum += x[u];
        x[v] = sum / ns.length;
      } else if (first) x[v] = 0;
      return;
    }
    const wanted = new Float64Array(row.length);
    row.forEach((v, i) => {
      const ns = neighbours[v];
      if (ns.length > 0) {
        let sum = 0;
        for (const u of ns) sum += x[u];
        wanted[i] = sum / ns.length;
      } else if (first) wanted[i] = i === 0 ? 0 : wanted[i - 1] + gap;
      else wanted[i] = x[v];
    });
    const placed = isotonicSpacing(wanted, gap);
    row.forEach((v, i) => (x[v] = placed[i]));
  };
  for (let l = 0; l < layers.length; l++) fit(layers[l], dagPred, true);
  for (let l = layers.length - 2; l >= 0; l--) fit(layers[l], dagSucc, false);

  let minX = Infinity;
  for (let v = 0; v < n; v++) if (x[v] < minX) minX = x[v];
  const out = new Map<string, Position>();
  for (let v = 0; v < n; v++) {
    out.set(ids[v], { x: Math.round(x[v] - minX), y: layer[v] * (NODE_HEIGHT + RANK_SEP) });
  }
  return out;
}

/**
 * Positions p[0] < p[1] < ... with p[i+1] - p[i] >= gap that minimise the sum of squared
 * distances to `wanted`. With q[i] = p[i] - i·gap this is isotonic regression of
 * wanted[i] - i·gap, solved by pool-adjacent-violators in one pass.
 */
export function isotonicSpacing(wanted: ArrayLike<number>, gap: number): Float64Array {
  const m = wanted.length;
  const mean: number[] = [];
  const size: number[] = [];
  for (let i = 0; i < m; i++) {
    mean.push(wanted[i] - i * gap);
    size.push(1);
    while (mean.length > 1 && mean[mean.length - 2] > mean[mean.length - 1]) {
      const b = mean.pop() as number;
      const sb = size.pop() as number;
      const a = mean.length - 1;
      mean[a] = (mean[a] * size[a] + b * sb) / (size[a] + sb);
      size[a] += sb;
    }
  }
  const out = new Float64Array(m);
  let i = 0;
  for (let k = 0; k < mean.length; k++) {
    for (let j = 0; j < size[k]; j++, i++) out[i] = mean[k] + i * gap;
  }
  return out;
}
