/**
 * Warnings shown on the field they are about (not only as a chip at the top of the inspector):
 * the `unknown_variable` warnings validation gives when a scenario is chosen in Simulate
 * ("`text` uses `contact.first_nam`, which no contact of the scenario has").
 */
import { createContext, useContext } from 'react';
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

/** `“contact.first_nam”` for backticked names: the message in the editor's quotes. */
function quoted(message: string): string {
  return message.replace(/`([^`]*)`/g, '“$1”');
}

export function FieldWarnings({ at }: { at: string[] }) {
  const diagnostics = useContext(NodeDiagnosticsContext);
  const shown = fieldWarnings(diagnostics, at);
  if (shown.length === 0) return null;
  return (
    <ul className="field-warnings" data-testid="field-warnings">
      {shown.map((d, i) => (
        <li key={i} className="field__warning" data-testid="field-warning" data-field={d.field ?? ''} data-code={d.code}>
          {quoted(d.message)}
        </li>
      ))}
    </ul>
  );
}
