import { describe, expect, it } from 'vitest';
import { overlayForContact, overlayFromReport, pathEdgesOfSteps, pathOfSteps, type OverlayReport } from './trafficOverlay';

// A report shaped like `itinera simulate --json` for the appointment journey: ana confirms,
// ben's WhatsApp fails and he gets the SMS fallback, cleo never entered.
const report: OverlayReport = {
  contacts: [
    {
      id: 'ana',
      steps: [
        { node: 'booked' },
        { node: 'confirm_sms' },
        { node: 'starts_soon', port: 'no' },
        { node: 'wait_day_before' },
        { node: 'wait_day_before' },
        { node: 'wa_reminder' },
        { node: 'await_reply' },
        { node: 'await_reply', port: 'confirm' },
        { node: 'thank_you' },
        { node: 'done' },
      ],
    },
    {
      id: 'ben',
      steps: [
        { node: 'booked' },
        { node: 'confirm_sms', port: null },
        { node: 'starts_soon', port: 'yes' },
        { node: 'wa_reminder', port: 'failed' },
        { node: 'sms_reminder' },
        { node: 'done' },
      ],
    },
    { id: 'cleo', steps: [] },
  ],
  summary: {
    nodes: {
      booked: { entered: 2 },
      confirm_sms: { entered: 2 },
      starts_soon: { entered: 2 },
      wait_day_before: { entered: 1 },
      wa_reminder: { entered: 2 },
      await_reply: { entered: 1 },
      thank_you: { entered: 1 },
      sms_reminder: { entered: 1 },
      done: { entered: 2 },
      reschedule_link: { entered: 0 },
    },
    edges: [
      { from: 'booked', port: 'next', to: 'confirm_sms', count: 2 },
      { from: 'confirm_sms', port: 'next', to: 'starts_soon', count: 2 },
      { from: 'starts_soon', port: 'no', to: 'wait_day_before', count: 1 },
      { from: 'starts_soon', port: 'yes', to: 'wa_reminder', count: 1 },
      { from: 'wait_day_before', port: 'next', to: 'wa_reminder', count: 1 },
      { from: 'wa_reminder', port: 'next', to: 'await_reply', count: 1 },
      { from: 'wa_reminder', port: 'failed', to: 'sms_reminder', count: 1 },
      { from: 'await_reply', port: 'confirm', to: 'thank_you', count: 1 },
      { from: 'thank_you', port: 'next', to: 'done', count: 1 },
      { from: 'sms_reminder', port: 'next', to: 'done', count: 1 },
    ],
  },
};

describe('overlayFromReport', () => {
  it('takes node counts from summary.nodes[].entered, zeros included', () => {
    const o = overlayFromReport(report);
    expect(o.nodeCounts).toEqual({
      booked: 2, confirm_sms: 2, starts_soon: 2, wait_day_before: 1, wa_reminder: 2,
      await_reply: 1, thank_you: 1, sms_reminder: 1, done: 2, reschedule_link: 0,
    });
  });

  it('copies every edge count and has no path', () => {
    const o = overlayFromReport(report);
    expect(o.edgeCounts).toHaveLength(10);
    expect(o.edgeCounts).toContainEqual({ from: 'wa_reminder', port: 'failed', to: 'sms_reminder', count: 1 });
    expect(o.path).toBeUndefined();
    expect(o.pathEdges).toBeUndefined();
  });

  it('copies edges instead of aliasing the report', () => {
    const o = overlayFromReport(report);
    o.edgeCounts[0].count = 99;
    expect(report.summary.edges?.[0].count).toBe(2);
  });

  it('accepts a summary without nodes or edges', () => {
    expect(overlayFromReport({ summary: {} })).toEqual({ nodeCounts: {}, edgeCounts: [] });
  });
});

describe('pathOfSteps', () => {
  const cases: { name: string; steps: string[]; path: string[] }[] = [
    { name: 'empty', steps: [], path: [] },
    { name: 'one node per step', steps: ['a', 'b', 'c'], path: ['a', 'b', 'c'] },
    { name: 'repeated steps on a node collapse', steps: ['a', 'b', 'b', 'b', 'c'], path: ['a', 'b', 'c'] },
    { name: 're-entry visits a node again', steps: ['t', 'x', 'e', 't', 'x'], path: ['t', 'x', 'e', 't', 'x'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(pathOfSteps(c.steps.map((node) => ({ node })))).toEqual(c.path);
    });
  }
});

