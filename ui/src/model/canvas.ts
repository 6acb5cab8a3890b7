/**
 * Journey ⇄ canvas conversions (pure functions).
 *
 * The journey document is what is saved; the canvas state is what React Flow draws. They are
 * kept apart (as Dittofeed does): a canvas node carries its journey node (minus `position`,
 * which lives on the React Flow node) plus view-only data (validation status, simulation
 * counts) that never reaches the file. Every field the editor does not know — on the journey,
 * a node or an edge — is carried along untouched, so file → canvas → file is lossless.
 */
import type { Edge, Node } from '@xyflow/react';
import type { EdgeDoc, Extra, JourneyDoc, NodeDoc, Position, Settings } from '../api/types';
import { DEFAULT_PORT, JOURNEY_FORMAT } from '../api/types';
import type { WireRoute } from './elk';
import { layoutPositions } from './layout';
import { TARGET_HANDLE } from './ports';

/** Validation status of a node, shown as outline colour and `data-status`. */
export type NodeStatus = 'ok' | 'error' | 'warning';

/** Data of a canvas node. `doc` is the journey node without `position`. */
export interface StepData extends Record<string, unknown> {
  doc: NodeDoc;
  status: NodeStatus;
  /** Diagnostic messages about this node (tooltip of the badge). */
  problems: string[];
  /** Required output ports that have no wire (from `dead_end` diagnostics). */
  deadPorts?: string[];
  /** Simulation: contacts that entered this node (undefined without an overlay). */
  count?: number;
  /** Live view: contacts waiting at this node now (undefined outside the Live view). */
  waiting?: number;
  /** Simulation: dimmed because it is off the selected contact's path. */
  dimmed?: boolean;
  /** Simulation: on the selected contact's path. */
  onPath?: boolean;
}

/** Data of a canvas edge: the journey edge's unknown fields and whether `port` was written. */
export interface WireData extends Record<string, unknown> {
  /** Fields of the journey edge other than from/port/to, kept as written. */
  extra: Record<string, unknown>;
  /** The file wrote `"port": "next"` explicitly (kept so the round trip is exact). */
  explicitPort: boolean;
  count?: number;
  /** Relative traffic 0..1 for stroke width. */
  weight?: number;
  dimmed?: boolean;
  onPath?: boolean;
  /** Auto-layout (ELK): the wire's orthogonal route and its count's place (view data, never saved). */
  route?: WireRoute;
}

export type StepNode = Node<StepData, 'step'>;
export type WireEdge = Edge<WireData, 'wire'>;

/** The journey without its nodes and edges: format, id, name, settings and unknown fields. */
export interface JourneyMeta extends Extra {
  format: string;
  id: string;
  name: string;
  settings?: Settings;
}

export interface CanvasState {
  meta: JourneyMeta;
  nodes: StepNode[];
  edges: WireEdge[];
}

/** A journey that fails `journeyToCanvas` (not shaped like a journey at all). */
export class JourneyShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JourneyShapeError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function validPosition(p: unknown): p is Position {
  return isObject(p) && typeof p.x === 'number' && typeof p.y === 'number' && Number.isFinite(p.x) && Number.isFinite(p.y);
}

/** Id of the canvas edge for a journey edge (unique within `taken`). */
export function edgeId(from: string, port: string, to: string, taken?: Set<string>): string {
  const base = `${from}/${port}>${to}`;
  if (!taken) return base;
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}#${i}`;
  taken.add(id);
  return id;
}

/** A canvas node for a journey node placed at `position`. */
export function makeStepNode(doc: NodeDoc, position: Position): StepNode {
  const body = { ...doc } as NodeDoc;
  delete body.position;
  return {
    id: doc.id,
    type: 'step',
    position: { x: position.x, y: position.y },
    data: { doc: body, status: 'ok', problems: [] },
  };
}

/** A canvas edge for a journey edge. */
export function makeWireEdge(from: string, port: string, to: string, id: string, extra: Record<string, unknown> = {}, explicitPort = false): WireEdge {
  return {
    id,
    type: 'wire',
    source: from,
    sourceHandle: port,
    target: to,
    targetHandle: TARGET_HANDLE,
    data: { extra, explicitPort },
  };
}

/**
 * Throws `JourneyShapeError` unless `doc` is shaped like a journey: an object with a `nodes`
 * array whose nodes have string `id`/`type`, and edges (if any) with string `from`/`to` and
 * an optional string `port`. Cheap (no layout): what opening a file checks first.
 */
