import type { z } from 'zod';
import type { SqlExecutor } from '../application/sqlDatabase.js';
import {
  BatchApproved,
  BatchCancelled,
  BatchCompleted,
  BatchControlTotalsAmended,
  BatchOpened,
  BatchRejected,
  BatchSubmitted,
  type PaymentLine,
  PaymentsAdded,
} from '../domain/batchEvents.js';
import { BeneficiaryErased } from '../domain/beneficiaryEvents.js';
import type { EventDefinition } from '../domain/eventSchemas.js';
import {
  PaymentAcceptedByDfsp,
  PaymentCancelled,
  PaymentFailed,
  PaymentInstructed,
  PaymentReconciled,
  PaymentReconciliationMismatched,
  PaymentRetried,
  PaymentReturned,
  PaymentRouted,
  PaymentStatusConflicted,
  PaymentSubmissionFailed,
  PaymentSubmitted,
  PaymentSucceeded,
  PaymentUnroutable,
} from '../domain/paymentEvents.js';
import { cancelUnsentPayments, eraseBeneficiaryRows } from './paymentsTables.js';
import type { NewPayment, PaymentChange, PaymentsWorkingSet } from './paymentsWorkingSet.js';

/** One event, parsed, ready to be folded into a working set. */
export interface ProjectedEvent {
  /** The rows the event reads or changes, so a run of events loads them all at once. */
  readonly paymentIds: readonly string[];
  readonly batchIds: readonly string[];
  fold(rows: PaymentsWorkingSet): void;
  /**
   * A set-based change too large to fold in memory (every payment of a batch); it runs after the
   * working set holding every earlier event is written, and the next event starts a new one.
   */
  readonly afterWrite?: (tx: SqlExecutor) => Promise<void>;
}

interface HandlerSpec<Data> {
  readonly paymentIds?: (data: Data) => readonly string[];
  readonly batchIds?: (data: Data) => readonly string[];
  readonly fold: (rows: PaymentsWorkingSet, data: Data, occurredAt: string) => void;
  readonly afterWrite?: (tx: SqlExecutor, data: Data, occurredAt: string) => Promise<void>;
}

type Handler = (data: unknown, occurredAt: string) => ProjectedEvent;

function on<Type extends string, Schema extends z.ZodType>(
  definition: EventDefinition<Type, Schema>,
  spec: HandlerSpec<z.infer<Schema>>,
): readonly [Type, Handler] {
  return [
    definition.type,
    (raw, occurredAt) => {
      const data: z.infer<Schema> = definition.schema.parse(raw);
      const { afterWrite } = spec;
      return {
        paymentIds: spec.paymentIds?.(data) ?? [],
        batchIds: spec.batchIds?.(data) ?? [],
        fold: (rows) => spec.fold(rows, data, occurredAt),
        ...(afterWrite
          ? { afterWrite: (tx: SqlExecutor) => afterWrite(tx, data, occurredAt) }
          : {}),
      };
    },
  ];
}

const batchId = (data: { readonly batchId: string }) => [data.batchId];
const paymentId = (data: { readonly paymentId: string }) => [data.paymentId];

/**
 * What each event does to the payments, batches and totals tables, by event type. An event type
 * not listed here is not read (the projection's filter is these keys); to project a new one, add
 * its entry. Payment changes go through `changePayment`, which keeps the totals in step. Payment
 * statuses mirror `paymentDecider.evolve`; `next_attempt_at` is set only while a payment is
 * routed after a failed sending, and every other change of status clears it.
 */
