/**
 * The generated population's form (docs/scenario-format.md): size, id prefix, time zone weights,
 * address and consent rates per channel, generated events (time range, probability), replies
 * (probability, delay range, button weights) and undeliverable rates per channel.
 */
import { CHANNELS, channelName } from '../model/channels';
import type { JourneyOutline } from './scenarioEdit';
import { COMMON_TIMEZONES } from './scenarioEdit';
import {
  asDelayRange,
  asTimeRange,
  asWeights,
  collapseRange,
  formatPercent,
  parsePercent,
  renameKey,
  setPopulationField,
  shares,
  type PopulationEvent,
  type PopulationForm,
  type PopulationReply,
} from './populationEdit';

interface PopulationEditorProps {
  population: PopulationForm;
  outline: JourneyOutline;
  onChange: (p: PopulationForm) => void;
  onRemove: () => void;
}

function PercentInput(props: { value: number | undefined; onChange: (v: number | undefined) => void; label: string; testid?: string }) {
  const { value, onChange, label, testid } = props;
  return (
    <span className="sim-percent">
      <input
        className="sim-input sim-w-num"
        aria-label={label}
        data-testid={testid}
        inputMode="decimal"
        defaultValue={formatPercent(value)}
        key={formatPercent(value)}
        onBlur={(e) => {
          const t = e.target.value.trim();
          if (t === '') return onChange(undefined);
          const p = parsePercent(t);
          if (p === null) e.target.value = formatPercent(value);
          else onChange(p);
        }}
      />
      %
    </span>
  );
}

