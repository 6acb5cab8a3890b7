import { describe, expect, it } from 'vitest';
import {
  buttonIdFromTitle,
  buttonProblems,
  checkSplit,
  clipButtonTitle,
  conditionFieldError,
  evenSplit,
  formatConditionValue,
  nodeIdError,
  parseConditionValue,
  portError,
  urlError,
} from './formRules';

describe('WhatsApp buttons', () => {
  it('clips titles to 20 characters (counting characters, not bytes)', () => {
    expect(clipButtonTitle('Reschedule my appointment')).toBe('Reschedule my appoin');
    expect([...clipButtonTitle('😀'.repeat(25))].length).toBe(20);
  });

  it('reports too many buttons, long titles, empty and duplicate ids', () => {
    const p = buttonProblems([
      { id: 'a', title: 'Confirm' },
      { id: 'a', title: 'x'.repeat(21) },
      { id: '', title: '' },
      { id: 'd', title: 'Four' },
    ]);
    expect(p.list).toEqual(['WhatsApp allows at most 3 buttons']);
    expect(p.items[0]).toEqual({ id: 'Two buttons share this id' });
    expect(p.items[1].title).toMatch(/At most 20 characters \(21\)/);
    expect(p.items[2]).toEqual({ id: 'Give the button an id (replies carry it)', title: 'Give the button a title' });
    expect(p.items[3]).toEqual({});
  });

  it('derives ids from titles', () => {
    expect(buttonIdFromTitle('Book a call!')).toBe('book_a_call');
  });
});

describe('split percentages', () => {
  it('accepts variants summing to 100', () => {
    expect(checkSplit([{ port: 'a', percent: 30 }, { port: 'b', percent: 70 }])).toMatchObject({ sum: 100, ok: true });
  });
  it('says how much is left or over', () => {
    expect(checkSplit([{ port: 'a', percent: 30 }, { port: 'b', percent: 60 }]).message).toMatch(/90%.*10% left/);
    expect(checkSplit([{ port: 'a', percent: 60 }, { port: 'b', percent: 60 }]).message).toMatch(/120%.*20% over/);
  });
  it('flags duplicate ports, out-of-range percents and single variants', () => {
    const c = checkSplit([{ port: 'a', percent: 120 }, { port: 'a', percent: -20 }]);
    expect(c.ok).toBe(false);
    expect(c.items).toEqual(['Two variants share this port', 'Two variants share this port']);
    expect(checkSplit([{ port: 'b', percent: 120 }, { port: 'a', percent: -20 }]).items[0]).toMatch(/between 0 and 100/);
    expect(checkSplit([{ port: 'a', percent: 100 }]).message).toMatch(/at least two/);
  });
  it('evens out', () => {
    expect(evenSplit(3)).toEqual([34, 33, 33]);
    expect(evenSplit(3).reduce((a, b) => a + b)).toBe(100);
  });
});

describe('ids and ports', () => {
  it('checks node ids', () => {
    expect(nodeIdError('wa_reminder', ['other'])).toBeNull();
    expect(nodeIdError('', [])).toMatch(/needs an id/);
    expect(nodeIdError('a b', [])).toMatch(/Letters/);
    expect(nodeIdError('other', ['other'])).toMatch(/Another step/);
  });
  it('checks ports', () => {
    expect(portError('confirm', ['confirm', 'later'])).toBeNull();
    expect(portError('timeout', ['timeout'])).toMatch(/timeout port/);
    expect(portError('x', ['x', 'x'])).toMatch(/share/);
  });
});

describe('condition values', () => {
  const table: [string, string, unknown][] = [
    ['eq', 'gold', 'gold'],
    ['eq', '42', 42],
    ['gt', '3.5', 3.5],
    ['eq', 'true', true],
    ['eq', '"42"', '42'],
    ['eq', '02134', '02134'],
    ['in', 'gold, silver , 3', ['gold', 'silver', 3]],
    ['within_next', ' 24h ', '24h'],
    ['exists', 'ignored', undefined],
  ];
  it.each(table)('%s %j → %j', (op, text, value) => {
    expect(parseConditionValue(op, text)).toEqual(value);
  });
  it.each(table.filter(([op]) => op !== 'exists' && op !== 'within_next'))('%s %j formats back to the same value', (op, text) => {
    const value = parseConditionValue(op, text);
    expect(parseConditionValue(op, formatConditionValue(value))).toEqual(value);
  });
  it('checks fields', () => {
    expect(conditionFieldError('contact.tier')).toBeNull();
    expect(conditionFieldError('event.starts_at')).toBeNull();
    expect(conditionFieldError('tier')).toMatch(/contact\./);
  });
});

describe('urls', () => {
  it.each(['https://api.example.com/hook', 'http://localhost:8080/x', '{{ contact.webhook }}', 'https://x.io/{{ event.id }}'])('accepts %s', (u) =>
    expect(urlError(u)).toBeNull(),
  );
  it.each(['', 'ftp://x', 'not a url', 'example.com/{{ x }}'])('rejects %j', (u) => expect(urlError(u)).not.toBeNull());
});
