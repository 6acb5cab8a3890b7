import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { BackendError, setTransport } from '../api/backend';
import type { JourneyDoc } from '../api/types';
import appointment from '../../../assets/journeys/appointment-reminder.journey.json';
import ServerView from './ServerView';
import { percent } from './live';

const journey = appointment as unknown as JourneyDoc;
const counts = { sent: 2, delivered: 1, failed: 1, read: 1, pending: 0 };
const stats = {
  journey: 'appointment-reminder',
  versions: [
    {
      version: 1, status: 'active', published_at: '2026-12-01T10:00:00Z', entered: 2, waiting: 1,
      outcomes: { waiting: 1, exited: 1, goal: 0, left: 0, not_entered: 0 }, goal_conversion: 0.5,
      messages: { whatsapp: counts },
      nodes: { wa_reminder: { entered: 2, waiting: 0, results: { sent: 2 }, messages: { whatsapp: counts }, replies: {} },
               await_reply: { entered: 1, waiting: 1, results: {}, messages: {}, replies: { confirm: 1 } } },
    },
  ],
};
const timeline = {
  contact: 'ana',
  journeys: {
    'appointment-reminder': {
      id: 'ana', outcome: 'waiting', exit_node: 'await_reply', version: 1, messages: [],
      steps: [{ at: '2026-12-01T10:00:00Z', node: 'booked', type: 'trigger', result: 'entered', port: 'next', detail: 'entered on appointment_booked' }],
    },
  },
};

afterEach(() => {
  setTransport(null);
  window.localStorage.clear();
});

describe("a server's numbers in the Live view", () => {
  it("shows the server's stats per version and step, and one contact's timeline there", async () => {
    const calls: [string, Record<string, unknown>][] = [];
    setTransport(async (command, args) => {
      calls.push([command, args]);
      if (command === 'server_tokens') return { store: 'none', publish: false, read: false };
      if (command === 'server_stats') return stats;
      if (command === 'server_timeline') return timeline;
      throw new BackendError(command, 'unexpected');
    });
    render(<ServerView journey={journey} onSelectNode={() => {}} />);
    fireEvent.click(screen.getByTestId('live-server-toggle'));
    fireEvent.change(screen.getByTestId('live-server-url'), { target: { value: 'https://journeys.example.com' } });
    fireEvent.change(screen.getByTestId('live-server-token'), { target: { value: 'itn_read' } });
    fireEvent.change(screen.getByTestId('live-server-contact'), { target: { value: 'ana' } });
    fireEvent.click(screen.getByTestId('live-server-load'));
    await waitFor(() => expect(screen.getByTestId('live-server-version-1').textContent).toContain('2 entered'));
    expect(screen.getByTestId('live-server-version-1').textContent).toContain('goal 50 %');
    const rows = screen.getAllByTestId('live-server-node').map((r) => r.getAttribute('data-node'));
    expect(rows).toEqual(['wa_reminder', 'await_reply']);
    await waitFor(() => expect(screen.getByTestId('sim-timeline').getAttribute('data-contact')).toBe('ana'));
    expect(calls.find(([c]) => c === 'server_stats')![1]).toEqual({ server: { url: 'https://journeys.example.com', token: 'itn_read', remember: false }, journey: 'appointment-reminder' });
  });

  it("says what the server refused", async () => {
    setTransport(async (command) => {
      if (command === 'server_tokens') return { store: 'none', publish: false, read: false };
      throw new BackendError(command, 'server https://x.example: the token does not allow this (needs read)');
    });
    render(<ServerView journey={journey} onSelectNode={() => {}} />);
    fireEvent.click(screen.getByTestId('live-server-toggle'));
    fireEvent.change(screen.getByTestId('live-server-url'), { target: { value: 'https://x.example' } });
    fireEvent.click(screen.getByTestId('live-server-load'));
    await waitFor(() => expect(screen.getByTestId('live-server-note').textContent).toContain('does not allow'));
    expect(percent(0.125)).toBe('12.5 %');
  });
});
