// Journeys as deep or wide as the backend accepts go through every editor pass without
// throwing: none of them recurses per node (the stack would overflow near 3,000 steps).
import { describe, expect, it } from 'vitest';
import type { Condition, EdgeDoc, JourneyDoc, NodeDoc } from '../api/types';
import { toGroup } from '../inspector/conditionTree';
import { nodeProblems, withStatuses } from '../problems/status';
import { canvasToJourney, checkJourneyShape, journeyToCanvas } from './canvas';
import { DAGRE_MAX_NODES, isotonicSpacing, layeredLayout, layoutPositions, NODE_WIDTH } from './layout';
import { conditionSummary, nodeSummary } from './summary';
import { upstreamButtons } from './upstream';

const DEEP = 20_000;

/** trigger → (n - 2) waits → exit, without positions (so the editor lays it out). */
function chain(n: number): JourneyDoc {
  const nodes: NodeDoc[] = [{ id: 's0', type: 'trigger', event: 'signed_up' } as NodeDoc];
  const edges: EdgeDoc[] = [];
  for (let i = 1; i < n; i++) {
    nodes.push((i === n - 1 ? { id: `s${i}`, type: 'exit' } : { id: `s${i}`, type: 'wait', for: '1h' }) as NodeDoc);
    edges.push({ from: `s${i - 1}`, to: `s${i}` });
  }
  return { format: 'itinera/journey@1', id: 'chain', name: 'Chain', nodes, edges };
}

/** trigger → a complete binary tree of branches whose leaves are exits (n nodes, n even). */
function tree(n: number): JourneyDoc {
  const branches = (n - 2) / 2;
  const name = (k: number) => (k < branches ? `b${k}` : `x${k - branches}`);
  const nodes: NodeDoc[] = [{ id: 't', type: 'trigger', event: 'signed_up' } as NodeDoc];
  for (let i = 0; i < branches; i++) nodes.push({ id: `b${i}`, type: 'branch', condition: { field: 'contact.score', op: 'gt', value: i } } as NodeDoc);
  for (let i = 0; i <= branches; i++) nodes.push({ id: `x${i}`, type: 'exit' } as NodeDoc);
  const edges: EdgeDoc[] = [{ from: 't', to: 'b0' }];
  for (let i = 0; i < branches; i++) edges.push({ from: `b${i}`, port: 'yes', to: name(2 * i + 1) }, { from: `b${i}`, port: 'no', to: name(2 * i + 2) });
  return { format: 'itinera/journey@1', id: 'tree', name: 'Tree', nodes, edges };
}

describe('a 20,000-step chain', () => {
  const doc = chain(DEEP);

  it('is laid out one step under the other', () => {
    const pos = layoutPositions(doc.nodes, doc.edges ?? []);
    expect(pos.size).toBe(DEEP);
    for (let i = 1; i < DEEP; i++) {
      const a = pos.get(`s${i - 1}`)!;
      const b = pos.get(`s${i}`)!;
      expect(b.y).toBeGreaterThan(a.y);
      expect(b.x).toBe(a.x);
    }
  });

  it('converts to the canvas and back unchanged but for positions', () => {
    checkJourneyShape(doc);
    const canvas = journeyToCanvas(doc);
    expect(canvas.nodes).toHaveLength(DEEP);
    expect(canvas.edges).toHaveLength(DEEP - 1);
    const back = canvasToJourney(canvas);
    expect(back.nodes.map(({ position: _p, ...n }) => n)).toEqual(doc.nodes);
    expect(back.edges).toEqual(doc.edges);
  });

  it('keeps hand-placed steps and puts the others to their right', () => {
    const mixed = structuredClone(doc);
    for (let i = 0; i < DEEP; i += 2) mixed.nodes[i].position = { x: 0, y: i * 10 };
    const canvas = journeyToCanvas(mixed);
    expect(canvas.nodes[0].position).toEqual({ x: 0, y: 0 });
    expect(canvas.nodes[1].position.x).toBe(320);
  });

  it('goes through statuses, summaries and the reply-button look-up', () => {
    const canvas = journeyToCanvas(doc);
    const problems = nodeProblems([{ code: 'dead_end', severity: 'error', message: 'm', node: 's7', port: 'next' }] as never);
    const nodes = withStatuses(canvas.nodes, problems);
    expect(nodes[7].data.status).toBe('error');
    expect(nodes.map((n) => nodeSummary(n.data.doc)).filter((s) => s === 'For 1h')).toHaveLength(DEEP - 2);
    const last = canvas.nodes[DEEP - 1].id;
    // A button offered at the very top is too far up (more than a few steps) to be suggested.
    canvas.nodes[0].data.doc = { id: 's0', type: 'send', channel: 'whatsapp', text: 'hi', buttons: [{ id: 'yes', title: 'Yes' }] } as NodeDoc;
    expect(upstreamButtons(canvas.nodes, canvas.edges, last)).toEqual([]);
    expect(upstreamButtons(canvas.nodes, canvas.edges, 's3')).toEqual([{ id: 'yes', title: 'Yes' }]);
  });

  it('with a cycle back to the top still lays out (the back edge is reversed)', () => {
    const cyclic = { ...doc, edges: [...(doc.edges ?? []), { from: `s${DEEP - 1}`, to: 's0' }] };
    const pos = layoutPositions(cyclic.nodes, cyclic.edges);
    expect(pos.get(`s${DEEP - 1}`)!.y).toBeGreaterThan(pos.get('s0')!.y);
  });
});

