import type {
  BatchStatusView,
  PaymentStatusView,
  ReconciliationView,
} from '../application/readModels.js';

/** What a payment event can change on a payment row; everything else is fixed at creation. */
export interface PaymentState {
  readonly paymentId: string;
  readonly batchId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  status: PaymentStatusView;
  statusReason: string | null;
  dfspId: string | null;
  ruleId: string | null;
  rulesVersion: number | null;
  attempts: number;
  reconciliation: ReconciliationView;
  /** ISO 8601; when a routed payment may be sent again after a failed sending; null: now. */
  nextAttemptAt: string | null;
  /** ISO 8601; when the DFSP paid it (set by PaymentSucceeded, kept once returned); null: never. */
  succeededAt: string | null;
  /** The DFSP's own id of the payment (PaymentAcceptedByDfsp); null: none named. */
  dfspTransactionId: string | null;
  updatedAt: string;
}

/** A payment row created by this batch of events: the whole row is written. */
export interface NewPayment extends PaymentState {
  readonly reference: string;
  readonly beneficiaryId: string;
  /** Null until the programme's ID mapper resolves the beneficiary id (see resolvePayee). */
  payeeFa: string | null;
  readonly payeeName: string | null;
  /** The key the payment's personal data is sealed under in the log; null before sealing. */
  readonly beneficiaryKey: string | null;
  readonly region: string | null;
  readonly purpose: string | null;
  readonly createdAt: string;
}

export type PaymentChange = Partial<
  Pick<
    PaymentState,
    | 'status'
    | 'statusReason'
    | 'dfspId'
    | 'ruleId'
    | 'rulesVersion'
    | 'attempts'
    | 'reconciliation'
    | 'nextAttemptAt'
    | 'succeededAt'
    | 'dfspTransactionId'
  >
>;

/** What a batch event can change on a batch row. */
export interface BatchState {
  readonly batchId: string;
  readonly currency: string;
  status: BatchStatusView;
  /** What the batch declares (amended while it is open). */
  declaredCount: number;
  declaredTotalMinor: bigint;
  scheduledFor: string | null;
  receivedCount: number;
  receivedTotalMinor: bigint;
  submittedBy: string | null;
  approvedBy: string | null;
  updatedAt: string;
}

export interface NewBatch extends BatchState {
  readonly programId: string;
  readonly cycleId: string;
  readonly description: string | null;
  readonly createdAt: string;
}

export type BatchChange = Partial<Omit<BatchState, 'batchId' | 'currency' | 'updatedAt'>>;

/** A change to one row of `batch_payment_totals`. */
export interface TotalsDelta {
  readonly batchId: string;
  /** '' for "no DFSP". */
  readonly dfspId: string;
  readonly status: PaymentStatusView;
  readonly reconciliation: ReconciliationView;
  count: number;
  amountMinor: bigint;
}

/**
 * The payments and batches a run of events touches, held in memory while the events are folded
 * into them in order, then written with a few set-based statements (`paymentsTables.ts`). Every
 * change of a payment's DFSP, status or reconciliation moves its count and amount between
 * totals keys here, so the totals written are exactly the sum of the row changes written.
 */
export interface PaymentsWorkingSet {
  findBatch(batchId: string): BatchState | undefined;
  /** The batch, which must exist: every batch stream begins with BatchOpened. */
  batch(batchId: string): BatchState;
  openBatch(batch: NewBatch): void;
  changeBatch(batchId: string, change: BatchChange, occurredAt: string): void;
  findPayment(paymentId: string): PaymentState | undefined;
  /** The payment, which must exist: PaymentsAdded or PaymentInstructed comes first. */
  payment(paymentId: string): PaymentState;
  addPayment(payment: NewPayment): void;
  changePayment(paymentId: string, change: PaymentChange, occurredAt: string): void;
  /** The payee address the programme's ID mapper gave a payment added without one. */
  resolvePayee(paymentId: string, payeeFa: string): void;
  /** The rows to insert and to update, and the non-zero totals deltas. */
  changes(): WorkingSetChanges;
}

