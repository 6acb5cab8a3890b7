/**
 * A labelled field (label, control, then its error or hint) and the plain inputs built on it.
 */
import { useId, type ReactNode } from 'react';

export function Field({ label, hint, error, children, htmlFor }: { label: ReactNode; hint?: ReactNode; error?: string | null; children: ReactNode; htmlFor?: string }) {
  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <label className="field__label" htmlFor={htmlFor}>
        {label}
      </label>
      {children}
      {error ? (
        <div className="field__error" role="alert">
          {error}
        </div>
      ) : hint ? (
        <div className="field__hint">{hint}</div>
      ) : null}
    </div>
  );
}

export function TextField({
  label,
  value,
  onChange,
  testId,
  placeholder,
  hint,
  error,
  list,
  maxLength,
}: {
  label: ReactNode;
  value: string;
  onChange: (v: string) => void;
  testId: string;
  placeholder?: string;
  hint?: ReactNode;
  error?: string | null;
  list?: string;
  maxLength?: number;
}) {
  const id = useId();
  return (
    <Field label={label} hint={hint} error={error} htmlFor={id}>
      <input
        id={id}
        className="input"
        data-testid={testId}
        value={value}
        placeholder={placeholder}
        list={list}
        maxLength={maxLength}
        spellCheck={false}
        onChange={(e) => onChange(e.target.value)}
      />
    </Field>
  );
}

export function TextArea({
  label,
  value,
  onChange,
  testId,
  placeholder,
  hint,
  error,
  rows = 4,
  mono,
}: {
  label: ReactNode;
  value: string;
  onChange: (v: string) => void;
  testId: string;
  placeholder?: string;
  hint?: ReactNode;
  error?: string | null;
  rows?: number;
  mono?: boolean;
}) {
  const id = useId();
  return (
    <Field label={label} hint={hint} error={error} htmlFor={id}>
      <textarea
        id={id}
        className={`input textarea${mono ? ' mono' : ''}`}
        data-testid={testId}
        value={value}
        rows={rows}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
      />
    </Field>
  );
}

export function SelectField<T extends string>({
  label,
  value,
  options,
  onChange,
  testId,
  hint,
}: {
  label: ReactNode;
  value: T;
  options: { value: T; label: string }[];
  onChange: (v: T) => void;
  testId: string;
  hint?: ReactNode;
}) {
  const id = useId();
  const known = options.some((o) => o.value === value);
  return (
    <Field label={label} hint={hint} htmlFor={id}>
      <select id={id} className="input select" data-testid={testId} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {!known && <option value={value}>{value || '—'}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Field>
  );
}
