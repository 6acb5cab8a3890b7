/**
 * Form-level rules of the inspector, as pure functions: parsing what a marketer types into the
 * journey's values, and the limits the forms enforce as they type (3 buttons, 20-character
 * titles, split percentages summing to 100...). These only guide input; the backend's
 * validation remains the judge of the journey.
 */
import type { Button, Json, Variant } from '../api/types';
import { formatScalar, parseScalar } from '../controls/scalars';

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
  if (Array.isArray(value)) return value.map((v) => formatScalar(v as Json)).join(', ');
  return formatScalar(value as Json);
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
