/**
 * The results of a simulation: outcome totals and goal rate, messages per channel, the contact
 * list (filterable by outcome and id) and the selected contact's timeline and messages.
 */
import { channelName } from '../model/channels';
import { memo, useMemo, useState } from 'react';
import type { SimContact, SimReport } from '../api/types';
import { TIMELINE_LIMIT } from './results';
import { OUTCOME_LABELS, entriesText, entryCount, filterContacts, formatAt, formatRate, messageRows, messageText, outcomeRows, stepText, stepTone } from './results';

interface SimResultsProps {
  report: SimReport;
  selected: string | null;
  onSelectContact: (id: string | null) => void;
  onSelectNode: (id: string) => void;
  /** The backend left some contacts out of the list (large populations). */
  timelinesOmitted: boolean;
  /** Time zone of each hand-written contact, for reading its timeline in local time. */
  zones: Record<string, string>;
  /** Whether the journey that was run has a goal: without one there is no goal rate to show. */
  hasGoal: boolean;
  /** The trigger steps of the journey that was run (their arrivals are the entries). */
  triggers: string[];
}

const PAGE = 200;

export const SimResults = memo(function SimResults(props: SimResultsProps) {
  const { report, selected, onSelectContact, onSelectNode, timelinesOmitted, zones, hasGoal, triggers } = props;
  const [outcome, setOutcome] = useState<string>('all');
  const [query, setQuery] = useState('');
  const [shown, setShown] = useState(PAGE);

  // Without a goal nobody can reach it: its row only shows if the backend counted some anyway.
  const rows = useMemo(() => outcomeRows(report).filter((r) => hasGoal || r.outcome !== 'goal' || r.count > 0), [report, hasGoal]);
  const entries = useMemo(() => entryCount(report, triggers), [report, triggers]);
  const messages = useMemo(() => messageRows(report), [report]);
  const contacts = useMemo(() => filterContacts(report.contacts, outcome, query), [report, outcome, query]);
  const contact = selected ? report.contacts.find((c) => c.id === selected) ?? null : null;
  const summary = report.summary;

  const toggleOutcome = (o: string) => {
    setOutcome((cur) => (cur === o ? 'all' : o));
    setShown(PAGE);
  };

  return (
    <>
      <section className="sim-section" data-testid="sim-summary">
        <h3 className="sim-heading">Results</h3>
        <div className="sim-stats">
          <div className="sim-stat">
            <span className="sim-stat-value" data-testid="sim-contacts">{summary.contacts.toLocaleString('en')}</span>
            <span className="sim-stat-label">contacts</span>
          </div>
          <div className="sim-stat">
            <span className="sim-stat-value" data-testid="sim-entered">{summary.entered.toLocaleString('en')}</span>
            <span className="sim-stat-label">entered</span>
          </div>
          {hasGoal && (
            <div className="sim-stat">
              <span className="sim-stat-value" data-testid="sim-goal-rate">{formatRate(summary.goal_rate)}</span>
              <span className="sim-stat-label">goal rate</span>
            </div>
          )}
        </div>
        <p className="sim-muted sim-entries" data-testid="sim-entries" data-entries={entries} data-contacts={summary.entered}>
          {entriesText(entries, summary.entered)}
          {!hasGoal && ' · no goal set, so no goal rate'}
        </p>
        <ul className="sim-outcomes">
          {rows.map((r) => (
            <li key={r.outcome}>
              <button
                type="button"
                className={`sim-outcome sim-outcome-${r.outcome}${outcome === r.outcome ? ' sim-active' : ''}`}
                data-testid={`sim-outcome-${r.outcome}`}
                data-count={r.count}
                aria-pressed={outcome === r.outcome}
                onClick={() => toggleOutcome(r.outcome)}
                title={`Show only the contacts who ${r.label.toLowerCase()}`}
              >
                <span className="sim-outcome-label">{r.label}</span>
                <span className="sim-outcome-bar" aria-hidden="true">
                  <span style={{ width: `${Math.round(r.share * 100)}%` }} />
                </span>
                <span className="sim-outcome-count">{r.count.toLocaleString('en')}</span>
              </button>
            </li>
          ))}
        </ul>
        <div className="sim-messages" data-testid="sim-messages">
          <span className="sim-label">Messages</span>
          {messages.length === 0 && <span className="sim-muted">none sent</span>}
          {messages.map((m) => (
            <span key={m.channel} className={`sim-chip sim-channel-${m.channel}`} data-testid={`sim-messages-${m.channel}`}>
              {m.label} <strong>{m.count.toLocaleString('en')}</strong>
            </span>
          ))}
        </div>
      </section>

      <section className="sim-section">
        <div className="sim-row">
          <h3 className="sim-heading sim-grow">Contacts</h3>
          <select
            className="sim-select"
            data-testid="sim-outcome-filter"
            aria-label="Filter contacts by outcome"
            value={outcome}
            onChange={(e) => {
              setOutcome(e.target.value);
              setShown(PAGE);
            }}
          >
            <option value="all">All outcomes</option>
            {rows.map((r) => (
              <option key={r.outcome} value={r.outcome}>
                {r.label} ({r.count})
              </option>
            ))}
          </select>
        </div>
        <input
          className="sim-input"
          data-testid="sim-contact-search"
          placeholder="Find a contact by id"
          aria-label="Find a contact by id"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setShown(PAGE);
          }}
        />
        {timelinesOmitted && (
          <p className="sim-note" data-testid="sim-timelines-omitted">
            Timelines are kept for the test contacts, and for generated populations up to{' '}
            {TIMELINE_LIMIT.toLocaleString('en')} contacts; select another generated contact to replay its timeline. The totals
            and canvas counts cover all {summary.contacts.toLocaleString('en')}.
          </p>
        )}
        {contacts.length === 0 ? (
          <p className="sim-muted sim-empty">No contact matches this filter.</p>
        ) : (
          <ul
            className="sim-contacts"
            role="listbox"
            aria-label="Simulated contacts (arrow keys move the selection)"
            data-testid="sim-contact-list"
            onKeyDown={(e) => {
              if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
              e.preventDefault();
              const visible = contacts.slice(0, shown);
              const at = visible.findIndex((c) => c.id === selected);
              const next = e.key === 'ArrowDown' ? Math.min(visible.length - 1, at + 1) : Math.max(0, at - 1);
              const target = visible[next];
              if (!target || target.id === selected) return;
              onSelectContact(target.id);
              const row = (e.currentTarget as HTMLElement).querySelector<HTMLElement>(`[data-contact-index="${next}"]`);
              row?.focus();
              row?.scrollIntoView?.({ block: 'nearest' });
            }}
          >
            {contacts.slice(0, shown).map((c, i) => (
              <ContactRow key={c.id} index={i} contact={c} selected={c.id === selected} onSelect={onSelectContact} />
            ))}
          </ul>
        )}
        {contacts.length > shown && (
          <button type="button" className="sim-button sim-quiet" onClick={() => setShown((n) => n + PAGE)}>
            Show {Math.min(PAGE, contacts.length - shown)} more of {contacts.length - shown}
          </button>
        )}
      </section>

      {contact && (
        <Timeline contact={contact} zone={zones[contact.id] ?? null} onSelectNode={onSelectNode} onClose={() => onSelectContact(null)} />
      )}
    </>
  );
});

