/**
 * Building transformations as pure functions on the journey document (not the canvas state):
 * insert a step after a port (splitting the wire already there), delete a step and heal the
 * gap, connect a port to an existing step (the candidates the "+" menu lists), reply branches
 * taken from the buttons of the send before a `wait_for` (kept in sync when the buttons change),
 * keyword branches, and the mechanical fixes the problems panel offers (an Exit at every open
 * end at once among them).
 *
 * Every function returns a new document and never mutates its input, so the editor's history
 * (journey snapshots) undoes each one as a single step. No function recurses per node: graph
 * walks use explicit stacks, so 1,000-node journeys cost nothing special.
 */
import type { Button, EdgeDoc, JourneyDoc, NodeDoc, Position, SendNode, WaitBranch, WaitForNode } from '../api/types';
import { DEFAULT_PORT } from '../api/types';
import { uniqueId } from './ids';
import { freeSpot, NODE_HEIGHT, NODE_WIDTH } from './layout';
import { newNodeDoc, PALETTE, type PaletteKind } from './palette';
import { outputPorts } from './ports';

/** Vertical distance from a step to the step inserted below it. */
export const INSERT_ROW = NODE_HEIGHT + 80;
/** Horizontal distance between the children of a step with several ports. */
export const INSERT_COLUMN = NODE_WIDTH + 40;

const portOf = (e: EdgeDoc) => e.port ?? DEFAULT_PORT;

/** An edge `from`/`port` → `to`, written the way the file format prefers (no `port: next`). */
export function makeEdge(from: string, port: string, to: string): EdgeDoc {
  return port === DEFAULT_PORT ? { from, to } : { from, port, to };
}

/** The edge leaving `from` by `port`, if any. */
export function edgeFrom(doc: JourneyDoc, from: string, port: string): EdgeDoc | undefined {
  return doc.edges.find((e) => e.from === from && portOf(e) === port);
}

/** Ids of every node reachable from `start` (included), following edges forward. */
export function reachableFrom(doc: JourneyDoc, start: readonly string[]): Set<string> {
  const out = new Map<string, string[]>();
  for (const e of doc.edges) {
    const list = out.get(e.from);
    if (list) list.push(e.to);
    else out.set(e.from, [e.to]);
  }
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const next of out.get(id) ?? []) if (!seen.has(next)) stack.push(next);
  }
  return seen;
}

/** The kinds the "+" menu offers after a port: every step but a trigger; no exit inside a wire. */
export function insertableKinds(splitting: boolean): PaletteKind[] {
  return PALETTE.map((p) => p.kind).filter((k) => k !== 'trigger' && !(splitting && k === 'exit'));
}

export interface InsertResult {
  doc: JourneyDoc;
  /** Id of the inserted step. */
  id: string;
}

/**
 * Inserts a new step of `kind` after `from`'s `port`, wired to it. When the port already leads
 * somewhere, the wire is split: the new step's first output port leads to the old target, and
 * everything below the old target moves down one row to make room. The new step is placed
 * below the port (under its own column for a step with several ports), or at `at` when given
 * (a wire dropped on empty canvas), never on top of another card.
 */
export function insertAfter(doc: JourneyDoc, from: string, port: string, kind: PaletteKind, at?: Position): InsertResult {
  const source = doc.nodes.find((n) => n.id === from);
  const entry = PALETTE.find((p) => p.kind === kind);
  if (!source || !entry) return { doc, id: '' };
  const id = uniqueId(entry.idBase, new Set(doc.nodes.map((n) => n.id)));
  const body = { ...newNodeDoc(kind), id } as NodeDoc;
  const old = edgeFrom(doc, from, port);

  const ports = outputPorts(source);
  const index = Math.max(0, ports.findIndex((p) => p.port === port));
  const sp = source.position ?? { x: 0, y: 0 };
  let nodes = doc.nodes;
  let wanted: Position;
  if (at) wanted = { x: Math.round(at.x), y: Math.round(at.y) };
  else if (old) {
    // Take the old target's place; it and everything after it move down a row.
    const target = doc.nodes.find((n) => n.id === old.to);
    wanted = target?.position ? { ...target.position } : { x: sp.x, y: sp.y + INSERT_ROW };
    const below = reachableFrom(doc, [old.to]);
    // Never move the source or what leads to it (a wire that loops back).
    below.delete(from);
    nodes = nodes.map((n) => (below.has(n.id) && n.position ? { ...n, position: { x: n.position.x, y: n.position.y + INSERT_ROW } } : n));
  } else {
    const spread = ports.length > 1 ? (index - (ports.length - 1) / 2) * INSERT_COLUMN : 0;
    wanted = { x: Math.round(sp.x + spread), y: sp.y + INSERT_ROW };
  }
  const position = old && !at ? wanted : freeSpot(wanted, nodes.filter((n) => n.position).map((n) => n.position as Position));
  const node = { ...body, position } as NodeDoc;

  let edges = doc.edges.filter((e) => e !== old);
  edges = [...edges, makeEdge(from, port, id)];
  if (old) {
    const first = outputPorts(node)[0];
    if (first) edges.push(makeEdge(id, first.port, old.to));
  }
  return { doc: { ...doc, nodes: [...nodes, node], edges }, id };
}

