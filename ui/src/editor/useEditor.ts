/**
 * The editor's state hook: the canvas (source of truth while editing), its undo history,
 * live validation against the backend (debounced, off the render path), the simulation
 * overlay, and every action the UI offers.
 */
import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type OnBeforeDelete,
} from '@xyflow/react';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { validateJourney } from '../api/backend';
import type { Button, JourneyDoc, NodeDoc, Position, Report, ScenarioDoc, SendNode } from '../api/types';
import { canvasToJourney, journeyToCanvas, type CanvasState, type JourneyMeta, type StepNode, type WireEdge } from '../model/canvas';
import { applyPlacement, ELK_MAX_NODES, elkGraph, readElkResult } from '../model/elk';
import { elkAvailable, elkLayout } from '../model/elkClient';
import { freeSpot, layoutPositions } from '../model/layout';
import { newNodeDoc, PALETTE, type PaletteKind } from '../model/palette';
import * as T from '../model/transform';
import { nodeProblems, withStatuses } from '../problems/status';
import { shownDiagnostics } from '../problems/wording';
import type { SimOverlay } from '../simulate/trafficOverlay';
import * as H from './history';
import { overlayEdges, overlayNodes } from './drawOverlay';

export const VALIDATION_DEBOUNCE_MS = 300;

export interface Editor {
  nodes: StepNode[];
  edges: WireEdge[];
  meta: JourneyMeta;
  journey: JourneyDoc;
  /** Bumps with every change of the journey (content or positions). */
  revision: number;
  dirty: boolean;
  canUndo: boolean;
  canRedo: boolean;
  report: Report | null;
  validating: boolean;
  validationError: string | null;
  overlay: SimOverlay | null;
  selectedIds: string[];
  onNodesChange: (changes: NodeChange<StepNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<WireEdge>[]) => void;
  onConnect: (c: Connection) => void;
  onReconnect: (old: WireEdge, c: Connection) => void;
  onNodeDragStart: () => void;
  onNodeDragStop: () => void;
  onBeforeDelete: OnBeforeDelete<StepNode, WireEdge>;
  addNode: (kind: PaletteKind, position: Position) => void;
  /**
   * Inserts a step of `kind` after `from`'s `port`, wired (splitting the wire already there),
   * below it or at `at`; selects it and returns its id ('' when `from` does not exist).
   */
  insertAfter: (from: string, port: string, kind: PaletteKind, at?: Position) => string;
  /**
   * Deletes a step and reconnects its neighbours through its only wired output (one undo
   * step). A step with several wired outputs is not deleted without `keep`: it becomes
   * `pendingDelete` until `resolveDelete` says which output to keep (or null to cancel).
   */
  deleteNode: (id: string, keep?: string) => void;
  pendingDelete: { id: string; ports: string[] } | null;
  resolveDelete: (keep: string | null) => void;
  /** Applies a transformation of the journey document (a problem's fix) as one undo step. */
  applyDoc: (fn: (doc: JourneyDoc) => { doc: JourneyDoc; select?: string }) => void;
  updateNode: (id: string, doc: NodeDoc, coalesceKey?: string) => void;
  renameNode: (from: string, to: string) => boolean;
  updateMeta: (meta: JourneyMeta, coalesceKey?: string) => void;
  undo: () => void;
  redo: () => void;
  copy: () => number;
  paste: () => string[];
  duplicate: () => string[];
  deleteSelection: () => void;
  selectAll: () => void;
  /**
   * Lays the journey out (one undo step): ELK in a worker up to ELK_MAX_NODES steps (wires get
   * orthogonal routes), `layoutPositions` above or where no worker runs. Resolves when applied;
   * a layout overtaken by an edit is dropped (`applied: false`).
   */
  autoLayout: () => Promise<LayoutOutcome>;
  selectNode: (id: string | null) => void;
  setOverlay: (o: SimOverlay | null) => void;
  /** The scenario validation checks the journey's variables against (`unknown_variable`); null: none. */
  setValidationScenario: (s: ScenarioDoc | null) => void;
  /** Identity of the current content (pass it to markSaved after an async save). */
  version: number;
  markSaved: (version?: number) => void;
  load: (doc: JourneyDoc) => void;
}

