import type { CircuitSettings } from './circuitBreaker.js';

/**
 * Settings of the dispatcher (`DISPATCH_*`, `CIRCUIT_*` and `DFSP_TIMEOUT_MS` in config.ts). Its
 * send loop, group sender and circuit watch each take the ones they use.
 */
export interface DispatcherSettings {
  /** Requests in flight to one DFSP at once. */
  readonly concurrencyPerDfsp: number;
  /** Sendings to one route after which a retryable failure fails the payment. */
  readonly maxAttemptsPerRoute: number;
  /** Backoff after a failed sending: doubling from `retryBaseMs` up to `retryMaxMs`, jittered. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Per-request time limit towards a DFSP. */
  readonly dfspTimeoutMs: number;
  /** Payments taken from the queue in one round. */
  readonly maxPaymentsPerRound: number;
  /** How long an idle dispatcher waits before looking at the queue again. */
  readonly idlePollMs: number;
  readonly circuit: CircuitSettings;
}
