/**
 * The condition builder's view of a condition: a group (all/any, optionally negated) of rules
 * and nested groups. Pure conversions both ways; fields the editor does not know are kept.
 */
import type { Condition } from '../api/types';

export interface Group {
  mode: 'all' | 'any';
  negate: boolean;
  items: Condition[];
  /** Fields of the group object other than all/any (kept as written). */
  extra: Record<string, unknown>;
}

export function isGroup(c: Condition): boolean {
  return Array.isArray(c.all) || Array.isArray(c.any) || (c.not !== undefined && c.not !== null);
}

/** A condition as a group: a bare rule becomes a group of one. */
export function toGroup(c: Condition | undefined): Group {
  // `not` wrappers are unwrapped in a loop (any depth), each one flipping the negation.
  let negate = false;
  while (c && c.not && !Array.isArray(c.all) && !Array.isArray(c.any) && c.field === undefined) {
    negate = !negate;
    c = c.not;
  }
  const g = plainGroup(c);
  return negate ? { ...g, negate: !g.negate } : g;
}

function plainGroup(c: Condition | undefined): Group {
  if (!c) return { mode: 'all', negate: false, items: [], extra: {} };
  if (Array.isArray(c.all) || Array.isArray(c.any)) {
    const { all, any, ...extra } = c;
    return { mode: Array.isArray(c.any) ? 'any' : 'all', negate: false, items: (Array.isArray(c.any) ? any : all) ?? [], extra };
  }
  return { mode: 'all', negate: false, items: [c], extra: {} };
}

/** Back to a condition; a plain group of one rule is written as the bare rule. Empty → undefined. */
export function fromGroup(g: Group): Condition | undefined {
  if (g.items.length === 0) return undefined;
  let c: Condition;
  if (g.items.length === 1 && Object.keys(g.extra).length === 0 && (g.mode === 'all' || !isGroup(g.items[0]))) c = g.items[0];
  else c = { ...g.extra, [g.mode]: g.items };
  return g.negate ? { not: c } : c;
}

/** A new empty rule. */
export function newRule(): Condition {
  return { field: 'contact.', op: 'eq', value: '' };
}
