/**
 * The editor's state transitions, as pure functions: content edits with an undo/redo history
 * of journey snapshots, view-only updates (selection, validation status, simulation overlay)
 * that are not history, rename of nodes and ports, copy/paste with fresh ids.
 *
 * `version` identifies a content state: it changes on every edit and is restored by undo/redo,
 * so "unsaved" is simply `version !== savedVersion` (undoing back to the saved state is clean).
 */
import type { JourneyDoc, NodeDoc, Position } from '../api/types';
import { DEFAULT_PORT } from '../api/types';
import {
  canvasToJourney,
  edgeId,
  journeyToCanvas,
  makeStepNode,
  makeWireEdge,
  type CanvasState,
  type StepNode,
  type WireEdge,
} from '../model/canvas';
import { uniqueId } from '../model/ids';
import { outputPorts } from '../model/ports';

export interface Snapshot {
  journey: JourneyDoc;
  version: number;
}

export interface EditorState {
  canvas: CanvasState;
  past: Snapshot[];
  future: Snapshot[];
  /** Identity of the current content. */
  version: number;
  /** `version` when last saved or opened. */
  savedVersion: number;
  /** Bumps whenever the journey (content or positions) changes: consumers re-derive the doc. */
  revision: number;
  /** Successive edits with the same key within `COALESCE_MS` make one undo step. */
  coalesce: { key: string; at: number } | null;
  nextVersion: number;
}

export const HISTORY_LIMIT = 200;
export const COALESCE_MS = 1500;

export function initialState(canvas: CanvasState): EditorState {
  return { canvas, past: [], future: [], version: 1, savedVersion: 1, revision: 1, coalesce: null, nextVersion: 2 };
}

export function isDirty(s: EditorState): boolean {
  return s.version !== s.savedVersion;
}

/**
 * A content edit. The state before it becomes an undo step unless the previous edit had the
 * same `coalesceKey` less than COALESCE_MS ago (typing in one field is one step).
 */
export function edit(s: EditorState, next: CanvasState, coalesceKey?: string, now = Date.now()): EditorState {
  if (next === s.canvas) return s;
  const merge = coalesceKey !== undefined && s.coalesce !== null && s.coalesce.key === coalesceKey && now - s.coalesce.at < COALESCE_MS;
  const past = merge ? s.past : [...s.past, { journey: canvasToJourney(s.canvas), version: s.version }].slice(-HISTORY_LIMIT);
  return {
    ...s,
    canvas: next,
    past,
    future: [],
    version: s.nextVersion,
    nextVersion: s.nextVersion + 1,
    revision: s.revision + 1,
    coalesce: coalesceKey !== undefined ? { key: coalesceKey, at: now } : null,
  };
}

/** A view-only update (selection, measured sizes, status, overlay): no history, not dirty. */
export function view(s: EditorState, next: CanvasState): EditorState {
  return next === s.canvas ? s : { ...s, canvas: next };
}

/** Node positions changed by a finished drag (the undo step was taken at drag start). */
export function moved(s: EditorState, next: CanvasState): EditorState {
  return { ...s, canvas: next, revision: s.revision + 1 };
}

/** Records an undo step now (e.g. at drag start) for a change that arrives in pieces. */
export function checkpoint(s: EditorState): EditorState {
  return {
    ...s,
    past: [...s.past, { journey: canvasToJourney(s.canvas), version: s.version }].slice(-HISTORY_LIMIT),
    future: [],
    version: s.nextVersion,
    nextVersion: s.nextVersion + 1,
    coalesce: null,
  };
}

/** A canvas for `journey` that keeps view data (selection, status) of nodes that still exist. */
function restore(current: CanvasState, journey: JourneyDoc): CanvasState {
  const fresh = journeyToCanvas(structuredClone(journey));
  const old = new Map(current.nodes.map((n) => [n.id, n] as const));
  const nodes = fresh.nodes.map((n) => {
    const o = old.get(n.id);
    if (!o) return n;
    return { ...n, selected: o.selected, measured: o.measured, data: { ...n.data, status: o.data.status, problems: o.data.problems } };
  });
  return { ...fresh, nodes };
}

