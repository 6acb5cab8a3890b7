import { describe, expect, it } from 'vitest';
import type { JourneyDoc, ScenarioDoc } from '../api/types';
import {
  freshDataKey,
  freshSampleNumber,
  addContact,
  blankScenario,
  contactTotal,
  defaultStart,
  freshContactId,
  newContact,
  outlineJourney,
  removeContact,
  scenarioFileFor,
  scenarioProblems,
  setContact,
  setMapEntry,
} from './scenarioEdit';
import appointment from '../../../assets/journeys/appointment-reminder.journey.json';

const journey = appointment as unknown as JourneyDoc;

describe('outlineJourney (appointment reminder)', () => {
  const o = outlineJourney(journey);
  it('finds the trigger event', () => expect(o.triggerEvents).toEqual(['appointment_booked']));
  it('lists the channels of the send nodes in first-use order', () => expect(o.channels).toEqual(['sms', 'whatsapp']));
  it('lists every send node with its buttons', () => {
    expect(o.replyTargets.map((t) => t.node)).toEqual([
      'confirm_sms', 'wa_reminder', 'thank_you', 'reschedule_link', 'sms_followup', 'sms_reminder',
    ]);
    expect(o.replyTargets.find((t) => t.node === 'wa_reminder')?.buttons.map((b) => b.id)).toEqual(['confirm', 'reschedule']);
  });
  it('knows the goal and exit events', () => expect(o.otherEvents).toEqual(['appointment_attended', 'appointment_cancelled']));
});

describe('new scenarios and contacts', () => {
  it('starts today at 09:00 UTC', () => {
    expect(defaultStart(new Date('2026-03-02T17:45:12.345Z'))).toBe('2026-03-02T09:00:00Z');
  });

  it('a blank scenario is a v1 scenario with one contact who enters through the trigger', () => {
    const s = blankScenario(journey, new Date('2026-03-02T00:00:00Z'));
    expect(s.format).toBe('itinera/scenario@1');
    expect(s.run_for).toBe('14d');
    expect(s.contacts).toHaveLength(1);
    expect(s.contacts?.[0].events).toEqual([{ at: '+0m', name: 'appointment_booked', data: {} }]);
  });

  it('a new contact is reachable and consenting on the journey channels only', () => {
    const c = newContact(journey, 'bo');
    expect(Object.keys(c.addresses ?? {})).toEqual(['sms', 'whatsapp']);
    expect(c.consent).toEqual({ sms: true, whatsapp: true });
    expect(c.attributes?.first_name).toBe('Bo');
  });

  it('fresh ids skip the ones in use', () => {
    let s: ScenarioDoc = { format: 'itinera/scenario@1', start: 'x', run_for: '1d', contacts: [] };
    s = addContact(s, newContact(journey, freshContactId(s)));
    s = addContact(s, newContact(journey, freshContactId(s)));
    expect(s.contacts?.map((c) => c.id)).toEqual(['contact-1', 'contact-2']);
    s = removeContact(s, 0);
    expect(freshContactId(s)).toBe('contact-1');
  });

  it('new test contacts get distinct sample numbers, never one in use', () => {
    let s: ScenarioDoc = { format: 'itinera/scenario@1', start: 'x', run_for: '1d', contacts: [] };
    expect(freshSampleNumber(s)).toBe('+351910000001');
    for (let i = 0; i < 3; i++) s = addContact(s, newContact(journey, freshContactId(s), freshSampleNumber(s)));
    expect(s.contacts?.map((c) => c.addresses?.sms)).toEqual(['+351910000001', '+351910000002', '+351910000003']);
    expect(s.contacts?.map((c) => c.addresses?.whatsapp)).toEqual(['+351910000001', '+351910000002', '+351910000003']);
    expect(new Set(s.contacts?.map((c) => c.addresses?.sms)).size).toBe(3);
    // Removing one does not hand its number to the next contact; a number typed with spaces counts as used.
    s = removeContact(s, 2);
    s = addContact(s, { id: 'typed', addresses: { sms: '+351 91 000 0004' } });
    expect(freshSampleNumber(s)).toBe('+351910000005');
    expect(blankScenario(journey).contacts?.[0].addresses?.sms).toBe('+351910000001');
  });

  it('fresh data keys skip the ones in use', () => {
    expect(freshDataKey({}, 'starts_at')).toBe('starts_at');
    expect(freshDataKey({ starts_at: 1, starts_at_2: 2 }, 'starts_at')).toBe('starts_at_3');
  });

  it('edits leave the original document and unknown fields alone', () => {
    const s: ScenarioDoc = {
      format: 'itinera/scenario@1', start: 'x', run_for: '1d', x_note: 'keep me',
      contacts: [{ id: 'a', x_extra: 1 }, { id: 'b' }],
    };
    const t = setContact(s, 1, { ...s.contacts![1], timezone: 'Europe/Lisbon' });
    expect(s.contacts?.[1].timezone).toBeUndefined();
    expect(t.contacts?.[1].timezone).toBe('Europe/Lisbon');
    expect(t.contacts?.[0]).toBe(s.contacts?.[0]);
    expect(t.x_note).toBe('keep me');
  });
});

describe('form values', () => {
  it('setMapEntry removes a key set to empty', () => {
    expect(setMapEntry({ sms: '+1', email: 'a@b' }, 'sms', '')).toEqual({ email: 'a@b' });
    expect(setMapEntry(undefined, 'sms', '+1')).toEqual({ sms: '+1' });
  });
});

describe('scenarioFileFor', () => {
  const cases: [string | null, string, string][] = [
    ['appointment.journey.json', 'x', 'appointment.scenario.json'],
    ['sub/dir/a.journey.json', 'x', 'sub/dir/a.scenario.json'],
    [null, 'appointment-reminder', 'appointment-reminder.scenario.json'],
    [null, 'weird id/..', 'weird-id-...scenario.json'],
  ];
  for (const [file, id, expected] of cases) {
    it(`${file} (${id}) → ${expected}`, () => expect(scenarioFileFor(file, id)).toBe(expected));
  }
});

describe('scenarioProblems', () => {
  const base = { format: 'itinera/scenario@1', start: '2026-03-02T09:00:00Z', run_for: '1d' };
  it('a scenario with a valid contact has none', () => {
    expect(scenarioProblems({ ...base, contacts: [{ id: 'a' }] })).toEqual([]);
  });
  it('no contacts and no population', () => {
    expect(scenarioProblems({ ...base, contacts: [] }).map((p) => p.message)).toEqual([
      'the scenario has no contacts: add a test contact or a generated population',
    ]);
  });
  it('a population alone is enough', () => {
    expect(scenarioProblems({ ...base, population: { count: 10 } })).toEqual([]);
  });
  it('duplicate and empty ids, replies without button or text', () => {
    const problems = scenarioProblems({
      ...base,
      contacts: [
        { id: 'a' },
        { id: 'a' },
        { id: ' ' },
        { id: 'c', replies: [{ to: 'wa', after: '1m', channel: 'whatsapp' }] },
      ],
    });
    expect(problems).toEqual([
      { contact: 'a', message: 'the id "a" is used twice' },
      { message: 'contact #3 has no id' },
      { contact: 'c', message: 'the reply to wa has neither a button nor a text' },
    ]);
  });
  it('counts hand-written and generated contacts', () => {
    expect(contactTotal({ ...base, contacts: [{ id: 'a' }], population: { count: 250 } })).toBe(251);
  });
});
