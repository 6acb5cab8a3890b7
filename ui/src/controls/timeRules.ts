/**
 * What may be typed in a duration or a time-of-day field, as pure functions: parsing it into the
 * journey's canonical text, reading it back, and saying it in plain words. These only guide input;
 * the backend's validation remains the judge of the journey.
 */

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
