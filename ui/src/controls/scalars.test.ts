import { describe, expect, it } from 'vitest';
import { formatScalar, parseScalar } from './scalars';

describe('values typed in a form field', () => {
  const cases: [string, unknown][] = [
    ['42', 42], ['-3.5', -3.5], ['true', true], ['false', false], ['null', null],
    ['gold', 'gold'], ['01234', '01234'], ['02134', '02134'], ['+351912000001', '+351912000001'], ['', ''], ['1e3', 1000],
    ['"42"', '42'], [' 7 ', 7],
  ];
  for (const [text, value] of cases) {
    it(`"${text}" → ${JSON.stringify(value)}`, () => expect(parseScalar(text)).toEqual(value));
  }
  it('formats values back to the text that parses to them', () => {
    for (const v of [42, true, null, 'gold', '01234', '42', 'true', '"quoted"', ' 7', '', { a: 1 }]) {
      const text = formatScalar(v);
      if (typeof v === 'object' && v !== null) expect(JSON.parse(text)).toEqual(v);
      else expect(parseScalar(text)).toEqual(v);
    }
    expect(formatScalar('42')).toBe('"42"');
    expect(formatScalar(undefined)).toBe('');
  });
});
