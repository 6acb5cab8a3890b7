// The ELK graph built from a canvas (ports in the card's order, at the handles' places, real
// card sizes), ELK's answer read back onto the canvas (positions, routes as view data), and a
// real elkjs run over every template: no route crosses a card, ports lead left to right.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';
import { describe, expect, it } from 'vitest';
import type { JourneyDoc } from '../api/types';
import { canvasToJourney, journeyToCanvas, type CanvasState } from './canvas';
import { applyPlacement, elkGraph, readElkResult, routePath, type WireRoute } from './elk';
import { NODE_HEIGHT, NODE_WIDTH } from './layout';
import { outputPorts } from './ports';

const assets = resolve(__dirname, '../../../assets/journeys');
const templates = readdirSync(assets).filter((f) => f.endsWith('.journey.json'));
const load = (file: string) => journeyToCanvas(JSON.parse(readFileSync(join(assets, file), 'utf8')) as JourneyDoc);

/** trigger → wait_for (yes / no / timeout) → three sends → exit; the middle card measured wider. */
function sample(): CanvasState {
  const doc = {
    format: 'itinera/journey@1',
    id: 's',
    name: 'S',
    nodes: [
      { id: 'start', type: 'trigger', event: 'booked', position: { x: 0, y: 0 } },
      { id: 'ask', type: 'wait_for', reply: { channel: 'sms' }, timeout: '1d', branches: [{ port: 'yes' }, { port: 'no' }], position: { x: 0, y: 150 } },
      { id: 'a', type: 'send', channel: 'sms', text: 'a', position: { x: 0, y: 300 } },
      { id: 'b', type: 'send', channel: 'sms', text: 'b', position: { x: 0, y: 300 } },
      { id: 'c', type: 'send', channel: 'sms', text: 'c', position: { x: 0, y: 300 } },
      { id: 'done', type: 'exit', position: { x: 0, y: 450 } },
    ],
    edges: [
      { from: 'start', to: 'ask' },
      // Written out of port order on purpose: the graph follows the card, not the file.
      { from: 'ask', port: 'timeout', to: 'c' },
      { from: 'ask', port: 'yes', to: 'a' },
      { from: 'ask', port: 'no', to: 'b' },
      { from: 'a', to: 'done' },
      { from: 'b', to: 'done' },
      { from: 'c', to: 'done' },
      { from: 'c', to: 'nowhere' },
    ],
  } as unknown as JourneyDoc;
  const c = journeyToCanvas(doc);
  c.nodes[1] = { ...c.nodes[1], measured: { width: 300, height: 120 } };
  return c;
}

describe('the ELK graph of a canvas', () => {
  it('has the cards at their measured sizes (the default size before measuring)', () => {
    const g = elkGraph(sample());
    expect(g.children?.map((n) => [n.width, n.height])).toEqual([
      [NODE_WIDTH, NODE_HEIGHT],
      [300, 120],
      [NODE_WIDTH, NODE_HEIGHT],
      [NODE_WIDTH, NODE_HEIGHT],
      [NODE_WIDTH, NODE_HEIGHT],
      [NODE_WIDTH, NODE_HEIGHT],
    ]);
    expect(g.layoutOptions?.['elk.algorithm']).toBe('layered');
    expect(g.layoutOptions?.['elk.direction']).toBe('DOWN');
    expect(g.layoutOptions?.['elk.edgeRouting']).toBe('ORTHOGONAL');
  });

  it('gives each card its ports fixed in handle order: one on top, the outputs along the bottom', () => {
    const ask = elkGraph(sample()).children![1];
    expect(ask.layoutOptions?.['elk.portConstraints']).toBe('FIXED_POS');
    const ports = ask.ports!.map((p) => ({ side: p.layoutOptions?.['elk.port.side'], x: p.x, y: p.y }));
    // yes, no, timeout at (i + ½) / 3 of 300 px, as StepNodeView places the handles.
    expect(ports).toEqual([
      { side: 'NORTH', x: 150, y: 0 },
      { side: 'SOUTH', x: 50, y: 120 },
      { side: 'SOUTH', x: 150, y: 120 },
      { side: 'SOUTH', x: 250, y: 120 },
    ]);
  });

  it('wires each edge from its port; wires to missing steps are left out', () => {
    const g = elkGraph(sample());
    expect(g.edges?.map((e) => [e.id, e.sources[0], e.targets[0]])).toEqual([
      ['e0', 'n0p0', 'n1in'],
      ['e1', 'n1p2', 'n4in'],
      ['e2', 'n1p0', 'n2in'],
      ['e3', 'n1p1', 'n3in'],
      ['e4', 'n2p0', 'n5in'],
      ['e5', 'n3p0', 'n5in'],
      ['e6', 'n4p0', 'n5in'],
    ]);
    // Every wire asks for room for its count.
    expect(g.edges?.every((e) => e.labels?.[0].width === 48 && e.labels?.[0].height === 20)).toBe(true);
  });
});

