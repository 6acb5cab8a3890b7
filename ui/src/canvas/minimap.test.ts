import { describe, expect, it } from 'vitest';
import type { NodeDoc } from '../api/types';
import { makeStepNode } from '../model/canvas';
import { NODE_HEIGHT, NODE_WIDTH } from '../model/layout';
import type { StepNode } from '../model/canvas';
import { miniMapPaths, pictureMemo, samePicture } from './minimap';

describe('huge journey minimap', () => {
  it('draws every card as a rectangle, one path per colour, and bounds them all', () => {
    const nodes = [
      makeStepNode({ id: 't', type: 'trigger', event: 'e' } as NodeDoc, { x: 0, y: 0 }),
      makeStepNode({ id: 'w', type: 'wait', for: '1h' } as NodeDoc, { x: 0, y: 170 }),
      { ...makeStepNode({ id: 'x', type: 'exit' }, { x: 290, y: 340 }), measured: { width: 200, height: 80 } },
      { ...makeStepNode({ id: 'h', type: 'exit' }, { x: 5000, y: 5000 }), hidden: true },
    ];
    const { bounds, paths } = miniMapPaths(nodes, (n) => (n.data.doc.type === 'exit' ? 'red' : 'blue'));
    expect(paths).toEqual([
      { color: 'blue', d: `M0,0h${NODE_WIDTH}v${NODE_HEIGHT}h-${NODE_WIDTH}zM0,170h${NODE_WIDTH}v${NODE_HEIGHT}h-${NODE_WIDTH}z` },
      { color: 'red', d: `M290,340h${NODE_WIDTH}v${NODE_HEIGHT}h-${NODE_WIDTH}z` },
    ]);
    expect(bounds).toEqual({ x: 0, y: 0, width: 290 + NODE_WIDTH, height: 340 + NODE_HEIGHT });
  });

  it('bounds an empty journey by one card at the origin', () => {
    expect(miniMapPaths([], () => 'x')).toEqual({ bounds: { x: 0, y: 0, width: NODE_WIDTH, height: NODE_HEIGHT }, paths: [] });
  });

  it('sees a card measured as the same picture, a card moved or changed as another', () => {
    const a = [makeStepNode({ id: 't', type: 'trigger', event: 'e' } as NodeDoc, { x: 0, y: 0 }), makeStepNode({ id: 'x', type: 'exit' }, { x: 0, y: 170 })];
    expect(samePicture(a, [a[0], { ...a[1], measured: { width: 240, height: 100 }, selected: true }])).toBe(true);
    expect(samePicture(a, [a[0], { ...a[1], position: { x: 5, y: 170 } }])).toBe(false);
    expect(samePicture(a, [a[0], { ...a[1], data: { ...a[1].data, status: 'error' } }])).toBe(false);
    expect(samePicture(a, [a[0]])).toBe(false);
  });
});

describe('minimap picture memo', () => {
  it('reuses the picture while only sizes or selection change, and redraws on a change of status', () => {
    const draw = pictureMemo();
    const color = (n: StepNode) => (n.data.status === 'error' ? 'red' : 'blue');
    const a = [makeStepNode({ id: 't', type: 'trigger', event: 'e' } as NodeDoc, { x: 0, y: 0 })];
    const first = draw(a, color);
    expect(draw([{ ...a[0], measured: { width: 240, height: 100 } }], color)).toBe(first);
    const errored = draw([{ ...a[0], data: { ...a[0].data, status: 'error' } }], color);
    expect(errored).not.toBe(first);
    expect(errored.paths.map((p) => p.color)).toEqual(['red']);
  });
});
