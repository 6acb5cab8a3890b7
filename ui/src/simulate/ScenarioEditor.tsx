/**
 * The scenario editor: run settings (start, duration, seed), the table of hand-written test
 * contacts with the details of one contact (addresses, attributes, scripted events and replies,
 * delivery results), and the generated population's form. Edits go out as whole new
 * `ScenarioDoc`s through `onChange`; unknown fields are kept.
 */
import { CHANNELS, channelName } from '../model/channels';
import { memo, useState } from 'react';
import { KeyValueRows } from '../controls';
import { formatScalar } from '../controls/scalars';
import { LOCAL_TIME_EXAMPLE, useLocalTimes } from './localTimes';
import type { ContactDoc, Json, ScenarioDoc, ScriptedEventDoc, ScriptedReplyDoc } from '../api/types';
import {
  COMMON_TIMEZONES,
  addContact,
  freshContactId,
  newContactFor,
  freshSampleNumber,
  freshDataKey,
  removeContact,
  setContact,
  setMapEntry,
  type JourneyOutline,
} from './scenarioEdit';
import { PopulationEditor } from './PopulationEditor';
import { defaultPopulationFor, type PopulationForm } from './populationEdit';

interface ScenarioEditorProps {
  /** What the editor needs of the journey (same object while it is unchanged: the editor is memoised). */
  outline: JourneyOutline;
  scenario: ScenarioDoc;
  onChange: (scenario: ScenarioDoc) => void;
}

export const ScenarioEditor = memo(function ScenarioEditor({ outline, scenario, onChange }: ScenarioEditorProps) {
  const [tab, setTab] = useState<'contacts' | 'population'>(
    (scenario.contacts?.length ?? 0) === 0 && scenario.population ? 'population' : 'contacts',
  );
  const [open, setOpen] = useState<number | null>(null);
  const contacts = scenario.contacts ?? [];
  const population = scenario.population as PopulationForm | null | undefined;

  const set = (key: 'start' | 'run_for', value: string) => onChange({ ...scenario, [key]: value });

  return (
    <section className="sim-section sim-editor" data-testid="scenario-editor">
      <datalist id="sim-timezones">
        {COMMON_TIMEZONES.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <datalist id="sim-events">
        {[...outline.triggerEvents, ...outline.otherEvents].map((e) => (
          <option key={e} value={e} />
        ))}
      </datalist>
      <div className="sim-grid3">
        <label className="sim-field">
          <span className="sim-label">Start (UTC)</span>
          <input className="sim-input" data-testid="scenario-start" value={scenario.start ?? ''} onChange={(e) => set('start', e.target.value)} />
        </label>
        <label className="sim-field">
          <span className="sim-label">Run for</span>
          <input className="sim-input" data-testid="scenario-run-for" value={scenario.run_for ?? ''} onChange={(e) => set('run_for', e.target.value)} placeholder="14d" />
        </label>
        <label className="sim-field">
          <span className="sim-label">Seed</span>
          <input
            className="sim-input"
            data-testid="scenario-seed"
            inputMode="numeric"
            value={scenario.seed ?? ''}
            onChange={(e) => {
              const v = e.target.value.trim();
              const next = { ...scenario };
              if (v === '') delete next.seed;
              else if (/^\d+$/.test(v)) next.seed = Number(v);
              else return;
              onChange(next);
            }}
          />
        </label>
      </div>

      <div className="sim-tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'contacts'}
          className={`sim-tab${tab === 'contacts' ? ' sim-active' : ''}`}
          data-testid="scenario-tab-contacts"
          onClick={() => setTab('contacts')}
        >
          Test contacts ({contacts.length})
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'population'}
          className={`sim-tab${tab === 'population' ? ' sim-active' : ''}`}
          data-testid="scenario-tab-population"
          onClick={() => setTab('population')}
        >
          Population ({population ? Number(population.count || 0).toLocaleString('en') : 'off'})
        </button>
      </div>

      {tab === 'contacts' && (
        <div role="tabpanel">
          {contacts.length === 0 ? (
            <p className="sim-muted sim-empty">No test contacts. Add one to script exactly who gets what.</p>
          ) : (
            <table className="sim-table" data-testid="contacts-table">
              <thead>
                <tr>
                  <th>ID</th>
                  <th>Name</th>
                  <th>Time zone</th>
                  <th title="Consent per channel">Consent</th>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {contacts.map((c, i) => (
                  <ContactTableRow
                    key={i}
                    index={i}
                    contact={c}
                    open={open === i}
                    onToggle={() => setOpen(open === i ? null : i)}
                    onChange={(next) => onChange(setContact(scenario, i, next))}
                    onRemove={() => {
                      onChange(removeContact(scenario, i));
                      setOpen(null);
                    }}
                    outline={outline}
                    start={scenario.start ?? ''}
                  />
                ))}
              </tbody>
            </table>
          )}
          <button
            type="button"
            className="sim-button"
            data-testid="add-contact"
            onClick={() => {
              onChange(addContact(scenario, newContactFor(outline, freshContactId(scenario), freshSampleNumber(scenario))));
              setOpen(contacts.length);
            }}
          >
            + Add test contact
          </button>
        </div>
      )}

      {tab === 'population' && (
        <div role="tabpanel">
          {population ? (
            <PopulationEditor
              population={population}
              outline={outline}
              onChange={(p) => onChange({ ...scenario, population: p })}
              onRemove={() => {
                const next = { ...scenario };
                delete next.population;
                onChange(next);
              }}
            />
          ) : (
            <div className="sim-empty">
              <p className="sim-muted">
                A generated population replays many contacts drawn from rates you choose: consent per channel, time
                zones, reply probability and delay, button choices, undeliverable messages.
              </p>
              <button
                type="button"
                className="sim-button"
                data-testid="add-population"
                onClick={() => onChange({ ...scenario, population: defaultPopulationFor(outline) })}
              >
                + Generate a population
              </button>
            </div>
          )}
        </div>
      )}
    </section>
  );
});