export interface DeletePlan {
  /** Output ports of the step that have a wire, in port order. */
  usedPorts: string[];
  /** True when the marketer must say which output to keep (two or more wired outputs). */
  needsChoice: boolean;
}

/** What deleting `id` would do: heal through its only wired output, or ask which to keep. */
export function deletePlan(doc: JourneyDoc, id: string): DeletePlan {
  const node = doc.nodes.find((n) => n.id === id);
  const order = node ? outputPorts(node).map((p) => p.port) : [];
  const used = doc.edges.filter((e) => e.from === id && e.to !== id).map(portOf);
  const usedPorts = [...new Set(used)].sort((a, b) => rank(order, a) - rank(order, b));
  const incoming = doc.edges.some((e) => e.to === id && e.from !== id);
  return { usedPorts, needsChoice: usedPorts.length > 1 && incoming };
}

const rank = (order: string[], port: string) => {
  const i = order.indexOf(port);
  return i < 0 ? order.length : i;
};

/**
 * Deletes the step `id` and heals the gap: every wire into it is reconnected to the target of
 * the output it keeps (`keep`, or its only wired output). With several wired outputs and no
 * `keep`, nothing is reconnected. The steps that only the dropped outputs led to (now reached
 * from nowhere) are deleted with it, so a deleted branch takes its abandoned path along.
 */
export function deleteStep(doc: JourneyDoc, id: string, keep?: string): JourneyDoc {
  if (!doc.nodes.some((n) => n.id === id)) return doc;
  const plan = deletePlan(doc, id);
  const kept = keep ?? (plan.usedPorts.length === 1 ? plan.usedPorts[0] : undefined);
  const keptEdge = kept !== undefined ? edgeFrom(doc, id, kept) : undefined;
  const keptTarget = keptEdge && keptEdge.to !== id ? keptEdge.to : undefined;
  const dropped = doc.edges.filter((e) => e.from === id && e !== keptEdge && e.to !== id).map((e) => e.to);

  let edges: EdgeDoc[] = [];
  for (const e of doc.edges) {
    if (e.from === id) continue;
    if (e.to !== id) edges.push(e);
    else if (keptTarget !== undefined && e.from !== keptTarget) edges.push(makeEdge(e.from, portOf(e), keptTarget));
  }
  let nodes = doc.nodes.filter((n) => n.id !== id);
  let next: JourneyDoc = { ...doc, nodes, edges };

  if (dropped.length > 0 && keptTarget !== undefined) {
    // Abandoned path: what the dropped outputs reached and nothing else reaches any more
    // (from a trigger, or from a step nothing leads to that is not itself abandoned).
    const abandoned = reachableFrom(doc, dropped);
    abandoned.delete(id);
    const targets = new Set(edges.map((e) => e.to));
    const roots = nodes.filter((n) => n.type === 'trigger' || (!abandoned.has(n.id) && !targets.has(n.id))).map((n) => n.id);
    const alive = reachableFrom(next, roots);
    const gone = new Set([...abandoned].filter((n) => !alive.has(n)));
    if (gone.size > 0) {
      nodes = nodes.filter((n) => !gone.has(n.id));
      edges = edges.filter((e) => !gone.has(e.from) && !gone.has(e.to));
      next = { ...doc, nodes, edges };
    }
  }
  return next;
}

/** Removes a step and every wire touching it (no healing): the "remove unreachable step" fix. */
export function removeStep(doc: JourneyDoc, id: string): JourneyDoc {
  if (!doc.nodes.some((n) => n.id === id)) return doc;
  return { ...doc, nodes: doc.nodes.filter((n) => n.id !== id), edges: doc.edges.filter((e) => e.from !== id && e.to !== id) };
}

