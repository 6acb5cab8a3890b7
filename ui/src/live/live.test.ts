import { describe, expect, it } from 'vitest';
import type { JourneyDoc, ScenarioListing } from '../api/types';
import appointment from '../../../assets/journeys/appointment-reminder.journey.json';
import { overlayFromLive } from '../simulate/trafficOverlay';
import {
  canMigrate,
  enrollmentText,
  formatWhen,
  impactLines,
  outboxStatus,
  outboxText,
  parseObject,
  pickVersion,
  testEventDefaults,
  testEventRequest,
  triggerEvent,
  versionActions,
  versionNote,
} from './live';

const journey = appointment as unknown as JourneyDoc;

describe('versions', () => {
  it('offers pause or resume, and archive, until a version is archived', () => {
    expect(versionActions('active')).toEqual(['pause', 'archive']);
    expect(versionActions('paused')).toEqual(['resume', 'archive']);
    expect(versionActions('archived')).toEqual([]);
  });
  it('says who enters', () => {
    expect(versionNote({ status: 'active', latest: true })).toContain('New contacts enter');
    expect(versionNote({ status: 'active', latest: false })).toContain('latest version');
    expect(versionNote({ status: 'paused', latest: true })).toContain('nobody new');
  });
  it('shows the version asked for while it exists, else the latest', () => {
    const vs = [
      { version: 1, latest: false },
      { version: 2, latest: true },
    ];
    expect(pickVersion(vs, 1)).toBe(1);
    expect(pickVersion(vs, null)).toBe(2);
    expect(pickVersion(vs, 9)).toBe(2);
    expect(pickVersion([], null)).toBeNull();
  });
});

describe('formatWhen', () => {
  const now = Date.parse('2026-03-02T12:00:00Z');
  const cases: [string | null, string][] = [
    ['2026-03-02T11:59:58Z', 'just now'],
    ['2026-03-02T11:59:30Z', '30 s ago'],
    ['2026-03-02T11:55:00Z', '5 min ago'],
    ['2026-03-02T09:00:00Z', '3 h ago'],
    ['2026-02-27T09:05:00Z', 'Fri 27 Feb 09:05'],
    ['2026-03-03T09:05:00Z', 'Tue 3 Mar 09:05'],
    [null, '—'],
    ['soon', 'soon'],
  ];
  for (const [at, text] of cases) it(`${at} → ${text}`, () => expect(formatWhen(at, now)).toBe(text));
});

describe('enrollments and the outbox in words', () => {
  it('names the step by its label', () => {
    const labelled = { ...journey, nodes: journey.nodes.map((n) => (n.id === 'wait_day_before' ? { ...n, label: 'The day before' } : n)) };
    expect(enrollmentText({ outcome: 'waiting', node: 'wait_day_before' }, labelled)).toBe('Still waiting at ‘The day before’');
    expect(enrollmentText({ outcome: 'exited', node: 'done' }, journey)).toBe('Exited at ‘done’');
    expect(enrollmentText({ outcome: 'not_entered', node: 'booked' }, journey)).toBe('Never entered');
  });
  it('says what became of a message', () => {
    const base = { channel: 'sms', attempts: 1, last_error: undefined, delivered_at: null };
    expect(outboxStatus({ ...base, status: 'sent', delivered_at: '2026-03-02T09:00:00Z' })).toEqual({ label: 'Delivered', tone: 'ok' });
    expect(outboxStatus({ ...base, status: 'sent' }).label).toBe('Sent');
    expect(outboxStatus({ ...base, status: 'pending', attempts: 0 }).label).toBe('Waiting to go out');
    expect(outboxStatus({ ...base, status: 'pending', attempts: 2 }).label).toBe('Retrying (2 attempts)');
    expect(outboxStatus({ ...base, status: 'failed', last_error: 'http_404' })).toEqual({ label: 'Failed (http_404)', tone: 'failed' });
    expect(outboxStatus({ ...base, channel: 'webhook', status: 'sent' }).label).toBe('Called');
  });
  it('shows the rendered message or the webhook call', () => {
    expect(outboxText({ channel: 'sms', text: 'Hi Ana' })).toBe('Hi Ana');
    expect(outboxText({ channel: 'email', text: 'Body', subject: 'Hello' })).toBe('Hello — Body');
    expect(outboxText({ channel: 'whatsapp', template: { name: 'reminder', language: 'en', params: ['Ana'] } })).toBe('Template reminder (en): Ana');
    expect(outboxText({ channel: 'webhook', method: 'POST', url: 'https://x.example/a' })).toBe('POST https://x.example/a');
  });
});

