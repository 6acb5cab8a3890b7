import { describe, expect, it } from 'vitest';
import type { EdgeDoc, JourneyDoc, NodeDoc, SendNode, WaitForNode } from '../api/types';
import * as H from '../editor/history';
import { canvasToJourney, journeyToCanvas } from './canvas';
import {
  addExitsAt,
  addKeywordBranch,
  branchesFromButtons,
  connectCandidates,
  deletePlan,
  deleteStep,
  connectPort,
  insertAfter,
  INSERT_ROW,
  movedReplyWire,
  removeStep,
  setLabel,
  stepName,
  syncButtonBranches,
  upstreamButtonsIn,
} from './transform';

const at = (x: number, y: number) => ({ x, y });

function doc(nodes: NodeDoc[], edges: EdgeDoc[]): JourneyDoc {
  return { format: 'itinera/journey@1', id: 'j', name: 'J', nodes, edges };
}

/** trigger → sms → exit, in a column. */
function chain(): JourneyDoc {
  return doc(
    [
      { id: 'booked', type: 'trigger', event: 'appointment_booked', position: at(0, 0) },
      { id: 'sms', type: 'send', channel: 'sms', text: 'Hi', position: at(0, 180) },
      { id: 'done', type: 'exit', position: at(0, 360) },
    ],
    [
      { from: 'booked', to: 'sms' },
      { from: 'sms', to: 'done' },
    ],
  );
}

const wires = (d: JourneyDoc) => d.edges.map((e) => `${e.from}/${e.port ?? 'next'}>${e.to}`).sort();
const ids = (d: JourneyDoc) => d.nodes.map((n) => n.id);
const node = (d: JourneyDoc, id: string) => d.nodes.find((n) => n.id === id)!;

/** Applies `fn` as one editor edit, then undoes it: the journey must be the one before. */
function undoRestores(before: JourneyDoc, fn: (d: JourneyDoc) => JourneyDoc) {
  const s0 = H.initialState(journeyToCanvas(structuredClone(before)));
  const after = fn(canvasToJourney(s0.canvas));
  const s1 = H.edit(s0, journeyToCanvas(after));
  expect(canvasToJourney(s1.canvas)).toEqual(after);
  const s2 = H.undo(s1);
  expect(canvasToJourney(s2.canvas)).toEqual(canvasToJourney(s0.canvas));
  expect(H.isDirty(s2)).toBe(false);
  expect(canvasToJourney(H.redo(s2).canvas)).toEqual(after);
}

describe('insertAfter', () => {
  it('adds a wired step below an unwired port', () => {
    const d = doc([{ id: 'booked', type: 'trigger', event: 'e', position: at(100, 40) }], []);
    const r = insertAfter(d, 'booked', 'next', 'send-sms');
    expect(r.id).toBe('sms');
    expect(node(r.doc, 'sms')).toMatchObject({ type: 'send', channel: 'sms', position: at(100, 40 + INSERT_ROW) });
    expect(wires(r.doc)).toEqual(['booked/next>sms']);
    expect(d.nodes).toHaveLength(1); // the input is untouched
  });

  it('splits an existing wire and moves what follows down a row', () => {
    const r = insertAfter(chain(), 'booked', 'next', 'wait');
    expect(r.id).toBe('wait');
    expect(wires(r.doc)).toEqual(['booked/next>wait', 'sms/next>done', 'wait/next>sms']);
    expect(node(r.doc, 'wait').position).toEqual(at(0, 180));
    expect(node(r.doc, 'sms').position).toEqual(at(0, 180 + INSERT_ROW));
    expect(node(r.doc, 'done').position).toEqual(at(0, 360 + INSERT_ROW));
    expect(node(r.doc, 'booked').position).toEqual(at(0, 0));
  });

  it('puts the children of a branch under their own port and never on another card', () => {
    const d = doc([{ id: 'b', type: 'branch', condition: { field: 'contact.vip', op: 'eq', value: true }, position: at(0, 0) }], []);
    const yes = insertAfter(d, 'b', 'yes', 'send-sms');
    const no = insertAfter(yes.doc, 'b', 'no', 'send-email');
    expect(node(no.doc, yes.id).position!.x).toBeLessThan(node(no.doc, no.id).position!.x);
    expect(wires(no.doc)).toEqual(['b/no>email', 'b/yes>sms']);
    const again = insertAfter(no.doc, 'sms', 'failed', 'exit');
    const p = node(again.doc, again.id).position!;
    for (const n of no.doc.nodes) expect(Math.abs(n.position!.x - p.x) >= 240 || Math.abs(n.position!.y - p.y) >= 100).toBe(true);
  });

  it('splitting uses the new step’s first port, and a dropped wire places it where it was dropped', () => {
    const r = insertAfter(chain(), 'sms', 'next', 'branch', at(400, 500));
    expect(wires(r.doc)).toEqual(['booked/next>sms', 'branch/yes>done', 'sms/next>branch']);
    expect(node(r.doc, 'branch').position).toEqual(at(400, 500));
  });

  it('is undone as one step', () => undoRestores(chain(), (d) => insertAfter(d, 'booked', 'next', 'send-whatsapp').doc));
});