describe('reading ELK’s answer', () => {
  const answer: ElkNode = {
    id: 'root',
    children: [
      { id: 'n0', x: 10.4, y: 0 },
      { id: 'n1', x: 0, y: 200 },
      { id: 'bogus', x: 1, y: 1 },
    ],
    edges: [
      {
        id: 'e0',
        sources: [],
        targets: [],
        sections: [{ id: 's', startPoint: { x: 130.4, y: 100 }, bendPoints: [{ x: 130.4, y: 150 }, { x: 150, y: 150 }], endPoint: { x: 150, y: 200 } }],
        labels: [{ id: 'l', x: 132, y: 110, width: 48, height: 20 }],
      },
      { id: 'e1', sources: [], targets: [], sections: [] },
    ],
  };

  it('moves the cards (whole pixels) and keeps each route as view data, ends with their cards', () => {
    const c = sample();
    const placed = readElkResult(c, answer);
    expect([...placed.positions]).toEqual([
      ['start', { x: 10, y: 0 }],
      ['ask', { x: 0, y: 200 }],
    ]);
    const route = placed.routes.get(c.edges[0].id) as WireRoute;
    expect(route.points).toEqual([
      { x: 130, y: 100 },
      { x: 130, y: 150 },
      { x: 150, y: 150 },
      { x: 150, y: 200 },
    ]);
    expect(route.label).toEqual({ x: 156, y: 120 });
    // A wire ELK gave no single section keeps its smooth-step path.
    expect(placed.routes.has(c.edges[1].id)).toBe(false);

    const next = applyPlacement(c, placed);
    expect(next.nodes[0].position).toEqual({ x: 10, y: 0 });
    expect(next.nodes[2]).toBe(c.nodes[2]);
    expect(next.edges[0].data?.route).toEqual(route);
    // Routes are never written to the journey.
    expect(JSON.stringify(canvasToJourney(next))).not.toContain('route');
    expect(canvasToJourney(next).edges).toEqual(canvasToJourney(c).edges);
    // A later layout without a route for a wire takes the old one away.
    const again = applyPlacement(next, { positions: new Map(), routes: new Map() });
    expect(again.edges[0].data?.route).toBeUndefined();
    expect(again.edges[2]).toBe(next.edges[2]);
  });

  it('draws a route only while its ends are where the layout left them', () => {
    const route: WireRoute = { points: [{ x: 130, y: 100 }, { x: 130, y: 150 }, { x: 150, y: 150 }, { x: 150, y: 200 }] };
    // The handles sit a little outside the card: still the route, squared to the real ends.
    const d = routePath(route, 130.5, 110.5, 150.4, 191.5);
    expect(d).toMatch(/^M 130.5,110.5 L 130.5,/);
    expect(d).toMatch(/L 150.4,191.5$/);
    // A card dragged sideways, or far down: the smooth-step path again.
    expect(routePath(route, 180, 110, 150, 191)).toBeNull();
    expect(routePath(route, 130, 110, 150, 260)).toBeNull();
  });
});

