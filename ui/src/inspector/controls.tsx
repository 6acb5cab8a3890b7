/**
 * Small form controls shared by the inspector and the settings panel. Inputs that parse what
 * is typed keep the raw text while focused, so half-typed values ("1h 3", "gold,") are never
 * rewritten under the cursor.
 */
import { useId, useState, type ReactNode } from 'react';
import { DURATION_UNITS, describeDuration, parseDurationInput, singleUnit, withUnit, type DurationUnit } from './formRules';

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

/** A text input whose displayed text is free while focused. */
export function DraftInput({
  value,
  onText,
  testId,
  id,
  placeholder,
  list,
  className,
  maxLength,
  ariaLabel,
  onBlurText,
}: {
  value: string;
  onText: (text: string) => void;
  testId?: string;
  id?: string;
  placeholder?: string;
  list?: string;
  className?: string;
  maxLength?: number;
  ariaLabel?: string;
  onBlurText?: (text: string) => void;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <input
      id={id}
      className={className ?? 'input'}
      data-testid={testId}
      value={draft ?? value}
      placeholder={placeholder}
      list={list}
      maxLength={maxLength}
      aria-label={ariaLabel}
      spellCheck={false}
      onFocus={() => setDraft(value)}
      onChange={(e) => {
        setDraft(e.target.value);
        onText(e.target.value);
      }}
      onBlur={(e) => {
        setDraft(null);
        onBlurText?.(e.target.value);
      }}
    />
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

export function Section({ title, children, actions }: { title: ReactNode; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="section">
      <header className="section__head">
        <h3 className="section__title">{title}</h3>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function IconButton({ label, onClick, testId, children, disabled }: { label: string; onClick: () => void; testId?: string; children: ReactNode; disabled?: boolean }) {
  return (
    <button type="button" className="icon-btn" aria-label={label} title={label} data-testid={testId} onClick={onClick} disabled={disabled}>
      {children}
    </button>
  );
}