describe('deleteStep', () => {
  it('reconnects the neighbours of a step with one wired output', () => {
    const d = deleteStep(chain(), 'sms');
    expect(ids(d)).toEqual(['booked', 'done']);
    expect(wires(d)).toEqual(['booked/next>done']);
  });

  it('reconnects every wire coming in, keeping their ports', () => {
    const d = doc(
      [
        { id: 'w', type: 'wait_for', reply: { channel: 'sms' }, timeout: '1d', branches: [{ port: 'yes', keywords: ['yes'] }] },
        { id: 'sms', type: 'send', channel: 'sms', text: 'x' },
        { id: 'done', type: 'exit' },
      ],
      [
        { from: 'w', port: 'yes', to: 'sms' },
        { from: 'w', port: 'timeout', to: 'sms' },
        { from: 'sms', to: 'done' },
      ],
    );
    expect(wires(deleteStep(d, 'sms'))).toEqual(['w/timeout>done', 'w/yes>done']);
  });

  it('asks which output to keep for a branching step, and drops the abandoned path', () => {
    const d = doc(
      [
        { id: 't', type: 'trigger', event: 'e' },
        { id: 'b', type: 'branch', condition: { field: 'contact.vip', op: 'eq', value: true } },
        { id: 'vip', type: 'send', channel: 'sms', text: 'VIP' },
        { id: 'std', type: 'send', channel: 'sms', text: 'Standard' },
        { id: 'std_wait', type: 'wait', for: '1d' },
        { id: 'done', type: 'exit' },
      ],
      [
        { from: 't', to: 'b' },
        { from: 'b', port: 'yes', to: 'vip' },
        { from: 'b', port: 'no', to: 'std' },
        { from: 'std', to: 'std_wait' },
        { from: 'std_wait', to: 'done' },
        { from: 'vip', to: 'done' },
      ],
    );
    expect(deletePlan(d, 'b')).toEqual({ usedPorts: ['yes', 'no'], needsChoice: true });
    const kept = deleteStep(d, 'b', 'yes');
    // `done` is still reached through `vip`; the `no` path only led to std and std_wait.
    expect(ids(kept)).toEqual(['t', 'vip', 'done']);
    expect(wires(kept)).toEqual(['t/next>vip', 'vip/next>done']);
    const keptNo = deleteStep(d, 'b', 'no');
    expect(ids(keptNo)).toEqual(['t', 'std', 'std_wait', 'done']);
    expect(wires(keptNo)).toEqual(['std/next>std_wait', 'std_wait/next>done', 't/next>std']);
    // Without a choice nothing is reconnected (and nothing else removed).
    expect(wires(deleteStep(d, 'b'))).toEqual(['std/next>std_wait', 'std_wait/next>done', 'vip/next>done']);
  });

  it('a step with no wired output just goes, with its wires', () => {
    const d = deleteStep(chain(), 'done');
    expect(ids(d)).toEqual(['booked', 'sms']);
    expect(wires(d)).toEqual(['booked/next>sms']);
    expect(deletePlan(chain(), 'done')).toEqual({ usedPorts: [], needsChoice: false });
  });

  it('removeStep removes an unreachable step without healing', () => {
    const d = removeStep(chain(), 'sms');
    expect(wires(d)).toEqual([]);
    expect(removeStep(d, 'missing')).toBe(d);
  });

  it('is undone as one step', () => undoRestores(chain(), (d) => deleteStep(d, 'sms')));
});

function whatsapp(): JourneyDoc {
  return doc(
    [
      { id: 't', type: 'trigger', event: 'e', position: at(0, 0) },
      {
        id: 'wa',
        type: 'send',
        channel: 'whatsapp',
        template: { name: 'reminder', language: 'en', params: [] },
        buttons: [
          { id: 'confirm', title: 'Confirm' },
          { id: 'reschedule', title: 'Reschedule' },
        ],
        position: at(0, 180),
      },
      { id: 'reply', type: 'wait_for', reply: { channel: 'whatsapp' }, timeout: '1d', position: at(0, 360) },
    ],
    [
      { from: 't', to: 'wa' },
      { from: 'wa', to: 'reply' },
    ],
  );
}