function channelsOf(outline: JourneyOutline, contact: ContactDoc): string[] {
  const out: string[] = [...CHANNELS.filter((c) => outline.channels.includes(c))];
  for (const c of CHANNELS) {
    if (!out.includes(c) && (contact.consent?.[c] !== undefined || contact.addresses?.[c] !== undefined)) out.push(c);
  }
  return out.length > 0 ? out : [...CHANNELS];
}

function ContactTableRow(props: {
  index: number;
  contact: ContactDoc;
  open: boolean;
  onToggle: () => void;
  onChange: (c: ContactDoc) => void;
  onRemove: () => void;
  outline: JourneyOutline;
  /** The scenario's `start`: event times relative to it are previewed from it. */
  start: string;
}) {
  const { index, contact, open, onToggle, onChange, onRemove, outline, start } = props;
  const channels = channelsOf(outline, contact);
  const name = contact.attributes?.first_name;
  return (
    <>
      <tr data-testid={`contact-row-${index}`} className={open ? 'sim-active' : undefined}>
        <td>
          <input
            className="sim-input sim-input-id"
            data-testid={`contact-id-${index}`}
            aria-label="Contact id"
            value={contact.id}
            onChange={(e) => onChange({ ...contact, id: e.target.value })}
          />
        </td>
        <td>
          <input
            className="sim-input"
            data-testid={`contact-name-${index}`}
            aria-label="First name"
            value={typeof name === 'string' ? name : formatScalar(name)}
            onChange={(e) => onChange({ ...contact, attributes: setMapEntry<Json>(contact.attributes, 'first_name', e.target.value) })}
          />
        </td>
        <td>
          <input
            className="sim-input"
            list="sim-timezones"
            data-testid={`contact-timezone-${index}`}
            aria-label="Time zone"
            title={contact.timezone ?? 'The journey’s default time zone'}
            value={contact.timezone ?? ''}
            placeholder="journey default"
            onChange={(e) => {
              const next = { ...contact };
              if (e.target.value) next.timezone = e.target.value;
              else delete next.timezone;
              onChange(next);
            }}
          />
        </td>
        <td className="sim-consents">
          {channels.map((ch) => (
            <label key={ch} className="sim-toggle" title={`${channelName(ch)} consent`}>
              <input
                type="checkbox"
                data-testid={`contact-consent-${index}-${ch}`}
                checked={contact.consent?.[ch] === true}
                onChange={(e) => onChange({ ...contact, consent: { ...(contact.consent ?? {}), [ch]: e.target.checked } })}
              />
              <span>{ch === 'whatsapp' ? 'WA' : ch === 'email' ? 'Mail' : 'SMS'}</span>
            </label>
          ))}
        </td>
        <td className="sim-actions">
          <button
            type="button"
            className="sim-icon-button"
            data-testid={`contact-edit-${index}`}
            aria-expanded={open}
            aria-label={open ? 'Hide details' : 'Edit details'}
            title={open ? 'Hide details' : 'Addresses, attributes, events, replies'}
            onClick={onToggle}
          >
            {open ? '▾' : '▸'}
          </button>
          <button type="button" className="sim-icon-button" data-testid={`contact-remove-${index}`} aria-label="Remove contact" title="Remove contact" onClick={onRemove}>
            ×
          </button>
        </td>
      </tr>
      {open && (
        <tr className="sim-detail-row">
          <td colSpan={5}>
            <ContactDetail contact={contact} onChange={onChange} outline={outline} channels={channels} start={start} />
          </td>
        </tr>
      )}
    </>
  );
}