/** Wires `from`'s `port` to `to` (replacing the wire that port had). */
export function connectPort(doc: JourneyDoc, from: string, port: string, to: string): JourneyDoc {
  if (from === to) return doc;
  const edges = doc.edges.filter((e) => !(e.from === from && portOf(e) === port));
  return { ...doc, edges: [...edges, makeEdge(from, port, to)] };
}

/** A step a port could lead to: its id and the name the marketer knows it by. */
export interface ConnectCandidate {
  id: string;
  name: string;
}

/** How many existing steps the "+" menu offers to connect to. */
export const CONNECT_CANDIDATES = 6;

/**
 * The existing steps `from`'s `port` could lead to, best first, at most `limit`: never `from`
 * itself, a trigger, or a step that leads back to `from` (that would make a loop). Steps that
 * nothing leads to yet come first (they are waiting for a wire), then the nearest on the canvas.
 */
export function connectCandidates(doc: JourneyDoc, from: string, limit = CONNECT_CANDIDATES): ConnectCandidate[] {
  const source = doc.nodes.find((n) => n.id === from);
  if (!source) return [];
  // Steps that reach `from` are upstream of it: walk the edges backwards from `from`.
  const into = new Map<string, string[]>();
  for (const e of doc.edges) {
    const list = into.get(e.to);
    if (list) list.push(e.from);
    else into.set(e.to, [e.from]);
  }
  const upstream = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (upstream.has(id)) continue;
    upstream.add(id);
    for (const prev of into.get(id) ?? []) if (!upstream.has(prev)) stack.push(prev);
  }
  const targets = new Set(doc.edges.filter((e) => e.from !== e.to).map((e) => e.to));
  const sp = source.position ?? { x: 0, y: 0 };
  const distance = (n: NodeDoc) => {
    const p = n.position ?? { x: 0, y: 0 };
    return Math.hypot(p.x - sp.x, p.y - sp.y);
  };
  return doc.nodes
    .filter((n) => n.type !== 'trigger' && !upstream.has(n.id))
    .map((n) => ({ n, waiting: targets.has(n.id) ? 1 : 0, d: distance(n) }))
    .sort((a, b) => a.waiting - b.waiting || a.d - b.d || a.n.id.localeCompare(b.n.id))
    .slice(0, Math.max(0, limit))
    .map(({ n }) => ({ id: n.id, name: stepName(n, n.id) }));
}

/** An output port with no next step (a `dead_end` of the validation report). */
export interface OpenEnd {
  node: string;
  port: string;
}

/**
 * Ends the journey at every open end: an Exit inserted after each port of `ends` that still
 * has no wire (each below its own port, as the "+" menu places it). Ends of steps that do not
 * exist are skipped. One document change, so one undo step.
 */
export function addExitsAt(doc: JourneyDoc, ends: readonly OpenEnd[]): { doc: JourneyDoc; ids: string[] } {
  let next = doc;
  const ids: string[] = [];
  const done = new Set<string>();
  for (const { node, port } of ends) {
    const key = `${node}\u0000${port}`;
    if (done.has(key)) continue;
    done.add(key);
    if (!next.nodes.some((n) => n.id === node) || edgeFrom(next, node, port)) continue;
    const r = insertAfter(next, node, port, 'exit');
    if (!r.id) continue;
    next = r.doc;
    ids.push(r.id);
  }
  return { doc: next, ids };
}

// ---- reply branches from buttons ----

/**
 * Buttons of the send steps that lead into `id` (through steps that are not sends, at most six
 * steps back), in the order found. `nodes` maps ids to their documents.
 */
export function upstreamButtons(nodes: ReadonlyMap<string, NodeDoc>, edges: readonly { from: string; to: string }[], id: string): Button[] {
  const seen = new Set<string>([id]);
  let frontier = new Set([id]);
  const out: Button[] = [];
  for (let depth = 0; depth < 6 && frontier.size > 0; depth++) {
    const next = new Set<string>();
    for (const e of edges) {
      if (!frontier.has(e.to) || seen.has(e.from)) continue;
      seen.add(e.from);
      const n = nodes.get(e.from);
      if (!n) continue;
      if (n.type === 'send') {
        for (const x of buttonsOfSend(n)) if (!out.some((o) => o.id === x.id)) out.push(x);
      } else next.add(e.from);
    }
    frontier = next;
  }
  return out;
}

