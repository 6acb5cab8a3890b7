/**
 * The auto-layout worker: runs elkjs off the main thread so that the editor stays responsive
 * while a large journey is laid out. Messages: `{ id, graph }` in, `{ id, graph, ms }` or
 * `{ id, error }` out (the graph with ELK's positions and routes).
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';

const elk = new ELK();

// elk.bundled.js, loaded in a worker, installs its own message handler: this one replaces it.
self.onmessage = (event: MessageEvent<{ id: number; graph: ElkNode }>) => {
  const { id, graph } = event.data;
  const started = performance.now();
  elk.layout(graph).then(
    (result) => self.postMessage({ id, graph: result, ms: performance.now() - started }),
    (error: unknown) => self.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
  );
};