const ContactRow = memo(function ContactRow(props: {
  index: number;
  contact: SimContact;
  selected: boolean;
  onSelect: (id: string | null) => void;
}) {
  const { index, contact, selected, onSelect } = props;
  return (
    <li>
      <button
        type="button"
        role="option"
        aria-selected={selected}
        className={`sim-contact${selected ? ' sim-active' : ''}`}
        data-testid={`sim-contact-${contact.id}`}
        data-contact-index={index}
        data-outcome={contact.outcome}
        onClick={() => onSelect(selected ? null : contact.id)}
      >
        <span className="sim-contact-id">{contact.id}</span>
        <span className={`sim-badge sim-outcome-${contact.outcome}`}>{OUTCOME_LABELS[contact.outcome] ?? contact.outcome}</span>
        {contact.messages && contact.messages.length > 0 && (
          <span className="sim-muted sim-contact-messages">
            {contact.messages.length} msg{contact.messages.length === 1 ? '' : 's'}
          </span>
        )}
      </button>
    </li>
  );
});

export function Timeline(props: { contact: SimContact; zone: string | null; onSelectNode: (id: string) => void; onClose: () => void }) {
  const { contact, zone, onSelectNode, onClose } = props;
  const [local, setLocal] = useState(false);
  const shownZone = local && zone ? zone : 'UTC';
  const steps = contact.steps ?? [];
  const messages = contact.messages ?? [];
  return (
    <section className="sim-section" data-testid="sim-timeline" data-contact={contact.id}>
      <div className="sim-row">
        <h3 className="sim-heading sim-grow">
          Timeline of <span className="sim-mono">{contact.id}</span>
        </h3>
        <button type="button" className="sim-button sim-quiet" onClick={onClose} aria-label="Close the timeline">
          ×
        </button>
      </div>
      <div className="sim-row">
        <p className="sim-muted sim-grow">
          {OUTCOME_LABELS[contact.outcome] ?? contact.outcome}
          {contact.exit_node ? ` at ${contact.exit_node}` : ''}.
        </p>
        {zone && zone !== 'UTC' ? (
          <div className="sim-segmented" role="group" aria-label="Times shown in" data-testid="timeline-zone">
            <button type="button" aria-pressed={!local} className={!local ? 'sim-active' : undefined} onClick={() => setLocal(false)}>
              UTC
            </button>
            <button type="button" aria-pressed={local} className={local ? 'sim-active' : undefined} onClick={() => setLocal(true)} title={`The contact’s own time (${zone})`}>
              {zone}
            </button>
          </div>
        ) : (
          <span className="sim-muted">Times in UTC</span>
        )}
      </div>
      {steps.length === 0 ? (
        <p className="sim-muted sim-empty">
          {contact.outcome === 'not_entered'
            ? 'This contact never entered the journey (no matching trigger event).'
            : 'Replaying this generated contact on the backend for its timeline…'}
        </p>
      ) : (
        <ol className="sim-timeline">
          {steps.map((s, i) => (
            <li
              key={i}
              className={`sim-step sim-tone-${stepTone(s)}`}
              data-testid="timeline-step"
              data-node={s.node}
              data-result={s.result ?? ''}
              data-reason={s.reason ?? ''}
            >
              <time className="sim-step-at" dateTime={s.at}>
                {formatAt(s.at, shownZone)}
              </time>
              <button type="button" className="sim-link sim-step-node" onClick={() => onSelectNode(s.node)} title="Show this node">
                {s.node}
              </button>
              <span className="sim-step-detail">{stepText(s)}</span>
            </li>
          ))}
        </ol>
      )}
      {messages.length > 0 && (
        <>
          <h4 className="sim-subheading">Messages ({messages.length})</h4>
          <ul className="sim-message-list" data-testid="sim-contact-messages">
            {messages.map((m, i) => (
              <li key={i} className="sim-message">
                <div className="sim-message-head">
                  <span className={`sim-chip sim-channel-${m.channel}`}>{channelName(m.channel)}</span>
                  <time className="sim-muted" dateTime={m.at}>
                    {formatAt(m.at, shownZone)}
                  </time>
                  <button type="button" className="sim-link" onClick={() => onSelectNode(m.node)}>
                    {m.node}
                  </button>
                </div>
                {m.subject && <div className="sim-message-subject">{m.subject}</div>}
                <div className={`sim-message-text${m.text ? '' : ' sim-muted'}`}>{messageText(m)}</div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