export const paymentEventHandlers: ReadonlyMap<string, Handler> = new Map([
  on(BatchOpened, {
    fold(rows, data, occurredAt) {
      rows.openBatch({
        batchId: data.batchId,
        programId: data.programId,
        cycleId: data.cycleId,
        currency: data.currency,
        status: 'open',
        description: data.description ?? null,
        scheduledFor: data.scheduledFor ?? null,
        declaredCount: data.declaredCount,
        declaredTotalMinor: BigInt(data.declaredTotalMinor),
        receivedCount: 0,
        receivedTotalMinor: 0n,
        submittedBy: null,
        approvedBy: null,
        createdAt: occurredAt,
        updatedAt: occurredAt,
      });
    },
  }),
  on(PaymentsAdded, {
    batchIds: batchId,
    fold(rows, data, occurredAt) {
      const batch = rows.batch(data.batchId);
      let addedMinor = 0n;
      for (const line of data.payments) {
        const payment = pendingPayment(line, data.batchId, batch.currency, occurredAt);
        addedMinor += payment.amountMinor;
        rows.addPayment(payment);
      }
      const received = {
        receivedCount: batch.receivedCount + data.payments.length,
        receivedTotalMinor: batch.receivedTotalMinor + addedMinor,
      };
      rows.changeBatch(data.batchId, received, occurredAt);
    },
  }),
  on(BatchControlTotalsAmended, {
    batchIds: batchId,
    fold: (rows, data, at) =>
      rows.changeBatch(
        data.batchId,
        {
          declaredCount: data.declaredCount,
          declaredTotalMinor: BigInt(data.declaredTotalMinor),
          scheduledFor: data.scheduledFor ?? null,
        },
        at,
      ),
  }),
  on(BatchSubmitted, {
    batchIds: batchId,
    fold: (rows, data, at) =>
      rows.changeBatch(data.batchId, { status: 'awaiting_approval', submittedBy: data.by }, at),
  }),
  on(BatchApproved, {
    batchIds: batchId,
    fold: (rows, data, at) =>
      rows.changeBatch(data.batchId, { status: 'approved', approvedBy: data.by }, at),
  }),
  on(BatchRejected, {
    batchIds: batchId,
    fold: (rows, data, at) => rows.changeBatch(data.batchId, { status: 'rejected' }, at),
  }),
  on(BatchCompleted, {
    batchIds: batchId,
    fold: (rows, data, at) => rows.changeBatch(data.batchId, { status: 'completed' }, at),
  }),
  on(BatchCancelled, {
    batchIds: batchId,
    fold: (rows, data, at) => rows.changeBatch(data.batchId, { status: 'cancelled' }, at),
    afterWrite: (tx, data, at) =>
      cancelUnsentPayments(
        tx,
        data.batchId,
        data.reason === undefined ? 'batch cancelled' : `batch cancelled: ${data.reason}`,
        at,
      ),
  }),
  on(PaymentInstructed, {
    paymentIds: paymentId,
    batchIds: batchId,
    fold(rows, data, occurredAt) {
      if (rows.findPayment(data.paymentId) === undefined) {
        rows.addPayment(pendingPayment(data, data.batchId, data.currency, occurredAt));
      } else if (data.payeeResolvedBy !== undefined && data.payeeFa !== undefined) {
        rows.resolvePayee(data.paymentId, data.payeeFa);
      }
      if (rows.findBatch(data.batchId)?.status === 'approved') {
        rows.changeBatch(data.batchId, { status: 'processing' }, occurredAt);
      }
    },
  }),
  on(BeneficiaryErased, {
    fold: () => {},
    afterWrite: (tx, data) => eraseBeneficiaryRows(tx, data.beneficiaryKey),
  }),
  on(PaymentRouted, {
    paymentIds: paymentId,
    fold(rows, data, at) {
      if (cancelled(rows, data.paymentId)) return;
      const { dfspId, ruleId, rulesVersion } = data;
      const change = {
        status: 'routed',
        statusReason: null,
        dfspId,
        ruleId,
        rulesVersion,
        nextAttemptAt: null,
      } as const;
      rows.changePayment(data.paymentId, change, at);
    },
  }),
  on(PaymentUnroutable, {
    paymentIds: paymentId,
    fold(rows, data, at) {
      if (cancelled(rows, data.paymentId)) return;
      rows.changePayment(
        data.paymentId,
        {
          status: 'unroutable',
          statusReason: data.reason,
          dfspId: null,
          ruleId: null,
          rulesVersion: data.rulesVersion,
          nextAttemptAt: null,
        },
        at,
      );
    },
  }),
  on(PaymentCancelled, {
    paymentIds: paymentId,
    fold: (rows, data, at) =>
      rows.changePayment(
        data.paymentId,
        { status: 'cancelled', statusReason: data.reason ?? null, nextAttemptAt: null },
        at,
      ),
  }),
  on(PaymentSubmitted, {
    paymentIds: paymentId,
    fold: (rows, data, at) =>
      rows.changePayment(
        data.paymentId,
        {
          status: 'submitted',
          statusReason: null,
          dfspId: data.dfspId,
          attempts: data.attempt,
          nextAttemptAt: null,
        },
        at,
      ),
  }),
  on(PaymentSubmissionFailed, {
    paymentIds: paymentId,
    fold(rows, data, at) {
      // A DFSP that may hold the payment keeps it `submitted` until its own word settles it.
      const change: PaymentChange = data.dfspMayHold
        ? { status: 'submitted', statusReason: data.reason }
        : { status: 'routed', statusReason: data.reason, nextAttemptAt: data.retryAt ?? null };
      rows.changePayment(data.paymentId, change, at);
    },
  }),
  on(PaymentAcceptedByDfsp, {
    paymentIds: paymentId,
    fold: (rows, data, at) =>
      rows.changePayment(data.paymentId, { dfspTransactionId: data.dfspTransactionId }, at),
  }),
  on(PaymentSucceeded, {
    paymentIds: paymentId,
    fold: (rows, data, at) =>
      rows.changePayment(
        data.paymentId,
        {
          status: 'succeeded',
          statusReason: null,
          dfspId: data.dfspId,
          nextAttemptAt: null,
          succeededAt: succeededAt(data.reportedAt, at),
        },
        at,
      ),
  }),
  on(PaymentFailed, {
    paymentIds: paymentId,
    fold: (rows, data, at) =>
      rows.changePayment(
        data.paymentId,
        {
          status: 'failed',
          statusReason: data.reasonCode,
          dfspId: data.dfspId,
          nextAttemptAt: null,
        },
        at,
      ),
  }),
  on(PaymentStatusConflicted, {
    // Kept for reconciliation, not applied (invariant 5): the row, updated_at too, stays as it was.
    fold() {},
  }),
  on(PaymentRetried, {
    paymentIds: paymentId,
    fold: (rows, data, at) =>
      rows.changePayment(
        data.paymentId,
        { status: 'pending', statusReason: null, dfspId: null, ruleId: null, nextAttemptAt: null },
        at,
      ),
  }),
  on(PaymentReconciled, {
    paymentIds: paymentId,
    fold: (rows, data, at) => rows.changePayment(data.paymentId, { reconciliation: 'matched' }, at),
  }),
  on(PaymentReconciliationMismatched, {
    paymentIds: paymentId,
    fold: (rows, data, at) =>
      rows.changePayment(data.paymentId, { reconciliation: 'mismatched' }, at),
  }),
  on(PaymentReturned, {
    // The DFSP reversed a payment it had made (the one change of a succeeded payment's status):
    // its `succeeded_at` stays, for it was paid then.
    paymentIds: paymentId,
    fold: (rows, data, at) => rows.changePayment(data.paymentId, { status: 'returned' }, at),
  }),
]);

