import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { Condition } from '../api/types';
import { ConditionBuilder } from './ConditionBuilder';

function rule(condition: Condition) {
  const onChange = vi.fn();
  render(<ConditionBuilder value={condition} onChange={onChange} />);
  return onChange;
}

describe('condition builder', () => {
  it('fills a blank value with 24h when a duration operator is chosen', () => {
    const onChange = rule({ field: 'event.starts_at', op: 'eq', value: '' });
    fireEvent.change(screen.getByTestId('cond-op'), { target: { value: 'within_next' } });
    expect(onChange).toHaveBeenLastCalledWith({ field: 'event.starts_at', op: 'within_next', value: '24h' });
  });

  it('keeps a duration already written', () => {
    const onChange = rule({ field: 'event.starts_at', op: 'within_last', value: '2h' });
    fireEvent.change(screen.getByTestId('cond-op'), { target: { value: 'within_next' } });
    expect(onChange).toHaveBeenLastCalledWith({ field: 'event.starts_at', op: 'within_next', value: '2h' });
  });
});
