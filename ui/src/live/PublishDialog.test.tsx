import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { BackendError, setTransport } from '../api/backend';
import type { JourneyDoc } from '../api/types';
import appointment from '../../../assets/journeys/appointment-reminder.journey.json';
import PublishDialog from './PublishDialog';
import { SERVER_URL_KEY } from './live';

const journey = appointment as unknown as JourneyDoc;
const dry = { journey: 'appointment-reminder', version: 3, changed: false, dry_run: true, migrated: 0, unchanged: false,
  impact: [{ version: 2, node: 'await_reply', type: 'wait_for', waiting: 4, kept: true }] };

function backend(answers: Record<string, (args: Record<string, unknown>) => unknown>) {
  const calls: [string, Record<string, unknown>][] = [];
  setTransport(async (command, args) => {
    calls.push([command, args]);
    const answer = answers[command];
    if (!answer) throw new BackendError(command, `unexpected ${command}`);
    return answer(args);
  });
  return calls;
}

afterEach(() => {
  setTransport(null);
  window.localStorage.clear();
});

describe('Publish to a server', () => {
  it("asks the server's dry run with the token, shows its impact, then publishes there", async () => {
    const calls = backend({
      server_tokens: () => ({ store: 'none', publish: false, read: false }),
      server_publish: (a) => (a.dry_run ? dry : { ...dry, dry_run: undefined, changed: true }),
    });
    const onPublished = vi.fn();
    render(<PublishDialog journey={journey} engine={null} onClose={() => {}} onPublished={onPublished} />);
    // Without a bundled engine the dialog starts on the server form.
    fireEvent.change(screen.getByTestId('publish-server-url'), { target: { value: 'https://journeys.example.com/' } });
    fireEvent.change(screen.getByTestId('publish-server-token'), { target: { value: 'itn_publish' } });
    expect(screen.queryByTestId('publish-server-remember')).toBeNull();
    fireEvent.click(screen.getByTestId('publish-server-check'));
    await waitFor(() => expect(screen.getByTestId('publish-impact').textContent).toContain('4'));
    const check = calls.find(([c]) => c === 'server_publish')!;
    expect(check[1]).toMatchObject({ server: { url: 'https://journeys.example.com/', token: 'itn_publish' }, dry_run: true });
    expect(window.localStorage.getItem(SERVER_URL_KEY)).toBe('https://journeys.example.com/');
    fireEvent.click(screen.getByTestId('publish-confirm'));
    await waitFor(() => expect(screen.getByTestId('publish-server-done').textContent).toContain('version 3'));
    expect(calls.filter(([c]) => c === 'server_publish').map(([, a]) => a.dry_run)).toEqual([true, false]);
    expect(onPublished).not.toHaveBeenCalled();
  });

  it('uses the token the keyring keeps, and shows what the server refused', async () => {
    window.localStorage.setItem(SERVER_URL_KEY, 'https://journeys.example.com');
    const calls = backend({
      publish_journey: () => dry,
      server_tokens: () => ({ store: 'keyring', publish: true, read: false }),
      server_publish: () => {
        throw new BackendError('server_publish', 'server https://journeys.example.com: the token was refused (unknown or revoked)');
      },
    });
    render(<PublishDialog journey={journey} engine={{ db: '/tmp/e.db', records: null, running: true }} onClose={() => {}} onPublished={() => {}} />);
    await waitFor(() => expect(screen.getByTestId('publish-summary')).toBeTruthy());
    fireEvent.click(screen.getByTestId('publish-target-server'));
    expect((screen.getByTestId('publish-server-url') as HTMLInputElement).value).toBe('https://journeys.example.com');
    await waitFor(() => expect(screen.getByTestId('publish-server-token').getAttribute('placeholder')).toBe('Kept in your keyring'));
    expect(screen.getByTestId('publish-server-remember')).toBeTruthy();
    fireEvent.click(screen.getByTestId('publish-server-check'));
    await waitFor(() => expect(screen.getByTestId('publish-error').textContent).toContain('token was refused'));
    // No token typed: the server argument carries none, so the backend uses the kept one.
    expect(calls.find(([c]) => c === 'server_publish')![1].server).toEqual({ url: 'https://journeys.example.com' });
  });
});
