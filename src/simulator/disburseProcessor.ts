import { randomUUID } from 'node:crypto';
import { type BatchPlan, planBatch } from './batchPlan.js';
import { deliverCallback } from './callbackDelivery.js';
import { createCallbackScheduler } from './callbackScheduler.js';
import { onDisburseBody } from './messages.js';
import { g2pCallbackTarget, type SimulatorConfig } from './options.js';
import {
  createReferenceBook,
  type LedgerEntry,
  type ReceivedDisbursement,
} from './referenceBook.js';
import { createRng } from './rng.js';
import type { DisburseBody, DisbursementStatus, ErrorCode } from './wireSchemas.js';

/** The answer to a /disburse: accepted with a correlation id, or refused. */
export type AcceptResult =
  | { accepted: true; correlationId: string }
  | { accepted: false; code: ErrorCode; message: string };

/** The simulated DFSP's back office: accepts batches, decides them later, calls back. */
export interface DisburseProcessor {
  accept(body: DisburseBody): AcceptResult;
  /** Status lines for references; an unknown one is `rjct.reference_id.invalid`. */
  statusOf(referenceIds: readonly string[]): DisbursementStatus[];
  ledger(): readonly LedgerEntry[];
  /** Callbacks scheduled or in delivery. */
  pendingCallbacks(): number;
  /** Drops scheduled callbacks and aborts deliveries in flight. */
  close(): void;
}

/** Hooks for observing the processor (logging); none receives a secret or an address. */
export interface ProcessorHooks {
  onCallbackGivenUp?: (transactionId: string, reason: string) => void;
}

/** A processor over an empty in-memory reference book, seeded from `config.seed`. */
export function createDisburseProcessor(
  config: SimulatorConfig,
  now: () => Date,
  hooks: ProcessorHooks = {},
): DisburseProcessor {
  const target = g2pCallbackTarget(config);
  const book = createReferenceBook();
  const rng = createRng(config.seed);
  const callbacks = createCallbackScheduler(config.maxPendingCallbacks);

  function settleAndLines(plan: BatchPlan): DisbursementStatus[] {
    const at = now();
    const lines: DisbursementStatus[] = plan.items.map((item) => {
      if (item.kind === 'duplicate') {
        return {
          reference_id: item.referenceId,
          timestamp: at.toISOString(),
          status: 'rjct',
          status_reason_code: 'rjct.reference_id.duplicate',
          status_reason_message: 'reference_id already received; the first instruction stands',
        };
      }
      book.settle(item.disbursement.reference_id, item.outcome, at);
      const line = book.statusOf(item.disbursement.reference_id);
      if (line === null) throw new Error('settled reference vanished from the book');
      return line;
    });
    return plan.callback.outOfOrder ? lines.reverse() : lines;
  }

  async function fire(body: DisburseBody, plan: BatchPlan, stop: AbortSignal): Promise<void> {
    const lines = settleAndLines(plan);
    if (plan.callback.copies === 0) return;
    const rawBody = JSON.stringify(
      onDisburseBody(
        config.dfspId,
        body.header.sender_id,
        body.message.transaction_id,
        lines,
        now(),
      ),
    );
    const delivery = {
      ...target,
      maxAttempts: config.callbackMaxAttempts,
      backoffMs: config.callbackBackoffMs,
      timeoutMs: config.callbackTimeoutMs,
      nowMs: () => now().getTime(),
      onGiveUp: (reason: string) => hooks.onCallbackGivenUp?.(body.message.transaction_id, reason),
    };
    for (let copy = 0; copy < plan.callback.copies && !stop.aborted; copy += 1) {
      await deliverCallback(delivery, rawBody, stop);
    }
  }

  return {
    accept(body) {
      if (callbacks.closed()) {
        return { accepted: false, code: 'err.service.unavailable', message: 'shutting down' };
      }
      const { disbursements } = body.message;
      if (!callbacks.hasRoom()) {
        return {
          accepted: false,
          code: 'err.request.too_many_requests',
          message: 'callback queue full',
        };
      }
      if (book.size() + disbursements.length > config.maxReferences) {
        return {
          accepted: false,
          code: 'err.request.too_many_requests',
          message: 'reference store full',
        };
      }
      const plan = planBatch(disbursements, book.holds, rng, config);
      const at = now();
      for (const item of plan.items) {
        if (item.kind !== 'new') continue;
        const d = item.disbursement;
        const received: ReceivedDisbursement = {
          amount: d.amount,
          currency: d.currency_code ?? '',
          payerFa: d.payer_fa,
          payeeFa: d.payee_fa,
        };
        if (d.payee_name !== undefined) received.payeeName = d.payee_name;
        book.receive(d.reference_id, received, at);
      }
      callbacks.schedule(plan.callback.delayMs, (stop) => fire(body, plan, stop));
      return { accepted: true, correlationId: randomUUID() };
    },
    statusOf(referenceIds) {
      const at = now().toISOString();
      return referenceIds.map(
        (referenceId) =>
          book.statusOf(referenceId) ?? {
            reference_id: referenceId,
            timestamp: at,
            status: 'rjct',
            status_reason_code: 'rjct.reference_id.invalid',
            status_reason_message: 'reference_id not known to this DFSP',
          },
      );
    },
    ledger: () => book.ledger(),
    pendingCallbacks: () => callbacks.pending(),
    close: () => callbacks.close(),
  };
}
