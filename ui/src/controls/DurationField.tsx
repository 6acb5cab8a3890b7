import { useId, useState, type ReactNode } from 'react';
import { DraftInput } from './DraftInput';
import { Field } from './Field';
import { DURATION_UNITS, describeDuration, parseDurationInput, singleUnit, withUnit, type DurationUnit } from './timeRules';

/**
 * A duration: free text ("1h30m", "90 min", a bare number in the chosen unit) plus a unit
 * picker. Valid text is committed as the format's canonical duration while typing.
 */
export function DurationField({
  label,
  value,
  onChange,
  testId,
  signed = false,
  hint,
  placeholder = 'e.g. 4h or 1h30m',
}: {
  label: ReactNode;
  value: string | undefined;
  onChange: (v: string) => void;
  testId: string;
  signed?: boolean;
  hint?: ReactNode;
  placeholder?: string;
}) {
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const current = value ?? '';
  const [unit, setUnit] = useState<DurationUnit>(singleUnit(current) ?? 'h');
  const shownUnit = singleUnit(current) ?? unit;
  const words = describeDuration(current);
  return (
    <Field
      label={label}
      error={error}
      htmlFor={id}
      hint={words ? `${signed && current.startsWith('-') ? `${words} before` : words}${hint ? ' · ' : ''}${hint ?? ''}` : hint}
    >
      <div className="duration">
        <DraftInput
          id={id}
          className="input duration__text"
          testId={testId}
          value={current}
          placeholder={placeholder}
          onText={(text) => {
            const r = parseDurationInput(text, shownUnit, signed);
            if (r.ok) {
              setError(null);
              if (r.value !== current) onChange(r.value);
            } else {
              setError(text.trim() === '' ? 'Required' : r.error);
            }
          }}
          onBlurText={(text) => {
            if (parseDurationInput(text, shownUnit, signed).ok) setError(null);
          }}
        />
        <select
          className="input select duration__unit"
          data-testid={`${testId}-unit`}
          aria-label="Unit"
          value={singleUnit(current) ? shownUnit : ''}
          onChange={(e) => {
            const u = e.target.value as DurationUnit;
            setUnit(u);
            onChange(withUnit(current || `1${u}`, u));
            setError(null);
          }}
        >
          {!singleUnit(current) && <option value="">mixed</option>}
          {DURATION_UNITS.map((u) => (
            <option key={u.unit} value={u.unit}>
              {u.label}
            </option>
          ))}
        </select>
      </div>
    </Field>
  );
}
