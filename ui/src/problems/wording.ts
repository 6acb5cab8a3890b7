/**
 * Problems in the marketer's language: each diagnostic of the backend (whose code and message
 * stay as they are, shown as a small tag) gets a sentence naming steps by their label, and the
 * mechanical fixes it allows (add an Exit, connect to the only candidate, remove an unreachable
 * step, delete a wire to nowhere) as pure transformations of the journey document.
 */
import type { Diagnostic, EdgeDoc, JourneyDoc, NodeDoc } from '../api/types';
import { DEFAULT_PORT } from '../api/types';
import { addExitsAt, connectPort, insertAfter, reachableFrom, removeStep, stepName } from '../model/transform';

export type FixKind = 'add-exit' | 'add-exits' | 'connect' | 'remove-step' | 'remove-wire';

export interface Fix {
  kind: FixKind;
  label: string;
  /** The journey with the fix applied; `select` is the step to select afterwards. */
  apply: (doc: JourneyDoc) => { doc: JourneyDoc; select?: string };
}

export interface Wording {
  text: string;
  fixes: Fix[];
}

/** Backticked code in a backend message, as quoted words. */
export function plain(message: string): string {
  return message.replace(/`([^`]*)`/g, '“$1”');
}

const quote = (s: string) => `‘${s}’`;

/** The steps nothing leads to (not triggers). */
function entryless(doc: JourneyDoc): NodeDoc[] {
  const targets = new Set(doc.edges.filter((e) => e.from !== e.to).map((e) => e.to));
  return doc.nodes.filter((n) => n.type !== 'trigger' && !targets.has(n.id));
}

function edgeIndex(d: Diagnostic): number | null {
  const m = /^edges\[(\d+)\]/.exec(d.field ?? '');
  return m ? Number(m[1]) : null;
}

/** The sentence and fixes for one diagnostic of `doc`'s report (`all` is the whole report). */
export function describeProblem(d: Diagnostic, doc: JourneyDoc, all: readonly Diagnostic[] = []): Wording {
  const byId = new Map(doc.nodes.map((n) => [n.id, n] as const));
  const name = (id: string | null | undefined) => quote(stepName(id ? byId.get(id) : undefined, id ?? '?'));
  const node = d.node ?? undefined;
  const fixes: Fix[] = [];
  switch (d.code) {
    case 'dead_end': {
      const port = d.port ?? DEFAULT_PORT;
      const text =
        port === DEFAULT_PORT
          ? `${name(node)} has no next step: connect it, or end the journey here`
          : port === 'timeout'
            ? `${name(node)} has no step for when the wait times out: connect “timeout”, or end the journey there`
            : `${name(node)} has nothing after “${port}”: connect it, or end the journey there`;
      if (node && byId.has(node)) {
        fixes.push({ kind: 'add-exit', label: 'Add Exit', apply: (j) => { const r = insertAfter(j, node, port, 'exit'); return { doc: r.doc, select: r.id }; } });
        // The only step nothing leads to, if connecting to it makes no loop.
        const candidates = entryless(doc).filter((n) => n.id !== node && !reachableFrom(doc, [n.id]).has(node));
        if (candidates.length === 1) {
          const to = candidates[0].id;
          fixes.push({ kind: 'connect', label: `Connect to ${name(to)}`, apply: (j) => ({ doc: connectPort(j, node, port, to), select: to }) });
        }
      }
      return { text, fixes };
    }
    case 'unreachable': {
      if (node && byId.has(node)) {
        const below = reachableFrom(doc, [node]);
        const open = all.filter((x) => x.code === 'dead_end' && x.node && x.node !== node && byId.has(x.node) && !below.has(x.node));
        if (open.length === 1) {
          const from = open[0].node as string;
          const port = open[0].port ?? DEFAULT_PORT;
          const via = port === DEFAULT_PORT ? '' : ` (“${port}”)`;
          fixes.push({ kind: 'connect', label: `Connect from ${name(from)}${via}`, apply: (j) => ({ doc: connectPort(j, from, port, node), select: node }) });
        }
        fixes.push({ kind: 'remove-step', label: 'Remove step', apply: (j) => ({ doc: removeStep(j, node) }) });
      }
      return { text: `Nothing leads to ${name(node)}: connect a step to it, or remove it`, fixes };
    }
    case 'missing_trigger':
      return { text: 'The journey has no trigger yet: add one to choose the event that starts it', fixes };
    case 'multiple_triggers': {
      const names = (d.nodes ?? []).map((id) => name(id)).join(', ');
      return { text: `A journey starts from exactly one trigger; ${names || 'several steps'} are triggers: keep one`, fixes };
    }
    case 'cycle': {
      const names = (d.nodes ?? (node ? [node] : [])).map((id) => name(id)).join(', ');
      return { text: `${names} lead back into each other, so a contact could go round for ever: remove one of the wires`, fixes };
    }
    case 'duplicate_node_id':
      return { text: `Two steps have the id “${node ?? ''}”: give one of them another id`, fixes };
    case 'edge_unknown_node':
    case 'edge_unknown_port': {
      const i = edgeIndex(d);
      if (i !== null && i < doc.edges.length) {
        const edge = doc.edges[i];
        const same = (e: EdgeDoc | undefined) => !!e && e.from === edge.from && e.to === edge.to && e.port === edge.port;
        fixes.push({ kind: 'remove-wire', label: 'Delete wire', apply: (j) => ({ doc: same(j.edges[i]) ? { ...j, edges: j.edges.filter((_, k) => k !== i) } : j }) });
      }
      const text =
        d.code === 'edge_unknown_node'
          ? 'A wire leads to or from a step that does not exist: delete it, or reconnect it'
          : `A wire leaves ${name(node)} by “${d.port ?? ''}”, an output this step does not have: delete it, or reconnect it`;
      return { text, fixes };
    }
    case 'port_multiple_edges':
      return { text: `“${d.port ?? ''}” of ${name(node)} leads to more than one step: keep one wire`, fixes };
    case 'whatsapp_outside_window':
      return { text: `${name(node)} sends free WhatsApp text that may arrive outside the 24-hour reply window: use an approved template there`, fixes };
    case 'invalid_config':
      return { text: node ? `${name(node)}: ${plain(d.message)}` : plain(d.message), fixes };
    default:
      return { text: node ? `${name(node)}: ${plain(d.message)}` : plain(d.message), fixes };
  }
}

/**
 * The report as the editor shows it: a blank journey (no steps yet) does not open with the
 * "no trigger" error (the empty canvas already says what to do first).
 */
export function shownDiagnostics(diagnostics: readonly Diagnostic[], doc: JourneyDoc): Diagnostic[] {
  if (doc.nodes.length > 0) return [...diagnostics];
  return diagnostics.filter((d) => d.code !== 'missing_trigger');
}

/**
 * One fix for every open end at once when the report has two or more `dead_end`s: an Exit after
 * each of them ("end the journey wherever it stops"). Null otherwise (the row's own "Add Exit"
 * does for one).
 */
export function fixAllDeadEnds(diagnostics: readonly Diagnostic[], doc: JourneyDoc): Fix | null {
  const known = new Set(doc.nodes.map((n) => n.id));
  const ends = diagnostics
    .filter((d) => d.code === 'dead_end' && d.node && known.has(d.node))
    .map((d) => ({ node: d.node as string, port: d.port ?? DEFAULT_PORT }));
  if (ends.length < 2) return null;
  return {
    kind: 'add-exits',
    label: `Add an Exit to all ${ends.length} open ends`,
    apply: (j) => ({ doc: addExitsAt(j, ends).doc }),
  };
}
