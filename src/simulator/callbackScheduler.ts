/** Runs delayed callback work, bounded, and stops all of it at once on shutdown. */
export interface CallbackScheduler {
  /** Whether one more task may be scheduled: fewer than `maxPending` pending. */
  hasRoom(): boolean;
  /** Whether `close` was called; nothing may be scheduled after it. */
  closed(): boolean;
  /**
   * Runs `task` after `delayMs`. The task counts as pending from now until its promise settles;
   * it is handed the scheduler's stop signal. Throws when there is no room or it is closed.
   */
  schedule(delayMs: number, task: (stop: AbortSignal) => Promise<void>): void;
  /** Tasks scheduled or running. */
  pending(): number;
  /** Drops scheduled tasks and aborts the stop signal of running ones. */
  close(): void;
}

/**
 * A scheduler allowing at most `maxPending` tasks at a time. A task that throws is not caught:
 * it broke an invariant, and the unhandled rejection is meant to be loud.
 *
 * @example
 * const callbacks = createCallbackScheduler(1_000);
 * if (!callbacks.closed() && callbacks.hasRoom()) {
 *   callbacks.schedule(250, (stop) => deliverCallback(config, body, stop));
 * }
 */
export function createCallbackScheduler(maxPending: number): CallbackScheduler {
  const timers = new Set<NodeJS.Timeout>();
  const stop = new AbortController();
  let pending = 0;

  const hasRoom = () => pending < maxPending;
  const closed = () => stop.signal.aborted;
  return {
    hasRoom,
    closed,
    schedule(delayMs, task) {
      if (closed() || !hasRoom()) {
        throw new Error('callback scheduled while closed or full: caller skipped the checks');
      }
      pending += 1;
      const timer = setTimeout(() => {
        timers.delete(timer);
        void task(stop.signal).finally(() => {
          pending -= 1;
        });
      }, delayMs);
      timers.add(timer);
    },
    pending: () => pending,
    close() {
      stop.abort();
      for (const timer of timers) clearTimeout(timer);
      pending -= timers.size;
      timers.clear();
    },
  };
}