/** Does segment a→b enter the inside of r (1 px in: touching is fine)? */
function crosses(a: { x: number; y: number }, b: { x: number; y: number }, r: { x: number; y: number; w: number; h: number }): boolean {
  const [x0, y0, x1, y1] = [r.x + 1, r.y + 1, r.x + r.w - 1, r.y + r.h - 1];
  let t0 = 0;
  let t1 = 1;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  for (const [p, q] of [
    [-dx, a.x - x0],
    [dx, x1 - a.x],
    [-dy, a.y - y0],
    [dy, y1 - a.y],
  ]) {
    if (p === 0) {
      if (q < 0) return false;
    } else if (p < 0) t0 = Math.max(t0, q / p);
    else t1 = Math.min(t1, q / p);
    if (t0 > t1) return false;
  }
  return t1 - t0 > 1e-9;
}

describe('elkjs over every template', () => {
  it('checks crossings for real (a wire straight through a card is one)', () => {
    expect(crosses({ x: 0, y: 50 }, { x: 300, y: 50 }, { x: 100, y: 0, w: 100, h: 100 })).toBe(true);
    expect(crosses({ x: 0, y: 100 }, { x: 300, y: 100 }, { x: 100, y: 0, w: 100, h: 100 })).toBe(false);
  });

  for (const file of templates) {
    it(`${file}: no route crosses a card, the counts' places overlap no card and no other count`, async () => {
      const c = load(file);
      const result = await new ELK().layout(elkGraph(c));
      const placed = applyPlacement(c, readElkResult(c, result));
      const rect = (id: string) => {
        const n = placed.nodes.find((x) => x.id === id)!;
        return { id, x: n.position.x, y: n.position.y, w: NODE_WIDTH, h: NODE_HEIGHT };
      };
      const rects = placed.nodes.map((n) => rect(n.id));
      const faults: string[] = [];
      const labels: { id: string; x: number; y: number; w: number; h: number }[] = [];
      for (const e of placed.edges) {
        const route = e.data?.route;
        expect(route, `${e.id} has a route`).toBeDefined();
        const p = route!.points;
        for (let i = 1; i < p.length; i++) {
          // Orthogonal: every segment is horizontal or vertical.
          expect(p[i].x === p[i - 1].x || p[i].y === p[i - 1].y, `${e.id} segment ${i} is orthogonal`).toBe(true);
          for (const r of rects) if (crosses(p[i - 1], p[i], r)) faults.push(`${e.id} crosses ${r.id}`);
        }
        // It starts on its port's place and ends on top of its target.
        const s = rect(e.source);
        const t = rect(e.target);
        expect(p[0].y).toBe(s.y + s.h);
        expect(p[p.length - 1]).toEqual({ x: t.x + t.w / 2, y: t.y });
        if (route!.label) labels.push({ id: e.id, x: route!.label.x - 24, y: route!.label.y - 10, w: 48, h: 20 });
      }
      const overlap = (a: (typeof labels)[0], b: (typeof labels)[0]) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      labels.forEach((l, i) => {
        for (const r of rects) if (overlap(l, r)) faults.push(`count of ${l.id} on ${r.id}`);
        for (const m of labels.slice(i + 1)) if (overlap(l, m)) faults.push(`count of ${l.id} on count of ${m.id}`);
      });
      expect(labels.length).toBe(placed.edges.length);
      expect(faults).toEqual([]);
      // Ports in the card's order lead to their own children left to right.
      for (const n of placed.nodes) {
        const out = placed.edges.filter((e) => e.source === n.id && placed.edges.filter((f) => f.target === e.target).length === 1);
        // In the card's handle order (outputPorts), whatever ELK made of the ports.
        const order = outputPorts(n.data.doc).map((p) => p.port);
        const byPort = out.map((e) => ({ start: order.indexOf(e.sourceHandle ?? 'next'), to: rect(e.target).x })).sort((a, b) => a.start - b.start);
        for (let i = 1; i < byPort.length; i++) expect(byPort[i].to, `children of ${n.id} in port order`).toBeGreaterThanOrEqual(byPort[i - 1].to);
      }
    });
  }
});
