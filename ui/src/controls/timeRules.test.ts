import { describe, expect, it } from 'vitest';
import { describeDuration, durationSeconds, parseDurationInput, singleUnit, timeError, withUnit } from './timeRules';

describe('durations', () => {
  const ok: [string, string, string][] = [
    ['4h', 'h', '4h'],
    ['90', 'm', '90m'],
    ['1h30m', 'h', '1h30m'],
    ['1h 30m', 'h', '1h30m'],
    ['90 min', 'h', '90m'],
    ['2 days', 'h', '2d'],
    ['14d', 'h', '14d'],
    ['36H', 'h', '36h'],
    ['30m 1h', 'h', '1h30m'],
    ['1h1h', 'h', '2h'],
    ['45s', 'h', '45s'],
  ];
  it.each(ok)('%s (default unit %s) → %s', (text, unit, expected) => {
    expect(parseDurationInput(text, unit as 'h')).toEqual({ ok: true, value: expected });
  });

  const bad = ['', 'soon', '4x', 'h4', '1.5h', '-2h'];
  it.each(bad)('rejects %j', (text) => {
    expect(parseDurationInput(text).ok).toBe(false);
  });

  it('keeps the sign of offsets', () => {
    expect(parseDurationInput('-24h', 'h', true)).toEqual({ ok: true, value: '-24h' });
    expect(parseDurationInput('+2h', 'h', true)).toEqual({ ok: true, value: '2h' });
  });

  it('reads units and seconds back', () => {
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(durationSeconds('-24h')).toBe(-86400);
    expect(durationSeconds('soon')).toBeNull();
    expect(singleUnit('4h')).toBe('h');
    expect(singleUnit('1h30m')).toBeNull();
    expect(withUnit('4h', 'd')).toBe('4d');
    expect(withUnit('-24h', 'd')).toBe('-24d');
    expect(withUnit('1h30m', 'm')).toBe('90m');
    expect(describeDuration('1h30m')).toBe('1 hour 30 minutes');
    expect(describeDuration('1d')).toBe('1 day');
  });
});

describe('times', () => {
  it.each(['09:00', '23:59', '00:00'])('accepts %s', (t) => expect(timeError(t)).toBeNull());
  it.each(['9:00', '24:00', '12:60', 'noon'])('rejects %s', (t) => expect(timeError(t)).not.toBeNull());
});
