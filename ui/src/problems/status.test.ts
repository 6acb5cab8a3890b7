import { describe, expect, it } from 'vitest';
import type { Diagnostic, NodeDoc, Report } from '../api/types';
import { journeyToCanvas } from '../model/canvas';
import { factsPhrases, nodeProblems, statusText, withStatuses } from './status';

const d = (severity: 'error' | 'warning', code: string, node?: string, nodes?: string[]): Diagnostic => ({
  severity,
  code,
  message: `${code} at ${node ?? nodes?.join('+')}`,
  node,
  nodes,
});

describe('node statuses', () => {
  it('error beats warning; cycles mark every member', () => {
    const map = nodeProblems([d('warning', 'whatsapp_outside_window', 'a'), d('error', 'dead_end', 'a'), d('error', 'cycle', undefined, ['b', 'c']), d('warning', 'x', 'c')]);
    expect(map.get('a')?.status).toBe('error');
    expect(map.get('a')?.problems).toHaveLength(2);
    expect(map.get('b')?.status).toBe('error');
    expect(map.get('c')?.status).toBe('error');
    expect(map.has('d')).toBe(false);
    expect(map.get('a')?.deadPorts).toEqual([]);
  });

  it('collects the dead-end ports of a node', () => {
    const dead = (node: string, port: string): Diagnostic => ({ ...d('error', 'dead_end', node), port });
    const map = nodeProblems([dead('w', 'confirm'), dead('w', 'timeout'), d('error', 'unreachable', 'w')]);
    expect(map.get('w')?.deadPorts).toEqual(['confirm', 'timeout']);
  });

  it('only replaces the nodes whose status changed', () => {
    const canvas = journeyToCanvas({
      format: 'itinera/journey@1',
      id: 'j',
      name: 'J',
      nodes: [
        { id: 'a', type: 'exit', position: { x: 0, y: 0 } },
        { id: 'b', type: 'exit', position: { x: 0, y: 0 } },
      ],
      edges: [],
    });
    const once = withStatuses(canvas.nodes, nodeProblems([d('error', 'unreachable', 'b')]));
    expect(once[0]).toBe(canvas.nodes[0]);
    expect(once[1].data.status).toBe('error');
    const twice = withStatuses(once, nodeProblems([d('error', 'unreachable', 'b')]));
    expect(twice).toBe(once);
  });
});

describe('header text', () => {
  const report = (valid: boolean, diagnostics: Diagnostic[]): Report => ({ valid, diagnostics, facts: null });
  it.each([
    [report(true, []), 'Valid'],
    [report(true, [d('warning', 'w', 'a')]), 'Valid'],
    [report(false, [d('error', 'e', 'a')]), '1 error'],
    [report(false, [d('error', 'e', 'a'), d('error', 'e', 'b')]), '2 errors'],
    [report(false, [d('error', 'e', 'a'), d('warning', 'w', 'a'), d('warning', 'w', 'b')]), '1 error, 2 warnings'],
    // A blank journey, whose "no trigger" error the editor holds back.
    [report(false, []), 'Empty journey'],
  ])('%#: %s', (r, text) => {
    expect(statusText(r)).toBe(text);
  });

  it('words the facts', () => {
    expect(factsPhrases({ nodes: 12, longest_time: '7d4h', max_messages: { email: 0, sms: 3, webhook: 1, whatsapp: 2 } })).toEqual([
      'Longest stay: 7d4h',
      'Most messages: SMS 3, WhatsApp 2',
      '12 steps',
    ]);
    expect(factsPhrases({ longest_time: 'unbounded' })).toEqual(['Longest stay: unbounded']);
  });

  it('says which wait makes the longest stay unbounded (from the validator\'s unbounded_waits)', () => {
    const wait = { id: 'wait_day_before', type: 'wait', until: { field: 'contact.appointment_at', offset: '-1d' } } as NodeDoc;
    const lookup = (id: string) => (id === wait.id ? wait : undefined);
    expect(factsPhrases({ longest_time: 'unbounded', unbounded_waits: ['wait_day_before'] }, lookup)).toEqual([
      'Longest stay: unbounded (‘wait_day_before’ waits until a date in the contact data (contact.appointment_at))',
    ]);
    expect(factsPhrases({ longest_time: 'unbounded', unbounded_waits: ['w1', 'w2', 'w3'] })[0]).toBe('Longest stay: unbounded (‘w1’ waits until contact data says so and 2 more)');
    // A bounded stay never names a wait.
    expect(factsPhrases({ longest_time: '2d', unbounded_waits: [] }, lookup)).toEqual(['Longest stay: 2d']);
    expect(factsPhrases(null)).toEqual([]);
  });
});
