import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import type { Json } from '../api/types';
import { KeyValueRows, type KeyValueRowsProps } from './KeyValueRows';

/** The rows with their object held in state, as the forms do; `last()` is the latest object. */
function mount(initial: Record<string, Json>, props: Partial<KeyValueRowsProps> = {}) {
  const changes = vi.fn<(v: Record<string, Json>) => void>();
  function Host() {
    const [value, setValue] = useState(initial);
    return (
      <KeyValueRows
        testid="kv"
        addTestId="kv-add"
        {...props}
        value={value}
        onChange={(v) => {
          changes(v);
          setValue(v);
        }}
      />
    );
  }
  render(<Host />);
  return { changes, last: () => changes.mock.calls.at(-1)?.[0] };
}

const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;

describe('key/value rows', () => {
  it('reads values as scalars, or keeps them as text', () => {
    const scalars = mount({ n: 1 });
    fireEvent.change(input('kv-0-value'), { target: { value: '42' } });
    expect(scalars.last()).toEqual({ n: 42 });
    fireEvent.change(input('kv-0-value'), { target: { value: '"42"' } });
    expect(scalars.last()).toEqual({ n: '42' });
  });

  it('keeps header values as typed', () => {
    const { last } = mount({ 'X-Count': '7' }, { values: 'text' });
    expect(input('kv-0-value').value).toBe('7');
    fireEvent.change(input('kv-0-value'), { target: { value: '42' } });
    expect(last()).toEqual({ 'X-Count': '42' });
  });

  it('shows text that reads as another value quoted, and edits an object as JSON', () => {
    const { last } = mount({ code: '42', tags: ['a'] });
    expect(input('kv-0-value').value).toBe('"42"');
    expect(input('kv-1-value').value).toBe('["a"]');
    fireEvent.change(input('kv-1-value'), { target: { value: '["a","b"]' } });
    expect(last()).toEqual({ code: '42', tags: ['a', 'b'] });
  });

  it('names new rows at once when asked, renames keep the order, and removing drops the key', () => {
    const { last } = mount({ a: 1 }, { newRows: 'named' });
    fireEvent.click(screen.getByTestId('kv-add'));
    expect(last()).toEqual({ a: 1, key: '' });
    fireEvent.click(screen.getByTestId('kv-add'));
    expect(Object.keys(last() ?? {})).toEqual(['a', 'key', 'key2']);
    fireEvent.change(input('kv-0-key'), { target: { value: 'b' } });
    expect(Object.keys(last() ?? {})).toEqual(['b', 'key', 'key2']);
    fireEvent.click(screen.getByLabelText('Remove key'));
    expect(last()).toEqual({ b: 1, key2: '' });
  });

  it('a name that is a property of every object is just a name', () => {
    const { last } = mount({}, { describe: (k) => ({ ok: true, text: k }) });
    fireEvent.click(screen.getByTestId('kv-add'));
    fireEvent.change(input('kv-0-key'), { target: { value: '__proto__' } });
    expect(Object.keys(last() ?? {})).toEqual(['__proto__']);
    fireEvent.change(input('kv-0-key'), { target: { value: 'constructor' } });
    expect(last()).toEqual({ constructor: '' });
    expect(screen.getByTestId('kv-resolved').textContent).toBe('→ constructor');
  });
});
