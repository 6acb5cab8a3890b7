import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setTransport } from '../api/backend';
import type { JourneyDoc, Report, ScenarioDoc } from '../api/types';
import { useEditor, validateEarly, VALIDATION_DEBOUNCE_MS } from './useEditor';

function journey(): JourneyDoc {
  return {
    format: 'itinera/journey@1',
    id: 'j',
    name: 'J',
    nodes: [
      { id: 't', type: 'trigger', event: 'signed_up', position: { x: 0, y: 0 } },
      { id: 'x', type: 'exit', position: { x: 0, y: 150 } },
    ],
    edges: [{ from: 't', to: 'x' }],
  };
}

/** A fake backend whose validator reports a dead end for every trigger without an edge. */
let calls: JourneyDoc[] = [];
function fakeValidate(doc: JourneyDoc): Report {
  const wired = new Set(doc.edges.map((e) => e.from));
  const diagnostics = doc.nodes
    .filter((n) => n.type === 'trigger' && !wired.has(n.id))
    .map((n) => ({ severity: 'error' as const, code: 'dead_end', message: `port next of ${n.id} leads nowhere`, node: n.id, port: 'next' }));
  return { valid: diagnostics.length === 0, diagnostics, facts: null };
}

beforeEach(() => {
  vi.useFakeTimers();
  calls = [];
  setTransport(async (command, args) => {
    if (command !== 'validate_journey') throw new Error(`unexpected ${command}`);
    calls.push(args.journey as JourneyDoc);
    return fakeValidate(args.journey as JourneyDoc);
  });
});
afterEach(() => {
  setTransport(null);
  vi.useRealTimers();
});

async function settle() {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(VALIDATION_DEBOUNCE_MS + 50);
  });
}

