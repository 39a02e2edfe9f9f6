/**
 * The read models as the HTTP API v1 shows them (DESIGN.md, "Shapes that clients rely on").
 * Amounts are decimal strings in the batch's or payment's currency; ids are strings.
 */

export const PAYMENT_STATUSES = [
  'pending',
  'routed',
  'unroutable',
  'submitted',
  'succeeded',
  'failed',
  'returned',
  'cancelled',
] as const;
export type PaymentStatusView = (typeof PAYMENT_STATUSES)[number];

export const BATCH_STATUSES = [
  'open',
  'awaiting_approval',
  'approved',
  'processing',
  'completed',
  'cancelled',
  'rejected',
] as const;
export type BatchStatusView = (typeof BATCH_STATUSES)[number];

export const RECONCILIATION_STATUSES = ['unreconciled', 'matched', 'mismatched'] as const;
export type ReconciliationView = (typeof RECONCILIATION_STATUSES)[number];

export interface CountAndAmount {
  readonly count: number;
  readonly amount: string;
}

export interface PaymentView {
  readonly paymentId: string;
  readonly batchId: string;
  readonly reference: string;
  readonly beneficiaryId: string;
  readonly payeeFa: string;
  readonly payeeName: string | null;
  readonly amount: string;
  readonly currency: string;
  readonly region: string | null;
  readonly status: PaymentStatusView;
  readonly statusReason: string | null;
  readonly dfspId: string | null;
  readonly ruleId: string | null;
  readonly rulesVersion: number | null;
  readonly attempts: number;
  readonly reconciliation: ReconciliationView;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface BatchSummaryView {
  readonly batchId: string;
  readonly programId: string;
  readonly cycleId: string;
  readonly currency: string;
  readonly status: BatchStatusView;
  readonly description: string | null;
  readonly scheduledFor: string | null;
  readonly declared: { readonly count: number; readonly total: string };
  readonly received: { readonly count: number; readonly total: string };
  /** Every payment status, zero where none. */
  readonly byStatus: Readonly<Record<PaymentStatusView, CountAndAmount>>;
  readonly byDfsp: readonly {
    readonly dfspId: string;
    readonly count: number;
    readonly amount: string;
    readonly byStatus: Readonly<Record<PaymentStatusView, CountAndAmount>>;
  }[];
  readonly reconciliation: Readonly<Record<ReconciliationView, CountAndAmount>>;
  readonly submittedBy: string | null;
  readonly approvedBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface DfspView {
  readonly dfspId: string;
  readonly name: string;
  readonly connector: string;
  readonly baseUrl: string;
  readonly payerFa: string;
  readonly currencies: readonly string[];
  readonly faTypes: readonly string[];
  readonly maxAmount: string | null;
  readonly maxBatchSize: number | null;
  readonly status: 'active' | 'suspended';
  readonly health: 'healthy' | 'unhealthy';
  readonly registeredAt: string;
  readonly updatedAt: string;
}

export interface Page<Item> {
  readonly items: readonly Item[];
  /** Opaque; null on the last page. */
  readonly nextCursor: string | null;
}

export interface PaymentFilter {
  readonly batchId?: string;
  readonly status?: PaymentStatusView;
  readonly dfspId?: string;
  /** 1 to 500; default 100. */
  readonly limit?: number;
  readonly cursor?: string;
}

/**
 * The read side: every GET of batches, payments and DFSPs answers from these, never from the
 * event log. A cursor that is not one this API issued is a `DomainError('invalid_cursor')`.
 */
export interface ReadModelQueries {
  getPayment(paymentId: string): Promise<PaymentView | undefined>;
  listPayments(filter: PaymentFilter): Promise<Page<PaymentView>>;
  getBatch(batchId: string): Promise<BatchSummaryView | undefined>;
  listBatches(filter: {
    readonly status?: BatchStatusView;
    readonly limit?: number;
    readonly cursor?: string;
  }): Promise<Page<BatchSummaryView>>;
  listDfsps(filter: { readonly limit?: number; readonly cursor?: string }): Promise<Page<DfspView>>;
  /** Payments now `unroutable`, oldest first, for re-routing when DFSPs or rules change. */
  listUnroutablePaymentIds(limit: number, after?: string): Promise<readonly string[]>;
  /**
   * Payments `routed` and due for sending (no retry time, or one at or before `now`), in payment
   * id order, at most `limit` (1 to 10,000), leaving out the DFSPs in `excludeDfspIds` (those
   * whose circuit is open). The dispatcher's work queue.
   */
  listPaymentsToSend(options: {
    readonly now: Date;
    readonly limit: number;
    readonly excludeDfspIds?: readonly string[];
  }): Promise<readonly PaymentToSend[]>;
  /**
   * Payments `submitted` whose last change is before `before`, longest-waiting first, at most
   * `limit`: the status poller asks their DFSPs about them.
   */
  listSubmittedBefore(
    before: Date,
    limit: number,
  ): Promise<readonly { readonly paymentId: string; readonly dfspId: string }[]>;
  /** Ids of payments `routed` to a DFSP, in id order after `after`: moved when its circuit opens. */
  listRoutedPaymentIds(dfspId: string, limit: number, after?: string): Promise<readonly string[]>;
}

/** A routed payment as the dispatcher sends it. */
export interface PaymentToSend {
  readonly paymentId: string;
  readonly dfspId: string;
  readonly payeeFa: string;
  readonly payeeName: string | null;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly purpose: string | null;
  /** When the row last changed (ms since the epoch): tells a stale row from a fresh one. */
  readonly updatedAtMs: number;
}