function ContactDetail(props: { contact: ContactDoc; onChange: (c: ContactDoc) => void; outline: JourneyOutline; channels: string[]; start: string }) {
  const { contact, onChange, outline, channels, start } = props;
  const events = contact.events ?? [];
  const replies = contact.replies ?? [];
  const setEvent = (i: number, e: ScriptedEventDoc) => onChange({ ...contact, events: events.map((x, j) => (j === i ? e : x)) });
  const setReply = (i: number, r: ScriptedReplyDoc) => onChange({ ...contact, replies: replies.map((x, j) => (j === i ? r : x)) });
  return (
    <div className="sim-detail" data-testid="contact-detail">
      <h4 className="sim-subheading">Addresses and delivery</h4>
      {channels.map((ch) => (
        <div className="sim-row" key={ch}>
          <span className="sim-label sim-w-label">{channelName(ch)}</span>
          <input
            className="sim-input sim-grow"
            data-testid={`contact-address-${ch}`}
            aria-label={`${channelName(ch)} address`}
            placeholder={ch === 'email' ? 'name@example.com' : '+351912000001'}
            value={contact.addresses?.[ch] ?? ''}
            onChange={(e) => onChange({ ...contact, addresses: setMapEntry(contact.addresses, ch, e.target.value) })}
          />
          <select
            className="sim-select"
            data-testid={`contact-delivery-${ch}`}
            aria-label={`${channelName(ch)} delivery`}
            value={contact.delivery?.[ch] ?? 'delivered'}
            onChange={(e) =>
              onChange({ ...contact, delivery: setMapEntry(contact.delivery, ch, e.target.value === 'delivered' ? undefined : e.target.value) })
            }
          >
            <option value="delivered">delivered</option>
            <option value="undeliverable">undeliverable</option>
            {contact.delivery?.[ch] && !['delivered', 'undeliverable'].includes(contact.delivery[ch]) && (
              <option value={contact.delivery[ch]}>{contact.delivery[ch]}</option>
            )}
          </select>
        </div>
      ))}

      <h4 className="sim-subheading">Attributes</h4>
      <KeyValueRows
        look="sim"
        newRows="named"
        testid="contact-attribute"
        value={contact.attributes ?? {}}
        onChange={(attributes) => onChange({ ...contact, attributes })}
        keyPlaceholder="tier"
        valuePlaceholder="gold"
        addLabel="+ attribute"
      />

      <h4 className="sim-subheading">Events</h4>
      {events.length === 0 && <p className="sim-muted">No events: this contact never enters the journey.</p>}
      {events.map((ev, i) => (
        <div className="sim-subcard" key={i} data-testid="contact-event">
          <div className="sim-row">
            <input
              className="sim-input sim-w-short"
              aria-label="When"
              title="+2h after the start, or an RFC 3339 time"
              data-testid="event-at"
              value={ev.at}
              onChange={(e) => setEvent(i, { ...ev, at: e.target.value })}
            />
            <input
              className="sim-input sim-grow"
              list="sim-events"
              aria-label="Event name"
              data-testid="event-name"
              value={ev.name}
              onChange={(e) => setEvent(i, { ...ev, name: e.target.value })}
            />
            <button
              type="button"
              className="sim-icon-button"
              aria-label="Remove event"
              onClick={() => onChange({ ...contact, events: events.filter((_, j) => j !== i) })}
            >
              ×
            </button>
          </div>
          <EventData event={ev} onChange={(data) => setEvent(i, { ...ev, data })} start={start} timezone={contact.timezone} defaultTimezone={outline.defaultTimezone} />
        </div>
      ))}
      <button
        type="button"
        className="sim-button sim-quiet"
        data-testid="add-event"
        onClick={() => onChange({ ...contact, events: [...events, { at: '+0m', name: outline.triggerEvents[0] ?? '', data: {} }] })}
      >
        + Event
      </button>

      <h4 className="sim-subheading">Replies</h4>
      {replies.length === 0 && <p className="sim-muted">No replies: this contact never answers.</p>}
      {replies.map((r, i) => (
        <ReplyRow
          key={i}
          reply={r}
          outline={outline}
          onChange={(next) => setReply(i, next)}
          onRemove={() => onChange({ ...contact, replies: replies.filter((_, j) => j !== i) })}
        />
      ))}
      <button
        type="button"
        className="sim-button sim-quiet"
        data-testid="add-reply"
        disabled={outline.replyTargets.length === 0}
        title={outline.replyTargets.length === 0 ? 'The journey sends no message to reply to' : undefined}
        onClick={() => {
          const target = outline.replyTargets.find((t) => t.buttons.length > 0) ?? outline.replyTargets[0];
          if (!target) return;
          const reply: ScriptedReplyDoc = { to: target.node, after: '30m', channel: target.channel };
          if (target.buttons.length > 0) reply.button = target.buttons[0].id;
          else reply.text = 'yes';
          onChange({ ...contact, replies: [...replies, reply] });
        }}
      >
        + Reply
      </button>
    </div>
  );
}

