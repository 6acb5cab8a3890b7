/**
 * The Live tab of the editor: the journey as the bundled engine runs it. Its versions with their
 * status (pause, resume, archive), the numbers of one version on the canvas (the simulation's
 * overlay: arrivals per step and wire, plus who waits where now), the contacts in it (searchable;
 * one contact's step log in the simulator's timeline), a form that sends a test event, and the
 * messages the engine wrote (the outbox; the record sink took them, no provider is configured).
 *
 * Everything comes from the backend and is asked again every two seconds while the tab is open.
 */
import { CHANNELS, channelName } from '../model/channels';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  contactTimeline,
  listEnrollments,
  listOutbox,
  listScenarios,
  liveCounts,
  liveStatus,
  sendTestEvent,
  setVersionStatus,
} from '../api/backend';
import type { EngineInfo, EnrollmentPage, JourneyDoc, LiveTimeline, OutboxEntry, SentEvent, VersionReport } from '../api/types';
import { overlayFromLive, type SimOverlay } from '../simulate/trafficOverlay';
import { OUTCOMES, OUTCOME_LABELS, formatAt } from '../simulate/results';
import { Timeline } from '../simulate/SimResults';
import '../simulate/simulate.css';
import './live.css';
import {
  ACTION_LABELS,
  ACTION_STATUS,
  POLL_MS,
  STATUS_LABELS,
  enrollmentText,
  formatWhen,
  outboxStatus,
  outboxText,
  pickVersion,
  testEventDefaults,
  testEventRequest,
  triggerEvent,
  versionActions,
  versionNote,
  type TestEventForm,
  type VersionAction,
} from './live';
import ServerView from './ServerView';
import { usePolling } from './usePolling';

export interface LivePanelProps {
  journey: JourneyDoc;
  /** The engine the backend runs (`engine_info`); `db: null` when it runs none. */
  engine: EngineInfo | null;
  /** Changes after a publish, so that the new version shows at once. */
  refreshKey: number;
  onOverlay: (overlay: SimOverlay | null) => void;
  onSelectNode: (id: string) => void;
}

