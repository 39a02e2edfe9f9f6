/**
 * Wakes subscribers when the global feed may have grown. A version counter closes the race
 * between "read found nothing new" and "start waiting": a waiter passes the version it read
 * before its query and returns at once if anything was signalled since.
 */
export interface FeedSignal {
  readonly version: number;
  notify(): void;
  /** Resolves when notified after `sinceVersion`, after `timeoutMs`, or when `signal` aborts. */
  wait(sinceVersion: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
}

export function createFeedSignal(): FeedSignal {
  let version = 0;
  const waiters = new Set<() => void>();
  return {
    get version() {
      return version;
    },
    notify() {
      version += 1;
      for (const wake of [...waiters]) wake();
    },
    wait(sinceVersion, timeoutMs, signal) {
      if (version !== sinceVersion || signal?.aborted) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        waiters.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
  };
}
