import type { StatementFormat, StatementNotice } from '../domain/statement.js';
import type { FeedFilter } from './eventStore.js';
import type { WorkQueue } from './workQueue.js';

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

/** The most payments one bulk status lookup may name. */
export const MAX_STATUS_LOOKUPS = 1_000;

export interface PaymentView {
  readonly paymentId: string;
  readonly batchId: string;
  readonly reference: string;
  readonly beneficiaryId: string;
  /** Null while the beneficiary id waits for (or was not resolved by) the ID mapper. */
  readonly payeeFa: string | null;
  readonly payeeName: string | null;
  readonly amount: string;
  readonly currency: string;
  readonly region: string | null;
  readonly status: PaymentStatusView;
  readonly statusReason: string | null;
  /**
   * `submitted`, and its sending's outcome unknown (the reason says why): the DFSP may hold it
   * and has not said. Resolved by its DFSP's word, or by operators (four eyes) where it cannot
   * be asked.
   */
  readonly inDoubt: boolean;
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

/** What reconciliation found wrong, one row per exception (`reconciliation_discrepancies`). */
export const DISCREPANCY_KINDS = [
  'mismatched',
  'paid_but_failed',
  'paid_twice',
  'returned',
  'unknown_line',
  'other_dfsp',
  'missing_from_statement',
  'balance_break',
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

export const DISCREPANCY_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type DiscrepancySeverity = (typeof DISCREPANCY_SEVERITIES)[number];

export const BALANCE_CHECKS = ['balanced', 'break', 'not_available'] as const;
export type BalanceCheckView = (typeof BALANCE_CHECKS)[number];

/**
 * An imported DFSP statement and what reconciliation made of it. Amounts are decimal strings in
 * the statement's currency (balances may be negative), null where the statement gave none.
 */
export interface StatementView {
  readonly statementId: string;
  readonly dfspId: string;
  readonly format: StatementFormat;
  readonly statementRef: string | null;
  readonly accountId: string | null;
  readonly currency: string | null;
  /** The period as the statement gave it (a date or an instant), null where it gave none. */
  readonly from: string | null;
  readonly to: string | null;
  readonly importedAt: string;
  readonly importedBy: string;
  /** What the statement reader read past (bank lines, unknown fields, impossible dates). */
  readonly notices?: StatementNotice[];
  /** How many lines had each outcome; `total` is every line of the statement. */
  readonly lines: {
    readonly total: number;
    readonly matched: number;
    readonly mismatched: number;
    readonly paidButFailed: number;
    readonly paidTwice: number;
    readonly returned: number;
    readonly unknown: number;
    readonly otherDfsp: number;
    readonly notAPayment: number;
  };
  /** Payments the ledger holds as paid by this DFSP in the period that the statement leaves out. */
  readonly missingFromStatement: number;
  readonly balance: {
    /** Null until the statement's balances have been checked. */
    readonly check: BalanceCheckView | null;
    readonly opening: string | null;
    readonly closing: string | null;
    readonly computedClosing: string | null;
  };
}

/**
 * One exception reconciliation found: a statement line that is not a plain match, a payment the
 * statement leaves out, or a statement whose balances do not add up. `statement` is what the
 * statement shows (the line's amount; a balance break's closing balance), `ledger` what the
 * ledger held when the statement was reconciled (`status` is null for a missing payment: it was
 * `succeeded` or `returned`).
 */
export interface DiscrepancyView {
  /**
   * Stable across rebuilds: `{statementId}:L{line number, 7 digits}`, `{statementId}:M:{paymentId}`
   * or `{statementId}:B`, so a statement's discrepancies list together, its lines in order.
   */
  readonly discrepancyId: string;
  readonly kind: DiscrepancyKind;
  readonly severity: DiscrepancySeverity;
  readonly statementId: string;
  readonly dfspId: string;
  readonly batchId: string | null;
  /** The payment of the ledger the discrepancy is about; null for an unknown line or a balance. */
  readonly paymentId: string | null;
  /** The reference the statement line gave (null for a missing payment or a balance). */
  readonly reference: string | null;
  readonly lineNumber: number | null;
  readonly statement: { readonly amount: string; readonly currency: string } | null;
  readonly ledger: {
    readonly amount: string;
    readonly currency: string;
    readonly status: string | null;
  } | null;
  readonly detectedAt: string;
}

export interface DiscrepancyFilter {
  readonly dfspId?: string;
  readonly batchId?: string;
  readonly kind?: DiscrepancyKind;
  /** 1 to 500; default 100. */
  readonly limit?: number;
  readonly cursor?: string;
}

/** A payment the ledger holds as paid by a DFSP, as a statement of that DFSP should list it. */
export interface SucceededPaymentRow {
  readonly paymentId: string;
  readonly batchId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
}

/** Items per page of a read-model list when the caller does not say. */
export const DEFAULT_PAGE_SIZE = 100;
/** The most items one page of a read-model list holds. */
export const MAX_PAGE_SIZE = 500;
export interface Page<Item> {
  readonly items: readonly Item[];
  /** Opaque; null on the last page. */
  readonly nextCursor: string | null;
}

export interface PaymentFilter {
  readonly batchId?: string;
  readonly status?: PaymentStatusView;
  readonly dfspId?: string;
  /** Only payments in doubt (true) or none in doubt (false). */
  readonly inDoubt?: boolean;
  /** 1 to 500; default 100. */
  readonly limit?: number;
  readonly cursor?: string;
}

/**
 * The read side: every GET of batches, payments, DFSPs and reconciliation answers from these,
 * never from the event log. A cursor that is not one this API issued is a `DomainError('invalid_cursor')`.
 * It includes the dispatch loops' {@link WorkQueue}, on the same tables.
 */
export interface ReadModelQueries extends WorkQueue {
  getPayment(paymentId: string): Promise<PaymentView | undefined>;
  listPayments(filter: PaymentFilter): Promise<Page<PaymentView>>;
  /**
   * The payments named by id or by `(batchId, reference)`, in one query; those not found are left
   * out. At most {@link MAX_STATUS_LOOKUPS} names in all.
   */
  findPayments(names: {
    readonly paymentIds: readonly string[];
    readonly references: readonly { readonly batchId: string; readonly reference: string }[];
  }): Promise<readonly PaymentView[]>;
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
   * How far the payments read model has come: the position of the last event it applied (0n
   * before it first ran), and which events of the feed it reads. Every event before a position
   * is applied when no event it reads lies between the two.
   */
  paymentsReadModelProgress(): Promise<{ readonly through: bigint; readonly reads: FeedFilter }>;
  /** A beneficiary key's payments not yet sent to a DFSP (pending, routed or unroutable). */
  listUnsentPaymentIdsOf(beneficiaryKey: string): Promise<readonly string[]>;
  /**
   * Payments `succeeded` (or since `returned`) at `dfspId` in `currency` whose success falls in
   * `[from, to)`, in payment id order: those a statement of that period must list. At most
   * {@link MAX_SUCCEEDED_PAYMENTS}; more is a `DomainError('too_many_payments')` (a statement of a
   * shorter period is needed).
   */
  listSucceededPayments(query: {
    readonly dfspId: string;
    readonly currency: string;
    readonly from: Date;
    readonly to: Date;
  }): Promise<readonly SucceededPaymentRow[]>;
  getStatement(statementId: string): Promise<StatementView | undefined>;
  /** Discrepancies by DFSP, batch or kind, keyset-paginated by discrepancy id. */
  listDiscrepancies(filter: DiscrepancyFilter): Promise<Page<DiscrepancyView>>;
}

/** The most payments {@link ReadModelQueries.listSucceededPayments} answers in one call. */
export const MAX_SUCCEEDED_PAYMENTS = 1_000_000;
