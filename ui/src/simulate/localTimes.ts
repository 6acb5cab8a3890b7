/**
 * Local times in event data (`"in 2 days at 09:00 local"`, docs/scenario-format.md) as the
 * backend reads them: the scenario editor asks `resolve_local_times` what each field resolves to
 * for the contact and shows the answer under the field. The grammar and the daylight-saving rule
 * live in crates/sim (local_time.rs) only; nothing of them is written here.
 */
import { useEffect, useState } from 'react';
import { resolveLocalTimes } from '../api/backend';
import type { FieldTime, LocalTimesQuery } from '../api/types';

/** The example the form's placeholder and its "+ local time" button write. */
export const LOCAL_TIME_EXAMPLE = 'in 2 days at 09:00 local';

/** Answers already had, by query: a contact reopened or a value typed back shows at once. */
const answers = new Map<string, Map<string, FieldTime>>();
const REMEMBERED = 256;

function remember(key: string, fields: Map<string, FieldTime>) {
  if (answers.size >= REMEMBERED) answers.delete(answers.keys().next().value as string);
  answers.set(key, fields);
}

/**
 * What each field of an event's data written as a local time reads as, by field name; `null`
 * before the first answer, or for data without text (a number or `true` is never a local time).
 * Asked `delayMs` after the last change; until the answer comes the previous one stays shown.
 * A failed call shows nothing new: the note is advice, and simulating reports the same problems.
 */
export function useLocalTimes(query: LocalTimesQuery | null, delayMs = 150): Map<string, FieldTime> | null {
  const key = query && Object.values(query.data).some((v) => typeof v === 'string') ? JSON.stringify(query) : null;
  const [last, setLast] = useState<Map<string, FieldTime> | null>(null);
  const had = key === null ? undefined : answers.get(key);
  // What is shown stays shown while the next answer is asked for (set while rendering: derived state).
  if (had && had !== last) setLast(had);
  useEffect(() => {
    if (key === null || answers.has(key)) return;
    let live = true;
    const timer = window.setTimeout(() => {
      resolveLocalTimes(JSON.parse(key) as LocalTimesQuery).then(
        (answer) => {
          const fields = new Map(answer.fields.map((f) => [f.field, f]));
          remember(key, fields);
          if (live) setLast(fields);
        },
        () => {},
      );
    }, delayMs);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [key, delayMs]);
  if (key === null) return null;
  return had ?? last;
}
