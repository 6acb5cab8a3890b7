import { describe, expect, it } from 'vitest';
import { describeLocalValue, eventInstant, parseLocalTime, resolveLocalTime, rfc3339 } from './localTime';

describe('parseLocalTime', () => {
  it('reads the forms the backend reads', () => {
    expect(parseLocalTime('in 2 days at 09:00 local')).toEqual({ days: 2, hour: 9, minute: 0 });
    expect(parseLocalTime('in 1 day at 9:05 local')).toEqual({ days: 1, hour: 9, minute: 5 });
    expect(parseLocalTime('in 2d at 23:59 local')).toEqual({ days: 2, hour: 23, minute: 59 });
    expect(parseLocalTime('in 1 week at 18:00 local')).toEqual({ days: 7, hour: 18, minute: 0 });
    expect(parseLocalTime('in 2w at 00:00 local')).toEqual({ days: 14, hour: 0, minute: 0 });
  });
  it('leaves other text alone and flags bad forms', () => {
    for (const t of ['2026-03-04T15:00:00Z', 'in 2 days', 'In 2 days at 09:00 local', 'gold']) expect(parseLocalTime(t)).toBeNull();
    for (const t of ['in 2 dayz at 09:00 local', 'in 2 days at 24:00 local', 'in 2 days at 9 local', 'in 2 hours at 09:00 local', 'in 100001 days at 09:00 local'])
      expect(parseLocalTime(t)).toHaveProperty('error');
  });
});

describe('resolveLocalTime: the same cases as crates/sim/tests/local_times.rs', () => {
  const cases: [string, string, string, string][] = [
    ['Europe/Lisbon', '2026-03-02T09:00:00Z', 'in 2 days at 09:00 local', '2026-03-04T09:00:00Z'],
    ['Europe/Lisbon', '2026-03-28T12:00:00Z', 'in 2 days at 09:00 local', '2026-03-30T08:00:00Z'],
    ['Europe/Lisbon', '2026-03-27T12:00:00Z', 'in 2 days at 01:30 local', '2026-03-29T01:30:00Z'],
    ['Europe/Lisbon', '2026-10-23T12:00:00Z', 'in 2 days at 01:30 local', '2026-10-25T00:30:00Z'],
    ['Europe/Lisbon', '2026-10-23T12:00:00Z', 'in 2 days at 02:00 local', '2026-10-25T02:00:00Z'],
    ['America/New_York', '2026-03-06T15:00:00Z', 'in 2 days at 02:30 local', '2026-03-08T07:30:00Z'],
    ['America/New_York', '2026-10-30T15:00:00Z', 'in 2 days at 01:30 local', '2026-11-01T05:30:00Z'],
    ['America/New_York', '2026-03-03T03:00:00Z', 'in 1 day at 09:00 local', '2026-03-03T14:00:00Z'],
    ['Asia/Tokyo', '2026-03-02T20:00:00Z', 'in 1 day at 09:00 local', '2026-03-04T00:00:00Z'],
    ['Australia/Lord_Howe', '2026-10-02T12:00:00Z', 'in 2 days at 02:15 local', '2026-10-03T15:45:00Z'],
  ];
  for (const [zone, at, written, expected] of cases) {
    it(`${zone} ${at} ${written} → ${expected}`, () => {
      const local = parseLocalTime(written);
      if (!local || 'error' in local) throw new Error('parses');
      const got = resolveLocalTime(local, new Date(at), zone);
      expect(got && rfc3339(got)).toBe(expected);
    });
  }
});

describe('describeLocalValue', () => {
  it('previews a local time for the contact, relative to the event time', () => {
    expect(describeLocalValue('in 2 days at 09:00 local', '+1d', '2026-03-02T09:00:00Z', 'Asia/Tokyo')).toEqual({
      ok: true,
      text: '2026-03-05T00:00:00Z (Thu 5 Mar 09:00 Asia/Tokyo)',
    });
    expect(describeLocalValue('in 2 dayz at 09:00 local', '+0m', '2026-03-02T09:00:00Z', 'UTC')?.ok).toBe(false);
    expect(describeLocalValue('2026-03-04T15:00:00Z', '+0m', '2026-03-02T09:00:00Z', 'UTC')).toBeNull();
    expect(describeLocalValue(42, '+0m', '2026-03-02T09:00:00Z', 'UTC')).toBeNull();
  });
  it('reads event times relative to the start or absolute', () => {
    expect(eventInstant('+1d2h', '2026-03-02T09:00:00Z')?.toISOString()).toBe('2026-03-03T11:00:00.000Z');
    expect(eventInstant('2026-03-05T10:00:00Z', 'x')?.toISOString()).toBe('2026-03-05T10:00:00.000Z');
    expect(eventInstant('soon', '2026-03-02T09:00:00Z')).toBeNull();
  });
});
