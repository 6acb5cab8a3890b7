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
