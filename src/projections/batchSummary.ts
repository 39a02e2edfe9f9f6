import {
  type BatchStatusView,
  type BatchSummaryView,
  type CountAndAmount,
  PAYMENT_STATUSES,
  type PaymentStatusView,
  RECONCILIATION_STATUSES,
  type ReconciliationView,
} from '../application/readModels.js';
import { formatAmount } from '../domain/money.js';
import { isoTimestamp } from './viewColumns.js';

/** A `batches` row as `batchSummaryColumns` selects it. */
export interface BatchRow {
  readonly batch_id: string;
  readonly program_id: string;
  readonly cycle_id: string;
  readonly currency: string;
  readonly status: BatchStatusView;
  readonly description: string | null;
  readonly scheduled_for: string | null;
  readonly declared_count: number;
  readonly declared_total_minor: string;
  readonly received_count: number;
  readonly received_total_minor: string;
  readonly submitted_by: string | null;
  readonly approved_by: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  /** The batch's `batch_payment_totals` rows. */
  readonly totals: readonly TotalsRow[];
}

interface TotalsRow {
  readonly dfspId: string;
  readonly status: PaymentStatusView;
  readonly reconciliation: ReconciliationView;
  readonly count: string;
  readonly amountMinor: string;
}

/**
 * The select list of a batch summary, from `batches b`: the row with its totals rows gathered as
 * JSON, so a page of batches is one query and never reads the batches' payments.
 */
export const batchSummaryColumns = `b.batch_id, b.program_id, b.cycle_id, b.currency, b.status,
  b.description, ${isoTimestamp('b.scheduled_for')} AS scheduled_for, b.declared_count,
  b.declared_total_minor::text AS declared_total_minor, b.received_count,
  b.received_total_minor::text AS received_total_minor, b.submitted_by, b.approved_by,
  ${isoTimestamp('b.created_at')} AS created_at, ${isoTimestamp('b.updated_at')} AS updated_at,
  coalesce((SELECT json_agg(json_build_object('dfspId', t.dfsp_id, 'status', t.status,
      'reconciliation', t.reconciliation, 'count', t.count::text,
      'amountMinor', t.amount_minor::text) ORDER BY t.dfsp_id, t.status, t.reconciliation)
    FROM batch_payment_totals t WHERE t.batch_id = b.batch_id), '[]'::json) AS totals`;

/**
 * The API's batch summary: declared against received, and counts and amounts by status, DFSP
 * and reconciliation.
 */
export function toBatchSummary(row: BatchRow): BatchSummaryView {
  const format = (tally: Tally): CountAndAmount => ({
    count: tally.count,
    amount: formatAmount(tally.amountMinor, row.currency),
  });
  const formatEach = <Key extends string>(keys: readonly Key[], tallies: Record<Key, Tally>) =>
    recordOf(keys, (key) => format(tallies[key]));
  const byStatus = recordOf(PAYMENT_STATUSES, zero);
  const reconciliation = recordOf(RECONCILIATION_STATUSES, zero);
  const byDfsp = new Map<string, { total: Tally; byStatus: Record<PaymentStatusView, Tally> }>();
  for (const totals of row.totals) {
    const count = Number(totals.count);
    const amountMinor = BigInt(totals.amountMinor);
    add(byStatus[totals.status], count, amountMinor);
    add(reconciliation[totals.reconciliation], count, amountMinor);
    if (totals.dfspId === '') continue;
    let dfsp = byDfsp.get(totals.dfspId);
    if (dfsp === undefined) {
      dfsp = { total: zero(), byStatus: recordOf(PAYMENT_STATUSES, zero) };
      byDfsp.set(totals.dfspId, dfsp);
    }
    add(dfsp.total, count, amountMinor);
    add(dfsp.byStatus[totals.status], count, amountMinor);
  }
  return {
    batchId: row.batch_id,
    programId: row.program_id,
    cycleId: row.cycle_id,
    currency: row.currency,
    status: row.status,
    description: row.description,
    scheduledFor: row.scheduled_for,
    declared: {
      count: row.declared_count,
      total: formatAmount(BigInt(row.declared_total_minor), row.currency),
    },
    received: {
      count: row.received_count,
      total: formatAmount(BigInt(row.received_total_minor), row.currency),
    },
    byStatus: formatEach(PAYMENT_STATUSES, byStatus),
    byDfsp: [...byDfsp]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([dfspId, dfsp]) => ({
        dfspId,
        ...format(dfsp.total),
        byStatus: formatEach(PAYMENT_STATUSES, dfsp.byStatus),
      })),
    reconciliation: formatEach(RECONCILIATION_STATUSES, reconciliation),
    submittedBy: row.submitted_by,
    approvedBy: row.approved_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

interface Tally {
  count: number;
  amountMinor: bigint;
}

function add(tally: Tally, count: number, amountMinor: bigint): void {
  tally.count += count;
  tally.amountMinor += amountMinor;
}

function zero(): Tally {
  return { count: 0, amountMinor: 0n };
}

/** A record with every key, so a summary lists every status even where it has none. */
function recordOf<Key extends string, Value>(
  keys: readonly Key[],
  valueFor: (key: Key) => Value,
): Record<Key, Value> {
  const record = {} as Record<Key, Value>;
  for (const key of keys) record[key] = valueFor(key);
  return record;
}
