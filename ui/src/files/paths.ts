/** File names of journeys inside the workspace folder. */

export const JOURNEY_SUFFIX = '.journey.json';

/** A name typed by a marketer as a journey file: "Welcome flow" → "welcome-flow.journey.json". */
export function journeyFileName(name: string): string {
  let n = name.trim().replace(/\\/g, '/');
  if (n.endsWith(JOURNEY_SUFFIX)) n = n.slice(0, -JOURNEY_SUFFIX.length);
  else if (n.endsWith('.json')) n = n.slice(0, -'.json'.length);
  const parts = n
    .split('/')
    .map((p) =>
      p
        .trim()
        .replace(/[^A-Za-z0-9._-]+/g, '-')
        .replace(/^-+|-+$/g, ''),
    )
    .filter((p) => p.length > 0 && p !== '.' && p !== '..');
  if (parts.length === 0) return '';
  return parts.join('/') + JOURNEY_SUFFIX;
}

/** `abs` relative to folder `dir`, or null when it is outside. */
export function relativeTo(dir: string, abs: string): string | null {
  const norm = (p: string) => p.replace(/\\/g, '/').replace(/\/+$/, '');
  const d = norm(dir);
  const a = norm(abs);
  if (!a.startsWith(d + '/')) return null;
  return a.slice(d.length + 1);
}

/** The route of a journey file. */
export function journeyRoute(file: string): string {
  return `#/journey/${encodeURIComponent(file)}`;
}
