/**
 * Live preview of a Liquid template, rendered by the backend's engine code (never in the UI)
 * against a sample contact and event the marketer can edit, or "as" one of the test contacts of
 * the scenario chosen in the Simulate panel (its attributes, timezone, locale and trigger event
 * data), with dates in that contact's `timezone` (else the journey's default zone) and `locale`.
 * A send step's preview looks like the message: a chat bubble on a phone (WhatsApp buttons as
 * quick replies) or an inbox card with the subject. Debounced; shows missing variables and values
 * shown as written.
 */
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { previewTemplate } from '../api/backend';
import type { Button, TemplatePreview } from '../api/types';
import { channelName } from '../model/channels';
import { SAMPLE_CHOICE, choiceFor, contactLabel, resolveChoice, type Sample } from './previewAs';
import { DefaultTimezoneContext, TestContactsContext, unfinishedTag } from './previewShared';

export type { Sample } from './previewAs';

const STORAGE_KEY = 'itinera.sample';
const DEFAULT_SAMPLE: Sample = {
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

interface SampleState {
  sample: Sample;
  setSample: (s: Sample) => void;
  /** Whom the previews are shown as: `sample` or `contact:ID`. */
  choice: string;
  setChoice: (choice: string) => void;
}

const SampleContext = createContext<SampleState>({ sample: DEFAULT_SAMPLE, setSample: () => {}, choice: SAMPLE_CHOICE, setChoice: () => {} });

export function SampleProvider({ children }: { children: ReactNode }) {
  const [sample, setSampleState] = useState<Sample>(loadSample);
  const [choice, setChoice] = useState<string>(SAMPLE_CHOICE);
  const value = useMemo(
    () => ({
      sample,
      choice,
      setChoice,
      setSample: (s: Sample) => {
        setSampleState(s);
        try {
          localStorage.setItem(STORAGE_KEY, JSON.stringify(s));
        } catch {
          // Storage full or disabled: the sample lives for this page only.
        }
      },
    }),
    [sample, choice],
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

type Rendered = { result: TemplatePreview | null; error: string | null };

const NOTHING_RENDERED: Rendered = { result: null, error: null };

/** The backend's rendering of `template` for `sample`, debounced; nothing for an empty or unfinished one. */
function useRendered(template: string, sample: Sample, defaultTimezone: string | undefined): Rendered {
  const [rendered, setRendered] = useState<Rendered>(NOTHING_RENDERED);
  const idle = !template.trim() || unfinishedTag(template);
  // An empty or unfinished template forgets the last rendering (set while rendering, not in an
  // effect: React re-renders at once, before anything is drawn).
  if (idle && rendered !== NOTHING_RENDERED) setRendered(NOTHING_RENDERED);
  useEffect(() => {
    if (idle) return;
    let live = true;
    const timer = window.setTimeout(() => {
      previewTemplate(template, sample.contact, sample.event, defaultTimezone, sample.eventTime).then(
        (r) => {
          if (live) setRendered({ result: r, error: null });
        },
        (e: unknown) => {
          if (live) setRendered((now) => ({ result: now.result, error: e instanceof Error ? e.message : String(e) }));
        },
      );
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [idle, template, sample, defaultTimezone]);
  return idle ? NOTHING_RENDERED : rendered;
}

/** How a send step's message is shown: on a phone (SMS, WhatsApp) or in an inbox (email). */
export interface MessageFrame {
  channel: string;
  /** Email subject (Liquid, rendered too). */
  subject?: string;
  /** WhatsApp buttons, shown as quick replies. */
  buttons?: Button[];
  /** WhatsApp template name, when the message is a template. */
  template?: string;
}


export function LiquidPreview({ template, label = 'Preview', frame }: { template: string; label?: string; frame?: MessageFrame }) {
  const { sample: editable, setSample, choice, setChoice } = useContext(SampleContext);
  const tests = useContext(TestContactsContext);
  const defaultTimezone = useContext(DefaultTimezoneContext);
  const [editing, setEditing] = useState(false);
  const { sample, contact } = useMemo(() => resolveChoice(choice, editable, tests), [choice, editable, tests]);
  const { result, error } = useRendered(template, sample, defaultTimezone);
  const subject = useRendered(frame?.channel === 'email' ? (frame.subject ?? '') : '', sample, defaultTimezone);
  const shownChoice = contact ? choice : SAMPLE_CHOICE;
  const sampleName = String(editable.contact.first_name ?? editable.contact.id ?? 'contact');
  const who = String(sample.contact.first_name ?? sample.contact.id ?? 'contact');

  const missing = [...new Set([...(result?.missing ?? []), ...(subject.result?.missing ?? [])])];
  const problems = [...new Set([...(result?.problems ?? []), ...(subject.result?.problems ?? [])])];
  const text = result?.text ?? '';
  const body = (
    <div className={frame ? 'preview__text' : 'preview__bubble'} data-testid="liquid-preview">
      {text}
    </div>
  );
  const channel = frame?.channel ?? '';
  const framed =
    channel === 'sms' || channel === 'whatsapp' ? (
      <div className={`phone phone--${channel}`} data-testid="phone-preview" data-channel={channel}>
        <div className="phone__bar">
          <span className="phone__avatar" aria-hidden="true">
            {who.slice(0, 1).toUpperCase()}
          </span>
          <span className="phone__who">{who}</span>
          <span className="phone__channel">{channelName(channel)}</span>
        </div>
        <div className="phone__screen">
          <div className="phone__bubble">
            {frame?.template && <div className="phone__template">Template {frame.template}</div>}
            {body}
          </div>
          {channel === 'whatsapp' && (frame?.buttons ?? []).length > 0 && (
            <div className="phone__replies">
              {(frame?.buttons ?? []).map((b, i) => (
                <span key={`${b.id}-${i}`} className="phone__reply" data-testid="phone-quick-reply" data-button={b.id}>
                  {b.title || b.id}
                </span>
              ))}
            </div>
          )}
        </div>
      </div>
    ) : channel === 'email' ? (
      <div className="inbox" data-testid="email-preview">
        <div className="inbox__row">
          <span className="inbox__to">To: {String(sample.contact.email ?? who)}</span>
        </div>
        <div className="inbox__subject" data-testid="email-subject">
          {subject.result?.text || <span className="muted">(no subject)</span>}
        </div>
        {body}
      </div>
    ) : (
      body
    );

  return (
    <div className="preview" data-testid="liquid-preview-box">
      <div className="preview__head">
        <span className="field__label">{label}</span>
        <span className="preview__who">
          {tests.contacts.length > 0 && (
            <select
              className="input preview__as"
              data-testid="preview-as"
              aria-label="Preview as"
              title="Preview as a test contact of the scenario chosen in Simulate"
              value={shownChoice}
              onChange={(e) => {
                setChoice(e.target.value);
                setEditing(false);
              }}
            >
              <option value={SAMPLE_CHOICE}>Sample: {sampleName}</option>
              <optgroup label="Test contacts">
                {tests.contacts.map((c) => (
                  <option key={c.id} value={choiceFor(c.id)}>
                    {contactLabel(c)}
                  </option>
                ))}
              </optgroup>
            </select>
          )}
          {!contact && (
            <button type="button" className="link-btn small" data-testid="edit-sample" onClick={() => setEditing((e) => !e)}>
              {editing ? 'Done' : tests.contacts.length > 0 ? 'Edit sample' : `Sample: ${sampleName}`}
            </button>
          )}
        </span>
      </div>
      {contact && (
        <div className="preview__as-note muted small" data-testid="preview-as-contact" data-contact={contact.id}>
          As <strong>{contact.id}</strong> · {String(sample.contact.timezone ?? defaultTimezone ?? 'UTC')}
          {typeof sample.contact.locale === 'string' ? ` · ${sample.contact.locale}` : ''}
        </div>
      )}
      {editing && !contact && (
        <div className="sample">
          <JsonBox label="Sample contact (contact.*)" testId="sample-contact" value={editable.contact} onChange={(c) => setSample({ ...editable, contact: c })} />
          <JsonBox label="Sample event (event.*)" testId="sample-event" value={editable.event} onChange={(event) => setSample({ ...editable, event })} />
        </div>
      )}
      {!template.trim() ? (
        <div className="preview__empty muted small">Type a message to see it rendered for {contact ? contact.id : 'the sample contact'}.</div>
      ) : unfinishedTag(template) ? (
        <div className="preview__empty muted small">Close the {'{{ … }}'} tag to see the preview.</div>
      ) : error ? (
        <div className="field__error">Preview unavailable: {error}</div>
      ) : result ? (
        <>
          {framed}
          {missing.length > 0 && (
            <div className="preview__missing" data-testid="liquid-missing">
              Missing for this contact:{' '}
              {missing.map((m) => (
                <code key={m} className="chip chip--warn">
                  {m}
                </code>
              ))}
            </div>
          )}
          {problems.length > 0 && (
            <div className="preview__missing" data-testid="liquid-problems">
              {problems.map((p) => (
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