describe('reply branches from buttons', () => {
  it('finds the buttons of the send before the wait_for', () => {
    expect(upstreamButtonsIn(whatsapp(), 'reply').map((b) => b.id)).toEqual(['confirm', 'reschedule']);
    expect(upstreamButtonsIn(whatsapp(), 't')).toEqual([]);
  });

  it('makes one branch per button, with id and title taken from the send', () => {
    const d = whatsapp();
    const w = branchesFromButtons(node(d, 'reply') as WaitForNode, upstreamButtonsIn(d, 'reply'));
    expect(w.branches).toEqual([
      { port: 'confirm', button: 'confirm', keywords: ['confirm'] },
      { port: 'reschedule', button: 'reschedule', keywords: ['reschedule'] },
    ]);
    // Running it again adds nothing; a keyword branch comes from the short list.
    expect(branchesFromButtons(w, upstreamButtonsIn(d, 'reply'))).toBe(w);
    const yes = addKeywordBranch(w, 'yes');
    expect(yes.branches?.[2]).toEqual({ port: 'yes', keywords: ['yes', 'y', 'ok', 'confirm'] });
    expect(addKeywordBranch(yes, 'yes')).toBe(yes);
  });

  it('follows a renamed or added button, moving the wire of a renamed port', () => {
    let d = whatsapp();
    const w = branchesFromButtons(node(d, 'reply') as WaitForNode, upstreamButtonsIn(d, 'reply'));
    d = {
      ...d,
      nodes: [...d.nodes.filter((n) => n.id !== 'reply'), w, { id: 'ok', type: 'exit' }, { id: 'later', type: 'exit' }],
      edges: [...d.edges, { from: 'reply', port: 'confirm', to: 'ok' }, { from: 'reply', port: 'reschedule', to: 'later' }],
    };
    const before = (node(d, 'wa') as SendNode).buttons!;
    // A rename (same number of buttons), then an added button: one edit each.
    const renamed = [
      { id: 'yes_confirm', title: 'Yes, confirm' },
      { id: 'reschedule', title: 'Reschedule' },
    ];
    const after = [...renamed, { id: 'cancel', title: 'Cancel' }];
    const synced = syncButtonBranches(syncButtonBranches(d, 'wa', before, renamed), 'wa', renamed, after);
    expect((node(synced, 'reply') as WaitForNode).branches).toEqual([
      { port: 'yes_confirm', button: 'yes_confirm', keywords: ['yes, confirm'] },
      { port: 'reschedule', button: 'reschedule', keywords: ['reschedule'] },
      { port: 'cancel', button: 'cancel', keywords: ['cancel'] },
    ]);
    expect(wires(synced)).toContain('reply/yes_confirm>ok');
    expect(wires(synced)).not.toContain('reply/confirm>ok');
    // Removing a button removes its branch and that branch's wire.
    const removed = syncButtonBranches(synced, 'wa', after, after.slice(1));
    expect((node(removed, 'reply') as WaitForNode).branches?.map((b) => b.port)).toEqual(['reschedule', 'cancel']);
    expect(wires(removed)).not.toContain('reply/yes_confirm>ok');
    // Unchanged buttons change nothing.
    expect(syncButtonBranches(d, 'wa', before, before)).toBe(d);
  });

  it('the first branches take over the wire of the plain reply port', () => {
    const w = node(whatsapp(), 'reply') as WaitForNode;
    const branched = branchesFromButtons(w, upstreamButtonsIn(whatsapp(), 'reply'));
    expect(movedReplyWire(w, branched)).toBe('confirm');
    expect(movedReplyWire(branched, addKeywordBranch(branched, 'yes'))).toBeNull();
    expect(movedReplyWire(node(whatsapp(), 'wa'), branched)).toBeNull();
  });

  it('is undone as one step', () =>
    undoRestores(whatsapp(), (d) => ({
      ...d,
      nodes: d.nodes.map((n) => (n.id === 'reply' ? branchesFromButtons(n as WaitForNode, upstreamButtonsIn(d, 'reply')) : n)),
    })));
});

describe('labels', () => {
  it('sets and clears a label; the id stays', () => {
    const d = setLabel(chain(), 'sms', 'SMS confirmation');
    expect(node(d, 'sms')).toMatchObject({ id: 'sms', label: 'SMS confirmation' });
    expect(stepName(node(d, 'sms'), 'sms')).toBe('SMS confirmation');
    const cleared = setLabel(d, 'sms', '  ');
    expect('label' in node(cleared, 'sms')).toBe(false);
    expect(stepName(node(cleared, 'sms'), 'sms')).toBe('sms');
    expect(setLabel(cleared, 'sms', '')).toBe(cleared);
  });
});

