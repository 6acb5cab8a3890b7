import { describe, expect, it } from 'vitest';
import type { ContactDoc, ScenarioDoc } from '../api/types';
import { SAMPLE_CHOICE, choiceFor, contactLabel, resolveChoice, sampleFromContact, testContactsOf } from './previewAs';

const ana: ContactDoc = {
  id: 'ana',
  timezone: 'Asia/Tokyo',
  attributes: { first_name: 'Ana', last_name: 'Silva', locale: 'pt', timezone: 'ignored/attribute' },
  events: [
    { at: '+0m', name: 'page_viewed', data: { page: '/' } },
    { at: '+1h', name: 'appointment_booked', data: { starts_at: '2026-03-04T15:00:00Z' } },
  ],
};
const ben: ContactDoc = { id: 'ben', consent: { sms: true } };

describe('sampleFromContact', () => {
  it('uses the attributes, id, timezone and the trigger event data', () => {
    expect(sampleFromContact(ana, ['appointment_booked'])).toEqual({
      contact: { first_name: 'Ana', last_name: 'Silva', locale: 'pt', id: 'ana', timezone: 'Asia/Tokyo' },
      event: { starts_at: '2026-03-04T15:00:00Z' },
    });
  });
  it('places the trigger event in its scenario, so that the backend resolves its local times (data kept as written)', () => {
    const c: ContactDoc = { id: 'k', timezone: 'Asia/Tokyo', events: [{ at: '+1d', name: 'b', data: { starts_at: 'in 2 days at 09:00 local', n: 1 } }] };
    expect(sampleFromContact(c, ['b'], '2026-03-02T09:00:00Z')).toEqual({
      contact: { id: 'k', timezone: 'Asia/Tokyo' },
      event: { starts_at: 'in 2 days at 09:00 local', n: 1 },
      eventTime: { start: '2026-03-02T09:00:00Z', at: '+1d' },
    });
    // No start known: no place, the data as written.
    expect(sampleFromContact(c, ['b'])).not.toHaveProperty('eventTime');
  });
  it('takes the first event when the journey has no trigger event names, none when nothing matches', () => {
    expect(sampleFromContact(ana, []).event).toEqual({ page: '/' });
    expect(sampleFromContact(ana, ['order_placed']).event).toEqual({});
  });
  it('a contact without a timezone leaves the zone to the journey default (no attribute of that name either)', () => {
    const s = sampleFromContact({ id: 'x', attributes: { timezone: 'Europe/Paris' } }, []);
    expect(s.contact).toEqual({ id: 'x' });
    expect(sampleFromContact(ben, []).contact).toEqual({ id: 'ben' });
  });
});

describe('choosing a contact', () => {
  const scenario: ScenarioDoc = { format: 'itinera/scenario@1', start: '2026-03-02T09:00:00Z', run_for: '1d', contacts: [ana, ben, { ...ben }, { id: '' }] };
  const tests = { contacts: testContactsOf(scenario), triggerEvents: ['appointment_booked'] };
  const sample = { contact: { id: 'sample' }, event: {} };

  it('lists each hand-written contact once', () => {
    expect(tests.contacts.map((c) => c.id)).toEqual(['ana', 'ben']);
    expect(testContactsOf(null)).toEqual([]);
  });
  it('resolves the chooser value to the contact, else to the editable sample', () => {
    expect(resolveChoice(choiceFor('ana'), sample, tests).contact?.id).toBe('ana');
    expect(resolveChoice(choiceFor('ana'), sample, tests).sample.contact.first_name).toBe('Ana');
    expect(resolveChoice(SAMPLE_CHOICE, sample, tests)).toEqual({ sample, contact: null });
    expect(resolveChoice(choiceFor('gone'), sample, tests)).toEqual({ sample, contact: null });
  });
  it('names contacts by id and name', () => {
    expect(contactLabel(ana)).toBe('ana (Ana Silva)');
    expect(contactLabel(ben)).toBe('ben');
  });
});
