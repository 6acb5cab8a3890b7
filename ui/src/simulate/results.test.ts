import { describe, expect, it } from 'vitest';
import type { SimReport } from '../api/types';
import { entriesText, entryCount, messageText, filterContacts, staleText, formatAt, formatRate, hasTimelines, messageRows, outcomeRows, stepText, stepTone } from './results';

const report: SimReport = {
  journey: 'j',
  contacts: [
    { id: 'ana', outcome: 'goal', exit_node: 'await_reply', steps: [{ at: '2026-03-02T09:00:00Z', node: 'booked', type: 'trigger', result: 'entered' }], messages: [] },
    { id: 'ben', outcome: 'exited', exit_node: 'done', steps: [], messages: [] },
    { id: 'Bea', outcome: 'exited', exit_node: 'done', steps: [], messages: [] },
    { id: 'cleo', outcome: 'not_entered', exit_node: null },
  ],
  summary: {
    contacts: 4,
    entered: 3,
    outcomes: { goal: 1, exited: 2, not_entered: 1, paused: 0 },
    goal_rate: 1 / 3,
    nodes: {},
    edges: [],
    messages: { whatsapp: 3, sms: 5, push: 1 },
  },
};

describe('outcomeRows', () => {
  it('lists every known outcome in a fixed order, zeros included, then unknown ones', () => {
    expect(outcomeRows(report).map((r) => [r.outcome, r.count])).toEqual([
      ['goal', 1], ['exited', 2], ['left', 0], ['waiting', 0], ['not_entered', 1], ['paused', 0],
    ]);
  });
  it('shares are of all simulated contacts', () => {
    expect(outcomeRows(report).find((r) => r.outcome === 'exited')?.share).toBe(0.5);
  });
});

describe('formatRate', () => {
  const cases: [number | null | undefined, string][] = [[1 / 3, '33.3%'], [0, '0%'], [1, '100%'], [0.4251, '42.5%'], [null, '—'], [undefined, '—']];
  for (const [rate, text] of cases) it(`${rate} → ${text}`, () => expect(formatRate(rate)).toBe(text));
});

describe('messageRows', () => {
  it('known channels first in product order, then the others', () => {
    expect(messageRows(report).map((m) => `${m.label}:${m.count}`)).toEqual(['SMS:5', 'WhatsApp:3', 'push:1']);
  });
  it('leaves out channels that sent nothing', () => {
    const quiet = { ...report, summary: { ...report.summary, messages: { sms: 2, whatsapp: 0, email: 0 } } };
    expect(messageRows(quiet).map((m) => m.channel)).toEqual(['sms']);
  });
});

describe('filterContacts', () => {
  it('by outcome', () => expect(filterContacts(report.contacts, 'exited').map((c) => c.id)).toEqual(['ben', 'Bea']));
  it('all', () => expect(filterContacts(report.contacts, 'all')).toHaveLength(4));
  it('by id, any case', () => expect(filterContacts(report.contacts, 'all', 'be').map((c) => c.id)).toEqual(['ben', 'Bea']));
  it('both', () => expect(filterContacts(report.contacts, 'goal', 'be')).toEqual([]));
});

describe('formatAt', () => {
  it('reads a UTC time', () => expect(formatAt('2026-03-02T09:05:00Z')).toBe('Mon 2 Mar 09:05'));
  it('keeps UTC for offsets', () => expect(formatAt('2026-03-02T23:30:00-01:00')).toBe('Tue 3 Mar 00:30'));
  it('leaves a text that is no time alone', () => expect(formatAt('soon')).toBe('soon'));
  it('reads a time in a contact’s zone', () => {
    expect(formatAt('2026-03-02T09:05:00Z', 'America/New_York')).toBe('Mon 2 Mar 04:05');
    expect(formatAt('2026-07-01T23:30:00Z', 'Europe/Lisbon')).toBe('Thu 2 Jul 00:30');
    expect(formatAt('2026-03-02T09:05:00Z', 'Asia/Kolkata')).toBe('Mon 2 Mar 14:35');
  });
  it('falls back to UTC for a zone it does not know', () => expect(formatAt('2026-03-02T09:05:00Z', 'Mars/Olympus')).toBe('Mon 2 Mar 09:05'));
});