/**
 * A payment as PaymentsAdded or PaymentInstructed creates it: pending, never sent. One object
 * literal, not a spread of defaults: V8 builds a spread with more properties on its slow path,
 * and a replay creates every payment.
 */
function pendingPayment(
  line: PaymentLine,
  batchId: string,
  currency: string,
  occurredAt: string,
): NewPayment {
  return {
    paymentId: line.paymentId,
    batchId,
    reference: line.reference,
    beneficiaryId: line.beneficiaryId,
    payeeFa: line.payeeFa ?? null,
    payeeName: line.payeeName ?? null,
    beneficiaryKey: line.beneficiaryKey ?? null,
    amountMinor: BigInt(line.amountMinor),
    currency,
    region: line.region ?? null,
    purpose: line.purpose ?? null,
    status: 'pending',
    statusReason: null,
    dfspId: null,
    ruleId: null,
    rulesVersion: null,
    attempts: 0,
    reconciliation: 'unreconciled',
    nextAttemptAt: null,
    succeededAt: null,
    dfspTransactionId: null,
    createdAt: occurredAt,
    updatedAt: occurredAt,
  };
}

/**
 * A batch's cancellation cancels its unsent payments here at once, before their own streams
 * say so; a routing decision that was already under way must not bring one back.
 */
function cancelled(rows: PaymentsWorkingSet, paymentId: string): boolean {
  return rows.payment(paymentId).status === 'cancelled';
}

/** An ISO 8601 instant with its offset, as a DFSP reports one (`2026-11-28T10:00:00Z`). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
/** 1970-01-01 to 9999-12-31: a DFSP's time outside this is not believed. */
const LATEST_INSTANT_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * When the DFSP paid a payment: its report's own time when that is an instant with an offset
 * (a date alone, or a time without a zone, would depend on where the projector runs, and a
 * rebuild must give the same rows), else when the ledger recorded the success.
 */
function succeededAt(reportedAt: string | undefined, occurredAt: string): string {
  if (reportedAt === undefined || !INSTANT.test(reportedAt)) return occurredAt;
  const ms = Date.parse(reportedAt);
  if (!Number.isFinite(ms) || ms < 0 || ms > LATEST_INSTANT_MS) return occurredAt;
  return new Date(ms).toISOString();
}