export interface WorkingSetChanges {
  readonly newPayments: readonly NewPayment[];
  readonly changedPayments: readonly PaymentState[];
  /** Payee addresses resolved for payments already written (rare: one column, set apart). */
  readonly resolvedPayees: readonly { readonly paymentId: string; readonly payeeFa: string }[];
  readonly newBatches: readonly NewBatch[];
  readonly changedBatches: readonly BatchState[];
  readonly totals: readonly TotalsDelta[];
}

/** A working set over rows already read from the tables. */
export function createPaymentsWorkingSet(
  loadedPayments: readonly PaymentState[],
  loadedBatches: readonly BatchState[],
): PaymentsWorkingSet {
  const payments = new Map(loadedPayments.map((payment) => [payment.paymentId, payment]));
  const batches = new Map(loadedBatches.map((batch) => [batch.batchId, batch]));
  const newPayments = new Map<string, NewPayment>();
  const changedPayments = new Set<string>();
  const resolvedPayees = new Map<string, string>();
  const newBatches = new Map<string, NewBatch>();
  const changedBatches = new Set<string>();
  const deltas = new Map<string, TotalsDelta>();

  const moveTotals = (payment: PaymentState, sign: 1 | -1) => {
    const dfspId = payment.dfspId ?? '';
    const key = [payment.batchId, dfspId, payment.status, payment.reconciliation].join('\u0000');
    let delta = deltas.get(key);
    if (delta === undefined) {
      const { batchId, status, reconciliation } = payment;
      delta = { batchId, dfspId, status, reconciliation, count: 0, amountMinor: 0n };
      deltas.set(key, delta);
    }
    delta.count += sign;
    delta.amountMinor += BigInt(sign) * payment.amountMinor;
  };

  const set: PaymentsWorkingSet = {
    findBatch: (batchId) => batches.get(batchId),
    batch(batchId) {
      const batch = batches.get(batchId);
      if (batch === undefined) throw new Error(`batch ${batchId} has no row: events out of order?`);
      return batch;
    },
    openBatch(batch) {
      if (batches.has(batch.batchId)) throw new Error(`batch ${batch.batchId} opened twice`);
      batches.set(batch.batchId, batch);
      newBatches.set(batch.batchId, batch);
    },
    changeBatch(batchId, change, occurredAt) {
      Object.assign(set.batch(batchId), change, { updatedAt: occurredAt });
      changedBatches.add(batchId);
    },
    findPayment: (paymentId) => payments.get(paymentId),
    payment(paymentId) {
      const payment = payments.get(paymentId);
      if (payment === undefined) {
        throw new Error(`payment ${paymentId} has no row: events out of order?`);
      }
      return payment;
    },
    addPayment(payment) {
      if (payments.has(payment.paymentId)) {
        throw new Error(`payment ${payment.paymentId} added twice`);
      }
      payments.set(payment.paymentId, payment);
      newPayments.set(payment.paymentId, payment);
      moveTotals(payment, 1);
    },
    changePayment(paymentId, change, occurredAt) {
      const payment = set.payment(paymentId);
      moveTotals(payment, -1);
      Object.assign(payment, change, { updatedAt: occurredAt });
      moveTotals(payment, 1);
      changedPayments.add(paymentId);
    },
    resolvePayee(paymentId, payeeFa) {
      const added = newPayments.get(paymentId);
      if (added === undefined) resolvedPayees.set(paymentId, payeeFa);
      else added.payeeFa = payeeFa;
    },
    changes: () => ({
      newPayments: [...newPayments.values()],
      changedPayments: [...changedPayments]
        .filter((id) => !newPayments.has(id))
        .map((id) => set.payment(id)),
      resolvedPayees: [...resolvedPayees].map(([paymentId, payeeFa]) => ({ paymentId, payeeFa })),
      newBatches: [...newBatches.values()],
      changedBatches: [...changedBatches]
        .filter((id) => !newBatches.has(id))
        .map((id) => set.batch(id)),
      totals: [...deltas.values()].filter((d) => d.count !== 0 || d.amountMinor !== 0n),
    }),
  };
  return set;
}
