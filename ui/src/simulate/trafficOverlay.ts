/**
 * The simulation overlay: what the canvas draws on top of a journey after a simulation.
 *
 * A simulation report (the backend's `SimReport`, same shape as `itinera simulate --json`) is
 * reduced here to what the canvas needs: how many contacts entered each node, how many took each
 * edge and, for one selected contact, the nodes and edges it went through in order. These are
 * pure functions of the report; the canvas never reads the report itself.
 *
 * The input types are structural (only the fields read here), so the full `SimReport` of
 * `api/types.ts` is accepted as is.
 */

/** What the canvas draws after a simulation (shared interface, see ui-interfaces.md). */
export interface SimOverlay {
  /** Node id → number of contacts that entered it. */
  nodeCounts: Record<string, number>;
  /** Traffic per edge (output port `port` of node `from` to node `to`). */
  edgeCounts: { from: string; port: string; to: string; count: number }[];
  /** Selected contact: node ids in visit order (consecutive repeats collapsed). */
  path?: string[];
  /** Selected contact: the edges it took, in order. */
  pathEdges?: { from: string; port: string; to: string }[];
  /** Live view: node id → contacts waiting there now (the engine's, never simulated). */
  waiting?: Record<string, number>;
}

/** One step of a contact's trace, as far as the overlay reads it. */
export interface OverlayStep {
  node: string;
  port?: string | null;
  /** `ignored`: an event reached a node without moving the contact (a trigger refusing a re-entry). */
  result?: string | null;
}

/** Steps that record something happening to the contact without it moving there. */
function moves(step: OverlayStep): boolean {
  return step.result !== 'ignored';
}

/** One contact of a report, as far as the overlay reads it. */
export interface OverlayContact {
  id: string;
  steps?: OverlayStep[] | null;
}

/** The parts of a simulation report the overlay reads. */
export interface OverlayReport {
  contacts?: OverlayContact[] | null;
  summary: {
    nodes?: Record<string, { entered?: number } | undefined> | null;
    edges?: { from: string; port: string; to: string; count: number }[] | null;
  };
}

/** Per-node and per-edge counts of a whole simulation. */
export function overlayFromReport(report: OverlayReport): SimOverlay {
  const nodeCounts: Record<string, number> = {};
  for (const [id, counts] of Object.entries(report.summary.nodes ?? {})) {
    nodeCounts[id] = counts?.entered ?? 0;
  }
  const edgeCounts = (report.summary.edges ?? []).map((e) => ({
    from: e.from,
    port: e.port,
    to: e.to,
    count: e.count,
  }));
  return { nodeCounts, edgeCounts };
}

/**
 * Node ids in visit order: a node that records several steps in a row counts once; `ignored`
 * steps (an event that did not move the contact) are left out.
 */
export function pathOfSteps(steps: OverlayStep[]): string[] {
  const path: string[] = [];
  for (const step of steps.filter(moves)) {
    if (path[path.length - 1] !== step.node) path.push(step.node);
  }
  return path;
}

/**
 * The edges a contact took. Between two consecutive nodes of its path, the port is the last one
 * recorded on the first node's steps; when no step names a port, the single edge of the journey
 * summary joining the two nodes is used. A pair joined by no edge (a re-entry: exit → trigger)
 * is left out.
 */
export function pathEdgesOfSteps(
  steps: OverlayStep[],
  knownEdges: { from: string; port: string; to: string }[],
): { from: string; port: string; to: string }[] {
  const edges: { from: string; port: string; to: string }[] = [];
  let current: string | undefined;
  let port: string | undefined;
  for (const step of steps.filter(moves)) {
    if (current === undefined) {
      current = step.node;
      port = step.port ?? undefined;
      continue;
    }
    if (step.node === current) {
      if (step.port) port = step.port;
      continue;
    }
    const to = step.node;
    const from = current;
    if (port !== undefined) {
      edges.push({ from, port, to });
    } else {
      const candidates = knownEdges.filter((e) => e.from === from && e.to === to);
      if (candidates.length >= 1) edges.push({ from, port: candidates[0].port, to });
    }
    current = to;
    port = step.port ?? undefined;
  }
  return edges;
}

/**
 * The whole simulation's counts plus the path of one contact. An unknown contact id (or a
 * contact whose steps were omitted by the backend) gives the counts with an empty path.
 */
export function overlayForContact(report: OverlayReport, contactId: string): SimOverlay {
  const base = overlayFromReport(report);
  const contact = (report.contacts ?? []).find((c) => c.id === contactId);
  const steps = contact?.steps ?? [];
  return {
    ...base,
    path: pathOfSteps(steps),
    pathEdges: pathEdgesOfSteps(steps, base.edgeCounts),
  };
}

/** The numbers of one published version as `live_counts` answers them (read here structurally). */
export interface LiveCountsLike {
  nodes: Record<string, { entered?: number; waiting?: number } | undefined>;
  edges?: { from: string; port: string; to: string; count: number }[] | null;
}

/**
 * The Live view's overlay: the same per-node arrivals and per-edge traffic the simulation draws,
 * counted by the backend from the engine's step log, plus the contacts waiting at each step now.
 */
export function overlayFromLive(counts: LiveCountsLike, path?: OverlayStep[]): SimOverlay {
  const nodeCounts: Record<string, number> = {};
  const waiting: Record<string, number> = {};
  for (const [id, c] of Object.entries(counts.nodes)) {
    nodeCounts[id] = c?.entered ?? 0;
    if (c?.waiting) waiting[id] = c.waiting;
  }
  const edgeCounts = (counts.edges ?? []).map((e) => ({ from: e.from, port: e.port, to: e.to, count: e.count }));
  const overlay: SimOverlay = { nodeCounts, edgeCounts, waiting };
  if (path) {
    overlay.path = pathOfSteps(path);
    overlay.pathEdges = pathEdgesOfSteps(path, edgeCounts);
  }
  return overlay;
}
