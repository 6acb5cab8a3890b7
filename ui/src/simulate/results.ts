/**
 * Pure helpers that turn a simulation report into what the results view shows: outcome rows in
 * a fixed order, the goal rate, messages per channel, the filtered contact list and times.
 * Nothing here simulates: every number comes from the backend's report.
 */
import { CHANNELS, channelName } from '../model/channels';
import type { Outcome, SimContact, SimReport, SimStep } from '../api/types';

/** Populations up to this size are simulated with every contact's timeline. */
export const TIMELINE_LIMIT = 2000;

/** Outcomes in the order the summary lists them. */
export const OUTCOMES: Outcome[] = ['goal', 'exited', 'left', 'waiting', 'not_entered'];

/** Outcome names for people. */
export const OUTCOME_LABELS: Record<string, string> = {
  goal: 'Reached the goal',
  exited: 'Exited',
  left: 'Left (exit event)',
  waiting: 'Still waiting',
  not_entered: 'Never entered',
};

/** One row of the outcome totals. */
export interface OutcomeRow {
  outcome: string;
  label: string;
  count: number;
  /** Share of all simulated contacts, 0..1. */
  share: number;
}

/** Every known outcome (zeros included) followed by any other outcome the backend reported. */
export function outcomeRows(report: SimReport): OutcomeRow[] {
  const outcomes = report.summary.outcomes ?? {};
  const total = report.summary.contacts || 0;
  const names = [...OUTCOMES, ...Object.keys(outcomes).filter((o) => !OUTCOMES.includes(o as Outcome)).sort()];
  return names.map((outcome) => {
    const count = outcomes[outcome] ?? 0;
    return { outcome, label: OUTCOME_LABELS[outcome] ?? outcome, count, share: total > 0 ? count / total : 0 };
  });
}

/** A 0..1 rate as a percentage with at most one decimal ("42.5%"), or "—" when there is none. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—';
  const pct = Math.round(rate * 1000) / 10;
  return `${pct}%`;
}

/** Messages per channel that sent any, in a stable order (sms, whatsapp, email, then others). */
export function messageRows(report: SimReport): { channel: string; label: string; count: number }[] {
  const messages = report.summary.messages ?? {};
  const known: readonly string[] = CHANNELS;
  const names = [...known.filter((c) => c in messages), ...Object.keys(messages).filter((c) => !known.includes(c)).sort()];
  return names
    .map((channel) => ({ channel, label: channelName(channel), count: messages[channel] ?? 0 }))
    .filter((row) => row.count > 0);
}

/** Contacts with the given outcome (`all`: every contact) whose id contains `query` (any case). */
export function filterContacts(contacts: SimContact[], outcome: string, query = ''): SimContact[] {
  const q = query.trim().toLowerCase();
  return contacts.filter((c) => (outcome === 'all' || c.outcome === outcome) && (!q || c.id.toLowerCase().includes(q)));
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const zonedFormats = new Map<string, Intl.DateTimeFormat | null>();

function zonedFormat(timeZone: string): Intl.DateTimeFormat | null {
  if (!zonedFormats.has(timeZone)) {
    let format: Intl.DateTimeFormat | null = null;
    try {
      format = new Intl.DateTimeFormat('en-GB', {
        timeZone,
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
    } catch {
      format = null; // not a zone this browser knows
    }
    zonedFormats.set(timeZone, format);
  }
  return zonedFormats.get(timeZone) ?? null;
}

/**
 * `2026-03-02T09:05:00Z` → `Mon 2 Mar 09:05`, in UTC or in the IANA zone given (UTC when the
 * browser does not know the zone); a text that is no time is returned as is.
 */
export function formatAt(at: string, timeZone?: string | null): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  const format = timeZone && timeZone !== 'UTC' ? zonedFormat(timeZone) : null;
  if (format) {
    const part = (type: string) => format.formatToParts(d).find((p) => p.type === type)?.value ?? '';
    return `${part('weekday')} ${part('day')} ${part('month')} ${part('hour')}:${part('minute')}`;
  }
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${hh}:${mm}`;
}

/** How a step reads at a glance: a send that went out, one held back, one that failed. */
export type StepTone = 'ok' | 'deferred' | 'failed' | 'neutral';

/** The tone of a step from its result word and reason. */
export function stepTone(step: SimStep): StepTone {
  const result = step.result ?? '';
  if (result === 'failed' || result === 'skipped' || (step.reason && result !== 'deferred')) return 'failed';
  if (result === 'deferred') return 'deferred';
  if (['sent', 'delivered', 'goal', 'matched', 'called', 'succeeded'].includes(result)) return 'ok';
  return 'neutral';
}

/**
 * The sentence a timeline row shows: the backend's plain-words `detail` when it wrote one,
 * else the step's own words (`send: skipped (no_consent)`).
 */
export function stepText(step: SimStep): string {
  if (step.detail && step.detail.trim()) return step.detail;
  const parts = [step.type];
  if (step.result) parts.push(`: ${step.result}`);
  if (step.reason) parts.push(` (${step.reason})`);
  if (step.port) parts.push(` → ${step.port}`);
  return parts.join('');
}

/** Whether the report carries per-contact timelines (large generated populations may omit them). */
export function hasTimelines(report: SimReport): boolean {
  return report.contacts.some((c) => Array.isArray(c.steps) && c.steps.length > 0);
}

/**
 * How a message reads in the timeline: its text, else its WhatsApp template and the parameters
 * it was rendered with (`Template appointment_reminder (en): Ana · 2026-03-04T15:00:00Z`).
 */
export function messageText(message: { text?: string | null; template?: unknown }): string {
  if (message.text) return message.text;
  const t = message.template;
  if (typeof t === 'string') return `Template ${t}`;
  if (t && typeof t === 'object') {
    const { name, language, params } = t as { name?: unknown; language?: unknown; params?: unknown };
    const head = `Template ${String(name ?? '?')}${language ? ` (${String(language)})` : ''}`;
    return Array.isArray(params) && params.length > 0 ? `${head}: ${params.map(String).join(' · ')}` : head;
  }
  return '';
}

/**
 * How many times contacts entered the journey: the arrivals at its trigger steps (a keyed journey
 * or one with re-entry counts every flow), never fewer than the contacts that entered.
 */
export function entryCount(report: SimReport, triggers: string[]): number {
  const nodes = report.summary.nodes ?? {};
  const arrivals = triggers.reduce((sum, id) => sum + (Number(nodes[id]?.entered) || 0), 0);
  return Math.max(arrivals, report.summary.entered || 0);
}

/**
 * "14 entries by 12 contacts" when contacts entered more than once, else "12 contacts entered"
 * ("No contact entered" when none did).
 */
export function entriesText(entries: number, contacts: number): string {
  const people = `${contacts.toLocaleString('en')} contact${contacts === 1 ? '' : 's'}`;
  if (contacts === 0) return 'No contact entered';
  if (entries !== contacts) return `${entries.toLocaleString('en')} entr${entries === 1 ? 'y' : 'ies'} by ${people}`;
  return `${people} entered`;
}

/** What changed since a run, in words ("The journey and the scenario changed"), or null. */
export function staleText(journeyChanged: boolean, scenarioChanged: boolean): string | null {
  if (journeyChanged && scenarioChanged) return 'The journey and the scenario changed since this run.';
  if (journeyChanged) return 'The journey changed since this run.';
  if (scenarioChanged) return 'The scenario changed since this run.';
  return null;
}
