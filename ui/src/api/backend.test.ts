import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError, CONFLICT, Cancelled, apiToken, saveJourney, setTransport, simulateJourney } from './backend';
import type { JourneyDoc, ScenarioDoc, SimProgress } from './types';

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

  it('streams a simulation: progress lines, split anywhere, then the report', async () => {
    const lines = '{"progress":{"done":0,"total":3000,"elapsed_ms":0}}\n{"progress":{"done":1024,"total":3000,"elapsed_ms":100}}\n{"report":{"journey":"j","contacts":[],"summary":{"contacts":3000}}}\n';
    const chunks = [lines.slice(0, 20), lines.slice(20, 75), lines.slice(75)];
    const fetch = vi.fn(async () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
          controller.close();
        },
      });
      return new Response(body, { status: 200, headers: { 'Content-Type': 'application/x-ndjson' } });
    });
    vi.stubGlobal('fetch', fetch);
    const heard: SimProgress[] = [];
    const journey = { id: 'j' } as JourneyDoc;
    const scenario = {} as ScenarioDoc;
    const report = await simulateJourney(journey, scenario, undefined, { onProgress: (p) => heard.push(p), signal: new AbortController().signal });
    expect(report.summary.contacts).toBe(3000);
    expect(heard.map((p) => p.done)).toEqual([0, 1024]);
    const [url] = fetch.mock.calls[0] as unknown as [string];
    expect(url).toBe('/api/simulate_journey_stream');
  });

  it('a streamed simulation that fails says why; one aborted rejects as cancelled', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{"error":{"error":"stopped"},"status":503}\n', { status: 200, headers: { 'Content-Type': 'application/x-ndjson' } })));
    const error = await simulateJourney({} as JourneyDoc, {} as ScenarioDoc, undefined, { onProgress: () => {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).status).toBe(503);

    vi.stubGlobal('fetch', vi.fn((_url: string, init: RequestInit) => new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))));
    const controller = new AbortController();
    const running = simulateJourney({} as JourneyDoc, {} as ScenarioDoc, undefined, { signal: controller.signal });
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(Cancelled);
  });
});
