/**
 * Journey settings: name and id, quiet hours, frequency cap, re-entry, exit events, goal and
 * default time zone. Every setting is optional; turning one off removes it from the file.
 */
import { memo, useMemo } from 'react';
import type { Settings } from '../api/types';
import { DraftInput, DurationField, Field, Section, TextField } from '../controls';
import { timeError } from '../controls/timeRules';
import type { JourneyMeta } from '../model/canvas';

function withoutKey<T extends object>(o: T, key: string): T {
  const c = { ...o } as Record<string, unknown>;
  delete c[key];
  return c as T;
}

function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

function Toggle({ label, on, onChange, testId }: { label: string; on: boolean; onChange: (on: boolean) => void; testId: string }) {
  return (
    <label className="toggle">
      <input type="checkbox" data-testid={testId} checked={on} onChange={(e) => onChange(e.target.checked)} />
      <span>{label}</span>
    </label>
  );
}

function SettingsPanel({ meta, onChange }: { meta: JourneyMeta; onChange: (meta: JourneyMeta, key: string) => void }) {
  const settings: Settings = meta.settings ?? {};
  const zones = useMemo(() => timeZones(), []);
  const set = (s: Settings, key: string) => {
    const next = { ...meta } as JourneyMeta;
    if (Object.keys(s).length === 0) delete next.settings;
    else next.settings = s;
    onChange(next, `settings.${key}`);
  };
  const put = <K extends keyof Settings>(k: K, v: Settings[K] | undefined) => set(v === undefined ? withoutKey(settings, k as string) : { ...settings, [k]: v }, k as string);
  const reentry = settings.reentry;
  const reentryMode = reentry === undefined ? 'never' : typeof reentry === 'string' ? reentry : 'after';
  const qh = settings.quiet_hours;
  const cap = settings.frequency_cap;
  const goal = settings.goal;
  return (
    <div className="settings" data-testid="settings-panel">
      <Section title="Journey">
        <TextField label="Name" testId="field-journey-name" value={meta.name ?? ''} onChange={(name) => onChange({ ...meta, name }, 'name')} />
        <TextField
          label="Id"
          testId="field-journey-id"
          value={meta.id ?? ''}
          hint="Stable: re-entry and reports use it"
          onChange={(id) => onChange({ ...meta, id }, 'id')}
        />
      </Section>
      <Section title="Quiet hours" actions={<Toggle label="On" testId="settings-quiet-hours" on={qh !== undefined} onChange={(on) => put('quiet_hours', on ? { start: '21:00', end: '08:00' } : undefined)} />}>
        {qh ? (
          <div className="grid2">
            <TextField label="From" testId="field-quiet-start" value={qh.start} error={timeError(qh.start)} onChange={(start) => put('quiet_hours', { ...qh, start })} />
            <TextField label="Until" testId="field-quiet-end" value={qh.end} error={timeError(qh.end)} onChange={(end) => put('quiet_hours', { ...qh, end })} />
          </div>
        ) : (
          <p className="muted small">Messages go out at any hour. Turn on to defer sends at night, in each contact’s time zone.</p>
        )}
      </Section>
      <Section title="Frequency cap" actions={<Toggle label="On" testId="settings-frequency-cap" on={cap !== undefined} onChange={(on) => put('frequency_cap', on ? { max: 3, per: '1d' } : undefined)} />}>
        {cap ? (
          <div className="grid2">
            <Field label="At most">
              <DraftInput
                className="input num"
                testId="field-cap-max"
                value={String(cap.max)}
                onText={(t) => {
                  const n = Number(t);
                  if (Number.isInteger(n) && n >= 0) put('frequency_cap', { ...cap, max: n });
                }}
              />
            </Field>
            <DurationField label="messages per" testId="field-cap-per" value={cap.per} onChange={(per) => put('frequency_cap', { ...cap, per })} />
          </div>
        ) : (
          <p className="muted small">No limit on messages per contact.</p>
        )}
      </Section>
      <Section title="Re-entry">
        <Field label="A contact may enter again">
          <select
            className="input select"
            data-testid="field-reentry"
            value={reentryMode}
            onChange={(e) => {
              const m = e.target.value;
              put('reentry', m === 'never' ? (reentry === undefined ? undefined : 'never') : m === 'always' ? 'always' : { after: '30d' });
            }}
          >
            <option value="never">never (once per journey)</option>
            <option value="always">always</option>
            <option value="after">after some time</option>
            {!['never', 'always', 'after'].includes(reentryMode) && <option value={reentryMode}>{reentryMode}</option>}
          </select>
        </Field>
        {typeof reentry === 'object' && reentry !== null && (
          <DurationField label="Not within" testId="field-reentry-after" value={reentry.after} onChange={(after) => put('reentry', { ...reentry, after })} />
        )}
      </Section>
      <Section title="Exit events">
        <Field label="Leave the journey on" hint="Comma-separated event names, e.g. appointment_cancelled">
          <DraftInput
            testId="field-exit-on"
            value={(settings.exit_on ?? []).join(', ')}
            placeholder="appointment_cancelled"
            onText={(t) => {
              const list = t
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean);
              put('exit_on', list.length > 0 ? list : undefined);
            }}
          />
        </Field>
      </Section>
      <Section title="Goal" actions={<Toggle label="On" testId="settings-goal" on={goal !== undefined} onChange={(on) => put('goal', on ? { event: '', within: '7d' } : undefined)} />}>
        {goal ? (
          <>
            <TextField label="Conversion event" testId="field-goal-event" value={goal.event} placeholder="appointment_attended" onChange={(event) => put('goal', { ...goal, event })} />
            <DurationField label="Within" testId="field-goal-within" value={goal.within} onChange={(within) => put('goal', { ...goal, within })} />
          </>
        ) : (
          <p className="muted small">Set a goal to count conversions and end the journey when it is reached.</p>
        )}
      </Section>
      <Section title="Time zone">
        <Field label="Default time zone" hint="For contacts without one">
          <DraftInput
            testId="field-default-timezone"
            list="itinera-time-zones"
            value={settings.default_timezone ?? ''}
            placeholder="UTC"
            onText={(t) => put('default_timezone', t.trim() ? t.trim() : undefined)}
          />
          <datalist id="itinera-time-zones">
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </Field>
      </Section>
    </div>
  );
}

export default memo(SettingsPanel);