describe('pathEdgesOfSteps', () => {
  const known = [
    { from: 'a', port: 'next', to: 'b' },
    { from: 'b', port: 'yes', to: 'c' },
    { from: 'b', port: 'no', to: 'd' },
  ];

  it('uses the port recorded on the step of the node being left', () => {
    const edges = pathEdgesOfSteps([{ node: 'a' }, { node: 'b' }, { node: 'b', port: 'no' }, { node: 'd' }], known);
    expect(edges).toEqual([
      { from: 'a', port: 'next', to: 'b' },
      { from: 'b', port: 'no', to: 'd' },
    ]);
  });

  it('falls back to the summary edge joining the two nodes when no port is recorded', () => {
    expect(pathEdgesOfSteps([{ node: 'b' }, { node: 'c' }], known)).toEqual([{ from: 'b', port: 'yes', to: 'c' }]);
  });

  it('leaves out a jump joined by no edge (re-entry)', () => {
    expect(pathEdgesOfSteps([{ node: 'a' }, { node: 'b' }, { node: 'a' }], known)).toEqual([
      { from: 'a', port: 'next', to: 'b' },
    ]);
  });

  it('an ignored event at another node does not move the contact', () => {
    const steps = [{ node: 'a' }, { node: 'b' }, { node: 't', result: 'ignored' }, { node: 'b', port: 'yes' }, { node: 'c' }];
    expect(pathOfSteps(steps)).toEqual(['a', 'b', 'c']);
    expect(pathEdgesOfSteps(steps, known)).toEqual([
      { from: 'a', port: 'next', to: 'b' },
      { from: 'b', port: 'yes', to: 'c' },
    ]);
  });

  it('a port recorded on the first step of a node counts too', () => {
    expect(pathEdgesOfSteps([{ node: 'b', port: 'yes' }, { node: 'c' }], [])).toEqual([{ from: 'b', port: 'yes', to: 'c' }]);
  });
});

describe('overlayForContact', () => {
  it('adds the selected contact path and edges to the totals', () => {
    const o = overlayForContact(report, 'ana');
    expect(o.nodeCounts.booked).toBe(2);
    expect(o.path).toEqual([
      'booked', 'confirm_sms', 'starts_soon', 'wait_day_before', 'wa_reminder', 'await_reply', 'thank_you', 'done',
    ]);
    expect(o.pathEdges).toEqual([
      { from: 'booked', port: 'next', to: 'confirm_sms' },
      { from: 'confirm_sms', port: 'next', to: 'starts_soon' },
      { from: 'starts_soon', port: 'no', to: 'wait_day_before' },
      { from: 'wait_day_before', port: 'next', to: 'wa_reminder' },
      { from: 'wa_reminder', port: 'next', to: 'await_reply' },
      { from: 'await_reply', port: 'confirm', to: 'thank_you' },
      { from: 'thank_you', port: 'next', to: 'done' },
    ]);
  });

  it('follows the failed port of a send whose message failed', () => {
    const o = overlayForContact(report, 'ben');
    expect(o.pathEdges).toContainEqual({ from: 'wa_reminder', port: 'failed', to: 'sms_reminder' });
    expect(o.pathEdges?.every((e) => o.path?.includes(e.from) && o.path?.includes(e.to))).toBe(true);
  });

  it('a contact that never entered, or an unknown id, has an empty path', () => {
    expect(overlayForContact(report, 'cleo').path).toEqual([]);
    expect(overlayForContact(report, 'nobody').path).toEqual([]);
    expect(overlayForContact(report, 'nobody').pathEdges).toEqual([]);
  });
});

// The simulator's own golden report (crates/sim/tests/it/snapshots): every path the overlay draws
// for a real contact must follow edges the backend counted, and visit only counted nodes.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// Vitest runs from ui/.
const golden = resolve(process.cwd(), '../crates/sim/tests/it/snapshots/it__golden__appointment-reminder.snap');

describe.skipIf(!existsSync(golden))('overlay of the simulator golden report', () => {
  const text = readFileSync(golden, 'utf8');
  const real = JSON.parse(text.slice(text.indexOf('{'))) as OverlayReport & { contacts: { id: string; steps: { node: string }[] }[] };

  it('has contacts with steps to check', () => {
    expect(real.contacts.filter((c) => c.steps.length > 0).length).toBeGreaterThan(3);
  });

  for (const c of real.contacts) {
    it(`${c.id}: path edges are counted edges, path nodes were entered`, () => {
      const o = overlayForContact(real, c.id);
      const counted = new Set(o.edgeCounts.filter((e) => e.count > 0).map((e) => `${e.from}.${e.port}>${e.to}`));
      for (const e of o.pathEdges ?? []) expect(counted).toContain(`${e.from}.${e.port}>${e.to}`);
      for (const n of o.path ?? []) expect(o.nodeCounts[n]).toBeGreaterThan(0);
      // Each move between two different nodes is an edge, except a re-entry at the trigger.
      const moves = Math.max(0, (o.path?.length ?? 0) - 1);
      expect(o.pathEdges?.length).toBeLessThanOrEqual(moves);
      expect(o.pathEdges?.length).toBeGreaterThanOrEqual(moves - 1);
    });
  }
});