/** What an auto-layout did: which layout, how long ELK took (ms, in the worker), whether it was applied. */
export interface LayoutOutcome {
  engine: 'elk' | 'fallback';
  ms: number;
  applied: boolean;
}

const sameJson = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * The canvas for `doc` after a document transformation of `current`: nodes and edges that did
 * not change keep their identity (and so do not re-render), changed ones keep their view data
 * (measured size, status); `select` (when given) becomes the only selected step.
 */
export function docToCanvas(current: CanvasState, doc: JourneyDoc, select?: string): CanvasState {
  const fresh = journeyToCanvas(doc);
  const old = new Map(current.nodes.map((n) => [n.id, n] as const));
  const nodes = fresh.nodes.map((n) => {
    const o = old.get(n.id);
    const selected = select !== undefined ? n.id === select : !!o?.selected;
    if (o && o.position.x === n.position.x && o.position.y === n.position.y && sameJson(o.data.doc, n.data.doc)) {
      return !!o.selected === selected ? o : { ...o, selected };
    }
    if (!o) return { ...n, selected };
    return { ...n, selected, measured: o.measured, data: { ...n.data, status: o.data.status, problems: o.data.problems, deadPorts: o.data.deadPorts } };
  });
  const oldEdges = new Map(current.edges.map((e) => [e.id, e] as const));
  const edges = fresh.edges.map((e) => {
    const o = oldEdges.get(e.id);
    if (!o || o.source !== e.source || o.target !== e.target || o.sourceHandle !== e.sourceHandle) return e;
    return select !== undefined && o.selected ? { ...o, selected: false } : o;
  });
  return { meta: sameJson(current.meta, fresh.meta) ? current.meta : fresh.meta, nodes, edges };
}

/**
 * The journey as sent to the validator: without node positions, which only the editor reads
 * (the backend ignores them), so that a 10,000-step journey is not 10,000 positions longer to send and parse.
 */
export function forValidation(doc: JourneyDoc): JourneyDoc {
  return {
    ...doc,
    nodes: doc.nodes.map((n) => {
      if (n.position === undefined) return n;
      const { position: _position, ...rest } = n;
      return rest as NodeDoc;
    }),
  };
}

/** Validations started before the editor for a journey is drawn (see `validateEarly`). */
const early = new WeakMap<JourneyDoc, Promise<Report>>();

/**
 * Starts validating `doc`, a journey about to be opened with `useEditor(doc)`: the editor's
 * first validation then takes this answer instead of asking once its first render is done.
 */
export function validateEarly(doc: JourneyDoc): void {
  if (early.has(doc)) return;
  const answer = validateJourney(forValidation(doc));
  answer.catch(() => undefined); // reported by the editor, if it opens
  early.set(doc, answer);
}

const buttonsOfDoc = (d: NodeDoc | undefined): Button[] => (d && d.type === 'send' && Array.isArray((d as SendNode).buttons) ? (d as SendNode).buttons! : []);

/** The in-memory clipboard survives switching journeys within the page. */
let clipboard: H.Clip | null = null;
let pasteCount = 0;

