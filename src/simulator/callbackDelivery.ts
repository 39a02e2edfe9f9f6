import { abortableSleep } from '../application/abortableSleep.js';
import { signCallback } from './signature.js';

/** How callbacks are delivered. */
export interface DeliveryConfig {
  callbackUrl: string;
  /** HMAC key of the `x-signature` header; null sends the callback unsigned (as M-Pesa does). */
  secret: string | null;
  maxAttempts: number;
  backoffMs: number;
  timeoutMs: number;
  /** Current time in ms since the epoch (for the signature's `t`). */
  nowMs: () => number;
  /** Reports a callback given up on (never the body: it holds financial addresses). */
  onGiveUp: (reason: string) => void;
}

const maxBackoffMs = 30_000;

function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * POSTs one callback body (signed unless `secret` is null), retrying a network error, timeout,
 * 408, 429 or 5xx up to `maxAttempts` times with doubling backoff; any other status ends it.
 * Each attempt is signed afresh (a retry after minutes must not carry a stale `t`). Resolves
 * true when delivered (2xx).
 */
export async function deliverCallback(
  config: DeliveryConfig,
  rawBody: string,
  stop: AbortSignal,
): Promise<boolean> {
  let reason = 'stopped';
  for (let attempt = 1; attempt <= config.maxAttempts && !stop.aborted; attempt += 1) {
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (config.secret !== null) {
        const unixSeconds = Math.floor(config.nowMs() / 1000);
        headers['x-signature'] = signCallback(config.secret, rawBody, unixSeconds);
      }
      const response = await fetch(config.callbackUrl, {
        method: 'POST',
        headers,
        body: rawBody,
        signal: AbortSignal.any([stop, AbortSignal.timeout(config.timeoutMs)]),
      });
      await response.body?.cancel();
      if (response.ok) return true;
      reason = `HTTP ${response.status}`;
      if (!retryable(response.status)) break;
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    if (attempt < config.maxAttempts) {
      await abortableSleep(Math.min(config.backoffMs * 2 ** (attempt - 1), maxBackoffMs), stop);
    }
  }
  if (!stop.aborted) config.onGiveUp(reason);
  return false;
}
