/**
 * What a value typed in a form field means, in one place for the inspector (update attributes,
 * condition values) and the Simulate panel (test contacts' attributes, event data).
 */
import type { Json } from '../api/types';

/**
 * A value as typed: `true`/`false`/`null`, JSON numbers (`42`, `-3.5`, `1e3`), "quoted" text (the
 * quotes dropped: `"42"` is the text 42), anything else the text itself (so `01234`,
 * `+351912000001` and `gold` stay text).
 */
export function parseScalar(text: string): Json {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1);
  return text;
}

/**
 * The text a value shows in a form field, the inverse of `parseScalar`: text that would read back
 * as another value is quoted (`"42"`), objects and arrays are JSON, `undefined` is empty.
 */
export function formatScalar(value: Json | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return parseScalar(value) === value ? value : `"${value}"`;
  return JSON.stringify(value);
}
