/**
 * Live preview of a Liquid template, rendered by the backend's engine code (never in the UI)
 * against a sample contact and event the marketer can edit, with dates in the sample contact's
 * `timezone` (else the journey's default zone) and `locale`. Debounced; shows missing variables
 * and values shown as written.
 */
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { previewTemplate } from '../api/backend';

export interface Sample {
  contact: Record<string, unknown>;
  event: Record<string, unknown>;
}

const STORAGE_KEY = 'itinera.sample';
export const DEFAULT_SAMPLE: Sample = {
  contact: { id: 'sample', first_name: 'Ana', last_name: 'Silva', tier: 'gold', language: 'en', timezone: 'Europe/Lisbon' },
  event: { starts_at: '2026-03-03T15:00:00Z', location: 'Lisbon Central Clinic' },
};

function loadSample(): Sample {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (raw) {
      const s = JSON.parse(raw) as Sample;
      if (s && typeof s.contact === 'object' && typeof s.event === 'object') return s;
    }
  } catch {
    // A broken stored sample falls back to the default.
  }
  return DEFAULT_SAMPLE;
}

/** The journey's `settings.default_timezone`: dates in a preview are written as the contact would get them. */
export const DefaultTimezoneContext = createContext<string | undefined>(undefined);

const SampleContext = createContext<{ sample: Sample; setSample: (s: Sample) => void }>({ sample: DEFAULT_SAMPLE, setSample: () => {} });

export function SampleProvider({ children }: { children: ReactNode }) {
  const [sample, setSampleState] = useState<Sample>(loadSample);
  const value = useMemo(
    () => ({
      sample,
      setSample: (s: Sample) => {
        setSampleState(s);
        try {
          localStorage.setItem(STORAGE_KEY, JSON.stringify(s));
        } catch {
          // Storage full or disabled: the sample lives for this page only.
        }
      },
    }),
    [sample],
  );
  return <SampleContext.Provider value={value}>{children}</SampleContext.Provider>;
}

function JsonBox({ label, value, onChange, testId }: { label: string; value: Record<string, unknown>; onChange: (v: Record<string, unknown>) => void; testId: string }) {
  const [text, setText] = useState(() => JSON.stringify(value, null, 2));
  const [error, setError] = useState<string | null>(null);
  return (
    <label className="sample__box">
      <span className="field__label">{label}</span>
      <textarea
        className={`input textarea mono${error ? ' input--error' : ''}`}
        rows={5}
        data-testid={testId}
        value={text}
        spellCheck={false}
        onChange={(e) => {
          setText(e.target.value);
          try {
            const v = JSON.parse(e.target.value) as unknown;
            if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('an object { … } is expected');
            setError(null);
            onChange(v as Record<string, unknown>);
          } catch (err) {
            setError(err instanceof Error ? err.message : String(err));
          }
        }}
      />
      {error && <span className="field__error">{error}</span>}
    </label>
  );
}

/** A tag still being typed (`{{ contact.` with no `}}`): not worth a round trip yet. */
export function unfinishedTag(template: string): boolean {
  const count = (re: RegExp) => (template.match(re) ?? []).length;
  return count(/\{\{/g) !== count(/\}\}/g) || count(/\{%/g) !== count(/%\}/g);
}

export function LiquidPreview({ template, label = 'Preview' }: { template: string; label?: string }) {
  const { sample, setSample } = useContext(SampleContext);
  const defaultTimezone = useContext(DefaultTimezoneContext);
  const [result, setResult] = useState<{ text: string; missing: string[]; problems?: string[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);

  useEffect(() => {
    if (!template.trim() || unfinishedTag(template)) {
      setResult(null);
      setError(null);
      return;
    }
    let live = true;
    const timer = window.setTimeout(() => {
      previewTemplate(template, sample.contact, sample.event, defaultTimezone).then(
        (r) => {
          if (!live) return;
          setResult(r);
          setError(null);
        },
        (e: unknown) => {
          if (!live) return;
          setError(e instanceof Error ? e.message : String(e));
        },
      );
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [template, sample, defaultTimezone]);

  return (
    <div className="preview" data-testid="liquid-preview-box">
      <div className="preview__head">
        <span className="field__label">{label}</span>
        <button type="button" className="link-btn small" data-testid="edit-sample" onClick={() => setEditing((e) => !e)}>
          {editing ? 'Done' : `Sample: ${String(sample.contact.first_name ?? sample.contact.id ?? 'contact')}`}
        </button>
      </div>
      {editing && (
        <div className="sample">
          <JsonBox label="Sample contact (contact.*)" testId="sample-contact" value={sample.contact} onChange={(contact) => setSample({ ...sample, contact })} />
          <JsonBox label="Sample event (event.*)" testId="sample-event" value={sample.event} onChange={(event) => setSample({ ...sample, event })} />
        </div>
      )}
      {!template.trim() ? (
        <div className="preview__empty muted small">Type a message to see it rendered for the sample contact.</div>
      ) : unfinishedTag(template) ? (
        <div className="preview__empty muted small">Close the {'{{ … }}'} tag to see the preview.</div>
      ) : error ? (
        <div className="field__error">Preview unavailable: {error}</div>
      ) : result ? (
        <>
          <div className="preview__bubble" data-testid="liquid-preview">
            {result.text}
          </div>
          {result.missing.length > 0 && (
            <div className="preview__missing" data-testid="liquid-missing">
              Missing for this contact:{' '}
              {result.missing.map((m) => (
                <code key={m} className="chip chip--warn">
                  {m}
                </code>
              ))}
            </div>
          )}
          {(result.problems ?? []).length > 0 && (
            <div className="preview__missing" data-testid="liquid-problems">
              {(result.problems ?? []).map((p) => (
                <div key={p} className="field__error">
                  {p}
                </div>
              ))}
            </div>
          )}
        </>
      ) : (
        <div className="muted small">Rendering…</div>
      )}
    </div>
  );
}
