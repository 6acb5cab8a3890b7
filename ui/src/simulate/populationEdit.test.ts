import { describe, expect, it } from 'vitest';
import type { JourneyDoc } from '../api/types';
import appointment from '../../../assets/journeys/appointment-reminder.journey.json';
import { defaultPopulation, formatPercent, parsePercent, renameKey, setPopulationField, shares } from './populationEdit';

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
