/**
 * Runs `task` at once and then `intervalMs` after each run finishes (never two at a time) while
 * `enabled`; stops when disabled or unmounted. Returns `refresh`, which runs the task now (after
 * an action, so that its effect shows without waiting for the next turn) and restarts the wait.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

export function usePolling(task: () => Promise<unknown> | unknown, intervalMs: number, enabled = true): () => void {
  const latest = useRef(task);
  useLayoutEffect(() => {
    latest.current = task;
  });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        await latest.current();
      } catch {
        // The task reports its own errors; polling goes on.
      }
      if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [enabled, intervalMs, round]);
  return useCallback(() => setRound((n) => n + 1), []);
}
