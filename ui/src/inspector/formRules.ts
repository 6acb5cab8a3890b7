/**
 * Form-level rules of the inspector, as pure functions: parsing what a marketer types into the
 * journey's values, and the limits the forms enforce as they type (3 buttons, 20-character
 * titles, split percentages summing to 100...). These only guide input; the backend's
 * validation remains the judge of the journey.
 */
import type { Button, Json, Variant } from '../api/types';

// ---- durations ----

export const DURATION_UNITS = [
  { unit: 'm', label: 'minutes', seconds: 60 },
  { unit: 'h', label: 'hours', seconds: 3600 },
  { unit: 'd', label: 'days', seconds: 86400 },
  { unit: 'w', label: 'weeks', seconds: 604800 },
  { unit: 's', label: 'seconds', seconds: 1 },
] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number]['unit'];

const UNIT_SECONDS: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
const UNIT_ORDER = ['w', 'd', 'h', 'm', 's'];
const UNIT_WORDS: Record<string, string> = {
  w: 'w', wk: 'w', wks: 'w', week: 'w', weeks: 'w',
  d: 'd', day: 'd', days: 'd',
  h: 'h', hr: 'h', hrs: 'h', hour: 'h', hours: 'h',
  m: 'm', min: 'm', mins: 'm', minute: 'm', minutes: 'm',
  s: 's', sec: 's', secs: 's', second: 's', seconds: 's',
};

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Parses what was typed in a duration field into the format's canonical text ("1h30m").
 * Accepts "1h30m", "1h 30m", "90 min", "2 days"; a bare number takes `defaultUnit`.
 * With `signed`, a leading + or - is kept (offsets such as "-24h").
 */
export function parseDurationInput(text: string, defaultUnit: DurationUnit = 'h', signed = false): Parsed<string> {
  let t = text.trim().toLowerCase();
  if (t.length === 0) return { ok: false, error: 'Enter a duration, e.g. 15m, 2h, 3d or 1h30m' };
  let sign = '';
  if (t[0] === '+' || t[0] === '-') {
    if (!signed) return { ok: false, error: 'A duration here cannot be negative' };
    sign = t[0] === '-' ? '-' : '';
    t = t.slice(1).trim();
  }
  if (/^\d+$/.test(t)) t = t + defaultUnit;
  const parts = [...t.matchAll(/(\d+)\s*([a-z]+)\s*/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed.replace(/\s+/g, '') !== t.replace(/\s+/g, '')) {
    return { ok: false, error: `“${text.trim()}” is not a duration: write e.g. 15m, 2h, 3d or 1h30m` };
  }
  let seconds = 0;
  let written = '';
  let lastRank = -1;
  let ordered = true;
  for (const [, n, word] of parts) {
    const unit = UNIT_WORDS[word];
    if (!unit) return { ok: false, error: `Unknown unit “${word}”: use s, m, h, d or w` };
    seconds += Number(n) * UNIT_SECONDS[unit];
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastRank) ordered = false;
    lastRank = rank;
    written += `${Number(n)}${unit}`;
  }
  if (!Number.isSafeInteger(seconds)) return { ok: false, error: 'That duration is too long' };
  // Keep the marketer's own units ("90m" stays "90m"); reorder only when the format needs it.
  return { ok: true, value: sign + (ordered ? written : formatDuration(seconds)) };
}

/** Canonical text of a number of seconds: largest units first ("1h30m"; "0s" for zero). */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  let rest = Math.abs(seconds);
  let out = seconds < 0 ? '-' : '';
  for (const u of UNIT_ORDER) {
    const n = Math.floor(rest / UNIT_SECONDS[u]);
    if (n > 0) {
      out += `${n}${u}`;
      rest -= n * UNIT_SECONDS[u];
    }
  }
  return out;
}

