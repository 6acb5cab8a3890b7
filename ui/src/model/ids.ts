/** Node id generation: readable, unique within a journey, valid as a journey node id. */

/** Turns free text into an id fragment: lowercase letters, digits and underscores. */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return s.length > 0 ? s : 'node';
}

/** `base`, or `base_2`, `base_3`... : the first not in `taken`. */
export function uniqueId(base: string, taken: ReadonlySet<string>): string {
  const b = slug(base);
  if (!taken.has(b)) return b;
  // Strip an existing numeric suffix so that copying `sms_2` gives `sms_3`, not `sms_2_2`.
  const stem = b.replace(/_\d+$/, '');
  for (let i = 2; ; i++) {
    const candidate = `${stem}_${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** The journey id a name suggests: `Appointment reminder` → `appointment-reminder` (files and URLs use dashes). */
export function journeyIdFor(name: string): string {
  const s = slug(name).replace(/_/g, '-');
  return s === 'node' && !/node/i.test(name) ? 'new-journey' : s;
}

/**
 * Renaming a journey: while its file is new (never saved), the id follows the name as long as
 * the id is still the one the old name suggested (or the blank journey's `new-journey`); an id
 * the marketer typed, or any id of a saved file, stays as it is (ids are the stable name in
 * files, traces and reports).
 */
export function renamedJourney<M extends { id: string; name: string }>(meta: M, name: string, fileIsNew: boolean): M {
  const following = fileIsNew && (meta.id === 'new-journey' || meta.id === '' || meta.id === journeyIdFor(meta.name));
  return following ? { ...meta, name, id: journeyIdFor(name) } : { ...meta, name };
}
