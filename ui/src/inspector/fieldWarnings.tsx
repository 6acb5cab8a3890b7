/**
 * Warnings shown on the field they are about (not only as a chip at the top of the inspector):
 * the `unknown_variable` warnings validation gives when a scenario is chosen in Simulate
 * ("`text` uses `contact.first_nam`, which no contact of the scenario has").
 */
import { useContext } from 'react';
import { fieldWarnings, NodeDiagnosticsContext } from './fieldDiagnostics';

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