/** Seconds of a canonical duration ("-24h" → -86400), or null. */
export function durationSeconds(text: string | undefined): number | null {
  if (!text) return null;
  const m = /^([+-]?)((?:\d+[wdhms])+)$/.exec(text.trim());
  if (!m) return null;
  let s = 0;
  for (const [, n, u] of m[2].matchAll(/(\d+)([wdhms])/g)) s += Number(n) * UNIT_SECONDS[u];
  return m[1] === '-' ? -s : s;
}

/** The single unit of a duration ("4h" → "h"), or null for compound or invalid ones. */
export function singleUnit(text: string | undefined): DurationUnit | null {
  const m = /^[+-]?\d+([wdhms])$/.exec((text ?? '').trim());
  return m ? (m[1] as DurationUnit) : null;
}

/** Same amount, other unit: ("4h", "d") → "4d"; compound durations use their total in that unit, rounded. */
export function withUnit(text: string, unit: DurationUnit): string {
  const m = /^([+-]?)(\d+)([wdhms])$/.exec(text.trim());
  if (m) return `${m[1]}${m[2]}${unit}`;
  const s = durationSeconds(text);
  if (s === null) return `1${unit}`;
  return `${s < 0 ? '-' : ''}${Math.max(1, Math.round(Math.abs(s) / UNIT_SECONDS[unit]))}${unit}`;
}

/** Plain words: "1 hour 30 minutes", "24 hours before". */
export function describeDuration(text: string | undefined): string {
  const s = durationSeconds(text);
  if (s === null) return '';
  const names: Record<string, string> = { w: 'week', d: 'day', h: 'hour', m: 'minute', s: 'second' };
  let rest = Math.abs(s);
  const words: string[] = [];
  for (const u of UNIT_ORDER) {
    const n = Math.floor(rest / UNIT_SECONDS[u]);
    if (n > 0) {
      words.push(`${n} ${names[u]}${n === 1 ? '' : 's'}`);
      rest -= n * UNIT_SECONDS[u];
    }
  }
  return words.length === 0 ? 'no time' : words.join(' ');
}

// ---- clock times ----

/** "HH:MM" (24 h). */
export function timeError(text: string): string | null {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(text.trim()) ? null : 'Use a 24-hour time, e.g. 09:00';
}

// ---- WhatsApp buttons ----

export const MAX_BUTTONS = 3;
export const MAX_BUTTON_TITLE = 20;

/** Clips a title to the WhatsApp limit (the form enforces it as one types). */
export function clipButtonTitle(title: string): string {
  return [...title].slice(0, MAX_BUTTON_TITLE).join('');
}

export interface ButtonProblems {
  /** Problems of the list as a whole. */
  list: string[];
  /** Per button: problems of its id and title. */
  items: { id?: string; title?: string }[];
}

export function buttonProblems(buttons: readonly Button[]): ButtonProblems {
  const list: string[] = [];
  if (buttons.length > MAX_BUTTONS) list.push(`WhatsApp allows at most ${MAX_BUTTONS} buttons`);
  const ids = new Map<string, number>();
  for (const b of buttons) ids.set(b.id, (ids.get(b.id) ?? 0) + 1);
  const items = buttons.map((b) => {
    const p: { id?: string; title?: string } = {};
    if (!b.id.trim()) p.id = 'Give the button an id (replies carry it)';
    else if ((ids.get(b.id) ?? 0) > 1) p.id = 'Two buttons share this id';
    const len = [...b.title].length;
    if (len === 0) p.title = 'Give the button a title';
    else if (len > MAX_BUTTON_TITLE) p.title = `At most ${MAX_BUTTON_TITLE} characters (${len})`;
    return p;
  });
  return { list, items };
}

