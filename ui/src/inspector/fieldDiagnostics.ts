/**
 * Which diagnostics are shown on the field they are about (see FieldWarnings), and the context
 * that hands the selected step's diagnostics down to its form.
 */
import { createContext } from 'react';
import type { Diagnostic } from '../api/types';

/** The selected step's diagnostics. */
export const NodeDiagnosticsContext = createContext<readonly Diagnostic[]>([]);

/** The codes shown on their field. */
const FIELD_CODES = new Set(['unknown_variable']);

/** Whether diagnostic field `field` lies within setting `at` (`condition` holds `condition.all[0].field`). */
export function withinField(field: string | null | undefined, at: string): boolean {
  if (!field) return false;
  return field === at || field.startsWith(`${at}.`) || field.startsWith(`${at}[`);
}

/** The field-level warnings of the settings `at`, in report order. */
export function fieldWarnings(diagnostics: readonly Diagnostic[], at: string[]): Diagnostic[] {
  return diagnostics.filter((d) => FIELD_CODES.has(d.code) && at.some((f) => withinField(d.field, f)));
}
