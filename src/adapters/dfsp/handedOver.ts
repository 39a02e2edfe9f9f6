import type { PaymentToSend } from '../../application/workQueue.js';

/** The longest a payment handed over stays out of the queue while the read model catches up. */
const HANDED_OVER_TTL_MS = 30_000;

/**
 * The payments this dispatcher handed over lately, by id, with when. The work queue is a read
 * model and lags behind the event log: a row that has not changed since its payment was handed
 * over is that lag (the payment is with its DFSP already, or being sent), so the next rounds skip
 * it. A row changed since (sent back to `routed` by a failure or a status query) is work again, and
 * so is a payment released, or handed over longer than 30 s ago.
 *
 * @example
 * const work = due.filter((payment) => !handedOver.isStale(payment));
 * handedOver.take(work, nowMs);
 */
export function createHandedOver() {
  const handedOverAtMs = new Map<string, number>();
  return {
    take(payments: readonly PaymentToSend[], nowMs: number): void {
      for (const payment of payments) handedOverAtMs.set(payment.paymentId, nowMs);
    },

    /** The payment is back in the queue: the next round may take it. */
    release(paymentId: string): void {
      handedOverAtMs.delete(paymentId);
    },

    isStale(payment: PaymentToSend): boolean {
      const atMs = handedOverAtMs.get(payment.paymentId);
      return atMs !== undefined && payment.updatedAtMs <= atMs;
    },

    /** Forgets the payments handed over longer ago than the read model can lag. */
    expire(nowMs: number): void {
      for (const [paymentId, atMs] of handedOverAtMs) {
        if (nowMs - atMs > HANDED_OVER_TTL_MS) handedOverAtMs.delete(paymentId);
      }
    },
  };
}

export type HandedOver = ReturnType<typeof createHandedOver>;
