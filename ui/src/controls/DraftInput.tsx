/**
 * Inputs that parse what is typed keep the raw text while focused, so half-typed values
 * ("1h 3", "gold,") are never rewritten under the cursor.
 */
import { useState } from 'react';

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