export function checkJourneyShape(doc: unknown): asserts doc is JourneyDoc {
  if (!isObject(doc)) throw new JourneyShapeError('a journey must be a JSON object');
  if (!Array.isArray(doc.nodes)) throw new JourneyShapeError('the journey has no `nodes` array');
  if (doc.edges !== undefined && !Array.isArray(doc.edges)) throw new JourneyShapeError('`edges` must be an array');
  (doc.nodes as unknown[]).forEach((n, i) => {
    if (!isObject(n)) throw new JourneyShapeError(`node #${i + 1} is not an object`);
    if (typeof n.id !== 'string') throw new JourneyShapeError(`node #${i + 1} has no string \`id\``);
    if (typeof n.type !== 'string') throw new JourneyShapeError(`node \`${n.id}\` has no string \`type\``);
  });
  ((doc.edges ?? []) as unknown[]).forEach((e, i) => {
    if (!isObject(e) || typeof e.from !== 'string' || typeof e.to !== 'string') {
      throw new JourneyShapeError(`edge #${i + 1} needs string \`from\` and \`to\``);
    }
    if (e.port !== undefined && typeof e.port !== 'string') throw new JourneyShapeError(`edge #${i + 1}: \`port\` must be a string`);
  });
}

/** The largest of `values` (-Infinity for none), by a loop: `Math.max(...list)` overflows the stack on long lists. */
function maxOf(values: readonly number[]): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return m;
}

/**
 * The canvas for a journey. Nodes without a valid `position` are laid out (`layoutPositions`, top
 * to bottom); when only some lack one, the laid-out ones are placed to the right of the others.
 * Throws `JourneyShapeError` when `doc` has no `nodes` array or a node has no string `id`/`type`.
 */
export function journeyToCanvas(doc: JourneyDoc): CanvasState {
  checkJourneyShape(doc);
  const rawEdges: EdgeDoc[] = doc.edges ?? [];
  const missing = doc.nodes.filter((n) => !validPosition(n.position));
  let placed = new Map<string, Position>();
  if (missing.length > 0) {
    placed = layoutPositions(doc.nodes, rawEdges);
    const fixed = doc.nodes.filter((n) => validPosition(n.position));
    if (fixed.length > 0) {
      // Keep hand-placed nodes where they are; put the others in a column block to their right.
      const maxX = maxOf(fixed.map((n) => (n.position as Position).x)) + 320;
      const minY = -maxOf(fixed.map((n) => -(n.position as Position).y));
      const ids = new Set(missing.map((n) => n.id));
      const xs = [...placed.entries()].filter(([id]) => ids.has(id)).map(([, p]) => p);
      const dx = maxX + maxOf(xs.map((p) => -p.x));
      const dy = minY + maxOf(xs.map((p) => -p.y));
      for (const [id, p] of placed) placed.set(id, { x: p.x + dx, y: p.y + dy });
    }
  }

  const nodes = doc.nodes.map((n) => makeStepNode(n, validPosition(n.position) ? n.position : (placed.get(n.id) ?? { x: 0, y: 0 })));
  // Duplicate node ids are a validation error, but React Flow needs unique ids: suffix the
  // repeats on the canvas only (the journey node keeps its id, so the file is unchanged).
  const seen = new Set<string>();
  for (const node of nodes) {
    let id = node.id;
    for (let i = 2; seen.has(id); i++) id = `${node.id}#dup${i}`;
    seen.add(id);
    node.id = id;
  }

  const taken = new Set<string>();
  const edges = rawEdges.map((e) => {
    const { from, to, port, ...extra } = e;
    const p = port ?? DEFAULT_PORT;
    return makeWireEdge(from, p, to, edgeId(from, p, to, taken), extra, port !== undefined && port === DEFAULT_PORT);
  });

  const meta = { ...doc } as Partial<JourneyDoc>;
  delete meta.nodes;
  delete meta.edges;
  return { meta: meta as JourneyMeta, nodes, edges };
}

/** The journey for a canvas: nodes and edges in canvas order, positions included. */
export function canvasToJourney(state: CanvasState): JourneyDoc {
  const nodes: NodeDoc[] = state.nodes.map((n) => ({
    ...n.data.doc,
    position: { x: n.position.x, y: n.position.y },
  }));
  const edges: EdgeDoc[] = state.edges.map((e) => {
    const port = e.sourceHandle ?? DEFAULT_PORT;
    const out: EdgeDoc = { ...(e.data?.extra ?? {}), from: sourceId(state, e.source), to: sourceId(state, e.target) };
    if (port !== DEFAULT_PORT || e.data?.explicitPort) out.port = port;
    return out;
  });
  return { ...state.meta, nodes, edges } as JourneyDoc;
}

/** The journey node id behind a canvas node id (they differ only for duplicate ids). */
function sourceId(state: CanvasState, canvasId: string): string {
  if (!canvasId.includes('#dup')) return canvasId;
  const node = state.nodes.find((n) => n.id === canvasId);
  return node ? node.data.doc.id : canvasId;
}

/** A new, empty journey. */
export function blankJourney(id = 'new-journey', name = 'New journey'): JourneyDoc {
  return { format: JOURNEY_FORMAT, id, name, nodes: [], edges: [] };
}
