/**
 * Event data times written relative to the event in the contact's local time,
 * `"in 2 days at 09:00 local"` (docs/scenario-format.md, "Local times in event data").
 *
 * The backend resolves them when it simulates (crates/sim/src/local_time.rs); this module only
 * previews what a field resolves to for a contact, with the same grammar and the same rule for
 * daylight-saving changes (jiff's `compatible`: a skipped time is read with the offset before the
 * change, a repeated one is the first).
 */

/** The largest number of days a local time may lie after its event. */
export const MAX_DAYS = 100_000;

/** The example the form and its errors show. */
export const LOCAL_TIME_EXAMPLE = 'in 2 days at 09:00 local';

export interface LocalTime {
  days: number;
  hour: number;
  minute: number;
}

/** Whether a text is written in the local-time form (it may still be a bad one). */
export function looksLocal(text: string): boolean {
  return text.startsWith('in ') && text.endsWith(' local');
}

/** The form parsed; `null` when the text is not written in it, `{ error }` when badly. */
export function parseLocalTime(text: string): LocalTime | { error: string } | null {
  if (!looksLocal(text)) return null;
  const m = /^in (\d{1,9})(?: (day|days|week|weeks)|(d|w)) at (\d{1,2}):(\d{2}) local$/.exec(text);
  const bad = { error: `not a local time: write "in N days at HH:MM local", e.g. "${LOCAL_TIME_EXAMPLE}"` };
  if (!m) return bad;
  const unit = m[2] ?? m[3];
  const days = Number(m[1]) * (unit.startsWith('w') ? 7 : 1);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  if (days > MAX_DAYS || hour > 23 || minute > 59) return bad;
  return { days, hour, minute };
}

const partsFormats = new Map<string, Intl.DateTimeFormat | null>();

function partsFormat(timeZone: string): Intl.DateTimeFormat | null {
  if (!partsFormats.has(timeZone)) {
    let f: Intl.DateTimeFormat | null = null;
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      f = null;
    }
    partsFormats.set(timeZone, f);
  }
  return partsFormats.get(timeZone) ?? null;
}

/** The civil date and time of an instant in a zone, as milliseconds of the same wall clock in UTC. */
function wallClock(ms: number, format: Intl.DateTimeFormat): number {
  const p: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second);
}

/** The zone's offset (ms) at an instant. */
function offsetAt(ms: number, format: Intl.DateTimeFormat): number {
  return wallClock(ms, format) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of HH:MM on the day `days` after the event's own day in `timeZone`; `null` for a
 * zone this browser does not know.
 */
export function resolveLocalTime(local: LocalTime, eventAt: Date, timeZone: string): Date | null {
  const format = partsFormat(timeZone);
  if (!format || Number.isNaN(eventAt.getTime())) return null;
  const eventWall = new Date(wallClock(eventAt.getTime(), format));
  const wall = Date.UTC(eventWall.getUTCFullYear(), eventWall.getUTCMonth(), eventWall.getUTCDate() + local.days, local.hour, local.minute);
  // The offsets a day either side bound the ones that may apply at this wall time.
  const before = offsetAt(wall - 86_400_000, format);
  const after = offsetAt(wall + 86_400_000, format);
  const candidates = [wall - before, wall - after].filter((t, i, all) => all.indexOf(t) === i && wallClock(t, format) === wall).sort((a, b) => a - b);
  // Exists (once or twice: the first); skipped by a change: with the offset before it.
  return new Date(candidates.length > 0 ? candidates[0] : wall - before);
}

/** `+1d2h` after `start`, or an RFC 3339 time, as an instant (`null` when neither). */
export function eventInstant(at: string, start: string): Date | null {
  const rel = /^\+(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(at.trim());
  if (rel) {
    const base = new Date(start);
    if (Number.isNaN(base.getTime())) return null;
    const [w, d, h, m, s] = rel.slice(1).map((x) => Number(x ?? 0));
    return new Date(base.getTime() + ((((w * 7 + d) * 24 + h) * 60 + m) * 60 + s) * 1000);
  }
  const abs = new Date(at);
  return /^\d{4}-\d{2}-\d{2}T/.test(at) && !Number.isNaN(abs.getTime()) ? abs : null;
}

/** `2026-03-04T09:00:00Z` (what the backend writes). */
export function rfc3339(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

/** What an event data value reads as for the preview under its field, or null for an ordinary value. */
export function describeLocalValue(value: unknown, eventAt: string, start: string, timeZone: string): { ok: boolean; text: string } | null {
  if (typeof value !== 'string') return null;
  const parsed = parseLocalTime(value);
  if (!parsed) return null;
  if ('error' in parsed) return { ok: false, text: parsed.error };
  const at = eventInstant(eventAt, start);
  if (!at) return { ok: false, text: 'resolves once the event has a valid time' };
  const resolved = resolveLocalTime(parsed, at, timeZone);
  if (!resolved) return { ok: false, text: `unknown time zone ${timeZone}` };
  return { ok: true, text: `${rfc3339(resolved)} (${localText(resolved, timeZone)} ${timeZone})` };
}

/** `Wed 4 Mar 09:00` in the zone. */
function localText(d: Date, timeZone: string): string {
  try {
    const f = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const part = (type: string) => f.formatToParts(d).find((p) => p.type === type)?.value ?? '';
    return `${part('weekday')} ${part('day')} ${part('month')} ${part('hour')}:${part('minute')}`;
  } catch {
    return rfc3339(d);
  }
}