/** The same, on a journey document. */
export function upstreamButtonsIn(doc: JourneyDoc, id: string): Button[] {
  return upstreamButtons(new Map(doc.nodes.map((n) => [n.id, n] as const)), doc.edges, id);
}

function buttonsOfSend(n: NodeDoc): Button[] {
  const b = (n as SendNode).buttons;
  return Array.isArray(b) ? b.filter((x) => x && typeof x.id === 'string') : [];
}

/** A port name for a button id: letters, digits, `_` and `-`; never `timeout`, never taken. */
export function portForButton(buttonId: string, taken: ReadonlySet<string>): string {
  let base = buttonId.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'button';
  if (base === 'timeout') base = 'timeout_reply';
  let port = base;
  for (let i = 2; taken.has(port); i++) port = `${base}_${i}`;
  return port;
}

/** The branch for one button: its port, the button id and its title as a keyword. */
export function buttonBranch(b: Button, taken: ReadonlySet<string>): WaitBranch {
  const keyword = b.title.trim().toLowerCase();
  return keyword ? { port: portForButton(b.id, taken), button: b.id, keywords: [keyword] } : { port: portForButton(b.id, taken), button: b.id };
}

/**
 * "One branch per button": a branch for every button not yet answered by a branch, appended
 * after the branches already there (which keep their ports, so their wires stay).
 */
export function branchesFromButtons(node: WaitForNode, buttons: readonly Button[]): WaitForNode {
  const branches = Array.isArray(node.branches) ? node.branches : [];
  const taken = new Set(branches.map((b) => b.port));
  const answered = new Set(branches.map((b) => b.button).filter(Boolean));
  const added: WaitBranch[] = [];
  for (const b of buttons) {
    if (answered.has(b.id)) continue;
    const branch = buttonBranch(b, taken);
    taken.add(branch.port);
    added.push(branch);
  }
  if (added.length === 0) return node;
  return { ...node, reply: node.reply ?? { channel: 'whatsapp' }, branches: [...branches, ...added] };
}

/**
 * When a `wait_for` without branches (one `next` port: any reply or the event) gets its first
 * branches, the port its `next` wire should move to: the first branch's. Otherwise null.
 */
export function movedReplyWire(before: NodeDoc | undefined, after: NodeDoc): string | null {
  if (!before || before.type !== 'wait_for' || after.type !== 'wait_for') return null;
  const had = (before as WaitForNode).branches;
  const has = (after as WaitForNode).branches;
  if ((Array.isArray(had) && had.length > 0) || !Array.isArray(has) || has.length === 0) return null;
  const port = String(has[0].port ?? '');
  return port && port !== DEFAULT_PORT ? port : null;
}

/** Keyword branches offered next to the buttons (STOP is handled by consent, not here). */
export const KEYWORD_PRESETS: Record<'yes' | 'no', string[]> = {
  yes: ['yes', 'y', 'ok', 'confirm'],
  no: ['no', 'n', 'cancel'],
};

/** Adds the `yes` or `no` keyword branch (port named after it) unless one is there. */
export function addKeywordBranch(node: WaitForNode, preset: keyof typeof KEYWORD_PRESETS): WaitForNode {
  const branches = Array.isArray(node.branches) ? node.branches : [];
  if (branches.some((b) => b.port === preset)) return node;
  return { ...node, branches: [...branches, { port: preset, keywords: [...KEYWORD_PRESETS[preset]] }] };
}

/** Renames `from`'s output port `old` to `port` on its wire. */
function renamePortEdges(edges: EdgeDoc[], from: string, old: string, port: string): EdgeDoc[] {
  return edges.map((e) => (e.from === from && portOf(e) === old ? makeEdge(from, port, e.to) : e));
}

/**
 * Keeps button branches in step when the send `sendId` changes its buttons from `before` to
 * `after` (matched by position: a renamed button is the same button). In every `wait_for` fed by
 * the send, a branch answering a renamed button follows it (button id; the port and keyword too
 * when they were derived from the old button, with the port's wire moved along); when every old
 * button had a branch, added buttons get one; a branch of a removed button is removed.
 */