describe('a 10,000-node tree of branches', () => {
  const doc = tree(10_000);

  it('lays out every layer without overlaps, yes left of no, each branch between its two', () => {
    const pos = layoutPositions(doc.nodes, doc.edges ?? []);
    expect(pos.size).toBe(10_000);
    const rows = new Map<number, number[]>();
    for (const p of pos.values()) rows.set(p.y, [...(rows.get(p.y) ?? []), p.x]);
    for (const xs of rows.values()) {
      xs.sort((a, b) => a - b);
      for (let i = 1; i < xs.length; i++) expect(xs[i] - xs[i - 1]).toBeGreaterThanOrEqual(NODE_WIDTH);
    }
    for (const e of doc.edges ?? []) expect(pos.get(e.to)!.y).toBeGreaterThan(pos.get(e.from)!.y);
    for (let i = 0; i < 100; i++) {
      const yes = pos.get(i * 2 + 1 < 4999 ? `b${i * 2 + 1}` : `x${i * 2 + 1 - 4999}`)!;
      const no = pos.get(i * 2 + 2 < 4999 ? `b${i * 2 + 2}` : `x${i * 2 + 2 - 4999}`)!;
      expect(yes.x).toBeLessThan(no.x);
      const b = pos.get(`b${i}`)!.x;
      expect(b).toBeGreaterThanOrEqual(yes.x);
      expect(b).toBeLessThanOrEqual(no.x);
    }
  });

  it('converts to the canvas', () => {
    expect(journeyToCanvas(doc).nodes).toHaveLength(10_000);
  });
});

describe('the layered layout', () => {
  it('is what journeys above the dagre limit get, and is deterministic', () => {
    const doc = chain(DAGRE_MAX_NODES + 1);
    const ids = doc.nodes.map((n) => n.id);
    expect(layoutPositions(doc.nodes, doc.edges ?? [])).toEqual(layeredLayout(ids, doc.edges ?? []));
    expect(layeredLayout(ids, doc.edges ?? [])).toEqual(layeredLayout(ids, doc.edges ?? []));
  });

  it('ignores edges to unknown steps and self-loops, and places steps without edges side by side', () => {
    const pos = layeredLayout(['a', 'b', 'c'], [{ from: 'a', to: 'zz' }, { from: 'b', to: 'b' }]);
    expect([...pos.values()].map((p) => p.y)).toEqual([0, 0, 0]);
    const xs = [...pos.values()].map((p) => p.x);
    expect(xs[1] - xs[0]).toBeGreaterThanOrEqual(NODE_WIDTH);
    expect(xs[2] - xs[1]).toBeGreaterThanOrEqual(NODE_WIDTH);
  });

  it('spaces wanted positions a gap apart as near as possible to them', () => {
    expect([...isotonicSpacing([0, 0], 10)]).toEqual([-5, 5]);
    expect([...isotonicSpacing([0, 100, 100], 10)]).toEqual([0, 95, 105]);
    expect([...isotonicSpacing([30, 0, 100], 10)]).toEqual([10, 20, 100]);
  });
});

describe('deeply nested conditions', () => {
  const depth = 20_000;
  let c: Condition = { field: 'contact.vip', op: 'eq', value: true };
  for (let i = 0; i < depth; i++) c = i % 2 === 0 ? { not: c } : { all: [c] };

  it('are summarised without recursion', () => {
    const s = conditionSummary(c);
    expect(s.startsWith('not (not (')).toBe(true);
    expect(s).toContain('contact.vip = true');
  });

  it('open in the condition builder (the not chain unwrapped in a loop)', () => {
    let n: Condition = { field: 'contact.vip', op: 'eq', value: true };
    for (let i = 0; i < depth; i++) n = { not: n };
    const g = toGroup(n);
    expect(g.negate).toBe(false); // an even number of nots
    expect(g.items).toEqual([{ field: 'contact.vip', op: 'eq', value: true }]);
    expect(toGroup({ not: n }).negate).toBe(true);
  });
});
