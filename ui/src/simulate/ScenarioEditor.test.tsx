import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { setTransport } from '../api/backend';
import { useState } from 'react';
import type { JourneyDoc, ScenarioDoc } from '../api/types';
import appointment from '../../../assets/journeys/appointment-reminder.journey.json';
import { ScenarioEditor } from './ScenarioEditor';
import { outlineJourney } from './scenarioEdit';

const outline = outlineJourney(appointment as unknown as JourneyDoc);

const start: ScenarioDoc = {
  format: 'itinera/scenario@1',
  start: '2026-03-02T09:00:00Z',
  run_for: '14d',
  seed: 1,
  x_kept: 'unknown fields survive',
  contacts: [
    {
      id: 'ana',
      attributes: { first_name: 'Ana' },
      addresses: { sms: '+351912000001', whatsapp: '+351912000001' },
      consent: { sms: true, whatsapp: true },
      events: [{ at: '+0m', name: 'appointment_booked', data: {} }],
      replies: [],
    },
  ],
};

/** The editor with its document held in state, as the panel does; `last()` is the latest document. */
function renderEditor(initial: ScenarioDoc = start) {
  const changes = vi.fn<(s: ScenarioDoc) => void>();
  function Host() {
    const [doc, setDoc] = useState(initial);
    return (
      <ScenarioEditor
        outline={outline}
        scenario={doc}
        onChange={(s) => {
          changes(s);
          setDoc(s);
        }}
      />
    );
  }
  render(<Host />);
  return { last: () => changes.mock.calls[changes.mock.calls.length - 1][0] };
}

describe('ScenarioEditor: a test contact in detail', () => {
  it('delivery, attributes typed as values, event data and a typed reply become scenario JSON', () => {
    const { last } = renderEditor();
    fireEvent.click(screen.getByTestId('contact-edit-0'));
    const detail = screen.getByTestId('contact-detail');

    fireEvent.change(within(detail).getByTestId('contact-delivery-whatsapp'), { target: { value: 'undeliverable' } });
    expect(last().contacts?.[0].delivery).toEqual({ whatsapp: 'undeliverable' });
    fireEvent.change(within(detail).getByTestId('contact-delivery-whatsapp'), { target: { value: 'delivered' } });
    expect(last().contacts?.[0].delivery).toEqual({});

    // A new attribute row, then its value: numbers become numbers, "01234" stays text.
    fireEvent.click(within(detail).getByText('+ attribute'));
    const rows = within(detail).getAllByTestId('contact-attribute');
    fireEvent.change(within(rows[1]).getByLabelText('Value of key'), { target: { value: '42' } });
    expect(last().contacts?.[0].attributes).toEqual({ first_name: 'Ana', key: 42 });
    fireEvent.change(within(rows[1]).getByLabelText('Value of key'), { target: { value: '01234' } });
    expect(last().contacts?.[0].attributes?.key).toBe('01234');

    // Event data for the trigger event.
    const event = within(detail).getByTestId('contact-event');
    fireEvent.click(within(event).getByText('+ data'));
    fireEvent.change(within(event).getByLabelText('Value of key'), { target: { value: '2026-03-03T15:00:00Z' } });
    expect(last().contacts?.[0].events?.[0].data).toEqual({ key: '2026-03-03T15:00:00Z' });

    // A reply to the SMS follow-up, typed rather than tapped.
    fireEvent.click(within(detail).getByTestId('add-reply'));
    const reply = within(detail).getByTestId('contact-reply');
    fireEvent.change(within(reply).getByTestId('reply-to'), { target: { value: 'sms_followup' } });
    fireEvent.change(within(reply).getByTestId('reply-kind'), { target: { value: 'text' } });
    fireEvent.change(within(reply).getByTestId('reply-text'), { target: { value: 'STOP' } });
    fireEvent.change(within(reply).getByTestId('reply-after'), { target: { value: '2h' } });
    expect(last().contacts?.[0].replies).toEqual([{ to: 'sms_followup', after: '2h', channel: 'sms', text: 'STOP' }]);
    expect(last().x_kept).toBe('unknown fields survive');
  });

  it('removing a contact and the time zone falling back to the journey default', () => {
    const { last } = renderEditor({ ...start, contacts: [...start.contacts!, { id: 'ben', timezone: 'Asia/Kolkata' }] });
    fireEvent.change(screen.getByTestId('contact-timezone-1'), { target: { value: '' } });
    expect(last().contacts?.[1]).toEqual({ id: 'ben' });
    fireEvent.click(screen.getByTestId('contact-remove-0'));
    expect(last().contacts?.map((c) => c.id)).toEqual(['ben']);
  });
});

