/**
 * Pure helpers of the Live view: how versions, enrollments, outbox rows and publish's change
 * impact read for a marketer, and the test event form's defaults. Every number comes from the
 * backend (`live_status`, `live_counts`, `list_enrollments`, `list_outbox`, `publish_journey`);
 * nothing here counts or decides what the engine does.
 */
import type {
  EnrollmentItem,
  ImpactRow,
  Json,
  JourneyDoc,
  OutboxEntry,
  ScenarioListing,
  TestContact,
  VersionReport,
  VersionStatus,
} from '../api/types';
import { stepName } from '../model/transform';
import { OUTCOME_LABELS, formatAt, messageText } from '../simulate/results';

/** Where the editor remembers the server it publishes to (its URL only, never a token). */
export const SERVER_URL_KEY = 'itinera.server.url';

/** `12.5 %` of a 0–1 ratio. */
export function percent(ratio: number): string {
  return `${(Math.round(ratio * 1000) / 10).toLocaleString('en')} %`;
}

/** How often the Live view asks the engine while it is open. */
export const POLL_MS = 2000;

/** A version's status for people. */
export const STATUS_LABELS: Record<VersionStatus, string> = {
  active: 'Running',
  paused: 'Paused',
  archived: 'Archived',
};

/** What a version's buttons can do next. */
export type VersionAction = 'pause' | 'resume' | 'archive';

/** The status each action sets. */
export const ACTION_STATUS: Record<VersionAction, VersionStatus> = { pause: 'paused', resume: 'active', archive: 'archived' };

export const ACTION_LABELS: Record<VersionAction, string> = { pause: 'Pause', resume: 'Resume', archive: 'Archive' };

/** Pause or resume, and archive, for a version that is not archived yet. */
export function versionActions(status: VersionStatus): VersionAction[] {
  if (status === 'active') return ['pause', 'archive'];
  if (status === 'paused') return ['resume', 'archive'];
  return [];
}

/** The sentence under a version: who can enter, who carries on. */
export function versionNote(v: Pick<VersionReport, 'status' | 'latest'>): string {
  if (v.status === 'archived') return 'Archived: nobody enters, everyone inside was taken out.';
  if (v.status === 'paused') return 'Paused: nobody new enters; contacts inside carry on.';
  return v.latest ? 'New contacts enter this version.' : 'Contacts inside carry on; new contacts enter the latest version.';
}

/** The version shown on the canvas: the one asked for if it still exists, else the latest. */
export function pickVersion(versions: Pick<VersionReport, 'version' | 'latest'>[], wanted: number | null): number | null {
  if (wanted !== null && versions.some((v) => v.version === wanted)) return wanted;
  return versions.find((v) => v.latest)?.version ?? versions[versions.length - 1]?.version ?? null;
}

/** `3 min ago`, `just now`, or the date (`Mon 2 Mar 09:05`, UTC) for anything older than a day. */
export function formatWhen(at: string | null | undefined, now: number = Date.now()): string {
  if (!at) return '—';
  const t = new Date(at).getTime();
  if (Number.isNaN(t)) return at;
  const seconds = Math.round((now - t) / 1000);
  if (seconds < 0) return formatAt(at);
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return formatAt(at);
}

/** Where an enrollment stands: `Still waiting at ‘Confirm by SMS’`, `Exited at ‘Done’`. */
export function enrollmentText(item: Pick<EnrollmentItem, 'outcome' | 'node'>, journey?: JourneyDoc): string {
  const label = OUTCOME_LABELS[item.outcome] ?? item.outcome;
  if (!item.node || item.outcome === 'not_entered') return label;
  const doc = journey?.nodes.find((n) => n.id === item.node);
  return `${label} at ‘${stepName(doc, item.node)}’`;
}

/** What became of an outbox row. */
export function outboxStatus(entry: Pick<OutboxEntry, 'status' | 'delivered_at' | 'attempts' | 'last_error' | 'channel'>): {
  label: string;
  tone: 'ok' | 'pending' | 'failed';
} {
  if (entry.status === 'failed') return { label: `Failed${entry.last_error ? ` (${entry.last_error})` : ''}`, tone: 'failed' };
  if (entry.status === 'pending') {
    return entry.attempts > 0
      ? { label: `Retrying (${entry.attempts} attempt${entry.attempts === 1 ? '' : 's'})`, tone: 'pending' }
      : { label: 'Waiting to go out', tone: 'pending' };
  }
  if (entry.channel === 'webhook') return { label: 'Called', tone: 'ok' };
  return entry.delivered_at ? { label: 'Delivered', tone: 'ok' } : { label: 'Sent', tone: 'ok' };
}