function ReplyRow(props: { reply: ScriptedReplyDoc; outline: JourneyOutline; onChange: (r: ScriptedReplyDoc) => void; onRemove: () => void }) {
  const { reply, outline, onChange, onRemove } = props;
  const target = outline.replyTargets.find((t) => t.node === reply.to);
  const mode: 'button' | 'text' = reply.button !== undefined ? 'button' : 'text';
  const setMode = (m: 'button' | 'text') => {
    const next = { ...reply };
    if (m === 'button') {
      delete next.text;
      next.button = target?.buttons[0]?.id ?? '';
    } else {
      delete next.button;
      next.text = '';
    }
    onChange(next);
  };
  return (
    <div className="sim-subcard" data-testid="contact-reply">
      <div className="sim-row">
        <span className="sim-label">to</span>
        <select className="sim-select sim-grow" aria-label="Message replied to" data-testid="reply-to" value={reply.to} onChange={(e) => {
          const t = outline.replyTargets.find((x) => x.node === e.target.value);
          onChange({ ...reply, to: e.target.value, channel: t?.channel ?? reply.channel });
        }}>
          {!target && <option value={reply.to}>{reply.to || '(choose a message)'}</option>}
          {outline.replyTargets.map((t) => (
            <option key={t.node} value={t.node}>
              {t.node} ({channelName(t.channel)})
            </option>
          ))}
        </select>
        <span className="sim-label">after</span>
        <input className="sim-input sim-w-short" aria-label="Delay after the message" data-testid="reply-after" value={reply.after} onChange={(e) => onChange({ ...reply, after: e.target.value })} />
        <button type="button" className="sim-icon-button" aria-label="Remove reply" onClick={onRemove}>
          ×
        </button>
      </div>
      <div className="sim-row">
        <select className="sim-select" aria-label="Reply channel" data-testid="reply-channel" value={reply.channel} onChange={(e) => onChange({ ...reply, channel: e.target.value })}>
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {channelName(c)}
            </option>
          ))}
        </select>
        <select className="sim-select" aria-label="Reply kind" data-testid="reply-kind" value={mode} onChange={(e) => setMode(e.target.value as 'button' | 'text')}>
          <option value="button">taps button</option>
          <option value="text">types text</option>
        </select>
        {mode === 'button' ? (
          target && target.buttons.length > 0 ? (
            <select className="sim-select sim-grow" aria-label="Button" data-testid="reply-button" value={reply.button ?? ''} onChange={(e) => onChange({ ...reply, button: e.target.value })}>
              {!target.buttons.some((b) => b.id === reply.button) && <option value={reply.button ?? ''}>{reply.button || '(choose)'}</option>}
              {target.buttons.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.title} ({b.id})
                </option>
              ))}
            </select>
          ) : (
            <input className="sim-input sim-grow" aria-label="Button id" data-testid="reply-button" value={reply.button ?? ''} onChange={(e) => onChange({ ...reply, button: e.target.value })} />
          )
        ) : (
          <input className="sim-input sim-grow" aria-label="Reply text" data-testid="reply-text" value={reply.text ?? ''} placeholder="STOP" onChange={(e) => onChange({ ...reply, text: e.target.value })} />
        )}
      </div>
    </div>
  );
}