export function undo(s: EditorState): EditorState {
  const prev = s.past[s.past.length - 1];
  if (!prev) return s;
  return {
    ...s,
    canvas: restore(s.canvas, prev.journey),
    past: s.past.slice(0, -1),
    future: [{ journey: canvasToJourney(s.canvas), version: s.version }, ...s.future],
    version: prev.version,
    revision: s.revision + 1,
    coalesce: null,
  };
}

export function redo(s: EditorState): EditorState {
  const next = s.future[0];
  if (!next) return s;
  return {
    ...s,
    canvas: restore(s.canvas, next.journey),
    past: [...s.past, { journey: canvasToJourney(s.canvas), version: s.version }],
    future: s.future.slice(1),
    version: next.version,
    revision: s.revision + 1,
    coalesce: null,
  };
}

// ---- canvas operations (pure) ----

/** Adds a node and makes it the only selected one. */
export function addNode(c: CanvasState, body: Omit<NodeDoc, 'id'>, idBase: string, position: Position): { canvas: CanvasState; id: string } {
  const id = uniqueId(idBase, new Set(c.nodes.map((n) => n.id)));
  const node = makeStepNode({ ...body, id } as NodeDoc, position);
  node.selected = true;
  const nodes = c.nodes.map((n) => (n.selected ? { ...n, selected: false } : n));
  const edges = c.edges.map((e) => (e.selected ? { ...e, selected: false } : e));
  return { canvas: { ...c, nodes: [...nodes, node], edges }, id };
}

/**
 * Connects `from`'s `port` to `to`. A port has at most one edge: an existing edge from that
 * port is replaced.
 */
export function connect(c: CanvasState, from: string, port: string, to: string): CanvasState {
  const p = port || DEFAULT_PORT;
  const kept = c.edges.filter((e) => !(e.source === from && (e.sourceHandle ?? DEFAULT_PORT) === p));
  const taken = new Set(kept.map((e) => e.id));
  return { ...c, edges: [...kept, makeWireEdge(from, p, to, edgeId(from, p, to, taken))] };
}

/** Moves an existing edge (dragging one of its ends) to a new source port or target. */
export function reconnect(c: CanvasState, edgeId_: string, from: string, port: string, to: string): CanvasState {
  const old = c.edges.find((e) => e.id === edgeId_);
  if (!old) return c;
  const rest = { ...c, edges: c.edges.filter((e) => e.id !== edgeId_) };
  const next = connect(rest, from, port, to);
  // Keep the edge's own unknown fields.
  const extra = old.data?.extra ?? {};
  return { ...next, edges: next.edges.map((e, i) => (i === next.edges.length - 1 ? { ...e, data: { extra, explicitPort: false } } : e)) };
}

/** Replaces a node's journey document, keeping edges in step with renamed or removed ports. */
export function updateNodeDoc(c: CanvasState, id: string, doc: NodeDoc): CanvasState {
  const node = c.nodes.find((n) => n.id === id);
  if (!node) return c;
  const before = outputPorts(node.data.doc).map((p) => p.port);
  const after = outputPorts(doc).map((p) => p.port);
  let edges = c.edges;
  if (before.join('\u0000') !== after.join('\u0000')) {
    const rename = new Map<string, string>();
    if (before.length === after.length) before.forEach((p, i) => p !== after[i] && rename.set(p, after[i]));
    const removed = new Set(before.filter((p) => !after.includes(p) && !rename.has(p)));
    const taken = new Set<string>();
    edges = c.edges
      .filter((e) => !(e.source === id && removed.has(e.sourceHandle ?? DEFAULT_PORT)))
      .map((e) => {
        const p = e.sourceHandle ?? DEFAULT_PORT;
        if (e.source !== id || !rename.has(p)) {
          taken.add(e.id);
          return e;
        }
        const np = rename.get(p)!;
        return { ...e, sourceHandle: np, id: edgeId(e.source, np, e.target, taken) };
      });
  }
  const nodes = c.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, doc } } : n));
  return { ...c, nodes, edges };
}

