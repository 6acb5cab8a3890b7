import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { setTransport } from '../api/backend';
import type { JourneyDoc } from '../api/types';
import appointment from '../../../assets/journeys/appointment-reminder.journey.json';
import LivePanel from './LivePanel';
import type { SimOverlay } from '../simulate/trafficOverlay';

const journey = appointment as unknown as JourneyDoc;
const engine = { db: '/tmp/engine.db', records: '/tmp/engine.db.records.jsonl', running: true };

function backend(overrides: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  const calls: [string, Record<string, unknown>][] = [];
  const answers: Record<string, (args: Record<string, unknown>) => unknown> = {
    live_status: () => [
      {
        journey: 'appointment-reminder',
        version: 1,
        status: 'active',
        latest: true,
        published_at: '2026-03-02T09:00:00Z',
        entered: 1,
        waiting: { wait_day_before: 1 },
        outcomes: { waiting: 1, exited: 0, goal: 0, left: 0, not_entered: 0 },
        messages: {},
      },
    ],
    live_counts: () => ({
      journey: 'appointment-reminder',
      version: 1,
      nodes: { booked: { entered: 1, waiting: 0 }, wait_day_before: { entered: 1, waiting: 1 } },
      edges: [{ from: 'booked', port: 'next', to: 'confirm_sms', count: 1 }],
    }),
    list_enrollments: () => ({
      total: 1,
      enrollments: [
        { contact: 'test-patient', key: null, version: 1, status: 'waiting', outcome: 'waiting', node: 'wait_day_before', entries: 1, updated_at: '2026-03-02T09:00:00Z' },
      ],
    }),
    list_outbox: () => [
      {
        key: 'k1', version: 1, contact: 'test-patient', node: 'confirm_sms', channel: 'sms', status: 'sent', attempts: 1,
        at: '2026-03-02T09:00:00Z', created_at: '2026-03-02T09:00:00Z', sent_at: '2026-03-02T09:00:00Z', delivered_at: '2026-03-02T09:00:00Z',
        to: '+351', text: 'Hi Ana, your appointment is booked',
      },
    ],
    contact_timeline: () => ({
      id: 'test-patient', outcome: 'waiting', exit_node: 'wait_day_before', version: 1,
      steps: [
        { at: '2026-03-02T09:00:00Z', node: 'booked', type: 'trigger', result: 'entered', port: 'next', detail: 'entered on appointment_booked' },
        { at: '2026-03-02T09:00:00Z', node: 'confirm_sms', type: 'send', result: 'sent', detail: 'SMS sent' },
      ],
      messages: [],
    }),
    list_scenarios: () => [],
    send_test_event: (a) => ({ journey: a.journey, version: 1, status: 'active', event: 'appointment_booked', contact: (a.contact as { id: string }).id, input: 'test:1' }),
    set_version_status: (a) => ({ journey: a.journey, version: a.version, status: a.status }),
    ...overrides,
  };
  setTransport(async (command, args) => {
    calls.push([command, args]);
    const answer = answers[command];
    if (!answer) throw new Error(`unexpected ${command}`);
    return answer(args);
  });
  return calls;
}

afterEach(() => setTransport(null));

describe('LivePanel', () => {
  it('shows the versions, draws the engine’s counts on the canvas and lists contacts and messages', async () => {
    backend();
    const overlays: (SimOverlay | null)[] = [];
    render(<LivePanel journey={journey} engine={engine} refreshKey={0} onOverlay={(o) => overlays.push(o)} onSelectNode={() => {}} />);
    await screen.findByTestId('live-version-1');
    expect(screen.getByTestId('live-db').textContent).toContain('/tmp/engine.db');
    expect(screen.getByTestId('live-version-status').textContent).toBe('Running');
    await waitFor(() => expect(overlays.some((o) => o?.waiting?.wait_day_before === 1)).toBe(true));
    const drawn = overlays.find((o) => o !== null)!;
    expect(drawn.nodeCounts.booked).toBe(1);
    expect(await screen.findByTestId('live-contact-test-patient')).toBeTruthy();
    expect(screen.getAllByTestId('live-outbox-row')[0].textContent).toContain('Hi Ana, your appointment is booked');
    expect(screen.getAllByTestId('live-outbox-row')[0].textContent).toContain('Delivered');
  });

  it('opens a contact’s step log in the simulator’s timeline and draws its path', async () => {
    backend();
    const overlays: (SimOverlay | null)[] = [];
    render(<LivePanel journey={journey} engine={engine} refreshKey={0} onOverlay={(o) => overlays.push(o)} onSelectNode={() => {}} />);
    fireEvent.click(await screen.findByTestId('live-contact-test-patient'));
    await screen.findByTestId('sim-timeline');
    expect(screen.getAllByTestId('timeline-step').map((s) => s.getAttribute('data-node'))).toEqual(['booked', 'confirm_sms']);
    await waitFor(() => expect(overlays.some((o) => o?.path?.join() === 'booked,confirm_sms')).toBe(true));
  });

  it('sends a test event for the contact of the form', async () => {
    const calls = backend();
    render(<LivePanel journey={journey} engine={engine} refreshKey={0} onOverlay={() => {}} onSelectNode={() => {}} />);
    fireEvent.change(await screen.findByTestId('test-event-data'), { target: { value: '{"starts_at": "2030-01-01T10:00:00Z"}' } });
    fireEvent.click(screen.getByTestId('send-test-event'));
    await screen.findByText(/Sent “appointment_booked” for test-patient/);
    const sent = calls.find(([c]) => c === 'send_test_event')![1];
    expect(sent.journey).toBe('appointment-reminder');
    expect((sent.contact as { id: string }).id).toBe('test-patient');
    expect(sent.data).toEqual({ starts_at: '2030-01-01T10:00:00Z' });
  });

  it('pauses a version through the backend', async () => {
    const calls = backend();
    render(<LivePanel journey={journey} engine={engine} refreshKey={0} onOverlay={() => {}} onSelectNode={() => {}} />);
    fireEvent.click(await screen.findByTestId('live-pause-1'));
    await screen.findByTestId('live-action-note');
    expect(calls.find(([c]) => c === 'set_version_status')![1]).toEqual({ journey: 'appointment-reminder', version: 1, status: 'paused' });
  });

  it('says how to get an engine when there is none, and asks nothing', async () => {
    const calls = backend();
    const spy = vi.fn();
    render(<LivePanel journey={journey} engine={{ db: null, records: null, running: false }} refreshKey={0} onOverlay={spy} onSelectNode={() => {}} />);
    expect(screen.getByTestId('live-no-engine').textContent).toContain('--db');
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual([]);
    expect(spy).not.toHaveBeenCalled();
  });
});
