import { describe, expect, it } from 'vitest';
import type { JourneyDoc } from '../api/types';
import appointment from '../../../assets/journeys/appointment-reminder.journey.json';
import { asDelayRange, asTimeRange, asWeights, collapseRange, defaultPopulation, formatPercent, parsePercent, renameKey, setPopulationField, shares } from './populationEdit';

const journey = appointment as unknown as JourneyDoc;

describe('defaultPopulation', () => {
  const p = defaultPopulation(journey);
  it('covers the journey channels with address and consent rates', () => {
    expect(Object.keys(p.channels ?? {})).toEqual(['sms', 'whatsapp']);
  });
  it('enters through the trigger event over a time range', () => {
    expect(p.events).toEqual([{ name: 'appointment_booked', at: { from: '+0m', to: '+3d' }, probability: 1 }]);
  });
  it('replies to the message with buttons, weights favouring the first button', () => {
    expect(p.replies?.map((r) => r.to)).toEqual(['wa_reminder']);
    const buttons = p.replies?.[0].buttons ?? {};
    expect(Object.keys(buttons)).toEqual(['confirm', 'reschedule']);
    expect(buttons.confirm).toBeGreaterThan(buttons.reschedule);
  });
});

describe('percentages', () => {
  const cases: [string, number | null][] = [['90', 0.9], ['12.5%', 0.125], ['0', 0], ['100', 1], ['101', null], ['-1', null], ['abc', null], ['', null]];
  for (const [text, rate] of cases) it(`"${text}" → ${rate}`, () => expect(parsePercent(text)).toBe(rate));
  it('format is the inverse', () => {
    for (const r of [0, 0.05, 0.125, 0.9, 1]) expect(parsePercent(formatPercent(r))).toBe(r);
  });
});

describe('weights', () => {
  it('normalise to shares', () => expect(shares({ a: 1, b: 3, c: 0 })).toEqual({ a: 0.25, b: 0.75, c: 0 }));
  it('all zero gives zero shares', () => expect(shares({ a: 0 })).toEqual({ a: 0 }));
  it('rename keeps order and value', () => expect(Object.entries(renameKey({ a: 1, b: 2, c: 3 }, 'b', 'x'))).toEqual([['a', 1], ['x', 2], ['c', 3]]));
  it('setPopulationField removes with undefined and keeps other fields', () => {
    const p = { count: 5, id_prefix: 'p', x_future: true };
    expect(setPopulationField(p, 'id_prefix', undefined)).toEqual({ count: 5, x_future: true });
  });
});

describe('shapes the format allows', () => {
  it('a list is a uniform choice', () => expect(asWeights(['Europe/Lisbon', 'UTC'])).toEqual({ 'Europe/Lisbon': 1, UTC: 1 }));
  it('weights stay weights', () => expect(asWeights({ confirm: 0.7, reschedule: 0.3 })).toEqual({ confirm: 0.7, reschedule: 0.3 }));
  it('a single value is a choice of one', () => expect(asWeights('confirm')).toEqual({ confirm: 1 }));
  it('nothing is no choice', () => expect(asWeights(undefined)).toEqual({}));
  it('a fixed delay is a range of one', () => expect(asDelayRange('30m')).toEqual({ min: '30m', max: '30m' }));
  it('a delay range stays', () => expect(asDelayRange({ min: '5m', max: '6h' })).toEqual({ min: '5m', max: '6h' }));
  it('a fixed time is a range of one', () => expect(asTimeRange('+2h')).toEqual({ from: '+2h', to: '+2h' }));
  it('equal ends are written as one value', () => {
    expect(collapseRange({ min: '1h', max: '1h' }, 'min', 'max')).toBe('1h');
    expect(collapseRange({ from: '+0m', to: '+3d' }, 'from', 'to')).toEqual({ from: '+0m', to: '+3d' });
  });
});
