import { type DeliveryConfig, deliverCallback } from './callbackDelivery.js';
import { type PaymentPlan, planPayment } from './callbackPlan.js';
import { createCallbackScheduler } from './callbackScheduler.js';
import { newConversationId, newTransactionId, requestId } from './mpesaMessages.js';
import { decideB2c, type MpesaPayment } from './mpesaPayment.js';
import { type Acknowledged, b2cResult, statusResult } from './mpesaResults.js';
import type { B2cPaymentRequest, TransactionStatusQuery } from './mpesaWire.js';
import type { SimulatorConfig } from './options.js';
import { createReferenceBook, type LedgerEntry } from './referenceBook.js';
import { createRng } from './rng.js';
import { decimalToMinor } from './statement.js';

/** The answer to a B2C request or status query: acknowledged, or refused and why. */
export type MpesaAcceptResult =
  | { accepted: true; ids: Acknowledged }
  | { accepted: false; reason: 'duplicate' | 'busy' | 'closed' };

/** The simulated M-Pesa back office: pays B2C requests later and posts results. */
export interface MpesaProcessor {
  /** Accepts a payment unless its OriginatorConversationID was ever seen (`duplicate`). */
  accept(request: B2cPaymentRequest): MpesaAcceptResult;
  /** Accepts a status query; the result is posted to its ResultURL after `latencyMs.min`. */
  queryStatus(query: TransactionStatusQuery): MpesaAcceptResult;
  ledger(): readonly LedgerEntry[];
  /** Drops scheduled results and aborts deliveries in flight. */
  close(): void;
}

/** Hooks for observing the processor (logging); none receives an address. */
export interface MpesaProcessorHooks {
  onCallbackGivenUp?: (originatorConversationId: string, reason: string) => void;
}

/**
 * A processor over an empty book, seeded from `config.seed`. Each payment is planned with
 * `planPayment` on acceptance (one seed, one run), decided after the plan's delay, and its result
 * posted unsigned to its ResultURL: lost, duplicated or held back as the plan says. Payments
 * debit a KES utility account holding `config.openingBalance` at start-up.
 */
export function createMpesaProcessor(
  config: SimulatorConfig,
  now: () => Date,
  hooks: MpesaProcessorHooks = {},
): MpesaProcessor {
  const book = createReferenceBook();
  const rng = createRng(config.seed);
  const callbacks = createCallbackScheduler(config.maxPendingCallbacks);
  const payments = new Map<string, MpesaPayment>();
  const byReceipt = new Map<string, MpesaPayment>();
  let availableMinor = decimalToMinor(config.openingBalance, 2) ?? 0n;

  function delivery(url: string, originatorConversationId: string): DeliveryConfig {
    return {
      callbackUrl: url,
      secret: null,
      maxAttempts: config.callbackMaxAttempts,
      backoffMs: config.callbackBackoffMs,
      timeoutMs: config.callbackTimeoutMs,
      nowMs: () => now().getTime(),
      onGiveUp: (reason) => hooks.onCallbackGivenUp?.(originatorConversationId, reason),
    };
  }

  async function settleAndReport(payment: MpesaPayment, plan: PaymentPlan, stop: AbortSignal) {
    const { request } = payment;
    const amountKes = BigInt(request.Amount);
    const code = decideB2c(amountKes, plan, availableMinor);
    const at = now();
    payment.decision = { code, at };
    if (code === 0) {
      availableMinor -= amountKes * 100n;
      book.settle(request.OriginatorConversationID, { status: 'succ' }, at);
    } else {
      const message = `M-Pesa ResultCode ${code}`;
      book.settle(request.OriginatorConversationID, { status: 'rjct', message }, at);
    }
    const rawBody = JSON.stringify(b2cResult(payment, availableMinor));
    const target = delivery(request.ResultURL, request.OriginatorConversationID);
    for (let copy = 0; copy < plan.callback.copies && !stop.aborted; copy += 1) {
      await deliverCallback(target, rawBody, stop);
    }
  }

  /** The payment every id the query gives names, or undefined (unknown, or ids disagree). */
  function lookUp(query: TransactionStatusQuery): MpesaPayment | undefined {
    const named: (MpesaPayment | undefined)[] = [];
    if (query.OriginalConversationID) named.push(payments.get(query.OriginalConversationID));
    if (query.TransactionID) named.push(byReceipt.get(query.TransactionID));
    const [first] = named;
    return named.every((payment) => payment === first) ? first : undefined;
  }

  return {
    accept(request) {
      if (callbacks.closed()) return { accepted: false, reason: 'closed' };
      const id = request.OriginatorConversationID;
      if (payments.has(id)) return { accepted: false, reason: 'duplicate' };
      if (!callbacks.hasRoom() || payments.size >= config.maxReferences) {
        return { accepted: false, reason: 'busy' };
      }
      const plan = planPayment(rng, config);
      const at = now();
      const payment: MpesaPayment = {
        request,
        conversationId: newConversationId(at),
        transactionId: uniqueReceipt(byReceipt),
        initiatedAt: at,
      };
      payments.set(id, payment);
      byReceipt.set(payment.transactionId, payment);
      const received = { amount: request.Amount, currency: 'KES', payerFa: request.PartyA };
      book.receive(id, { ...received, payeeFa: request.PartyB }, at);
      callbacks.schedule(plan.callback.delayMs, (stop) => settleAndReport(payment, plan, stop));
      const ids = { originatorConversationId: id, conversationId: payment.conversationId };
      return { accepted: true, ids };
    },
    queryStatus(query) {
      if (callbacks.closed()) return { accepted: false, reason: 'closed' };
      if (!callbacks.hasRoom()) return { accepted: false, reason: 'busy' };
      const ids = {
        originatorConversationId: requestId(),
        conversationId: newConversationId(now()),
      };
      callbacks.schedule(config.latencyMs.min, async (stop) => {
        // Read when the result is sent, as M-Pesa would: a payment may have settled meanwhile.
        const result = statusResult(ids, lookUp(query), config.dfspId, query.TransactionID ?? '');
        const target = delivery(query.ResultURL, ids.originatorConversationId);
        await deliverCallback(target, JSON.stringify(result), stop);
      });
      return { accepted: true, ids };
    },
    ledger: () => book.ledger(),
    close: () => callbacks.close(),
  };
}

/** A receipt no payment holds yet (receipts are random; collisions are retried, boundedly). */
function uniqueReceipt(taken: ReadonlyMap<string, unknown>): string {
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const receipt = newTransactionId();
    if (!taken.has(receipt)) return receipt;
  }
  throw new Error('no free M-Pesa receipt after 8 draws: the random source is broken');
}