describe('connectCandidates', () => {
  /** trigger → branch; yes → whatsapp → reply; no → wait (unwired); a loose sms; an exit. */
  function fork(): JourneyDoc {
    return doc(
      [
        { id: 'booked', type: 'trigger', event: 'e', position: at(0, 0) },
        { id: 'soon', type: 'branch', condition: { field: 'event.starts_at', op: 'within_next', value: '24h' }, position: at(0, 200) },
        { id: 'wa', type: 'send', channel: 'whatsapp', text: 'Hi', label: 'WhatsApp reminder', position: at(-150, 400) },
        { id: 'reply', type: 'wait_for', reply: { channel: 'whatsapp' }, timeout: '1d', position: at(-150, 600) },
        { id: 'wait', type: 'wait', for: '1d', position: at(150, 400) },
        { id: 'loose', type: 'send', channel: 'sms', text: 'Hi', position: at(900, 900) },
        { id: 'done', type: 'exit', position: at(150, 600) },
      ],
      [
        { from: 'booked', to: 'soon' },
        { from: 'soon', port: 'yes', to: 'wa' },
        { from: 'soon', port: 'no', to: 'wait' },
        { from: 'wa', to: 'reply' },
      ],
    );
  }

  it('offers no step that leads back (no loops), no trigger, not the step itself', () => {
    const c = connectCandidates(fork(), 'reply').map((x) => x.id);
    expect(c).not.toContain('reply');
    expect(c).not.toContain('wa');
    expect(c).not.toContain('soon');
    expect(c).not.toContain('booked');
    expect(c.sort()).toEqual(['done', 'loose', 'wait']);
  });

  it('lists the steps nothing leads to first, then the nearest, with their labels', () => {
    const c = connectCandidates(fork(), 'wait');
    // done and loose wait for a wire (done is nearer); wa and reply are reached already.
    expect(c.map((x) => x.id)).toEqual(['done', 'loose', 'wa', 'reply']);
    expect(c[2]).toEqual({ id: 'wa', name: 'WhatsApp reminder' });
  });

  it('keeps the list short', () => {
    const d = fork();
    const many = doc(
      [...d.nodes, ...Array.from({ length: 12 }, (_, i) => ({ id: `x${i}`, type: 'exit', position: at(i * 10, 2000) }) as NodeDoc)],
      d.edges,
    );
    expect(connectCandidates(many, 'wait')).toHaveLength(6);
    expect(connectCandidates(many, 'wait', 2)).toHaveLength(2);
    expect(connectCandidates(many, 'nope')).toEqual([]);
  });

  it('wires the chosen one with connectPort, undone as one step', () =>
    undoRestores(fork(), (d) => {
      const to = connectCandidates(d, 'wait').find((x) => x.id === 'wa')!.id;
      return connectPort(d, 'wait', 'next', to);
    }));
});

describe('addExitsAt', () => {
  function open(): JourneyDoc {
    return doc(
      [
        { id: 'booked', type: 'trigger', event: 'e', position: at(0, 0) },
        {
          id: 'reply',
          type: 'wait_for',
          reply: { channel: 'whatsapp' },
          timeout: '1d',
          branches: [{ port: 'confirm', button: 'confirm' }, { port: 'reschedule', button: 'reschedule' }],
          position: at(0, 200),
        },
        { id: 'sms', type: 'send', channel: 'sms', text: 'Hi', position: at(400, 400) },
      ],
      [
        { from: 'booked', to: 'reply' },
        { from: 'reply', port: 'timeout', to: 'sms' },
      ],
    );
  }
  const ends = [
    { node: 'reply', port: 'confirm' },
    { node: 'reply', port: 'reschedule' },
    { node: 'sms', port: 'next' },
  ];

  it('puts an Exit after every open end, each below its own port and on no other card', () => {
    const r = addExitsAt(open(), ends);
    expect(r.ids).toEqual(['exit', 'exit_2', 'exit_3']);
    expect(wires(r.doc)).toEqual(['booked/next>reply', 'reply/confirm>exit', 'reply/reschedule>exit_2', 'reply/timeout>sms', 'sms/next>exit_3']);
    for (const id of r.ids) expect(node(r.doc, id).type).toBe('exit');
    const ps = r.doc.nodes.map((n) => n.position!);
    for (let i = 0; i < ps.length; i++)
      for (let j = i + 1; j < ps.length; j++) expect(Math.abs(ps[i].x - ps[j].x) >= 220 || Math.abs(ps[i].y - ps[j].y) >= 100).toBe(true);
    expect(node(r.doc, 'exit_3').position!.y).toBeGreaterThan(400);
  });

  it('skips ends already wired, repeated or of steps that are gone', () => {
    const r = addExitsAt(open(), [{ node: 'reply', port: 'timeout' }, { node: 'ghost', port: 'next' }, ends[0], ends[0]]);
    expect(r.ids).toEqual(['exit']);
    expect(addExitsAt(open(), []).doc).toEqual(open());
  });

  it('is undone as one step', () => undoRestores(open(), (d) => addExitsAt(d, ends).doc));
});