/** The line an outbox row shows: the message as rendered, or the webhook's method and URL. */
export function outboxText(entry: Pick<OutboxEntry, 'channel' | 'text' | 'template' | 'subject' | 'method' | 'url'>): string {
  if (entry.channel === 'webhook') return `${entry.method ?? 'POST'} ${entry.url ?? ''}`.trim();
  const body = messageText({ text: entry.text, template: entry.template });
  return entry.subject ? `${entry.subject} — ${body}` : body;
}


/** One sentence per row of publish's change impact, in the marketer's words. */
export function impactLines(impact: ImpactRow[], current: JourneyDoc, migrate: boolean): string[] {
  return impact.map((row) => {
    const step = `‘${stepName(current.nodes.find((n) => n.id === row.node), row.node)}’`;
    const who = `${row.waiting} contact${row.waiting === 1 ? '' : 's'} waiting at ${step} in version ${row.version}`;
    if (!row.kept) return `${who}: this step is gone or changed in the new version, so they finish on version ${row.version}.`;
    const inFlight = row.in_flight ?? 0;
    if (!migrate) return `${who}: they finish on version ${row.version} (the new version keeps this step, so they could move).`;
    const moving = row.waiting - inFlight;
    const held = inFlight > 0 ? ` ${inFlight} waiting for a message to be delivered stay${inFlight === 1 ? 's' : ''}.` : '';
    return `${who}: ${moving} move${moving === 1 ? 's' : ''} to the new version.${held}`;
  });
}

/** Whether moving waiting contacts to the new version would move anyone. */
export function canMigrate(impact: ImpactRow[]): boolean {
  return impact.some((row) => row.kept && row.waiting > (row.in_flight ?? 0));
}

/** The test event form. */
export interface TestEventForm {
  contactId: string;
  phone: string;
  email: string;
  consent: Record<'sms' | 'whatsapp' | 'email', boolean>;
  /** The contact's attributes as JSON text (`{"first_name": "Ana"}`). */
  attributes: string;
  /** The trigger event's data as JSON text. */
  data: string;
}

export const TEST_CONTACT_ID = 'test-patient';

/** The trigger's event name (`appointment_booked`), if the journey has one. */
export function triggerEvent(journey: JourneyDoc): string | null {
  const trigger = journey.nodes.find((n) => n.type === 'trigger') as { event?: unknown } | undefined;
  return typeof trigger?.event === 'string' && trigger.event ? trigger.event : null;
}

function pretty(value: Json | Record<string, Json> | undefined): string {
  return JSON.stringify(value ?? {}, null, 2);
}

/**
 * The form prefilled for `journey`: from its sample scenario when there is one (the first
 * contact's attributes, addresses and consent, and the data of its trigger event), else a phone
 * number and an email address with consent for the channels the journey sends on, and `{}`.
 */
export function testEventDefaults(journey: JourneyDoc, scenarios: ScenarioListing[] = []): TestEventForm {
  const channels = new Set(journey.nodes.filter((n) => n.type === 'send').map((n) => String((n as { channel?: unknown }).channel ?? '')));
  const sample = scenarios.find((s) => s.journey_id === journey.id && (s.scenario.contacts?.length ?? 0) > 0);
  const contact = sample?.scenario.contacts?.[0];
  const event = triggerEvent(journey);
  const data = contact?.events?.find((e) => e.name === event)?.data;
  const addresses = contact?.addresses ?? {};
  const consent = contact?.consent ?? {};
  const given = (c: 'sms' | 'whatsapp' | 'email') => consent[c] ?? channels.has(c);
  return {
    contactId: TEST_CONTACT_ID,
    phone: addresses.sms ?? addresses.whatsapp ?? '+15550100000',
    email: addresses.email ?? 'test@example.com',
    consent: { sms: given('sms'), whatsapp: given('whatsapp'), email: given('email') },
    attributes: pretty(contact?.attributes),
    data: pretty(data),
  };
}

/** A JSON object typed into a field, or the sentence saying what is wrong with it. */
export function parseObject(text: string, field: string): { value: Record<string, Json> } | { error: string } {
  if (!text.trim()) return { value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { error: `${field} is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: `${field} must be a JSON object ({ … })` };
  return { value: value as Record<string, Json> };
}

/** The `send_test_event` contact and data from the form, or the first problem. */
export function testEventRequest(form: TestEventForm): { contact: TestContact; data: Record<string, Json> } | { error: string } {
  const id = form.contactId.trim();
  if (!id) return { error: 'The test contact needs an id' };
  const attributes = parseObject(form.attributes, 'Contact details');
  if ('error' in attributes) return attributes;
  const data = parseObject(form.data, 'Event data');
  if ('error' in data) return data;
  const addresses: Record<string, string> = {};
  const phone = form.phone.trim();
  const email = form.email.trim();
  if (phone) {
    addresses.sms = phone;
    addresses.whatsapp = phone;
  }
  if (email) addresses.email = email;
  return { contact: { id, attributes: attributes.value, addresses, consent: { ...form.consent } }, data: data.value };
}
