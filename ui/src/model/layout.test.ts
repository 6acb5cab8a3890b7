import { describe, expect, it } from 'vitest';
import { freeSpot, NODE_HEIGHT, NODE_WIDTH } from './layout';

describe('free spot for a new card', () => {
  const overlaps = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.abs(a.x - b.x) < NODE_WIDTH && Math.abs(a.y - b.y) < NODE_HEIGHT;

  it('keeps the wanted place when it is free', () => {
    expect(freeSpot({ x: 10, y: 10 }, [{ x: 1000, y: 1000 }])).toEqual({ x: 10, y: 10 });
  });

  it('moves next to a card in the way, never onto another', () => {
    const taken = [
      { x: 0, y: 0 },
      { x: 0, y: 120 },
      { x: 264, y: 0 },
    ];
    let p = freeSpot({ x: 5, y: 5 }, taken);
    for (const t of taken) expect(overlaps(p, t)).toBe(false);
    // Repeated adds each find their own place.
    const all = [...taken];
    for (let i = 0; i < 20; i++) {
      p = freeSpot({ x: 5, y: 5 }, all);
      for (const t of all) expect(overlaps(p, t)).toBe(false);
      all.push(p);
    }
  });
});
