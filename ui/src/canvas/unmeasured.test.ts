import { describe, expect, it } from 'vitest';
import type { NodeDoc } from '../api/types';
import { makeStepNode, type StepNode } from '../model/canvas';
import { NODE_HEIGHT, NODE_WIDTH } from '../model/layout';
import { TARGET_HANDLE } from '../model/ports';
import { estimatedHandles, HANDLE_SIZE, withEstimatedHandles } from './unmeasured';

const node = (doc: NodeDoc): StepNode => makeStepNode(doc, { x: 10, y: 20 });

describe('estimated handles of unmeasured cards', () => {
  it('puts the target centred on top and one source per output port along the bottom, left to right', () => {
    const handles = estimatedHandles(node({ id: 'b', type: 'branch', condition: { field: 'contact.x', op: 'exists' } } as NodeDoc));
    expect(handles.map((h) => [h.type, h.id])).toEqual([
      ['target', TARGET_HANDLE],
      ['source', 'yes'],
      ['source', 'no'],
    ]);
    const centre = (h: (typeof handles)[number]) => h.x + (h.width ?? 0) / 2;
    // As measured in chromium on a drawn card: target at x 114.5, y -8.5; yes/no at x 55 and 174, y 99.5; all 11 px.
    expect(handles[0].x).toBeCloseTo(114.5, 0);
    expect(handles[0].y).toBe(-8.5);
    expect(centre(handles[0])).toBe(NODE_WIDTH / 2);
    expect(handles[1].x).toBeCloseTo(55, 0);
    expect(handles[2].x).toBeCloseTo(174, 0);
    expect(centre(handles[1])).toBeLessThan(centre(handles[2]));
    expect(handles[1].y).toBe(NODE_HEIGHT - 0.5);
    expect(handles[1].width).toBe(HANDLE_SIZE);
  });

  it('gives an exit (no output port) its target only', () => {
    expect(estimatedHandles(node({ id: 'x', type: 'exit' })).map((h) => h.id)).toEqual([TARGET_HANDLE]);
  });

  it('decorates an unmeasured node once (same object each time) and leaves a measured one alone', () => {
    const n = node({ id: 's', type: 'send', channel: 'sms', text: 'Hi' } as NodeDoc);
    const a = withEstimatedHandles(n);
    expect(a).not.toBe(n);
    expect(withEstimatedHandles(n)).toBe(a);
    expect(a.initialWidth).toBe(NODE_WIDTH);
    expect(a.initialHeight).toBe(NODE_HEIGHT);
    expect(a.handles?.map((h) => h.id)).toEqual([TARGET_HANDLE, 'next', 'failed']);
    expect(a.data).toBe(n.data);
    expect(n.handles).toBeUndefined();
    const measured = { ...n, measured: { width: 240, height: 100 } };
    expect(withEstimatedHandles(measured)).toBe(measured);
  });
});