/** A button id derived from its title ("Confirm" → "confirm"). */
export function buttonIdFromTitle(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

// ---- split ----

export interface SplitCheck {
  sum: number;
  ok: boolean;
  message: string;
  /** Per variant: problem of its port or percent. */
  items: (string | null)[];
}

export function checkSplit(variants: readonly Variant[]): SplitCheck {
  const sum = Math.round(variants.reduce((a, v) => a + (Number.isFinite(v.percent) ? v.percent : 0), 0) * 1000) / 1000;
  const ports = new Map<string, number>();
  for (const v of variants) ports.set(v.port, (ports.get(v.port) ?? 0) + 1);
  const items = variants.map((v) => {
    if (!v.port.trim()) return 'Name the variant’s port';
    if ((ports.get(v.port) ?? 0) > 1) return 'Two variants share this port';
    if (!Number.isFinite(v.percent) || v.percent < 0 || v.percent > 100) return 'A percentage is between 0 and 100';
    return null;
  });
  const ok = sum === 100 && variants.length >= 2 && items.every((i) => i === null);
  let message = `Total ${sum}%`;
  if (variants.length < 2) message = 'A split needs at least two variants';
  else if (sum !== 100) message = `Total ${sum}% — must be 100% (${sum < 100 ? `${Math.round((100 - sum) * 1000) / 1000}% left` : `${Math.round((sum - 100) * 1000) / 1000}% over`})`;
  return { sum, ok, message, items };
}

/** Evens out percentages to sum to exactly 100 (integers, remainder to the first ones). */
export function evenSplit(n: number): number[] {
  if (n <= 0) return [];
  const base = Math.floor(100 / n);
  const rest = 100 - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < rest ? 1 : 0));
}

// ---- ports ----

/** Problem with a port name among its siblings, or null. */
export function portError(port: string, siblings: readonly string[]): string | null {
  if (!port.trim()) return 'Name the port';
  if (!/^[A-Za-z0-9_-]+$/.test(port)) return 'Letters, digits, _ and - only';
  if (port === 'timeout') return '“timeout” is the timeout port';
  if (siblings.filter((p) => p === port).length > 1) return 'Two ports share this name';
  return null;
}

/** Problem with a node id among the others, or null. */
export function nodeIdError(id: string, others: readonly string[]): string | null {
  if (!id.trim()) return 'A step needs an id';
  if (!/^[A-Za-z0-9_-]+$/.test(id)) return 'Letters, digits, _ and - only';
  if (others.includes(id)) return `Another step is called “${id}”`;
  return null;
}

// ---- condition values and attribute values ----

/** Operators that take no value. */
export const VALUELESS_OPS = new Set(['exists', 'not_exists']);
/** Operators whose value is a duration. */
export const DURATION_OPS = new Set(['within_next', 'within_last']);

/** A scalar as typed: true/false/null, numbers, quoted text, else the text itself. */
export function parseScalar(text: string): Json {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(t)) return Number(t);
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1);
  return text;
}

/** The value of a condition row as typed, for operator `op`. */
export function parseConditionValue(op: string, text: string): Json | undefined {
  if (VALUELESS_OPS.has(op)) return undefined;
  if (DURATION_OPS.has(op)) return text.trim();
  if (op === 'in') {
    return text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map(parseScalar);
  }
  return parseScalar(text);
}

/** Text shown for a condition value (inverse of parseConditionValue for what it produces). */
export function formatConditionValue(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => formatScalar(v)).join(', ');
  return formatScalar(value);
}

function formatScalar(v: unknown): string {
  if (typeof v === 'string') {
    // Quote strings that would otherwise read back as another type.
    return parseScalar(v) === v ? v : `"${v}"`;
  }
  if (v === null) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Problem with a condition field path, or null. */
export function conditionFieldError(field: string): string | null {
  if (!/^(contact|event)\.[A-Za-z0-9_.-]+$/.test(field.trim())) return 'Start with contact. or event., e.g. contact.tier';
  return null;
}

/** Problem with a URL that may contain Liquid, or null. */
export function urlError(url: string): string | null {
  const t = url.trim();
  if (!t) return 'Enter the endpoint URL';
  if (t.includes('{{')) return /^(https?:\/\/|\{\{)/.test(t) ? null : 'Start with http:// or https://';
  try {
    const u = new URL(t);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'Use http:// or https://';
    if (!u.hostname) return 'The URL has no host';
    return null;
  } catch {
    return 'Not a valid URL';
  }
}
