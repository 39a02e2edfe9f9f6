import type { Context } from 'hono';
import type { ClientAddress } from './clientAddress.js';
import { problem, respondProblem } from './problems.js';

/** Failed bearer authentications one client address may make in a window before a 429. */
export const MAX_AUTH_FAILURES_PER_WINDOW = 20;
/** The window the failures are counted in; a new one starts with the first failure after it. */
export const AUTH_FAILURE_WINDOW_MS = 60_000;
/** Addresses tracked at once; past it, the one whose window started longest ago is forgotten. */
export const MAX_TRACKED_ADDRESSES = 10_000;

interface Window {
  readonly startedMs: number;
  failures: number;
}

/**
 * Counts failed bearer authentications per client address in fixed windows and refuses an
 * address that has had {@link MAX_AUTH_FAILURES_PER_WINDOW} of them with a 429 until its window
 * ends, so guessing tokens costs the guesser time. Successful requests are not counted. Memory is
 * bounded by {@link MAX_TRACKED_ADDRESSES}.
 *
 * @example
 * const limiter = new AuthFailureLimiter(socketAddress);
 * const refusal = limiter.refusal(c); // a 429 while the address is limited
 * if (refusal) return refusal;
 * if (!valid) limiter.failed(c);
 */
export class AuthFailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly clientAddress: ClientAddress,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** A 429 problem with `retry-after` when the request's address is limited; else undefined. */
  refusal(c: Context): Response | undefined {
    const window = this.current(this.clientAddress(c));
    if (window === undefined || window.failures < MAX_AUTH_FAILURES_PER_WINDOW) return undefined;
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil((window.startedMs + AUTH_FAILURE_WINDOW_MS - this.nowMs()) / 1_000),
    );
    return respondProblem(
      c,
      problem(
        'too_many_failed_authentications',
        429,
        `too many failed authentications from this address; retry after ${retryAfterSeconds} s`,
      ),
      { 'retry-after': String(retryAfterSeconds) },
    );
  }

  /** Counts one failed authentication against the request's address. */
  failed(c: Context): void {
    const address = this.clientAddress(c);
    const window = this.current(address);
    if (window !== undefined) {
      window.failures += 1;
      return;
    }
    if (this.windows.size >= MAX_TRACKED_ADDRESSES) {
      const oldest = this.windows.keys().next();
      if (oldest.done !== true) this.windows.delete(oldest.value);
    }
    // An expired window was deleted by `current`: the map's order is the order windows started.
    this.windows.set(address, { startedMs: this.nowMs(), failures: 1 });
  }

  /** The address's window while it lasts. */
  private current(address: string): Window | undefined {
    const window = this.windows.get(address);
    if (window === undefined || this.nowMs() - window.startedMs < AUTH_FAILURE_WINDOW_MS) {
      return window;
    }
    this.windows.delete(address);
    return undefined;
  }
}
