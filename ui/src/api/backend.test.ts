import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError, CONFLICT, apiToken, saveJourney, setTransport } from './backend';

afterEach(() => {
  setTransport(null);
  vi.unstubAllGlobals();
  document.head.querySelectorAll('meta[name="itinera-api-token"]').forEach((m) => m.remove());
});

describe('the HTTP transport', () => {
  it('sends the token of the page it was served in on every call', async () => {
    const meta = document.createElement('meta');
    meta.name = 'itinera-api-token';
    meta.content = 'secret-of-this-page';
    document.head.appendChild(meta);
    expect(apiToken()).toBe('secret-of-this-page');
    const fetch = vi.fn(async () => new Response(JSON.stringify({ file: 'a.journey.json', text: '{}\n', revision: 'r2' }), { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    const saved = await saveJourney('a.journey.json', { format: 'itinera/journey@1' } as never, 'r1');
    expect(saved.revision).toBe('r2');
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/save_journey');
    expect((init.headers as Record<string, string>)['X-Itinera-Token']).toBe('secret-of-this-page');
    expect(JSON.parse(String(init.body))).toEqual({ file: 'a.journey.json', journey: { format: 'itinera/journey@1' }, expected: 'r1' });
  });

  it('leaves `expected` out when there is no revision, and reports a 409 as a conflict', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ error: 'a.journey.json: not saved, it was changed' }), { status: 409 }));
    vi.stubGlobal('fetch', fetch);
    const error = await saveJourney('a.journey.json', { format: 'itinera/journey@1' } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).status).toBe(CONFLICT);
    expect((error as BackendError).message).toContain('changed');
    const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(JSON.parse(String(init.body))).not.toHaveProperty('expected');
  });
});