/**
 * A scripted event's data, each local time ("in 2 days at 09:00 local") with what the backend
 * resolves it to for this contact under its row.
 */
function EventData(props: {
  event: ScriptedEventDoc;
  onChange: (data: Record<string, Json>) => void;
  start: string;
  timezone?: string;
  defaultTimezone?: string;
}) {
  const { event, onChange, start, timezone, defaultTimezone } = props;
  const data = event.data ?? {};
  const zone = timezone || defaultTimezone || 'UTC';
  const query = { start, at: event.at, data, ...(timezone ? { timezone } : {}), ...(defaultTimezone ? { default_timezone: defaultTimezone } : {}) };
  const times = useLocalTimes(query);
  return (
    <KeyValueRows
      look="sim"
      newRows="named"
      testid="event-data"
      value={data}
      onChange={onChange}
      keyPlaceholder="starts_at"
      valuePlaceholder={`2026-03-03T15:00:00Z or ${LOCAL_TIME_EXAMPLE}`}
      addLabel="+ data"
      describe={(key, value) => {
        const field = typeof value === 'string' ? times?.get(key) : undefined;
        return field ? { ok: field.ok, text: field.text } : null;
      }}
      extra={
        <button
          type="button"
          className="sim-button sim-quiet sim-small"
          data-testid="add-local-time"
          title={`A time relative to this event in the contact's own time zone (${zone})`}
          onClick={() => onChange({ ...data, [freshDataKey(data, 'starts_at')]: LOCAL_TIME_EXAMPLE })}
        >
          + local time
        </button>
      }
    />
  );
}
