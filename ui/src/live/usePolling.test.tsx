import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, renderHook } from '@testing-library/react';
import { usePolling } from './usePolling';

describe('usePolling', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs at once, then every interval after each run, and stops when unmounted', async () => {
    const task = vi.fn(() => Promise.resolve());
    const { unmount } = renderHook(() => usePolling(task, 2000));
    await act(async () => {});
    expect(task).toHaveBeenCalledTimes(1);
    await act(async () => vi.advanceTimersByTimeAsync(1999));
    expect(task).toHaveBeenCalledTimes(1);
    await act(async () => vi.advanceTimersByTimeAsync(1));
    expect(task).toHaveBeenCalledTimes(2);
    await act(async () => vi.advanceTimersByTimeAsync(4000));
    expect(task).toHaveBeenCalledTimes(4);
    unmount();
    await act(async () => vi.advanceTimersByTimeAsync(10_000));
    expect(task).toHaveBeenCalledTimes(4);
  });

  it('never runs two at a time: the wait starts when a run ends', async () => {
    let finish: () => void = () => {};
    const task = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    renderHook(() => usePolling(task, 1000));
    await act(async () => {});
    await act(async () => vi.advanceTimersByTimeAsync(5000));
    expect(task).toHaveBeenCalledTimes(1);
    await act(async () => finish());
    await act(async () => vi.advanceTimersByTimeAsync(1000));
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('goes on after a failed run', async () => {
    const task = vi.fn(() => Promise.reject(new Error('engine away')));
    renderHook(() => usePolling(task, 500));
    await act(async () => {});
    await act(async () => vi.advanceTimersByTimeAsync(500));
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('does nothing while disabled, and starts when enabled', async () => {
    const task = vi.fn(() => Promise.resolve());
    const { rerender } = renderHook(({ on }) => usePolling(task, 1000, on), { initialProps: { on: false } });
    await act(async () => vi.advanceTimersByTimeAsync(5000));
    expect(task).not.toHaveBeenCalled();
    rerender({ on: true });
    await act(async () => {});
    expect(task).toHaveBeenCalledTimes(1);
    rerender({ on: false });
    await act(async () => vi.advanceTimersByTimeAsync(5000));
    expect(task).toHaveBeenCalledTimes(1);
  });

  it('refresh runs the task now and restarts the wait', async () => {
    const task = vi.fn(() => Promise.resolve());
    const { result } = renderHook(() => usePolling(task, 2000));
    await act(async () => {});
    await act(async () => vi.advanceTimersByTimeAsync(1500));
    await act(async () => result.current());
    expect(task).toHaveBeenCalledTimes(2);
    await act(async () => vi.advanceTimersByTimeAsync(1500));
    expect(task).toHaveBeenCalledTimes(2);
    await act(async () => vi.advanceTimersByTimeAsync(500));
    expect(task).toHaveBeenCalledTimes(3);
  });

  it('uses the latest task', async () => {
    const first = vi.fn(() => Promise.resolve());
    const second = vi.fn(() => Promise.resolve());
    const { rerender } = renderHook(({ task }) => usePolling(task, 1000), { initialProps: { task: first } });
    await act(async () => {});
    rerender({ task: second });
    await act(async () => vi.advanceTimersByTimeAsync(1000));
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
  });
});