describe('ScenarioEditor: local times and sample numbers', () => {
  /** A backend that answers `resolve_local_times` with what it was asked (the real reading is crates/sim's, tested there and in the browser tests). */
  function fakeBackend() {
    const asked: Record<string, unknown>[] = [];
    setTransport(async (command, args) => {
      if (command !== 'resolve_local_times') throw new Error(`unexpected ${command}`);
      asked.push(args);
      const data = args.data as Record<string, unknown>;
      const fields = Object.entries(data)
        .filter(([, v]) => typeof v === 'string' && v.startsWith('in '))
        .map(([field, v]) => ({ field, ok: !String(v).includes('dayz'), text: `${String(v)} at ${String(args.at)} in ${String(args.timezone ?? args.default_timezone)}` }));
      return { zone: 'Z', data, fields };
    });
    return asked;
  }
  afterEach(() => setTransport(null));

  it('a time written "in 2 days at 09:00 local" is stored as written and shown as the backend resolves it for the contact', async () => {
    const asked = fakeBackend();
    const { last } = renderEditor({ ...start, contacts: [{ ...start.contacts![0], timezone: 'Asia/Tokyo' }] });
    fireEvent.click(screen.getByTestId('contact-edit-0'));
    const event = within(screen.getByTestId('contact-detail')).getByTestId('contact-event');
    fireEvent.click(within(event).getByTestId('add-local-time'));
    expect(last().contacts?.[0].events?.[0].data).toEqual({ starts_at: 'in 2 days at 09:00 local' });
    const resolved = await within(event).findByTestId('event-data-resolved');
    expect(resolved.textContent).toBe('→ in 2 days at 09:00 local at +0m in Asia/Tokyo');
    expect(resolved.getAttribute('data-ok')).toBe('true');
    // Asked with the scenario's start, the event's time, its data, the contact's zone and the journey's.
    expect(asked.at(-1)).toEqual({
      start: '2026-03-02T09:00:00Z',
      at: '+0m',
      data: { starts_at: 'in 2 days at 09:00 local' },
      timezone: 'Asia/Tokyo',
      default_timezone: outline.defaultTimezone,
    });

    fireEvent.change(within(event).getByLabelText('Value of starts_at'), { target: { value: 'in 3 days at 18:30 local' } });
    expect(last().contacts?.[0].events?.[0].data).toEqual({ starts_at: 'in 3 days at 18:30 local' });
    await waitFor(() => expect(within(event).getByTestId('event-data-resolved').textContent).toBe('→ in 3 days at 18:30 local at +0m in Asia/Tokyo'));

    // What the backend says is wrong is shown as an error; a value it does not describe has no note.
    fireEvent.change(within(event).getByLabelText('Value of starts_at'), { target: { value: 'in 3 dayz at 18:30 local' } });
    await waitFor(() => expect(within(event).getByTestId('event-data-resolved').getAttribute('data-ok')).toBe('false'));
    expect(within(event).getByTestId('event-data-resolved').textContent).toBe('in 3 dayz at 18:30 local at +0m in Asia/Tokyo');
    fireEvent.change(within(event).getByLabelText('Value of starts_at'), { target: { value: '2026-03-03T15:00:00Z' } });
    await waitFor(() => expect(within(event).queryByTestId('event-data-resolved')).toBeNull());
  });

  it('a contact without a zone is asked about in the journey default zone; data without text is not asked about', async () => {
    const asked = fakeBackend();
    renderEditor({
      ...start,
      contacts: [
        { ...start.contacts![0], events: [{ at: '+1d', name: 'appointment_booked', data: { starts_at: 'in 1 day at 09:00 local' } }, { at: '+2d', name: 'x', data: { n: 1 } }] },
      ],
    });
    fireEvent.click(screen.getByTestId('contact-edit-0'));
    expect((await screen.findByTestId('event-data-resolved')).textContent).toBe(`→ in 1 day at 09:00 local at +1d in ${outline.defaultTimezone}`);
    expect(asked.map((a) => a.at)).toEqual(['+1d']);
    expect(asked[0]).not.toHaveProperty('timezone');
  });

  it('new test contacts get distinct sample numbers', () => {
    const { last } = renderEditor({ ...start, contacts: [] });
    for (let i = 0; i < 3; i++) fireEvent.click(screen.getByTestId('add-contact'));
    const contacts = last().contacts ?? [];
    expect(contacts.map((c) => c.addresses?.sms)).toEqual(['+351910000001', '+351910000002', '+351910000003']);
    expect(contacts.map((c) => c.addresses?.whatsapp)).toEqual(['+351910000001', '+351910000002', '+351910000003']);
  });
});

describe('ScenarioEditor: the population form', () => {
  it('rates typed as percentages, weights, and removal', () => {
    const { last } = renderEditor({ ...start, contacts: [] });
    fireEvent.click(screen.getByTestId('scenario-tab-population'));
    fireEvent.click(screen.getByTestId('add-population'));
    expect(last().population).toMatchObject({ count: 1000, channels: { sms: { address: 0.95, consent: 0.9 } } });

    const consent = screen.getByTestId('population-whatsapp-consent');
    fireEvent.change(consent, { target: { value: '55.5' } });
    fireEvent.blur(consent);
    expect((last().population as { channels: Record<string, { consent: number }> }).channels.whatsapp.consent).toBe(0.555);

    // Not a percentage: the field goes back to the value it had.
    fireEvent.change(consent, { target: { value: '150' } });
    fireEvent.blur(consent);
    expect((screen.getByTestId('population-whatsapp-consent') as HTMLInputElement).value).toBe('55.5');

    const reply = screen.getByTestId('population-reply');
    fireEvent.change(within(reply).getByLabelText('Weight of reschedule'), { target: { value: '1' } });
    fireEvent.change(within(reply).getByLabelText('Longest delay'), { target: { value: '12h' } });
    const r = (last().population as { replies: { buttons: Record<string, number>; after: unknown }[] }).replies[0];
    expect(r.buttons.reschedule).toBe(1);
    expect(r.after).toEqual({ min: '5m', max: '12h' });
    expect(within(reply).getByText('59%')).toBeTruthy(); // reschedule 1 of 1.7

    fireEvent.click(screen.getByTestId('remove-population'));
    expect(last().population).toBeUndefined();
  });
});
