/**
 * Pure helpers behind the scenario editor of the Simulate panel.
 *
 * The scenario stays a plain `ScenarioDoc` (the `.scenario.json` file as parsed JSON): every edit
 * returns a new document and leaves fields this editor does not know untouched, so a sample or a
 * hand-written file survives an edit → save round trip. The backend parses and checks the scenario
 * when it runs (errors name the field); the few checks here only keep the form from offering a
 * Run that cannot work (duplicate or empty contact ids, a reply with neither button nor text).
 */
import type { ContactDoc, JourneyDoc, NodeDoc, ScenarioDoc, ScriptedReplyDoc } from '../api/types';
import { SCENARIO_FORMAT } from '../api/types';

/** The channels a scenario knows. */

/** Time zones offered in the pickers (any IANA name may be typed). */
export const COMMON_TIMEZONES = [
  'UTC',
  'Europe/Lisbon',
  'Europe/London',
  'Europe/Madrid',
  'Europe/Berlin',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Sydney',
];

/** A send node whose message a scripted reply can answer. */
export interface ReplyTarget {
  node: string;
  channel: string;
  /** Button ids of the message (WhatsApp quick replies), in order. */
  buttons: { id: string; title: string }[];
}

/** What the scenario editor needs to know about the journey it simulates. */
export interface JourneyOutline {
  /** Event names of the trigger nodes (what makes a contact enter). */
  triggerEvents: string[];
  /** Channels of the send nodes, in first-use order. */
  channels: string[];
  /** Send nodes, in file order. */
  replyTargets: ReplyTarget[];
  /** Goal and exit events of the settings. */
  otherEvents: string[];
  /** The journey's `default_timezone` (UTC when unset). */
  defaultTimezone: string;
}

function isSend(node: NodeDoc): node is NodeDoc & { channel: string; buttons?: { id: string; title: string }[] } {
  return node.type === 'send' && typeof (node as { channel?: unknown }).channel === 'string';
}

/** Reads the trigger events, channels and send nodes of a journey. */
export function outlineJourney(journey: JourneyDoc): JourneyOutline {
  const triggerEvents: string[] = [];
  const channels: string[] = [];
  const replyTargets: ReplyTarget[] = [];
  for (const node of journey.nodes ?? []) {
    if (node.type === 'trigger') {
      const event = (node as { event?: unknown }).event;
      if (typeof event === 'string' && event && !triggerEvents.includes(event)) triggerEvents.push(event);
    } else if (isSend(node)) {
      if (!channels.includes(node.channel)) channels.push(node.channel);
      replyTargets.push({
        node: node.id,
        channel: node.channel,
        buttons: Array.isArray(node.buttons) ? node.buttons.filter((b) => b && typeof b.id === 'string') : [],
      });
    }
  }
  const otherEvents: string[] = [];
  const goal = journey.settings?.goal?.event;
  if (goal) otherEvents.push(goal);
  for (const e of journey.settings?.exit_on ?? []) if (!otherEvents.includes(e)) otherEvents.push(e);
  return { triggerEvents, channels, replyTargets, otherEvents, defaultTimezone: journey.settings?.default_timezone ?? 'UTC' };
}

/** Today at 09:00 UTC as RFC 3339 (`now` is injectable for tests). */
export function defaultStart(now: Date = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 9, 0, 0));
  return d.toISOString().replace('.000Z', 'Z');
}

/** A contact id not used by the scenario yet: `contact-1`, `contact-2`... */
export function freshContactId(scenario: ScenarioDoc, prefix = 'contact'): string {
  const used = new Set((scenario.contacts ?? []).map((c) => c.id));
  for (let i = 1; ; i++) {
    const id = `${prefix}-${i}`;
    if (!used.has(id)) return id;
  }
}

/** The sample phone numbers new test contacts get: +351 91 000 0001, 0002, ... (E.164). */
export const SAMPLE_NUMBER_PREFIX = '+35191000';

/** The sample number `n` (1-based): `+351910000001`. */
export function sampleNumber(n: number): string {
  return `${SAMPLE_NUMBER_PREFIX}${String(n).padStart(4, '0')}`;
}

/**
 * The next sample phone number no contact of the scenario uses yet: one past the highest sample
 * number in use (so removing a contact does not hand its number to the next one), skipping any
 * number written by hand.
 */
export function freshSampleNumber(scenario: ScenarioDoc): string {
  const used = new Set<string>();
  let highest = 0;
  for (const c of scenario.contacts ?? []) {
    for (const a of Object.values(c.addresses ?? {})) {
      if (typeof a !== 'string') continue;
      const compact = a.replace(/[\s-]/g, '');
      used.add(compact);
      if (compact.startsWith(SAMPLE_NUMBER_PREFIX) && /^\d{4}$/.test(compact.slice(SAMPLE_NUMBER_PREFIX.length))) {
        highest = Math.max(highest, Number(compact.slice(SAMPLE_NUMBER_PREFIX.length)));
      }
    }
  }
  for (let n = highest + 1; ; n++) {
    const candidate = sampleNumber(n);
    if (!used.has(candidate)) return candidate;
  }
}