export function useEditor(initial: JourneyDoc): Editor {
  const [state, setState] = useState(() => H.initialState(journeyToCanvas(initial)));
  // The first revision is `initial` as opened: an early validation of it answers for it.
  const [firstRevision] = useState(state.revision);
  // The committed state, for the actions (event handlers) that read it.
  const stateRef = useRef(state);
  useLayoutEffect(() => {
    stateRef.current = state;
  }, [state]);
  const [report, setReport] = useState<Report | null>(null);
  // What the last validation answer (or failure) was for: validating while that is not the journey
  // and scenario shown.
  const [checked, setChecked] = useState<{ journey: JourneyDoc; scenario: ScenarioDoc | null } | null>(null);
  const [validationError, setValidationError] = useState<string | null>(null);
  const [overlay, setOverlayState] = useState<SimOverlay | null>(null);
  // The scenario chosen in Simulate: validation also says which variables none of its contacts has.
  const [validationScenario, setValidationScenario] = useState<ScenarioDoc | null>(null);
  const [pendingDelete, setPendingDelete] = useState<{ id: string; ports: string[] } | null>(null);
  const overlayRef = useRef<SimOverlay | null>(null);
  const problemsRef = useRef(nodeProblems([]));

  const update = useCallback((fn: (s: H.EditorState) => H.EditorState) => setState((s) => fn(s)), []);

  /** A content edit: history, clears the simulation overlay. */
  const editCanvas = useCallback(
    (fn: (c: H.EditorState['canvas']) => H.EditorState['canvas'], coalesceKey?: string) => {
      if (overlayRef.current) {
        overlayRef.current = null;
        setOverlayState(null);
      }
      update((s) => {
        const next = fn(s.canvas);
        if (next === s.canvas) return s;
        const plain = { ...next, nodes: overlayNodes(next.nodes, null), edges: overlayEdges(next.edges, null) };
        return H.edit(s, plain, coalesceKey);
      });
    },
    [update],
  );

  // The journey document, re-derived only when the journey changes (not on selection).
  const journey = useMemo(() => canvasToJourney(state.canvas), [state.revision]); // eslint-disable-line react-hooks/exhaustive-deps
  const validating = checked?.journey !== journey || checked.scenario !== validationScenario;

  // Live validation, debounced; stale answers are dropped. A journey just opened (or loaded) is
  // validated at once: there is no typing to wait for, and a large one is checked while it is drawn.
  const validationSeq = useRef(0);
  const validateNow = useRef(true);
  useEffect(() => {
    const seq = ++validationSeq.current;
    const asked = { journey, scenario: validationScenario };
    // The early check of a journey just opened knows no scenario: with one chosen, ask again.
    const pending = state.revision === firstRevision && !validationScenario ? early.get(initial) : undefined;
    const run = () => {
      (pending ?? validateJourney(forValidation(journey), validationScenario)).then(
        (r) => {
          if (seq !== validationSeq.current) return;
          // A blank journey does not open with an error (the empty canvas says what to do).
          setReport(r.diagnostics.length > 0 && journey.nodes.length === 0 ? { ...r, diagnostics: shownDiagnostics(r.diagnostics, journey) } : r);
          setValidationError(null);
          setChecked(asked);
          problemsRef.current = nodeProblems(r.diagnostics);
          update((s) => {
            const nodes = withStatuses(s.canvas.nodes, problemsRef.current);
            return nodes === s.canvas.nodes ? s : H.view(s, { ...s.canvas, nodes });
          });
        },
        (e: unknown) => {
          if (seq !== validationSeq.current) return;
          setChecked(asked);
          setValidationError(e instanceof Error ? e.message : String(e));
        },
      );
    };
    if (validateNow.current) {
      validateNow.current = false;
      run();
      return;
    }
    const timer = window.setTimeout(run, VALIDATION_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [journey, validationScenario, update]); // eslint-disable-line react-hooks/exhaustive-deps

  // New nodes (add, paste, undo) get the latest known status right away.
  const decorate = useCallback((nodes: StepNode[]) => overlayNodes(withStatuses(nodes, problemsRef.current), overlayRef.current), []);

  const setOverlay = useCallback(
    (o: SimOverlay | null) => {
      overlayRef.current = o;
      setOverlayState(o);
      update((s) => {
        const nodes = overlayNodes(s.canvas.nodes, o);
        const edges = overlayEdges(s.canvas.edges, o);
        return nodes === s.canvas.nodes && edges === s.canvas.edges ? s : H.view(s, { ...s.canvas, nodes, edges });
      });
    },
    [update],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange<StepNode>[]) => {
      // Removals go through onBeforeDelete (which takes the undo step); positions while
      // dragging and selection/dimensions are view updates.
      const removal = changes.some((c) => c.type === 'remove' || c.type === 'add' || c.type === 'replace');
      update((s) => {
        const nodes = applyNodeChanges(changes, s.canvas.nodes);
        const canvas = { ...s.canvas, nodes };
        return removal ? { ...s, canvas, revision: s.revision + 1 } : H.view(s, canvas);
      });
    },
    [update],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<WireEdge>[]) => {
      const removal = changes.some((c) => c.type === 'remove' || c.type === 'add' || c.type === 'replace');
      update((s) => {
        const edges = applyEdgeChanges(changes, s.canvas.edges);
        const canvas = { ...s.canvas, edges };
        return removal ? { ...s, canvas, revision: s.revision + 1 } : H.view(s, canvas);
      });
    },
    [update],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.source || !c.target || c.source === c.target) return;
      editCanvas((canvas) => H.connect(canvas, c.source, c.sourceHandle ?? 'next', c.target));
    },
    [editCanvas],
  );

  const onReconnect = useCallback(
    (old: WireEdge, c: Connection) => {
      if (!c.source || !c.target || c.source === c.target) return;
      editCanvas((canvas) => H.reconnect(canvas, old.id, c.source, c.sourceHandle ?? 'next', c.target));
    },
    [editCanvas],
  );

  const onNodeDragStart = useCallback(() => {
    if (overlayRef.current) setOverlay(null);
    update((s) => H.checkpoint(s));
  }, [update, setOverlay]);

  const onNodeDragStop = useCallback(() => {
    update((s) => {
      // Whole-pixel positions keep saved files tidy.
      const nodes = s.canvas.nodes.map((n) =>
        n.selected || n.dragging ? { ...n, position: { x: Math.round(n.position.x), y: Math.round(n.position.y) } } : n,
      );
      return H.moved(s, { ...s.canvas, nodes });
    });
  }, [update]);

  const addNode = useCallback(
    (kind: PaletteKind, position: Position) => {
      const entry = PALETTE.find((p) => p.kind === kind)!;
      editCanvas((c) => {
        // Never drop a card onto another one: take the nearest free place.
        const p = freeSpot({ x: Math.round(position.x), y: Math.round(position.y) }, c.nodes.map((n) => n.position));
        const r = H.addNode(c, newNodeDoc(kind), entry.idBase, p);
        return { ...r.canvas, nodes: decorate(r.canvas.nodes) };
      });
    },
    [editCanvas, decorate],
  );

  const updateNode = useCallback(
    (id: string, doc: NodeDoc, coalesceKey?: string) =>
      editCanvas((c) => {
        const old = c.nodes.find((n) => n.id === id)?.data.doc;
        const moved = T.movedReplyWire(old, doc);
        if (moved) {
          // The first reply branch takes over the wire of the plain "reply" port.
          const j = canvasToJourney(c);
          const edges = j.edges.map((e) => (e.from === id && (e.port ?? 'next') === 'next' ? T.makeEdge(id, moved, e.to) : e));
          return docToCanvas(c, { ...j, nodes: j.nodes.map((n) => (n.id === id ? { ...doc, position: n.position } : n)), edges });
        }
        const before = buttonsOfDoc(old);
        const after = buttonsOfDoc(doc);
        const next = H.updateNodeDoc(c, id, doc);
        if (next === c || sameJson(before, after)) return next;
        // Reply branches made from this send's buttons follow them.
        const j = canvasToJourney(next);
        const synced = T.syncButtonBranches(j, id, before, after);
        return synced === j ? next : docToCanvas(next, synced);
      }, coalesceKey ?? `node:${id}`),
    [editCanvas],
  );

  const applyDoc = useCallback(
    (fn: (doc: JourneyDoc) => { doc: JourneyDoc; select?: string }) =>
      editCanvas((c) => {
        const before = canvasToJourney(c);
        const r = fn(before);
        if (r.doc === before) return c;
        const next = docToCanvas(c, r.doc, r.select);
        return { ...next, nodes: decorate(next.nodes) };
      }),
    [editCanvas, decorate],
  );

  const insertAfter = useCallback(
    (from: string, port: string, kind: PaletteKind, at?: Position) => {
      const { id } = T.insertAfter(canvasToJourney(stateRef.current.canvas), from, port, kind, at);
      if (id) applyDoc((d) => { const r = T.insertAfter(d, from, port, kind, at); return { doc: r.doc, select: r.id }; });
      return id;
    },
    [applyDoc],
  );

  const deleteNode = useCallback(
    (id: string, keep?: string) => {
      const doc = canvasToJourney(stateRef.current.canvas);
      const plan = T.deletePlan(doc, id);
      if (keep === undefined && plan.needsChoice) {
        setPendingDelete({ id, ports: plan.usedPorts });
        return;
      }
      setPendingDelete(null);
      applyDoc((d) => ({ doc: T.deleteStep(d, id, keep) }));
    },
    [applyDoc],
  );
  const onBeforeDelete: OnBeforeDelete<StepNode, WireEdge> = useCallback(
    async ({ nodes, edges }) => {
      if (nodes.length === 0 && edges.length === 0) return false;
      if (overlayRef.current) setOverlay(null);
      // One step (with its own wires): a healing delete instead of React Flow's.
      if (nodes.length === 1 && edges.every((e) => e.source === nodes[0].id || e.target === nodes[0].id)) {
        deleteNode(nodes[0].id);
        return false;
      }
      update((s) => H.checkpoint(s));
      return true;
    },
    [update, setOverlay, deleteNode],
  );

  const resolveDelete = useCallback(
    (keep: string | null) => {
      const p = pendingDelete;
      setPendingDelete(null);
      if (p && keep !== null) deleteNode(p.id, keep);
    },
    [pendingDelete, deleteNode],
  );

  const renameNode = useCallback(
    (from: string, to: string) => {
      const c = stateRef.current.canvas;
      if (H.renameNode(c, from, to) === c) return false;
      editCanvas((canvas) => H.renameNode(canvas, from, to), `rename:${from}`);
      return true;
    },
    [editCanvas],
  );

  const updateMeta = useCallback(
    (meta: JourneyMeta, coalesceKey?: string) => editCanvas((c) => ({ ...c, meta }), coalesceKey ?? 'meta'),
    [editCanvas],
  );

  const undo = useCallback(() => {
    if (overlayRef.current) setOverlay(null);
    update((s) => {
      const n = H.undo(s);
      return n === s ? s : { ...n, canvas: { ...n.canvas, nodes: decorate(n.canvas.nodes) } };
    });
  }, [update, decorate, setOverlay]);

  const redo = useCallback(() => {
    if (overlayRef.current) setOverlay(null);
    update((s) => {
      const n = H.redo(s);
      return n === s ? s : { ...n, canvas: { ...n.canvas, nodes: decorate(n.canvas.nodes) } };
    });
  }, [update, decorate, setOverlay]);

  const copy = useCallback(() => {
    const clip = H.copySelection(stateRef.current.canvas);
    if (clip) {
      clipboard = clip;
      pasteCount = 0;
    }
    return clip?.nodes.length ?? 0;
  }, []);

  const paste = useCallback(() => {
    const clip = clipboard;
    if (!clip) return [];
    pasteCount += 1;
    const offset = { x: 40 * pasteCount, y: 40 * pasteCount };
    const { ids } = H.paste(stateRef.current.canvas, clip, offset);
    editCanvas((c) => {
      const r = H.paste(c, clip, offset);
      return { ...r.canvas, nodes: decorate(r.canvas.nodes) };
    });
    return ids;
  }, [editCanvas, decorate]);

  const duplicate = useCallback(() => {
    const clip = H.copySelection(stateRef.current.canvas);
    if (!clip) return [];
    const offset = { x: 40, y: 40 };
    const { ids } = H.paste(stateRef.current.canvas, clip, offset);
    editCanvas((c) => {
      const r = H.paste(c, clip, offset);
      return { ...r.canvas, nodes: decorate(r.canvas.nodes) };
    });
    return ids;
  }, [editCanvas, decorate]);

  const deleteSelection = useCallback(() => {
    const current = stateRef.current.canvas;
    const chosen = current.nodes.filter((n) => n.selected);
    if (chosen.length === 1 && !current.edges.some((e) => e.selected && e.source !== chosen[0].id && e.target !== chosen[0].id)) {
      deleteNode(chosen[0].id);
      return;
    }
    editCanvas((c) => {
      const gone = new Set(c.nodes.filter((n) => n.selected).map((n) => n.id));
      const edges = c.edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
      if (gone.size === 0 && edges.length === c.edges.length) return c;
      return { ...c, nodes: c.nodes.filter((n) => !gone.has(n.id)), edges };
    });
  }, [editCanvas, deleteNode]);

  const selectAll = useCallback(() => {
    update((s) => H.view(s, { ...s.canvas, nodes: s.canvas.nodes.map((n) => (n.selected ? n : { ...n, selected: true })) }));
  }, [update]);

  const autoLayout = useCallback(async (): Promise<LayoutOutcome> => {
    const fallback = () => {
      editCanvas((c) => {
        const doc = canvasToJourney(c);
        return applyPlacement(c, { positions: layoutPositions(doc.nodes, doc.edges), routes: new Map() });
      });
      return { engine: 'fallback' as const, ms: 0, applied: true };
    };
    const start = stateRef.current;
    if (start.canvas.nodes.length > ELK_MAX_NODES || !elkAvailable()) return fallback();
    let answer;
    try {
      answer = await elkLayout(elkGraph(start.canvas));
    } catch {
      return fallback();
    }
    // An edit (or undo) while ELK worked: its answer is for another journey.
    if (stateRef.current.revision !== start.revision || stateRef.current.canvas.nodes.length !== start.canvas.nodes.length) {
      return { engine: 'elk', ms: answer.ms, applied: false };
    }
    const placement = readElkResult(start.canvas, answer.graph);
    editCanvas((c) => applyPlacement(c, placement));
    return { engine: 'elk', ms: answer.ms, applied: true };
  }, [editCanvas]);

  const selectNode = useCallback((id: string | null) => update((s) => H.view(s, H.selectOnly(s.canvas, id))), [update]);

  const markSaved = useCallback((version?: number) => update((s) => ({ ...s, savedVersion: version ?? s.version })), [update]);

  const load = useCallback(
    (doc: JourneyDoc) => {
      overlayRef.current = null;
      setOverlayState(null);
      problemsRef.current = nodeProblems([]);
      validateNow.current = true;
      setReport(null);
      setState((s) => ({ ...H.initialState(journeyToCanvas(doc)), revision: s.revision + 1 }));
    },
    [],
  );

  const selectedIds = useMemo(() => state.canvas.nodes.filter((n) => n.selected).map((n) => n.id), [state.canvas.nodes]);

  return {
    nodes: state.canvas.nodes,
    edges: state.canvas.edges,
    meta: state.canvas.meta,
    journey,
    revision: state.revision,
    dirty: H.isDirty(state),
    canUndo: state.past.length > 0,
    canRedo: state.future.length > 0,
    report,
    validating,
    validationError,
    overlay,
    selectedIds,
    onNodesChange,
    onEdgesChange,
    onConnect,
    onReconnect,
    onNodeDragStart,
    onNodeDragStop,
    onBeforeDelete,
    addNode,
    insertAfter,
    deleteNode,
    pendingDelete,
    resolveDelete,
    applyDoc,
    updateNode,
    renameNode,
    updateMeta,
    undo,
    redo,
    copy,
    paste,
    duplicate,
    deleteSelection,
    selectAll,
    autoLayout,
    selectNode,
    setOverlay,
    setValidationScenario,
    version: state.version,
    markSaved,
    load,
  };
}
