import type { SimulatorConfig } from './options.js';
import { drawInt, type Rng } from './rng.js';

/** What happens to one callback (or, for a synchronous protocol, to one answer). */
export interface CallbackPlan {
  /** Wait before deciding and calling back. */
  delayMs: number;
  /** 0: lost, 1: normal, 2: duplicated. */
  copies: 0 | 1 | 2;
  /** Held back `outOfOrderDelayMs` longer, so later ones overtake it. */
  outOfOrder: boolean;
}

/** The fault options every protocol shares. */
export type FaultRates = Pick<
  SimulatorConfig,
  'rejectRate' | 'duplicateRate' | 'outOfOrderRate' | 'lostRate' | 'latencyMs' | 'outOfOrderDelayMs'
>;

/** The fate of one payment of a one-payment-per-request protocol, drawn at once. */
export interface PaymentPlan {
  /** Rejected at random (at `rejectRate`), before any business check. */
  rejected: boolean;
  /** A number in [0, 1) to pick the rejection's reason with (`pickReason`). */
  reasonDraw: number;
  callback: CallbackPlan;
}

/**
 * Draws a callback's fate: latency, then lost, duplicated, out of order, in that order (four
 * draws, always), so one seed gives one run whatever the timing.
 */
export function planCallback(rng: Rng, rates: FaultRates): CallbackPlan {
  const latency = drawInt(rng, rates.latencyMs.min, rates.latencyMs.max);
  const lost = rng() < rates.lostRate;
  const duplicated = rng() < rates.duplicateRate;
  const outOfOrder = rng() < rates.outOfOrderRate;
  return {
    delayMs: latency + (outOfOrder ? rates.outOfOrderDelayMs : 0),
    copies: lost ? 0 : duplicated ? 2 : 1,
    outOfOrder,
  };
}

/** Draws one payment's fate: the same draws, in the same order, as one item of a G2P batch. */
export function planPayment(rng: Rng, rates: FaultRates): PaymentPlan {
  const rejectDraw = rng();
  const reasonDraw = rng();
  return {
    rejected: rejectDraw < rates.rejectRate,
    reasonDraw,
    callback: planCallback(rng, rates),
  };
}

/** The reason `draw` (in [0, 1)) picks from a non-empty list. */
export function pickReason<T>(reasons: readonly [T, ...T[]], draw: number): T {
  return reasons[Math.floor(draw * reasons.length)] ?? reasons[0];
}