/** A data key not used yet: `starts_at`, then `starts_at_2`, ... */
export function freshDataKey(data: Record<string, unknown>, base: string): string {
  if (!(base in data)) return base;
  for (let i = 2; ; i++) if (!(`${base}_${i}` in data)) return `${base}_${i}`;
}

/** A test contact who enters the journey at the start, reachable and consenting on every channel it uses. */
export function newContact(journey: JourneyDoc, id: string, phone: string = sampleNumber(1)): ContactDoc {
  return newContactFor(outlineJourney(journey), id, phone);
}

/**
 * `newContact` from the journey's outline; `phone` is its SMS and WhatsApp number (give each
 * contact its own: `freshSampleNumber`), its email is `ID@example.com`.
 */
export function newContactFor(outline: JourneyOutline, id: string, phone: string = sampleNumber(1)): ContactDoc {
  const channels = outline.channels.length > 0 ? outline.channels : ['sms'];
  const addresses: Record<string, string> = {};
  const consent: Record<string, boolean> = {};
  for (const ch of channels) {
    addresses[ch] = ch === 'email' ? `${id}@example.com` : phone;
    consent[ch] = true;
  }
  const contact: ContactDoc = {
    id,
    timezone: outline.defaultTimezone,
    attributes: { first_name: id.charAt(0).toUpperCase() + id.slice(1) },
    addresses,
    consent,
    events: outline.triggerEvents.length > 0 ? [{ at: '+0m', name: outline.triggerEvents[0], data: {} }] : [],
    replies: [],
  };
  return contact;
}

/** A new scenario for a journey: starts today 09:00 UTC, runs 14 days, one test contact. */
export function blankScenario(journey: JourneyDoc, now: Date = new Date()): ScenarioDoc {
  return {
    format: SCENARIO_FORMAT,
    start: defaultStart(now),
    run_for: '14d',
    seed: 42,
    contacts: [newContact(journey, 'ana')],
  };
}

/** Replaces contact `index` (a new document; the others are shared). */
export function setContact(scenario: ScenarioDoc, index: number, contact: ContactDoc): ScenarioDoc {
  const contacts = [...(scenario.contacts ?? [])];
  contacts[index] = contact;
  return { ...scenario, contacts };
}

/** Appends a contact. */
export function addContact(scenario: ScenarioDoc, contact: ContactDoc): ScenarioDoc {
  return { ...scenario, contacts: [...(scenario.contacts ?? []), contact] };
}

/** Removes contact `index`. */
export function removeContact(scenario: ScenarioDoc, index: number): ScenarioDoc {
  return { ...scenario, contacts: (scenario.contacts ?? []).filter((_, i) => i !== index) };
}

/** Sets or clears (`undefined`, empty string) one key of a string map field of a contact. */
export function setMapEntry<V>(map: Record<string, V> | undefined, key: string, value: V | undefined): Record<string, V> {
  const next = { ...(map ?? {}) };
  if (value === undefined || value === '') delete next[key];
  else next[key] = value;
  return next;
}

/** `a/b.journey.json` → `a/b.scenario.json`; a journey never saved uses its id. */
export function scenarioFileFor(journeyFile: string | null, journeyId: string): string {
  if (journeyFile && journeyFile.endsWith('.journey.json')) {
    return journeyFile.slice(0, -'.journey.json'.length) + '.scenario.json';
  }
  const base = (journeyId || 'journey').replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${base}.scenario.json`;
}

/** A form-level problem of the scenario: which contact, and what. */
export interface ScenarioProblem {
  contact?: string;
  message: string;
}

function replyProblem(reply: ScriptedReplyDoc): string | null {
  if (!reply.to) return 'a reply does not say which message it answers';
  if (!reply.button && !reply.text) return `the reply to ${reply.to} has neither a button nor a text`;
  return null;
}

/** Problems that make a run pointless; the backend reports anything else when it runs. */
export function scenarioProblems(scenario: ScenarioDoc): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  const seen = new Set<string>();
  const contacts = scenario.contacts ?? [];
  contacts.forEach((c, i) => {
    if (!c.id || !c.id.trim()) {
      problems.push({ message: `contact #${i + 1} has no id` });
      return;
    }
    if (seen.has(c.id)) problems.push({ contact: c.id, message: `the id "${c.id}" is used twice` });
    seen.add(c.id);
    for (const r of c.replies ?? []) {
      const p = replyProblem(r);
      if (p) problems.push({ contact: c.id, message: p });
    }
  });
  const population = scenario.population;
  const count = population ? Number(population.count) : 0;
  if (contacts.length === 0 && (!population || !(count > 0))) {
    problems.push({ message: 'the scenario has no contacts: add a test contact or a generated population' });
  }
  if (population && (!Number.isInteger(count) || count < 0)) {
    problems.push({ message: 'the population size must be a whole number' });
  }
  return problems;
}

/** Number of contacts the scenario simulates (hand-written + generated). */
export function contactTotal(scenario: ScenarioDoc): number {
  const generated = scenario.population ? Number(scenario.population.count) || 0 : 0;
  return (scenario.contacts?.length ?? 0) + generated;
}
