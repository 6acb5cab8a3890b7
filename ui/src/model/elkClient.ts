/**
 * The main thread's side of the auto-layout worker (elk.worker.ts): one worker, started on the
 * first layout and kept; each call gets its own answer by id.
 */
import type { ElkNode } from 'elkjs/lib/elk-api';

export interface ElkAnswer {
  graph: ElkNode;
  /** Milliseconds ELK took in the worker. */
  ms: number;
}

let worker: Worker | null = null;
let nextId = 1;
const waiting = new Map<number, { resolve: (a: ElkAnswer) => void; reject: (e: Error) => void }>();

/** True where a module worker can be started (not in Vitest's jsdom). */
export function elkAvailable(): boolean {
  return typeof Worker !== 'undefined';
}

function start(): Worker {
  const w = new Worker(new URL('./elk.worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (event: MessageEvent<{ id: number; graph?: ElkNode; ms?: number; error?: string }>) => {
    const { id, graph, ms, error } = event.data;
    const p = waiting.get(id);
    if (!p) return;
    waiting.delete(id);
    if (graph && error === undefined) p.resolve({ graph, ms: ms ?? 0 });
    else p.reject(new Error(error ?? 'the layout worker gave no answer'));
  };
  w.onerror = (event) => {
    // A worker that failed to start (or crashed) fails every pending layout; the next starts anew.
    for (const p of waiting.values()) p.reject(new Error(event.message || 'the layout worker failed'));
    waiting.clear();
    w.terminate();
    if (worker === w) worker = null;
  };
  return w;
}

/** Lays `graph` out with ELK in the worker. */
export function elkLayout(graph: ElkNode): Promise<ElkAnswer> {
  return new Promise((resolve, reject) => {
    try {
      worker ??= start();
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, graph });
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
