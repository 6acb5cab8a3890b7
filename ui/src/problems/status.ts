/**
 * What the validation report means for the canvas and the header: a status per node, the
 * header's summary text and the journey's facts in plain words.
 */
import { channelName } from '../model/channels';
import type { Diagnostic, Facts, NodeDoc, Report, WaitNode } from '../api/types';
import type { NodeStatus, StepNode } from '../model/canvas';

export interface NodeProblems {
  status: NodeStatus;
  problems: string[];
  /** Output ports reported as `dead_end` (drawn as unwired on the card). */
  deadPorts: string[];
}

/** The nodes a diagnostic is about (`node` and every member of `nodes`). */
export function diagnosticNodes(d: Diagnostic): string[] {
  const out: string[] = [];
  if (d.node) out.push(d.node);
  for (const n of d.nodes ?? []) if (!out.includes(n)) out.push(n);
  return out;
}

/** Status and messages per node id: error beats warning. */
export function nodeProblems(diagnostics: readonly Diagnostic[]): Map<string, NodeProblems> {
  const map = new Map<string, NodeProblems>();
  for (const d of diagnostics) {
    for (const id of diagnosticNodes(d)) {
      const entry = map.get(id) ?? { status: 'ok' as NodeStatus, problems: [], deadPorts: [] };
      if (d.code === 'dead_end' && d.port && id === d.node && !entry.deadPorts.includes(d.port)) entry.deadPorts.push(d.port);
      if (d.severity === 'error') entry.status = 'error';
      else if (entry.status !== 'error') entry.status = 'warning';
      entry.problems.push(d.message);
      map.set(id, entry);
    }
  }
  return map;
}

/** Nodes with their status set; unchanged nodes keep their identity (no re-render). */
export function withStatuses(nodes: StepNode[], problems: Map<string, NodeProblems>): StepNode[] {
  let changed = false;
  const out = nodes.map((n) => {
    const p = problems.get(n.data.doc.id) ?? { status: 'ok' as NodeStatus, problems: [], deadPorts: [] };
    const dead = (n.data.deadPorts ?? []).join('\n');
    if (n.data.status === p.status && n.data.problems.join('\n') === p.problems.join('\n') && dead === p.deadPorts.join('\n')) return n;
    changed = true;
    return { ...n, data: { ...n.data, status: p.status, problems: p.problems, deadPorts: p.deadPorts } };
  });
  return changed ? out : nodes;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function counts(report: Report): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const d of report.diagnostics) {
    if (d.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings };
}

/** "Valid", "2 errors", "1 error, 3 warnings". Warnings alone keep the journey valid. */
export function statusText(report: Report): string {
  const { errors, warnings } = counts(report);
  if (report.valid && errors === 0) return 'Valid';
  // Only a blank journey is invalid with nothing shown (its "no trigger" error is held back).
  if (errors === 0 && warnings === 0) return 'Empty journey';
  return warnings > 0 ? `${plural(errors, 'error')}, ${plural(warnings, 'warning')}` : plural(errors, 'error');
}

export { channelName };

/** The facts in plain words, most useful first: longest stay, messages per channel, size. */
export function factsPhrases(facts: Facts | null | undefined, nodeById?: (id: string) => NodeDoc | undefined): string[] {
  if (!facts) return [];
  const out: string[] = [];
  if (typeof facts.longest_time === 'string') {
    const why = facts.longest_time === 'unbounded' ? unboundedReason(facts, nodeById) : '';
    out.push(`Longest stay: ${facts.longest_time}${why ? ` (${why})` : ''}`);
  }
  const max = facts.max_messages;
  if (max && typeof max === 'object') {
    // Messages only (a webhook is not a message), channels a contact can actually get.
    const parts = Object.entries(max)
      .filter(([ch, n]) => typeof n === 'number' && n > 0 && ch !== 'webhook')
      .map(([ch, n]) => `${channelName(ch)} ${n}`);
    if (parts.length > 0) out.push(`Most messages: ${parts.join(', ')}`);
  }
  if (typeof facts.nodes === 'number') out.push(plural(facts.nodes, 'step'));
  return out;
}

/**
 * Why the longest stay is unbounded, from the validator's `unbounded_waits` (the waits whose end
 * depends on data): "‘wait_day_before’ waits until a date in the event data (event.starts_at)".
 */
export function unboundedReason(facts: Facts, nodeById?: (id: string) => NodeDoc | undefined): string {
  const waits = Array.isArray(facts.unbounded_waits) ? facts.unbounded_waits.filter((w): w is string => typeof w === 'string') : [];
  if (waits.length === 0) return '';
  const first = waits[0];
  const node = nodeById?.(first) as WaitNode | undefined;
  const field = node && node.type === 'wait' && typeof node.until?.field === 'string' && node.until.field ? node.until.field : '';
  const whose = field.startsWith('event.') ? 'event' : 'contact';
  const what = field ? `waits until a date in the ${whose} data (${field})` : `waits until ${whose} data says so`;
  const more = waits.length > 1 ? ` and ${waits.length - 1} more` : '';
  return `‘${first}’ ${what}${more}`;
}
