/**
 * "Preview as" a test contact: the scenario's hand-written contacts turned into what the Liquid
 * preview renders against (the contact's attributes, `id`, `timezone` — `locale` is an attribute —
 * and the data of its trigger event). Pure: no backend call here; the preview sends the event's
 * place in the scenario (`eventTime`) so that the backend reads its local times as the simulator does.
 */
import type { ContactDoc, EventTime, Json, ScenarioDoc } from '../api/types';

/** What a preview renders against: `contact.*` and `event.*`. */
export interface Sample {
  contact: Record<string, unknown>;
  event: Record<string, unknown>;
  /** A scenario event's `at` and the scenario's `start`: local times in `event` ("in 2 days at
   * 09:00 local") are resolved by the backend for the contact's zone. */
  eventTime?: EventTime;
}

/** The id the chooser uses for the editable sample contact (never a scenario contact's id: those are prefixed). */
export const SAMPLE_CHOICE = 'sample';

/** The chooser's value for a test contact. */
export function choiceFor(contactId: string): string {
  return `contact:${contactId}`;
}

/** The test contacts a preview can be shown as, and the trigger events whose data they bring. */
export interface TestContacts {
  contacts: ContactDoc[];
  /** The journey's trigger event names: the first such event of a contact gives `event.*`. */
  triggerEvents: string[];
  /** The scenario's `start` (event times relative to it): local times in event data ("in 2 days
   * at 09:00 local") are shown resolved, as the simulator reads them. */
  start?: string;
}

/** The hand-written contacts of a scenario (generated ones have no fixed attributes to show). */
export function testContactsOf(scenario: ScenarioDoc | null | undefined): ContactDoc[] {
  const contacts = scenario?.contacts ?? [];
  const seen = new Set<string>();
  return contacts.filter((c) => {
    if (!c || typeof c.id !== 'string' || c.id === '' || seen.has(c.id)) return false;
    seen.add(c.id);
    return true;
  });
}

/**
 * The event a contact enters with: its first scripted event named like a trigger of the journey,
 * else (a journey without trigger events known) its first event; none gives no event data.
 */
export function triggerEventOf(contact: ContactDoc, triggerEvents: string[]) {
  const events = Array.isArray(contact.events) ? contact.events : [];
  return triggerEvents.length > 0 ? events.find((e) => triggerEvents.includes(e.name)) : events[0];
}

/** A test contact as a preview sample: attributes, `id`, `timezone` (when set) and its trigger event's data and time. */
export function sampleFromContact(contact: ContactDoc, triggerEvents: string[], start?: string): Sample {
  const attributes: Record<string, Json> = contact.attributes && typeof contact.attributes === 'object' ? contact.attributes : {};
  const sample: Record<string, unknown> = { ...attributes, id: contact.id };
  if (contact.timezone) sample.timezone = contact.timezone;
  else delete sample.timezone;
  const event = triggerEventOf(contact, triggerEvents);
  const data = event?.data && typeof event.data === 'object' && !Array.isArray(event.data) ? event.data : {};
  const eventTime = event && typeof event.at === 'string' && start !== undefined ? { start, at: event.at } : undefined;
  return eventTime ? { contact: sample, event: { ...data }, eventTime } : { contact: sample, event: { ...data } };
}

/** How the chooser names a test contact: "ana (Ana Silva)", or the id alone. */
export function contactLabel(contact: ContactDoc): string {
  const a = contact.attributes ?? {};
  const name = [a.first_name, a.last_name].filter((v) => typeof v === 'string' && v.trim() !== '').join(' ');
  return name ? `${contact.id} (${name})` : contact.id;
}

/**
 * The sample a preview renders against for the chooser's value: the chosen test contact, or the
 * editable sample when the value is the sample or names a contact no longer in the scenario.
 */
export function resolveChoice(choice: string, sample: Sample, tests: TestContacts): { sample: Sample; contact: ContactDoc | null } {
  if (choice !== SAMPLE_CHOICE) {
    const contact = tests.contacts.find((c) => choiceFor(c.id) === choice);
    if (contact) return { sample: sampleFromContact(contact, tests.triggerEvents, tests.start), contact };
  }
  return { sample, contact: null };
}
