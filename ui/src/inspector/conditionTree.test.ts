import { describe, expect, it } from 'vitest';
import type { Condition } from '../api/types';
import { fromGroup, toGroup } from './conditionTree';

describe('condition builder tree', () => {
  const cases: [string, Condition][] = [
    ['bare rule', { field: 'contact.tier', op: 'eq', value: 'gold' }],
    ['all', { all: [{ field: 'contact.a', op: 'exists' }, { field: 'contact.b', op: 'eq', value: 1 }] }],
    ['any', { any: [{ field: 'contact.a', op: 'exists' }, { field: 'contact.b', op: 'eq', value: 1 }] }],
    ['not rule', { not: { field: 'contact.a', op: 'exists' } }],
    ['not any', { not: { any: [{ field: 'contact.a', op: 'exists' }, { field: 'contact.b', op: 'exists' }] } }],
    ['nested', { all: [{ field: 'contact.a', op: 'exists' }, { any: [{ field: 'contact.b', op: 'exists' }, { not: { field: 'contact.c', op: 'exists' } }] }] }],
    ['unknown fields on a group', { all: [{ field: 'contact.a', op: 'exists', x_note: 1 }, { field: 'contact.b', op: 'exists' }], x_label: 'vip' }],
  ];
  it.each(cases)('%s survives toGroup → fromGroup', (_n, c) => {
    expect(fromGroup(toGroup(structuredClone(c)))).toEqual(c);
  });

  it('adding a rule to a bare rule makes an all group; removing back gives the bare rule', () => {
    const rule = { field: 'contact.tier', op: 'eq', value: 'gold' };
    const g = toGroup(rule);
    const two = fromGroup({ ...g, items: [...g.items, { field: 'contact.x', op: 'exists' }] });
    expect(two).toEqual({ all: [rule, { field: 'contact.x', op: 'exists' }] });
    expect(fromGroup({ ...toGroup(two), items: [rule] })).toEqual(rule);
  });

  it('an empty group is no condition', () => {
    expect(fromGroup(toGroup(undefined))).toBeUndefined();
  });

  it('switching all to any keeps the rules', () => {
    const c = { all: [{ field: 'contact.a', op: 'exists' }, { field: 'contact.b', op: 'exists' }] };
    expect(fromGroup({ ...toGroup(c), mode: 'any' })).toEqual({ any: c.all });
  });
});
