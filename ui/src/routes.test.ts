import { describe, expect, it } from 'vitest';
import { journeyRoute } from './files/paths';
import { parseRoute } from './routes';

describe('hash routes', () => {
  it.each([
    ['', { kind: 'start' }],
    ['#/', { kind: 'start' }],
    ['#/new', { kind: 'new' }],
    ['#/template/onboarding', { kind: 'template', id: 'onboarding' }],
    ['#/journey/a.journey.json', { kind: 'journey', file: 'a.journey.json' }],
    ['#/journey/sub%2Fb%20c.journey.json', { kind: 'journey', file: 'sub/b c.journey.json' }],
    ['#/journey/sub/b.journey.json', { kind: 'journey', file: 'sub/b.journey.json' }],
  ])('%s', (hash, route) => expect(parseRoute(hash)).toEqual(route));

  it('reads back what journeyRoute writes', () => {
    expect(parseRoute(journeyRoute('x/y z.journey.json'))).toEqual({ kind: 'journey', file: 'x/y z.journey.json' });
  });
});
