import { describe, expect, it } from 'vitest';
import type { Diagnostic, JourneyDoc } from '../api/types';
import { describeProblem, fixAllDeadEnds, plain, shownDiagnostics } from './wording';

function journey(): JourneyDoc {
  return {
    format: 'itinera/journey@1',
    id: 'j',
    name: 'J',
    nodes: [
      { id: 'booked', type: 'trigger', event: 'appointment_booked', position: { x: 0, y: 0 } },
      { id: 'sms', type: 'send', channel: 'sms', text: 'Hi', label: 'SMS confirmation', position: { x: 0, y: 180 } },
      { id: 'bye', type: 'exit', position: { x: 400, y: 400 } },
    ],
    edges: [{ from: 'booked', to: 'sms' }],
  };
}

const deadEnd: Diagnostic = { severity: 'error', code: 'dead_end', message: 'port `next` of `sms` leads nowhere; connect it', node: 'sms', port: 'next' };
const unreachable: Diagnostic = { severity: 'error', code: 'unreachable', message: 'no path from the trigger reaches `bye`', node: 'bye' };

describe('describeProblem', () => {
  it('names the step by its label and offers Add Exit and the only candidate', () => {
    const w = describeProblem(deadEnd, journey(), [deadEnd, unreachable]);
    expect(w.text).toBe('‘SMS confirmation’ has no next step: connect it, or end the journey here');
    expect(w.fixes.map((f) => f.label)).toEqual(['Add Exit', 'Connect to ‘bye’']);
    const added = w.fixes[0].apply(journey());
    expect(added.doc.edges).toContainEqual({ from: 'sms', to: added.select });
    expect(added.doc.nodes.find((n) => n.id === added.select)?.type).toBe('exit');
    expect(w.fixes[1].apply(journey()).doc.edges).toContainEqual({ from: 'sms', to: 'bye' });
  });

  it('offers to connect or remove an unreachable step', () => {
    const w = describeProblem(unreachable, journey(), [deadEnd, unreachable]);
    expect(w.text).toBe('Nothing leads to ‘bye’: connect a step to it, or remove it');
    expect(w.fixes.map((f) => f.kind)).toEqual(['connect', 'remove-step']);
    expect(w.fixes[1].apply(journey()).doc.nodes.map((n) => n.id)).toEqual(['booked', 'sms']);
  });

  it('offers no connection when there is more than one candidate', () => {
    const doc = journey();
    doc.nodes.push({ id: 'other', type: 'exit' });
    expect(describeProblem(deadEnd, doc, []).fixes.map((f) => f.kind)).toEqual(['add-exit']);
  });

  it('keeps the backend message, unquoted, for settings problems', () => {
    const d: Diagnostic = { severity: 'error', code: 'invalid_config', message: '`contact.` must start with `contact.` or `event.`', node: 'sms' };
    expect(describeProblem(d, journey()).text).toBe('‘SMS confirmation’: “contact.” must start with “contact.” or “event.”');
    expect(plain('no `x`')).toBe('no “x”');
  });
});

describe('shownDiagnostics', () => {
  it('a blank journey does not open with the missing trigger error', () => {
    const missing: Diagnostic = { severity: 'error', code: 'missing_trigger', message: 'the journey has no trigger' };
    const blank = { ...journey(), nodes: [], edges: [] };
    expect(shownDiagnostics([missing], blank)).toEqual([]);
    const one = { ...blank, nodes: [{ id: 'sms', type: 'send', channel: 'sms', text: '' }] };
    expect(shownDiagnostics([missing], one)).toEqual([missing]);
  });
});

describe('fixAllDeadEnds', () => {
  const second: Diagnostic = { severity: 'error', code: 'dead_end', message: 'port `next` of `bye`…', node: 'bye', port: 'next' };
  it('is offered from two open ends on, and ends every one with an Exit', () => {
    expect(fixAllDeadEnds([deadEnd, unreachable], journey())).toBeNull();
    const twoOpen: JourneyDoc = { ...journey(), nodes: [...journey().nodes.slice(0, 2), { id: 'bye', type: 'send', channel: 'sms', text: 'x', position: { x: 400, y: 400 } }] };
    const fix = fixAllDeadEnds([deadEnd, unreachable, second], twoOpen);
    expect(fix?.label).toBe('Add an Exit to all 2 open ends');
    const r = fix!.apply(twoOpen);
    const exits = r.doc.nodes.filter((n) => n.type === 'exit').map((n) => n.id);
    expect(exits).toHaveLength(2);
    expect(r.doc.edges).toEqual(expect.arrayContaining([{ from: 'sms', to: exits[0] }, { from: 'bye', to: exits[1] }]));
  });

  it('leaves out open ends of steps the journey no longer has', () => {
    const ghost: Diagnostic = { ...second, node: 'ghost' };
    expect(fixAllDeadEnds([deadEnd, ghost], journey())).toBeNull();
  });
});