describe('steps', () => {
  it('the backend detail wins', () => {
    expect(stepText({ at: '', node: 'n', type: 'send', result: 'sent', detail: "SMS sent: 'Hi Ana'" })).toBe("SMS sent: 'Hi Ana'");
  });
  it('without detail, the step words', () => {
    expect(stepText({ at: '', node: 'n', type: 'send', result: 'skipped', reason: 'no_consent', port: 'failed' })).toBe(
      'send: skipped (no_consent) → failed',
    );
  });
  const tones: [Record<string, string>, string][] = [
    [{ result: 'sent' }, 'ok'],
    [{ result: 'delivered' }, 'ok'],
    [{ result: 'failed', reason: 'frequency_capped', port: 'next' }, 'failed'],
    [{ result: 'deferred', reason: 'quiet_hours' }, 'deferred'],
    [{ result: 'failed', reason: 'undeliverable' }, 'failed'],
    [{ result: 'skipped', reason: 'no_consent' }, 'failed'],
    [{ result: 'waiting' }, 'neutral'],
  ];
  for (const [fields, tone] of tones) {
    it(`${JSON.stringify(fields)} reads ${tone}`, () => expect(stepTone({ at: '', node: 'n', type: 'send', ...fields })).toBe(tone));
  }
  it('knows whether the report carries timelines', () => {
    expect(hasTimelines(report)).toBe(true);
    expect(hasTimelines({ ...report, contacts: [{ id: 'x', outcome: 'exited', exit_node: 'done' }] })).toBe(false);
  });
});

describe('messageText', () => {
  it('a text message reads as its text', () => expect(messageText({ text: 'Hi Ana' })).toBe('Hi Ana'));
  it('a template reads as its name, language and rendered params', () => {
    expect(messageText({ template: { name: 'appointment_reminder', language: 'en', params: ['Ana', '2026-03-04T15:00:00Z'] } })).toBe(
      'Template appointment_reminder (en): Ana · 2026-03-04T15:00:00Z',
    );
  });
  it('a template named by a string', () => expect(messageText({ template: 'promo' })).toBe('Template promo'));
});

describe('entries and contacts', () => {
  const keyed: SimReport = {
    ...report,
    summary: { ...report.summary, entered: 12, nodes: { booked: { entered: 14, ignored: 2 }, other: { entered: 40 } } },
  };
  it('counts the arrivals at the trigger steps as entries', () => {
    expect(entryCount(keyed, ['booked'])).toBe(14);
    expect(entryCount(keyed, ['booked', 'other'])).toBe(54);
  });
  it('never counts fewer entries than contacts that entered (no trigger counts in the report)', () => {
    expect(entryCount(report, ['booked'])).toBe(3);
    expect(entryCount(keyed, [])).toBe(12);
  });
  const cases: [number, number, string][] = [
    [14, 12, '14 entries by 12 contacts'],
    [2, 1, '2 entries by 1 contact'],
    [12, 12, '12 contacts entered'],
    [1, 1, '1 contact entered'],
    [1200, 1000, '1,200 entries by 1,000 contacts'],
    [0, 0, 'No contact entered'],
  ];
  for (const [entries, contacts, text] of cases) it(`${entries}/${contacts} → ${text}`, () => expect(entriesText(entries, contacts)).toBe(text));
});

describe('staleText', () => {
  it('says what changed', () => {
    expect(staleText(false, false)).toBeNull();
    expect(staleText(true, false)).toBe('The journey changed since this run.');
    expect(staleText(false, true)).toBe('The scenario changed since this run.');
    expect(staleText(true, true)).toBe('The journey and the scenario changed since this run.');
  });
});
