/** Graph look-ups the inspector needs, written as loops over explicit frontiers (no recursion). */
import type { Button } from '../api/types';
import type { StepNode } from './canvas';
import { buttonsOf } from './ports';

/** How many non-send steps back a reply branch still looks for the buttons it can offer. */
export const UPSTREAM_DEPTH = 6;

/**
 * Buttons of the send steps that lead into `id` (through at most UPSTREAM_DEPTH non-send
 * steps), for reply branches. Breadth first over an index of incoming edges, so it costs the
 * edges it looks at, whatever the journey's depth or width.
 */
export function upstreamButtons(nodes: readonly StepNode[], edges: readonly { source: string; target: string }[], id: string): Button[] {
  const byId = new Map(nodes.map((n) => [n.id, n] as const));
  const incoming = new Map<string, string[]>();
  for (const e of edges) {
    const list = incoming.get(e.target);
    if (list) list.push(e.source);
    else incoming.set(e.target, [e.source]);
  }
  const seen = new Set<string>([id]);
  let frontier = [id];
  const out: Button[] = [];
  const offered = new Set<string>();
  for (let depth = 0; depth < UPSTREAM_DEPTH && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const target of frontier) {
      for (const source of incoming.get(target) ?? []) {
        if (seen.has(source)) continue;
        seen.add(source);
        const n = byId.get(source);
        if (!n) continue;
        if (n.data.doc.type === 'send') {
          for (const b of buttonsOf(n.data.doc)) {
            if (offered.has(b.id)) continue;
            offered.add(b.id);
            out.push(b);
          }
        } else next.push(source);
      }
    }
    frontier = next;
  }
  return out;
}
