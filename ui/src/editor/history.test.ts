import { describe, expect, it } from 'vitest';
import type { JourneyDoc } from '../api/types';
import { canvasToJourney, journeyToCanvas } from '../model/canvas';
import {
  addNode,
  checkpoint,
  connect,
  copySelection,
  edit,
  initialState,
  isDirty,
  paste,
  reconnect,
  redo,
  renameNode,
  undo,
  updateNodeDoc,
} from './history';

function journey(): JourneyDoc {
  return {
    format: 'itinera/journey@1',
    id: 'j',
    name: 'J',
    nodes: [
      { id: 't', type: 'trigger', event: 'booked', position: { x: 0, y: 0 } },
      { id: 'w', type: 'wait_for', reply: { channel: 'whatsapp' }, timeout: '4h', branches: [{ port: 'confirm', button: 'confirm' }, { port: 'later' }], position: { x: 0, y: 100 } },
      { id: 'a', type: 'exit', position: { x: 0, y: 200 } },
      { id: 'b', type: 'exit', position: { x: 200, y: 200 } },
    ],
    edges: [
      { from: 't', to: 'w' },
      { from: 'w', port: 'confirm', to: 'a' },
      { from: 'w', port: 'later', to: 'b' },
      { from: 'w', port: 'timeout', to: 'b' },
    ],
  } as JourneyDoc;
}

const edgesOf = (doc: JourneyDoc) => doc.edges.map((e) => `${e.from}.${e.port ?? 'next'}>${e.to}`);

describe('history', () => {
  it('undo and redo walk journey snapshots, and dirty follows the version', () => {
    let s = initialState(journeyToCanvas(journey()));
    expect(isDirty(s)).toBe(false);
    const added = addNode(s.canvas, { type: 'exit' }, 'exit', { x: 5, y: 5 });
    s = edit(s, added.canvas);
    expect(isDirty(s)).toBe(true);
    expect(s.canvas.nodes.map((n) => n.id)).toEqual(['t', 'w', 'a', 'b', 'exit']);
    s = undo(s);
    expect(canvasToJourney(s.canvas)).toEqual(journey());
    expect(isDirty(s)).toBe(false);
    s = redo(s);
    expect(s.canvas.nodes.map((n) => n.id)).toEqual(['t', 'w', 'a', 'b', 'exit']);
    expect(isDirty(s)).toBe(true);
    // A new edit clears the redo list.
    s = undo(s);
    s = edit(s, renameNode(s.canvas, 'a', 'thanks'));
    expect(redo(s)).toBe(s);
  });

  it('coalesces successive edits with the same key into one undo step', () => {
    let s = initialState(journeyToCanvas(journey()));
    const text = (c: typeof s.canvas, ev: string) => updateNodeDoc(c, 't', { id: 't', type: 'trigger', event: ev });
    s = edit(s, text(s.canvas, 'b'), 'event', 1000);
    s = edit(s, text(s.canvas, 'bo'), 'event', 1500);
    s = edit(s, text(s.canvas, 'boo'), 'event', 2000);
    s = edit(s, text(s.canvas, 'x'), 'other', 2100);
    expect(s.past.length).toBe(2);
    s = undo(s);
    expect((canvasToJourney(s.canvas).nodes[0] as { event: string }).event).toBe('boo');
    s = undo(s);
    expect((canvasToJourney(s.canvas).nodes[0] as { event: string }).event).toBe('booked');
  });

  it('checkpoint makes a drag one undo step', () => {
    let s = initialState(journeyToCanvas(journey()));
    s = checkpoint(s);
    s = { ...s, canvas: { ...s.canvas, nodes: s.canvas.nodes.map((n) => (n.id === 't' ? { ...n, position: { x: 50, y: 60 } } : n)) } };
    expect(isDirty(s)).toBe(true);
    s = undo(s);
    expect(s.canvas.nodes[0].position).toEqual({ x: 0, y: 0 });
  });
});