describe('the change impact', () => {
  const impact = [
    { version: 1, node: 'wait_day_before', type: 'wait', waiting: 3, kept: true, in_flight: 0 },
    { version: 1, node: 'await_reply', type: 'wait_for', waiting: 2, kept: true, in_flight: 1 },
    { version: 1, node: 'old_step', type: 'wait', waiting: 1, kept: false },
  ];
  it('reads as sentences, with or without moving contacts', () => {
    const stay = impactLines(impact, journey, false);
    expect(stay[0]).toBe('3 contacts waiting at ‘wait_day_before’ in version 1: they finish on version 1 (the new version keeps this step, so they could move).');
    expect(stay[2]).toContain('gone or changed');
    const move = impactLines(impact, journey, true);
    expect(move[0]).toContain('3 move to the new version');
    expect(move[1]).toBe('2 contacts waiting at ‘await_reply’ in version 1: 1 moves to the new version. 1 waiting for a message to be delivered stays.');
  });
  it('offers moving only when someone would move', () => {
    expect(canMigrate(impact)).toBe(true);
    expect(canMigrate([{ version: 1, node: 'a', type: 'wait', waiting: 1, kept: true, in_flight: 1 }])).toBe(false);
    expect(canMigrate([])).toBe(false);
  });
});

describe('the test event form', () => {
  const sample: ScenarioListing = {
    file: 'samples/appointment-reminder.scenario.json',
    name: 'Appointment reminder',
    journey_id: 'appointment-reminder',
    scenario: {
      format: 'itinera/scenario@1',
      start: '2026-03-02T09:00:00Z',
      run_for: '14d',
      contacts: [
        {
          id: 'ana',
          attributes: { first_name: 'Ana' },
          addresses: { sms: '+351910000000', email: 'ana@example.com' },
          consent: { sms: true, whatsapp: false },
          events: [{ at: '+0m', name: 'appointment_booked', data: { starts_at: '2026-03-04T15:00:00Z' } }],
        },
      ],
    },
  };
  it('is prefilled from the journey’s sample scenario', () => {
    const form = testEventDefaults(journey, [sample]);
    expect(form.contactId).toBe('test-patient');
    expect(form.phone).toBe('+351910000000');
    expect(form.email).toBe('ana@example.com');
    expect(form.consent).toEqual({ sms: true, whatsapp: false, email: false });
    expect(JSON.parse(form.attributes)).toEqual({ first_name: 'Ana' });
    expect(JSON.parse(form.data)).toEqual({ starts_at: '2026-03-04T15:00:00Z' });
  });
  it('without a sample: consent for the channels the journey sends on, and empty data', () => {
    const form = testEventDefaults(journey, []);
    expect(form.consent).toEqual({ sms: true, whatsapp: true, email: false });
    expect(form.data).toBe('{}');
    expect(triggerEvent(journey)).toBe('appointment_booked');
  });
  it('becomes the send_test_event request, or says what is wrong', () => {
    const form = testEventDefaults(journey, [sample]);
    const request = testEventRequest(form);
    expect(request).toEqual({
      contact: {
        id: 'test-patient',
        attributes: { first_name: 'Ana' },
        addresses: { sms: '+351910000000', whatsapp: '+351910000000', email: 'ana@example.com' },
        consent: { sms: true, whatsapp: false, email: false },
      },
      data: { starts_at: '2026-03-04T15:00:00Z' },
    });
    expect(testEventRequest({ ...form, contactId: ' ' })).toEqual({ error: 'The test contact needs an id' });
    expect(testEventRequest({ ...form, data: '[1]' })).toEqual({ error: 'Event data must be a JSON object ({ … })' });
    expect('error' in testEventRequest({ ...form, attributes: '{nope' })).toBe(true);
    expect(parseObject('  ', 'x')).toEqual({ value: {} });
  });
});

describe('overlayFromLive', () => {
  it('draws the backend’s arrivals and traffic, plus who waits where, and a contact’s path', () => {
    const counts = {
      nodes: { booked: { entered: 2, waiting: 0 }, confirm_sms: { entered: 2, waiting: 1 }, done: { entered: 0, waiting: 0 } },
      edges: [{ from: 'booked', port: 'next', to: 'confirm_sms', count: 2 }],
    };
    const overlay = overlayFromLive(counts);
    expect(overlay.nodeCounts).toEqual({ booked: 2, confirm_sms: 2, done: 0 });
    expect(overlay.waiting).toEqual({ confirm_sms: 1 });
    expect(overlay.edgeCounts).toEqual(counts.edges);
    expect(overlay.path).toBeUndefined();
    const withPath = overlayFromLive(counts, [
      { node: 'booked', result: 'entered', port: 'next' },
      { node: 'confirm_sms', result: 'deferred' },
    ]);
    expect(withPath.path).toEqual(['booked', 'confirm_sms']);
    expect(withPath.pathEdges).toEqual([{ from: 'booked', port: 'next', to: 'confirm_sms' }]);
  });
});