const PAGE = 50;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export default function LivePanel(props: LivePanelProps) {
  const { journey, engine, refreshKey, onOverlay, onSelectNode } = props;
  const id = journey.id;
  const [versions, setVersions] = useState<VersionReport[] | null>(null);
  const [wanted, setWanted] = useState<number | null>(null);
  const [page, setPage] = useState<EnrollmentPage | null>(null);
  const [outbox, setOutbox] = useState<OutboxEntry[]>([]);
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [timeline, setTimeline] = useState<LiveTimeline | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionNote, setActionNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const drew = useRef(false);
  const round = useRef(0);
  const running = !!engine?.db;

  const shown = versions ? pickVersion(versions, wanted) : null;

  // One round of questions to the engine; an answer older than the latest round is dropped.
  const poll = useCallback(async () => {
    if (!running || !id) return;
    const mine = ++round.current;
    try {
      const vs = await liveStatus(id);
      const version = pickVersion(vs, wanted);
      const [counts, enrolled, out, line] = await Promise.all([
        version === null ? Promise.resolve(null) : liveCounts(id, version),
        listEnrollments(id, search, PAGE),
        listOutbox(id, PAGE),
        selected ? contactTimeline(id, selected).catch(() => null) : Promise.resolve(null),
      ]);
      if (mine !== round.current) return;
      setVersions(vs);
      setPage(enrolled);
      setOutbox(out);
      setTimeline(line);
      setNow(Date.now());
      setError(null);
      if (counts) {
        onOverlay(overlayFromLive(counts, line && line.version === counts.version ? line.steps : undefined));
        drew.current = true;
      } else if (drew.current) {
        onOverlay(null);
        drew.current = false;
      }
    } catch (e) {
      if (mine === round.current) setError(message(e));
    }
  }, [running, id, wanted, search, selected, onOverlay]);

  const refresh = usePolling(poll, POLL_MS, running && !!id);
  // A publish (or another version or contact chosen) shows at once.
  useEffect(() => refresh(), [refreshKey, wanted, selected, search, refresh]);
  // The canvas loses the live numbers when the tab closes.
  useEffect(
    () => () => {
      if (drew.current) onOverlay(null);
    },
    [onOverlay],
  );

  const act = async (v: VersionReport, action: VersionAction) => {
    if (action === 'archive' && !window.confirm(`Archive version ${v.version}? Everyone inside it is taken out of the journey, and nobody enters it again.`)) return;
    setBusy(`${v.version}:${action}`);
    try {
      await setVersionStatus(id, v.version, ACTION_STATUS[action]);
      setActionNote({ kind: 'ok', text: `Version ${v.version} is now ${STATUS_LABELS[ACTION_STATUS[action]].toLowerCase()}.` });
      refresh();
    } catch (e) {
      setActionNote({ kind: 'error', text: `Could not ${action} version ${v.version}: ${message(e)}` });
    } finally {
      setBusy(null);
    }
  };

  if (!running) {
    return (
      <div className="sim-panel live-panel" data-testid="live-panel">
        <p className="sim-note sim-note-warn" data-testid="live-no-engine">
          No engine runs here, so nothing can be published. In the browser, start the editor with{' '}
          <code>itinera serve --ui --db FILE</code>; the desktop app has its own.
        </p>
        {id && <ServerView journey={journey} onSelectNode={onSelectNode} />}
      </div>
    );
  }

  if (!id) {
    return (
      <div className="sim-panel live-panel" data-testid="live-panel">
        <p className="sim-note sim-note-warn">This journey has no id yet: give it one under Journey to publish it.</p>
      </div>
    );
  }

  const current = versions?.find((v) => v.version === shown) ?? null;
  return (
    <div className="sim-panel live-panel" data-testid="live-panel">
      <section className="sim-section">
        <p className="sim-muted live-db" data-testid="live-db" title={engine?.records ? `Messages are recorded to ${engine.records}` : undefined}>
          Bundled engine: <span className="sim-mono">{engine?.db}</span>
        </p>
        {error && (
          <p className="sim-note sim-note-error" data-testid="live-error">
            Could not read the engine: {error}
          </p>
        )}
      </section>

      <section className="sim-section" data-testid="live-versions">
        <h3 className="sim-heading">Versions</h3>
        {versions === null && <p className="sim-muted">Loading…</p>}
        {versions?.length === 0 && (
          <p className="sim-muted" data-testid="live-unpublished">
            This journey is not published yet. Use <strong>Publish</strong> at the top to start it.
          </p>
        )}
        <ul className="live-versions">
          {[...(versions ?? [])].reverse().map((v) => (
            <li key={v.version} className={`live-version${v.version === shown ? ' sim-active' : ''}`} data-testid={`live-version-${v.version}`} data-status={v.status}>
              <button type="button" className="live-version-main" onClick={() => setWanted(v.version)} aria-pressed={v.version === shown} title="Show this version’s numbers on the canvas">
                <span className="live-version-name">Version {v.version}</span>
                <span className={`sim-badge live-status-${v.status}`} data-testid="live-version-status">
                  {STATUS_LABELS[v.status]}
                </span>
                {v.latest && <span className="sim-muted">latest</span>}
                <span className="sim-muted sim-grow live-version-when">published {formatWhen(v.published_at, now)}</span>
                <span className="live-version-entered" data-testid="live-version-entered">
                  {v.entered.toLocaleString('en')} entered
                </span>
              </button>
              <div className="sim-row">
                <span className="sim-muted sim-grow sim-small">{versionNote(v)}</span>
                {versionActions(v.status).map((a) => (
                  <button
                    key={a}
                    type="button"
                    className={`sim-button sim-small${a === 'archive' ? ' sim-quiet' : ''}`}
                    data-testid={`live-${a}-${v.version}`}
                    disabled={busy !== null}
                    onClick={() => void act(v, a)}
                  >
                    {busy === `${v.version}:${a}` ? '…' : ACTION_LABELS[a]}
                  </button>
                ))}
              </div>
            </li>
          ))}
        </ul>
        {actionNote && (
          <p className={`sim-note ${actionNote.kind === 'error' ? 'sim-note-error' : 'sim-note-ok'}`} data-testid="live-action-note">
            {actionNote.text}
          </p>
        )}
        {current && (
          <ul className="sim-outcomes live-outcomes" data-testid="live-outcomes">
            {OUTCOMES.filter((o) => o !== 'not_entered').map((o) => (
              <li key={o} className={`sim-outcome sim-outcome-${o}`} data-testid={`live-outcome-${o}`} data-count={current.outcomes[o] ?? 0}>
                <span className="sim-outcome-label">{OUTCOME_LABELS[o]}</span>
                <span className="sim-outcome-count">{(current.outcomes[o] ?? 0).toLocaleString('en')}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      {versions && versions.length > 0 && <TestEvent journey={journey} onSent={refresh} />}

      {versions && versions.length > 0 && (
        <section className="sim-section" data-testid="live-enrollments">
          <div className="sim-row">
            <h3 className="sim-heading sim-grow">Contacts in this journey</h3>
            {page && <span className="sim-muted" data-testid="live-enrollment-total">{page.total.toLocaleString('en')}</span>}
          </div>
          <input
            className="sim-input"
            data-testid="live-search"
            placeholder="Find a contact by id"
            aria-label="Find a contact by id"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          {page && page.enrollments.length === 0 ? (
            <p className="sim-muted sim-empty">{search.trim() ? 'No contact matches.' : 'Nobody has entered yet. Send a test event to try it.'}</p>
          ) : (
            <ul className="sim-contacts" data-testid="live-enrollment-list">
              {(page?.enrollments ?? []).map((item) => (
                <li key={`${item.contact}\u0000${item.key ?? ''}`}>
                  <button
                    type="button"
                    className={`sim-contact live-enrollment${item.contact === selected ? ' sim-active' : ''}`}
                    data-testid={`live-contact-${item.contact}`}
                    data-outcome={item.outcome}
                    aria-pressed={item.contact === selected}
                    onClick={() => setSelected((s) => (s === item.contact ? null : item.contact))}
                  >
                    <span className="sim-contact-id">{item.contact}</span>
                    {item.key !== null && <span className="sim-muted sim-mono sim-small" title="This contact’s flow for this key (the trigger’s “One flow per”)">{item.key}</span>}
                    <span className={`sim-badge sim-outcome-${item.outcome}`}>{enrollmentText(item, journey)}</span>
                    <span className="sim-muted sim-small">
                      v{item.version} · {formatWhen(item.updated_at, now)}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {page && page.total > page.enrollments.length && (
            <p className="sim-muted sim-small">
              Showing the {page.enrollments.length} most recent of {page.total.toLocaleString('en')}; search to find others.
            </p>
          )}
        </section>
      )}

      {selected && timeline && (
        <div data-testid="live-timeline">
          <Timeline contact={timeline} zone={null} onSelectNode={onSelectNode} onClose={() => setSelected(null)} />
          {timeline.truncated && <p className="sim-muted sim-small">Only the first steps are shown: this contact has many more.</p>}
        </div>
      )}

      {versions && versions.length > 0 && <Outbox entries={outbox} now={now} records={engine?.records ?? null} onSelectNode={onSelectNode} />}
      <ServerView journey={journey} onSelectNode={onSelectNode} />
    </div>
  );
}

function Outbox(props: { entries: OutboxEntry[]; now: number; records: string | null; onSelectNode: (id: string) => void }) {
  const { entries, now, records, onSelectNode } = props;
  return (
    <section className="sim-section" data-testid="live-outbox">
      <h3 className="sim-heading">Messages sent</h3>
      <p className="sim-muted sim-small">
        No message provider is set up: messages are recorded{records ? <> to <span className="sim-mono">{records}</span></> : null} instead of
        being sent; webhooks are called.
      </p>
      {entries.length === 0 ? (
        <p className="sim-muted sim-empty">Nothing sent yet.</p>
      ) : (
        <ul className="sim-message-list" data-testid="live-outbox-list">
          {entries.map((m) => {
            const status = outboxStatus(m);
            return (
              <li key={m.key} className="sim-message" data-testid="live-outbox-row" data-channel={m.channel} data-status={m.status} data-node={m.node}>
                <div className="sim-message-head">
                  <span className={`sim-chip sim-channel-${m.channel}`}>{channelName(m.channel)}</span>
                  <span className="sim-mono">{m.contact}</span>
                  <button type="button" className="sim-link" onClick={() => onSelectNode(m.node)}>
                    {m.node}
                  </button>
                  <span className={`live-tone live-tone-${status.tone}`}>{status.label}</span>
                  <time className="sim-muted" dateTime={m.at} title={formatAt(m.at)}>
                    {formatWhen(m.at, now)}
                  </time>
                </div>
                <div className="sim-message-text">{outboxText(m) || <span className="sim-muted">(no text)</span>}</div>
                {m.to && <div className="sim-muted sim-small">to {m.to}</div>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function TestEvent(props: { journey: JourneyDoc; onSent: () => void }) {
  const { journey, onSent } = props;
  const [open, setOpen] = useState(true);
  const [form, setForm] = useState<TestEventForm>(() => testEventDefaults(journey));
  const [touched, setTouched] = useState(false);
  const [sending, setSending] = useState(false);
  const [note, setNote] = useState<{ kind: 'ok' | 'error' | 'warn'; text: string } | null>(null);
  const event = useMemo(() => triggerEvent(journey), [journey]);

  // Prefill from the journey's sample scenario when there is one (until the form is edited).
  const journeyRef = useRef(journey);
  journeyRef.current = journey;
  useEffect(() => {
    let cancelled = false;
    listScenarios()
      .then((scenarios) => {
        if (!cancelled && !touched) setForm(testEventDefaults(journeyRef.current, scenarios));
      })
      .catch(() => {});
    return () => {
      cancelled = true;
    };
    // Once: later edits of the journey do not reset what the user typed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const edit = (patch: Partial<TestEventForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setTouched(true);
    setNote(null);
  };

  const send = async () => {
    const request = testEventRequest(form);
    if ('error' in request) {
      setNote({ kind: 'error', text: request.error });
      return;
    }
    setSending(true);
    try {
      const sent: SentEvent = await sendTestEvent(journey.id, request.contact, request.data);
      setNote(
        sent.status === 'active'
          ? { kind: 'ok', text: `Sent “${sent.event}” for ${sent.contact} to version ${sent.version}. Follow it under Contacts below.` }
          : { kind: 'warn', text: `Sent “${sent.event}” for ${sent.contact}, but version ${sent.version} is ${STATUS_LABELS[sent.status].toLowerCase()}: nobody new enters it.` },
      );
      // Out of the way of the contacts list; the note stays (open it again for another event).
      setOpen(false);
      onSent();
    } catch (e) {
      setNote({ kind: 'error', text: `Not sent: ${message(e)}` });
    } finally {
      setSending(false);
    }
  };

  return (
    <section className="sim-section" data-testid="live-test-event">
      <button type="button" className="sim-collapse" data-testid="test-event-toggle" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        <span className="sim-chevron" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
        <span className="sim-heading sim-grow">Send test event</span>
        {event && <span className="sim-muted sim-mono">{event}</span>}
      </button>
      {open && (
        <>
          <p className="sim-muted sim-small">Enters a test contact as if the journey’s trigger event happened now. Messages are recorded, not sent.</p>
          <div className="sim-grid2">
            <label className="sim-field">
              <span className="sim-label">Test contact</span>
              <input className="sim-input" data-testid="test-contact-id" value={form.contactId} onChange={(e) => edit({ contactId: e.target.value })} />
            </label>
            <label className="sim-field">
              <span className="sim-label">Phone (SMS, WhatsApp)</span>
              <input className="sim-input" data-testid="test-contact-phone" value={form.phone} onChange={(e) => edit({ phone: e.target.value })} />
            </label>
            <label className="sim-field">
              <span className="sim-label">Email</span>
              <input className="sim-input" data-testid="test-contact-email" value={form.email} onChange={(e) => edit({ email: e.target.value })} />
            </label>
            <fieldset className="sim-field live-consent">
              <legend className="sim-label">Agreed to receive</legend>
              {CHANNELS.map((c) => (
                <label key={c}>
                  <input
                    type="checkbox"
                    data-testid={`test-consent-${c}`}
                    checked={form.consent[c]}
                    onChange={(e) => edit({ consent: { ...form.consent, [c]: e.target.checked } })}
                  />{' '}
                  {channelName(c)}
                </label>
              ))}
            </fieldset>
          </div>
          <label className="sim-field" title="JSON: what messages and conditions read as contact.first_name and so on">
            <span className="sim-label">Contact details (JSON)</span>
            <textarea className="sim-input sim-mono live-json" rows={3} data-testid="test-contact-attributes" value={form.attributes} onChange={(e) => edit({ attributes: e.target.value })} />
          </label>
          <label className="sim-field" title="JSON: what messages and conditions read as event.starts_at and so on">
            <span className="sim-label">Event data (JSON)</span>
            <textarea className="sim-input sim-mono live-json" rows={4} data-testid="test-event-data" value={form.data} onChange={(e) => edit({ data: e.target.value })} />
          </label>
          <div className="sim-row">
            <button type="button" className="sim-button sim-primary" data-testid="send-test-event" disabled={sending} onClick={() => void send()}>
              {sending ? 'Sending…' : 'Send test event'}
            </button>
          </div>
        </>
      )}
      {note && (
        <p className={`sim-note sim-note-${note.kind}`} data-testid="test-event-note">
          {note.text}
        </p>
      )}
    </section>
  );
}

export { LivePanel };