describe('canvas operations', () => {
  it('connect replaces the edge already leaving that port', () => {
    const c = connect(journeyToCanvas(journey()), 'w', 'timeout', 'a');
    expect(edgesOf(canvasToJourney(c))).toEqual(['t.next>w', 'w.confirm>a', 'w.later>b', 'w.timeout>a']);
  });

  it('reconnect moves an edge and keeps its extra fields', () => {
    const doc = journey();
    (doc.edges[1] as Record<string, unknown>).x_note = 'keep';
    const c = journeyToCanvas(doc);
    const id = c.edges[1].id;
    const moved = reconnect(c, id, 'w', 'confirm', 'b');
    const out = canvasToJourney(moved);
    expect(edgesOf(out)).toEqual(['t.next>w', 'w.later>b', 'w.timeout>b', 'w.confirm>b']);
    expect(out.edges[3]).toEqual({ from: 'w', port: 'confirm', to: 'b', x_note: 'keep' });
  });

  it('renaming a node renames its edges; a taken or empty id is refused', () => {
    const c = journeyToCanvas(journey());
    const r = renameNode(c, 'w', 'await_reply');
    expect(edgesOf(canvasToJourney(r))).toEqual(['t.next>await_reply', 'await_reply.confirm>a', 'await_reply.later>b', 'await_reply.timeout>b']);
    expect(canvasToJourney(r).nodes[1].id).toBe('await_reply');
    expect(renameNode(c, 'w', 'a')).toBe(c);
    expect(renameNode(c, 'w', '')).toBe(c);
  });

  it('the second copy of a duplicate id is edited and renamed by its canvas id, leaving the first alone', () => {
    const doc = journey();
    doc.nodes.push({ id: 'a', type: 'exit' });
    const c = journeyToCanvas(doc);
    const dup = c.nodes[c.nodes.length - 1];
    expect(dup.id).toBe('a#dup2');
    const edited = updateNodeDoc(c, dup.id, { id: 'a', type: 'exit', x_note: 'second' } as JourneyDoc['nodes'][number]);
    const out = canvasToJourney(renameNode(edited, dup.id, 'a_again'));
    expect(out.nodes.filter((n) => n.id === 'a')).toHaveLength(1);
    expect(out.nodes[out.nodes.length - 1]).toMatchObject({ id: 'a_again', x_note: 'second' });
    expect(edgesOf(out)).toEqual(edgesOf(canvasToJourney(c)));
  });

  it('renaming a branch port renames its edge; removing a branch drops its edge', () => {
    const c = journeyToCanvas(journey());
    const w = c.nodes[1].data.doc as JourneyDoc['nodes'][number] & { branches: { port: string }[] };
    const renamed = updateNodeDoc(c, 'w', { ...w, branches: [{ port: 'yes' }, { port: 'later' }] });
    expect(edgesOf(canvasToJourney(renamed))).toEqual(['t.next>w', 'w.yes>a', 'w.later>b', 'w.timeout>b']);
    const removed = updateNodeDoc(c, 'w', { ...w, branches: [{ port: 'confirm' }] });
    expect(edgesOf(canvasToJourney(removed))).toEqual(['t.next>w', 'w.confirm>a', 'w.timeout>b']);
  });

  it('copy/paste gives fresh ids, keeps inner edges and offsets positions', () => {
    let c = journeyToCanvas(journey());
    c = { ...c, nodes: c.nodes.map((n) => ({ ...n, selected: n.id === 'w' || n.id === 'a' })) };
    const clip = copySelection(c)!;
    expect(clip.nodes.map((n) => n.id)).toEqual(['w', 'a']);
    expect(clip.edges.map((e) => `${e.from}.${e.port}>${e.to}`)).toEqual(['w.confirm>a']);
    const { canvas, ids } = paste(c, clip, { x: 40, y: 40 });
    expect(ids).toEqual(['w_2', 'a_2']);
    const doc = canvasToJourney(canvas);
    expect(doc.nodes.map((n) => n.id)).toEqual(['t', 'w', 'a', 'b', 'w_2', 'a_2']);
    expect(doc.nodes[4].position).toEqual({ x: 40, y: 140 });
    expect(edgesOf(doc)).toContain('w_2.confirm>a_2');
    expect(canvas.nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(['w_2', 'a_2']);
  });
});