describe('useEditor', () => {
  it('validates once after a burst of edits, and marks the node in error', async () => {
    const { result } = renderHook(() => useEditor(journey()));
    await settle();
    expect(calls).toHaveLength(1);
    // Validated as written, without the positions only the editor reads.
    expect(calls[0].nodes.map((n) => n.id)).toEqual(result.current.journey.nodes.map((n) => n.id));
    expect(result.current.journey.nodes.every((n) => n.position !== undefined)).toBe(true);
    expect(calls[0].nodes.some((n) => 'position' in n)).toBe(false);
    expect(calls[0].edges).toEqual(result.current.journey.edges);
    expect(result.current.report?.valid).toBe(true);
    expect(result.current.dirty).toBe(false);

    // Delete the only edge, then type three characters into the trigger's event.
    await act(async () => {
      await result.current.onBeforeDelete({ nodes: [], edges: [result.current.edges[0]] });
    });
    act(() => result.current.onEdgesChange([{ type: 'remove', id: result.current.edges[0].id }]));
    for (const ev of ['a', 'ab', 'abc']) {
      act(() => result.current.updateNode('t', { id: 't', type: 'trigger', event: ev }));
    }
    expect(calls).toHaveLength(1); // debounced: nothing sent yet
    await settle();
    expect(calls).toHaveLength(2);
    expect(calls[1].edges).toEqual([]);
    expect(result.current.report?.valid).toBe(false);
    expect(result.current.nodes.find((n) => n.id === 't')?.data.status).toBe('error');
    expect(result.current.nodes.find((n) => n.id === 'x')?.data.status).toBe('ok');
    expect(result.current.dirty).toBe(true);

    // Undo the typing (one step), then the deletion: clean again and valid.
    act(() => result.current.undo());
    act(() => result.current.undo());
    await settle();
    expect(result.current.journey).toEqual(journey());
    expect(result.current.dirty).toBe(false);
    expect(result.current.nodes.find((n) => n.id === 't')?.data.status).toBe('ok');
  });

  it('validates a journey just opened at once, without the typing debounce', async () => {
    const { result } = renderHook(() => useEditor(journey()));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(calls).toHaveLength(1);
    expect(result.current.report?.valid).toBe(true);
  });

  it('takes the answer of a validation started before it opened, and asks anew after an edit', async () => {
    const doc = journey();
    validateEarly(doc);
    validateEarly(doc);
    expect(calls).toHaveLength(1);
    expect(calls[0].nodes.some((n) => 'position' in n)).toBe(false);
    const { result } = renderHook(() => useEditor(doc));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(calls).toHaveLength(1);
    expect(result.current.report?.valid).toBe(true);
    act(() => result.current.updateNode('t', { id: 't', type: 'trigger', event: 'other' }));
    await settle();
    expect(calls).toHaveLength(2);
    expect((calls[1].nodes[0] as { event?: string }).event).toBe('other');
  });

  it('is validating from an edit, or a scenario chosen, until the answer for it comes, and after a failure no more', async () => {
    const { result } = renderHook(() => useEditor(journey()));
    expect(result.current.validating).toBe(true);
    await settle();
    expect(result.current.validating).toBe(false);
    act(() => result.current.updateNode('t', { id: 't', type: 'trigger', event: 'other' }));
    expect(result.current.validating).toBe(true);
    await settle();
    expect(result.current.validating).toBe(false);
    act(() => result.current.selectNode('x'));
    expect(result.current.validating).toBe(false);
    setTransport(async () => {
      throw new Error('backend gone');
    });
    const scenario: ScenarioDoc = { format: 'itinera/scenario@1', start: '2026-03-02T08:00:00Z', run_for: '1d', contacts: [] };
    act(() => result.current.setValidationScenario(scenario));
    expect(result.current.validating).toBe(true);
    await settle();
    expect(result.current.validating).toBe(false);
    expect(result.current.validationError).toBe('backend gone');
  });

  it('selection does not re-validate or dirty the journey', async () => {
    const { result } = renderHook(() => useEditor(journey()));
    await settle();
    const doc = result.current.journey;
    act(() => result.current.selectNode('x'));
    await settle();
    expect(calls).toHaveLength(1);
    expect(result.current.journey).toBe(doc);
    expect(result.current.selectedIds).toEqual(['x']);
    expect(result.current.dirty).toBe(false);
  });

  it('draws a simulation overlay and clears it on the next edit', async () => {
    const { result } = renderHook(() => useEditor(journey()));
    await settle();
    act(() =>
      result.current.setOverlay({ nodeCounts: { t: 5, x: 4 }, edgeCounts: [{ from: 't', port: 'next', to: 'x', count: 4 }], path: ['t', 'x'], pathEdges: [{ from: 't', port: 'next', to: 'x' }] }),
    );
    expect(result.current.nodes.map((n) => n.data.count)).toEqual([5, 4]);
    expect(result.current.edges[0].data?.count).toBe(4);
    expect(result.current.edges[0].data?.onPath).toBe(true);
    expect(result.current.dirty).toBe(false);
    act(() => result.current.updateMeta({ ...result.current.meta, name: 'Renamed' }));
    expect(result.current.overlay).toBeNull();
    expect(result.current.nodes.map((n) => n.data.count)).toEqual([undefined, undefined]);
    expect(result.current.edges[0].data?.count).toBeUndefined();
  });

  it('a save marks the saved version clean even if edits follow', async () => {
    const { result } = renderHook(() => useEditor(journey()));
    act(() => result.current.updateMeta({ ...result.current.meta, name: 'A' }));
    const saving = result.current.version;
    act(() => result.current.updateMeta({ ...result.current.meta, name: 'AB' }, 'other'));
    act(() => result.current.markSaved(saving));
    expect(result.current.dirty).toBe(true);
    act(() => result.current.undo());
    expect(result.current.dirty).toBe(false);
  });

  it('inserts after a port (splitting its wire), heals a delete, and undoes each as one step', async () => {
    const { result } = renderHook(() => useEditor(journey()));
    await settle();
    let id = '';
    act(() => {
      id = result.current.insertAfter('t', 'next', 'send-sms');
    });
    expect(id).toBe('sms');
    expect(result.current.journey.edges).toEqual([
      { from: 't', to: 'sms' },
      { from: 'sms', to: 'x' },
    ]);
    expect(result.current.selectedIds).toEqual(['sms']);
    // The Delete key (React Flow asks first): the neighbours are reconnected instead.
    let removedByFlow = true;
    await act(async () => {
      const sms = result.current.nodes.find((n) => n.id === 'sms')!;
      removedByFlow = (await result.current.onBeforeDelete({ nodes: [sms], edges: result.current.edges.filter((e) => e.source === 'sms' || e.target === 'sms') })) as boolean;
    });
    expect(removedByFlow).toBe(false);
    expect(result.current.journey.nodes.map((n) => n.id)).toEqual(['t', 'x']);
    expect(result.current.journey.edges).toEqual([{ from: 't', to: 'x' }]);
    act(() => result.current.undo());
    expect(result.current.journey.nodes.map((n) => n.id)).toEqual(['t', 'x', 'sms']);
    act(() => result.current.undo());
    expect(result.current.journey).toEqual(journey());
    expect(result.current.dirty).toBe(false);
  });

  it('asks which output to keep before deleting a branching step', async () => {
    const doc = journey();
    doc.nodes.push({ id: 'b', type: 'branch', condition: { field: 'contact.vip', op: 'eq', value: true }, position: { x: 0, y: 300 } }, { id: 'y', type: 'exit', position: { x: 0, y: 450 } });
    doc.edges = [
      { from: 't', to: 'b' },
      { from: 'b', port: 'yes', to: 'y' },
      { from: 'b', port: 'no', to: 'x' },
    ];
    const { result } = renderHook(() => useEditor(doc));
    act(() => result.current.selectNode('b'));
    act(() => result.current.deleteSelection());
    expect(result.current.pendingDelete).toEqual({ id: 'b', ports: ['yes', 'no'] });
    expect(result.current.journey.nodes).toHaveLength(4);
    act(() => result.current.resolveDelete('no'));
    expect(result.current.pendingDelete).toBeNull();
    expect(result.current.journey.nodes.map((n) => n.id)).toEqual(['t', 'x']);
    expect(result.current.journey.edges).toEqual([{ from: 't', to: 'x' }]);
  });

  it('keeps reply branches in step with the buttons of the send before them', async () => {
    const doc = journey();
    doc.nodes = [
      doc.nodes[0],
      { id: 'wa', type: 'send', channel: 'whatsapp', text: 'Come?', buttons: [{ id: 'yes', title: 'Yes' }], position: { x: 0, y: 150 } },
      { id: 'w', type: 'wait_for', reply: { channel: 'whatsapp' }, timeout: '1d', branches: [{ port: 'yes', button: 'yes', keywords: ['yes'] }], position: { x: 0, y: 300 } },
      doc.nodes[1],
    ];
    doc.edges = [
      { from: 't', to: 'wa' },
      { from: 'wa', to: 'w' },
      { from: 'w', port: 'yes', to: 'x' },
    ];
    const { result } = renderHook(() => useEditor(doc));
    const wa = result.current.journey.nodes[1];
    act(() => result.current.updateNode('wa', { ...wa, buttons: [{ id: 'confirm', title: 'Confirm' }] } as typeof wa));
    const w = result.current.journey.nodes.find((n) => n.id === 'w') as { branches?: unknown[] };
    expect(w.branches).toEqual([{ port: 'confirm', button: 'confirm', keywords: ['confirm'] }]);
    expect(result.current.journey.edges).toContainEqual({ from: 'w', port: 'confirm', to: 'x' });
    act(() => result.current.undo());
    expect(result.current.journey).toEqual(doc);
  });

  it('a blank journey does not open with an error', async () => {
    setTransport(async () => ({ valid: false, diagnostics: [{ severity: 'error', code: 'missing_trigger', message: 'no trigger' }], facts: null }));
    const { result } = renderHook(() => useEditor({ ...journey(), nodes: [], edges: [] }));
    await settle();
    expect(result.current.report?.diagnostics).toEqual([]);
  });
});