export function syncButtonBranches(doc: JourneyDoc, sendId: string, before: readonly Button[], after: readonly Button[]): JourneyDoc {
  if (JSON.stringify(before) === JSON.stringify(after)) return doc;
  const match = matchButtons(before, after);
  const fed = reachableWaitFors(doc, sendId);
  let edges = doc.edges;
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    if (!fed.has(n.id) || n.type !== 'wait_for') return n;
    const w = n as WaitForNode;
    const branches = Array.isArray(w.branches) ? w.branches : [];
    if (branches.length === 0) return n;
    const allAnswered = before.length > 0 && before.every((b) => branches.some((x) => x.button === b.id));
    const next: WaitBranch[] = [];
    const taken = new Set(branches.map((b) => b.port));
    for (const branch of branches) {
      const i = before.findIndex((b) => b.id === branch.button);
      if (branch.button === undefined || i < 0) {
        next.push(branch);
        continue;
      }
      const nb = match[i];
      if (!nb) {
        // The button is gone, and so is its branch (and the wire of its port).
        edges = edges.filter((e) => !(e.from === n.id && portOf(e) === branch.port));
        continue;
      }
      const ob = before[i];
      let updated: WaitBranch = { ...branch, button: nb.id };
      taken.delete(branch.port);
      if (branch.port === portForButton(ob.id, taken)) {
        const port = portForButton(nb.id, taken);
        if (port !== branch.port) {
          edges = renamePortEdges(edges, n.id, branch.port, port);
          updated = { ...updated, port };
        }
      }
      taken.add(updated.port);
      const oldKw = ob.title.trim().toLowerCase();
      if (branch.keywords && branch.keywords.length === 1 && branch.keywords[0] === oldKw) {
        const kw = nb.title.trim().toLowerCase();
        updated = kw ? { ...updated, keywords: [kw] } : (({ keywords: _k, ...rest }) => rest)(updated);
      }
      next.push(updated);
    }
    if (allAnswered) {
      for (const nb of after.filter((b) => !match.includes(b))) {
        if (next.some((b) => b.button === nb.id)) continue;
        const branch = buttonBranch(nb, taken);
        taken.add(branch.port);
        next.push(branch);
      }
    }
    if (JSON.stringify(next) === JSON.stringify(branches)) return n;
    changed = true;
    if (next.length > 0) return { ...w, branches: next };
    const { branches: _b, ...rest } = w;
    return rest as WaitForNode;
  });
  return changed || edges !== doc.edges ? { ...doc, nodes, edges } : doc;
}

/**
 * For each button before an edit, the same button after it (or null when removed): a button
 * keeps its id, or else, when the count is unchanged, its place (a rename). Buttons after
 * that match none were added.
 */
export function matchButtons(before: readonly Button[], after: readonly Button[]): (Button | null)[] {
  const match: (Button | null)[] = before.map((b) => after.find((a) => a.id === b.id) ?? null);
  if (before.length === after.length) {
    before.forEach((_, i) => {
      if (match[i] === null && !match.includes(after[i])) match[i] = after[i];
    });
  }
  return match;
}

/** The `wait_for` steps whose upstream buttons include those of `sendId`. */
function reachableWaitFors(doc: JourneyDoc, sendId: string): Set<string> {
  const byId = new Map(doc.nodes.map((n) => [n.id, n] as const));
  const out = new Set<string>();
  const seen = new Set<string>([sendId]);
  let frontier = [sendId];
  for (let depth = 0; depth < 6 && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const e of doc.edges) {
      if (!frontier.includes(e.from) || seen.has(e.to)) continue;
      seen.add(e.to);
      const n = byId.get(e.to);
      if (!n || n.type === 'send') continue;
      if (n.type === 'wait_for') out.add(n.id);
      next.push(n.id);
    }
    frontier = next;
  }
  return out;
}

// ---- labels ----

/** Sets (or, for blank text, removes) a step's human label. */
export function setLabel(doc: JourneyDoc, id: string, label: string): JourneyDoc {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    if (n.id !== id) return n;
    const text = label.trim() === '' ? undefined : label;
    if (n.label === text) return n;
    changed = true;
    if (text === undefined) {
      const { label: _l, ...rest } = n;
      return rest as NodeDoc;
    }
    return { ...n, label: text };
  });
  return changed ? { ...doc, nodes } : doc;
}

/** The name a marketer knows a step by: its label, or else its id. */
export function stepName(node: NodeDoc | undefined, id: string): string {
  const label = node && typeof node.label === 'string' ? node.label.trim() : '';
  return label || id;
}
