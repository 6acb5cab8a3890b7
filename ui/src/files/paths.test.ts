import { describe, expect, it } from 'vitest';
import { journeyFileName, journeyRoute, relativeTo } from './paths';

describe('journey file names', () => {
  it.each([
    ['welcome', 'welcome.journey.json'],
    ['Welcome flow', 'Welcome-flow.journey.json'],
    ['a.journey.json', 'a.journey.json'],
    ['b.json', 'b.journey.json'],
    ['sub/dir/c', 'sub/dir/c.journey.json'],
    ['../escape', 'escape.journey.json'],
    ['  ', ''],
  ])('%j → %j', (name, file) => expect(journeyFileName(name)).toBe(file));

  it('relativises paths inside the folder only', () => {
    expect(relativeTo('/w/j', '/w/j/a.journey.json')).toBe('a.journey.json');
    expect(relativeTo('/w/j/', '/w/j/sub/a.journey.json')).toBe('sub/a.journey.json');
    expect(relativeTo('C:\\w\\j', 'C:\\w\\j\\a.journey.json')).toBe('a.journey.json');
    expect(relativeTo('/w/j', '/w/jx/a.journey.json')).toBeNull();
  });

  it('encodes routes', () => {
    expect(journeyRoute('sub/a b.journey.json')).toBe('#/journey/sub%2Fa%20b.journey.json');
  });
});