export function PopulationEditor({ population, outline, onChange, onRemove }: PopulationEditorProps) {
  const set = <K extends keyof PopulationForm>(key: K, value: PopulationForm[K] | undefined) =>
    onChange(setPopulationField(population, key, value));
  const timezones = asWeights(population.timezones);
  const tzShares = shares(timezones);
  const channels = population.channels ?? {};
  const events = population.events ?? [];
  const replies = population.replies ?? [];
  const delivery = population.delivery ?? {};
  const shownChannels = CHANNELS.filter((c) => outline.channels.includes(c) || c in channels);

  return (
    <div className="sim-population" data-testid="population-editor">
      <div className="sim-grid2">
        <label className="sim-field">
          <span className="sim-label">Contacts</span>
          <input
            className="sim-input"
            data-testid="population-count"
            inputMode="numeric"
            value={String(population.count ?? '')}
            onChange={(e) => {
              const v = e.target.value.replace(/[,_\s]/g, '');
              if (v === '' || /^\d+$/.test(v)) set('count', v === '' ? 0 : Number(v));
            }}
          />
        </label>
        <label className="sim-field">
          <span className="sim-label">Id prefix</span>
          <input className="sim-input" data-testid="population-id-prefix" value={population.id_prefix ?? ''} placeholder="p" onChange={(e) => set('id_prefix', e.target.value || undefined)} />
        </label>
      </div>

      <h4 className="sim-subheading">Time zones (weights)</h4>
      {Object.entries(timezones).map(([zone, w]) => (
        <div className="sim-row" key={zone} data-testid="population-timezone">
          <input className="sim-input sim-grow" list="sim-timezones" aria-label="Time zone" defaultValue={zone} onBlur={(e) => {
            const to = e.target.value.trim();
            if (to && to !== zone && !(to in timezones)) set('timezones', renameKey(timezones, zone, to));
          }} />
          <input className="sim-input sim-w-num" aria-label={`Weight of ${zone}`} inputMode="decimal" value={String(w)} onChange={(e) => {
            const n = Number(e.target.value);
            if (e.target.value.trim() !== '' && Number.isFinite(n) && n >= 0) set('timezones', { ...timezones, [zone]: n });
          }} />
          <span className="sim-muted sim-w-share">{Math.round((tzShares[zone] ?? 0) * 100)}%</span>
          <button type="button" className="sim-icon-button" aria-label={`Remove ${zone}`} onClick={() => {
            const next = { ...timezones };
            delete next[zone];
            set('timezones', Object.keys(next).length ? next : undefined);
          }}>×</button>
        </div>
      ))}
      <button type="button" className="sim-button sim-quiet sim-small" onClick={() => {
        const zone = COMMON_TIMEZONES.find((z) => !(z in timezones)) ?? 'UTC';
        set('timezones', { ...timezones, [zone]: 1 });
      }}>+ time zone</button>

      {population.attributes && Object.keys(population.attributes).length > 0 && (
        <p className="sim-muted sim-small" data-testid="population-attributes">
          Attributes generated: {Object.keys(population.attributes).join(', ')} (edit them in the scenario file).
        </p>
      )}

      <h4 className="sim-subheading">Channels</h4>
      <table className="sim-table sim-table-compact">
        <thead>
          <tr>
            <th />
            <th>Has address</th>
            <th title="Share of those with an address who opted in">Opted in</th>
            <th>Undeliverable</th>
          </tr>
        </thead>
        <tbody>
          {shownChannels.map((ch) => (
            <tr key={ch} data-testid={`population-channel-${ch}`}>
              <th scope="row">{channelName(ch)}</th>
              <td>
                <PercentInput label={`${channelName(ch)} address rate`} testid={`population-${ch}-address`} value={channels[ch]?.address}
                  onChange={(v) => set('channels', { ...channels, [ch]: { ...(channels[ch] ?? {}), address: v } })} />
              </td>
              <td>
                <PercentInput label={`${channelName(ch)} consent rate`} testid={`population-${ch}-consent`} value={channels[ch]?.consent}
                  onChange={(v) => set('channels', { ...channels, [ch]: { ...(channels[ch] ?? {}), consent: v } })} />
              </td>
              <td>
                <PercentInput label={`${channelName(ch)} undeliverable rate`} testid={`population-${ch}-undeliverable`} value={delivery[ch]?.undeliverable}
                  onChange={(v) => {
                    const entry = { ...(delivery[ch] ?? {}) };
                    if (v === undefined) delete entry.undeliverable;
                    else entry.undeliverable = v;
                    const next = { ...delivery };
                    if (Object.keys(entry).length) next[ch] = entry;
                    else delete next[ch];
                    set('delivery', Object.keys(next).length ? next : undefined);
                  }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h4 className="sim-subheading">Events</h4>
      {events.map((ev, i) => (
        <EventRow key={i} event={ev} onChange={(e) => set('events', events.map((x, j) => (j === i ? e : x)))} onRemove={() => set('events', events.filter((_, j) => j !== i))} />
      ))}
      <button type="button" className="sim-button sim-quiet sim-small" onClick={() => set('events', [...events, { name: outline.triggerEvents[0] ?? '', at: { from: '+0m', to: '+1d' }, probability: 1 }])}>
        + event
      </button>

      <h4 className="sim-subheading">Replies</h4>
      {replies.map((r, i) => (
        <PopulationReplyRow key={i} reply={r} outline={outline} onChange={(x) => set('replies', replies.map((y, j) => (j === i ? x : y)))} onRemove={() => set('replies', replies.filter((_, j) => j !== i))} />
      ))}
      <button type="button" className="sim-button sim-quiet sim-small" disabled={outline.replyTargets.length === 0} onClick={() => {
        const t = outline.replyTargets.find((x) => x.buttons.length > 0) ?? outline.replyTargets[0];
        if (!t) return;
        const reply: PopulationReply = { to: t.node, probability: 0.5, after: { min: '5m', max: '2h' }, channel: t.channel };
        if (t.buttons.length) reply.buttons = Object.fromEntries(t.buttons.map((b) => [b.id, 1]));
        else reply.texts = { yes: 1 };
        set('replies', [...replies, reply]);
      }}>
        + reply
      </button>
      <button type="button" className="sim-button sim-quiet sim-small" data-testid="remove-population" onClick={onRemove}>
        Remove the population
      </button>
    </div>
  );
}

function EventRow(props: { event: PopulationEvent; onChange: (e: PopulationEvent) => void; onRemove: () => void }) {
  const { event, onChange, onRemove } = props;
  const at = asTimeRange(event.at);
  const setAt = (r: { from: string; to: string }) => onChange({ ...event, at: collapseRange(r, 'from', 'to') });
  return (
    <div className="sim-subcard" data-testid="population-event">
      <div className="sim-row">
        <input className="sim-input sim-grow" list="sim-events" aria-label="Event name" value={event.name} onChange={(e) => onChange({ ...event, name: e.target.value })} />
        <PercentInput label="Probability" value={event.probability ?? 1} onChange={(v) => onChange({ ...event, probability: v ?? 1 })} />
        <button type="button" className="sim-icon-button" aria-label="Remove event" onClick={onRemove}>×</button>
      </div>
      <div className="sim-row">
        <span className="sim-label">between</span>
        <input className="sim-input sim-w-short" aria-label="Earliest" value={at.from} onChange={(e) => setAt({ ...at, from: e.target.value })} />
        <span className="sim-label">and</span>
        <input className="sim-input sim-w-short" aria-label="Latest" value={at.to} onChange={(e) => setAt({ ...at, to: e.target.value })} />
        <span className="sim-muted">after the start</span>
      </div>
      {event.data && Object.keys(event.data).length > 0 && (
        <p className="sim-muted sim-small">data: <code>{JSON.stringify(event.data)}</code></p>
      )}
    </div>
  );
}

function PopulationReplyRow(props: { reply: PopulationReply; outline: JourneyOutline; onChange: (r: PopulationReply) => void; onRemove: () => void }) {
  const { reply, outline, onChange, onRemove } = props;
  const after = asDelayRange(reply.after);
  const setAfter = (r: { min: string; max: string }) => onChange({ ...reply, after: collapseRange(r, 'min', 'max') });
  const weights = asWeights(reply.buttons ?? reply.texts);
  const isButtons = reply.buttons !== undefined || reply.texts === undefined;
  const weightShares = shares(weights);
  const setWeights = (w: Record<string, number>) => onChange(isButtons ? { ...reply, buttons: w } : { ...reply, texts: w });
  return (
    <div className="sim-subcard" data-testid="population-reply">
      <div className="sim-row">
        <span className="sim-label">to</span>
        <select className="sim-select sim-grow" aria-label="Message replied to" value={reply.to} onChange={(e) => {
          const t = outline.replyTargets.find((x) => x.node === e.target.value);
          const next: PopulationReply = { ...reply, to: e.target.value, channel: t?.channel ?? reply.channel };
          if (t && t.buttons.length) {
            next.buttons = Object.fromEntries(t.buttons.map((b) => [b.id, 1]));
            delete next.texts;
          }
          onChange(next);
        }}>
          {!outline.replyTargets.some((t) => t.node === reply.to) && <option value={reply.to}>{reply.to}</option>}
          {outline.replyTargets.map((t) => (
            <option key={t.node} value={t.node}>{t.node}</option>
          ))}
        </select>
        <PercentInput label="Reply probability" testid="population-reply-probability" value={reply.probability} onChange={(v) => onChange({ ...reply, probability: v ?? 0 })} />
        <button type="button" className="sim-icon-button" aria-label="Remove reply" onClick={onRemove}>×</button>
      </div>
      <div className="sim-row">
        <span className="sim-label">after</span>
        <input className="sim-input sim-w-short" aria-label="Shortest delay" value={after.min} onChange={(e) => setAfter({ ...after, min: e.target.value })} />
        <span className="sim-label">to</span>
        <input className="sim-input sim-w-short" aria-label="Longest delay" value={after.max} onChange={(e) => setAfter({ ...after, max: e.target.value })} />
      </div>
      {Object.entries(weights).map(([k, w]) => (
        <div className="sim-row" key={k}>
          <span className="sim-label sim-w-label">{isButtons ? 'button' : 'text'}</span>
          <span className="sim-mono sim-grow">{k}</span>
          <input className="sim-input sim-w-num" aria-label={`Weight of ${k}`} inputMode="decimal" value={String(w)} onChange={(e) => {
            const n = Number(e.target.value);
            if (e.target.value.trim() !== '' && Number.isFinite(n) && n >= 0) setWeights({ ...weights, [k]: n });
          }} />
          <span className="sim-muted sim-w-share">{Math.round((weightShares[k] ?? 0) * 100)}%</span>
        </div>
      ))}
    </div>
  );
}