/** Renames a node and every edge touching it. Refuses (returns `c`) an empty or taken id. */
export function renameNode(c: CanvasState, from: string, to: string): CanvasState {
  if (to === from || to.length === 0 || c.nodes.some((n) => n.id === to)) return c;
  const nodes = c.nodes.map((n) => (n.id === from ? { ...n, id: to, data: { ...n.data, doc: { ...n.data.doc, id: to } } } : n));
  const taken = new Set<string>();
  const edges = c.edges.map((e) => {
    if (e.source !== from && e.target !== from) {
      taken.add(e.id);
      return e;
    }
    const source = e.source === from ? to : e.source;
    const target = e.target === from ? to : e.target;
    return { ...e, source, target, id: edgeId(source, e.sourceHandle ?? DEFAULT_PORT, target, taken) };
  });
  return { ...c, nodes, edges };
}

/** What Ctrl+C keeps: the selected nodes and the edges between them. */
export interface Clip {
  nodes: NodeDoc[];
  edges: { from: string; port: string; to: string; extra: Record<string, unknown> }[];
}

export function copySelection(c: CanvasState): Clip | null {
  const selected = c.nodes.filter((n) => n.selected);
  if (selected.length === 0) return null;
  const ids = new Set(selected.map((n) => n.id));
  return {
    nodes: selected.map((n) => structuredClone({ ...n.data.doc, id: n.data.doc.id, position: { ...n.position } })),
    edges: c.edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({ from: e.source, port: e.sourceHandle ?? DEFAULT_PORT, to: e.target, extra: structuredClone(e.data?.extra ?? {}) })),
  };
}

/** Pastes a clip with fresh ids, shifted by `offset`; the pasted nodes become the selection. */
export function paste(c: CanvasState, clip: Clip, offset: Position): { canvas: CanvasState; ids: string[] } {
  const taken = new Set(c.nodes.map((n) => n.id));
  const idMap = new Map<string, string>();
  const added: StepNode[] = clip.nodes.map((doc) => {
    const id = uniqueId(doc.id, taken);
    taken.add(id);
    idMap.set(doc.id, id);
    const p = doc.position ?? { x: 0, y: 0 };
    const node = makeStepNode(structuredClone({ ...doc, id }), { x: p.x + offset.x, y: p.y + offset.y });
    node.selected = true;
    return node;
  });
  const edgeIds = new Set(c.edges.map((e) => e.id));
  const newEdges: WireEdge[] = clip.edges
    .filter((e) => idMap.has(e.from) && idMap.has(e.to))
    .map((e) => {
      const from = idMap.get(e.from)!;
      const to = idMap.get(e.to)!;
      return makeWireEdge(from, e.port, to, edgeId(from, e.port, to, edgeIds), structuredClone(e.extra));
    });
  const nodes = c.nodes.map((n) => (n.selected ? { ...n, selected: false } : n));
  const edges = c.edges.map((e) => (e.selected ? { ...e, selected: false } : e));
  return { canvas: { ...c, nodes: [...nodes, ...added], edges: [...edges, ...newEdges] }, ids: added.map((n) => n.id) };
}

/** Selects exactly the node `id` (and no edge). */
export function selectOnly(c: CanvasState, id: string | null): CanvasState {
  let changed = false;
  const nodes = c.nodes.map((n) => {
    const want = n.id === id;
    if (!!n.selected === want) return n;
    changed = true;
    return { ...n, selected: want };
  });
  const edges = c.edges.map((e) => {
    if (!e.selected) return e;
    changed = true;
    return { ...e, selected: false };
  });
  return changed ? { ...c, nodes, edges } : c;
}

/** Moves every node to `positions` (auto-layout). */
export function placeNodes(c: CanvasState, positions: Map<string, Position>): CanvasState {
  const nodes = c.nodes.map((n) => {
    const p = positions.get(n.id);
    return p && (p.x !== n.position.x || p.y !== n.position.y) ? { ...n, position: p } : n;
  });
  return { ...c, nodes };
}
