/** Drawing a simulation (or live) overlay onto canvas nodes and edges (view data only). */
import type { SimOverlay } from '../simulate/trafficOverlay';
import type { StepNode, WireEdge } from '../model/canvas';
import { DEFAULT_PORT } from '../api/types';

export function overlayNodes(nodes: StepNode[], overlay: SimOverlay | null): StepNode[] {
  const path = overlay?.path ? new Set(overlay.path) : null;
  let changed = false;
  const out = nodes.map((n) => {
    const id = n.data.doc.id;
    const count = overlay ? (overlay.nodeCounts[id] ?? 0) : undefined;
    const waiting = overlay?.waiting ? (overlay.waiting[id] ?? 0) : undefined;
    const onPath = path ? path.has(id) : undefined;
    const dimmed = path ? !path.has(id) : undefined;
    if (n.data.count === count && n.data.waiting === waiting && n.data.onPath === onPath && n.data.dimmed === dimmed) return n;
    changed = true;
    return { ...n, data: { ...n.data, count, waiting, onPath, dimmed } };
  });
  return changed ? out : nodes;
}

export function overlayEdges(edges: WireEdge[], overlay: SimOverlay | null): WireEdge[] {
  const key = (from: string, port: string, to: string) => `${from}\u0000${port}\u0000${to}`;
  const counts = new Map<string, number>();
  let max = 0;
  for (const e of overlay?.edgeCounts ?? []) {
    counts.set(key(e.from, e.port, e.to), e.count);
    max = Math.max(max, e.count);
  }
  const path = overlay?.pathEdges ? new Set(overlay.pathEdges.map((e) => key(e.from, e.port, e.to))) : null;
  let changed = false;
  const out = edges.map((e) => {
    const k = key(e.source, e.sourceHandle ?? DEFAULT_PORT, e.target);
    const count = overlay ? (counts.get(k) ?? 0) : undefined;
    const weight = overlay && max > 0 ? (counts.get(k) ?? 0) / max : undefined;
    const onPath = path ? path.has(k) : undefined;
    const dimmed = path ? !path.has(k) : undefined;
    const d = e.data ?? { extra: {}, explicitPort: false };
    if (d.count === count && d.weight === weight && d.onPath === onPath && d.dimmed === dimmed) return e;
    changed = true;
    return { ...e, data: { ...d, count, weight, onPath, dimmed } };
  });
  return changed ? out : edges;
}
