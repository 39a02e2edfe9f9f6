import {
  MAX_STATUS_LOOKUPS,
  MAX_SUCCEEDED_PAYMENTS,
  type PaymentView,
  type ReadModelQueries,
  type SucceededPaymentRow,
} from '../application/readModels.js';
import type { SqlExecutor } from '../application/sqlDatabase.js';
import type { PaymentToSend } from '../application/workQueue.js';
import { DomainError } from '../domain/domainError.js';
import { type BatchRow, batchSummaryColumns, toBatchSummary } from './batchSummary.js';
import { decodeCursor, pageSize, toPage } from './pageCursor.js';
import { paymentsProjection } from './paymentsProjection.js';
import {
  type DiscrepancyViewRow,
  discrepancyColumns,
  type StatementViewRow,
  statementColumns,
  toDiscrepancyView,
  toStatementView,
} from './reconciliationColumns.js';
import {
  type DfspRow,
  dfspColumns,
  type PaymentRow,
  paymentColumns,
  toDfspView,
  toPaymentView,
} from './viewColumns.js';

/** The most rows one call of a work queue (unroutable, to send, submitted, routed) answers. */
const MAX_WORK_PAGE = 10_000;

/**
 * The read side on the read-model tables (see {@link ReadModelQueries}), the dispatch loops' work
 * queue included: the object it answers serves as their `WorkQueue` too. Lists are keyset
 * paginated: payments, DFSPs and discrepancies by id ascending, batches by id descending (newest
 * first: batch ids are ULIDs). A batch summary reads the batch's totals rows, never its payments.
 *
 * @example
 * const queries = createReadModelQueries(stores.sql);
 * const page = await queries.listPayments({ batchId, status: 'unroutable', limit: 50 });
 */
export function createReadModelQueries(db: SqlExecutor): ReadModelQueries {
  return {
    ...paymentQueues(db),

    async getPayment(paymentId) {
      const { rows } = await db.query<PaymentRow>(
        `SELECT ${paymentColumns} FROM payments p WHERE p.payment_id = $1`,
        [paymentId],
      );
      const row = rows[0];
      return row === undefined ? undefined : toPaymentView(row);
    },

    async listPayments(filter) {
      const size = pageSize(filter.limit);
      const conditions: string[] = [];
      const params: unknown[] = [];
      const where = (condition: (placeholder: string) => string, value: unknown) => {
        params.push(value);
        conditions.push(condition(`$${params.length}`));
      };
      if (filter.batchId !== undefined) where((p) => `p.batch_id = ${p}`, filter.batchId);
      if (filter.status !== undefined) where((p) => `p.status = ${p}`, filter.status);
      if (filter.dfspId !== undefined) where((p) => `p.dfsp_id = ${p}`, filter.dfspId);
      if (filter.inDoubt !== undefined) {
        // In doubt: see toPaymentView.
        const inDoubt = "(p.status = 'submitted' AND p.status_reason IS NOT NULL)";
        conditions.push(filter.inDoubt ? inDoubt : `NOT ${inDoubt}`);
      }
      if (filter.cursor !== undefined) {
        where((p) => `p.payment_id > ${p}`, decodeCursor('payments', filter.cursor));
      }
      params.push(size + 1);
      const { rows } = await db.query<PaymentRow>(
        `SELECT ${paymentColumns} FROM payments p
         ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
         ORDER BY p.payment_id LIMIT $${params.length}`,
        params,
      );
      return toPage('payments', rows, size, (row) => row.payment_id, toPaymentView);
    },

    findPayments: (names) => findPayments(db, names),

    async getBatch(batchId) {
      const { rows } = await db.query<BatchRow>(
        `SELECT ${batchSummaryColumns} FROM batches b WHERE b.batch_id = $1`,
        [batchId],
      );
      const row = rows[0];
      return row === undefined ? undefined : toBatchSummary(row);
    },

    async listBatches(filter) {
      const size = pageSize(filter.limit);
      const after = filter.cursor === undefined ? null : decodeCursor('batches', filter.cursor);
      const { rows } = await db.query<BatchRow>(
        `SELECT ${batchSummaryColumns} FROM batches b
         WHERE ($1::text IS NULL OR b.status = $1) AND ($2::text IS NULL OR b.batch_id < $2)
         ORDER BY b.batch_id DESC LIMIT $3`,
        [filter.status ?? null, after, size + 1],
      );
      return toPage('batches', rows, size, (row) => row.batch_id, toBatchSummary);
    },

    async listDfsps(filter) {
      const size = pageSize(filter.limit);
      const after = filter.cursor === undefined ? null : decodeCursor('dfsps', filter.cursor);
      const { rows } = await db.query<DfspRow>(
        `SELECT ${dfspColumns} FROM dfsps d WHERE ($1::text IS NULL OR d.dfsp_id > $1)
         ORDER BY d.dfsp_id LIMIT $2`,
        [after, size + 1],
      );
      return toPage('dfsps', rows, size, (row) => row.dfsp_id, toDfspView);
    },

    async listSucceededPayments({ dfspId, currency, from, to }) {
      const { rows } = await db.query<{
        payment_id: string;
        batch_id: string;
        amount_minor: string;
        currency: string;
      }>(
        `SELECT payment_id, batch_id, amount_minor::text AS amount_minor, currency
         FROM payments
         WHERE status IN ('succeeded', 'returned') AND dfsp_id = $1 AND currency = $2
           AND succeeded_at >= $3::timestamptz AND succeeded_at < $4::timestamptz
         ORDER BY payment_id LIMIT $5`,
        [dfspId, currency, instant(from, 'from'), instant(to, 'to'), MAX_SUCCEEDED_PAYMENTS + 1],
      );
      if (rows.length > MAX_SUCCEEDED_PAYMENTS) {
        throw new DomainError(
          'too_many_payments',
          `${dfspId} paid more than ${MAX_SUCCEEDED_PAYMENTS} ${currency} payments from ` +
            `${from.toISOString()} to ${to.toISOString()}: send statements of shorter periods`,
        );
      }
      return rows.map(
        (row): SucceededPaymentRow => ({
          paymentId: row.payment_id,
          batchId: row.batch_id,
          amountMinor: BigInt(row.amount_minor),
          currency: row.currency,
        }),
      );
    },

    async listUnsentPaymentIdsOf(beneficiaryKey) {
      const { rows } = await db.query<{ payment_id: string }>(
        `SELECT payment_id FROM payments
         WHERE beneficiary_key = $1 AND status IN ('pending', 'routed', 'unroutable')
         ORDER BY payment_id`,
        [beneficiaryKey],
      );
      return rows.map((row) => row.payment_id);
    },

    async getStatement(statementId) {
      const { rows } = await db.query<StatementViewRow>(
        `SELECT ${statementColumns} FROM statements s WHERE s.statement_id = $1`,
        [statementId],
      );
      const row = rows[0];
      return row === undefined ? undefined : toStatementView(row);
    },

    async listDiscrepancies(filter) {
      const size = pageSize(filter.limit);
      const after =
        filter.cursor === undefined ? null : decodeCursor('discrepancies', filter.cursor);
      const { rows } = await db.query<DiscrepancyViewRow>(
        `SELECT ${discrepancyColumns} FROM reconciliation_discrepancies d
         WHERE ($1::text IS NULL OR d.dfsp_id = $1) AND ($2::text IS NULL OR d.batch_id = $2)
           AND ($3::text IS NULL OR d.kind = $3) AND ($4::text IS NULL OR d.discrepancy_id > $4)
         ORDER BY d.discrepancy_id LIMIT $5`,
        [filter.dfspId ?? null, filter.batchId ?? null, filter.kind ?? null, after, size + 1],
      );
      return toPage('discrepancies', rows, size, (row) => row.discrepancy_id, toDiscrepancyView);
    },
  };
}

/**
 * The work queues on the payments table, each a page of at most {@link MAX_WORK_PAGE} rows in a
 * fixed order: unroutable (for the batch processor), to send, submitted and routed (the
 * dispatcher's and status poller's `WorkQueue`).
 */
function paymentQueues(
  db: SqlExecutor,
): Pick<
  ReadModelQueries,
  | 'listUnroutablePaymentIds'
  | 'paymentsReadModelProgress'
  | 'listPaymentsToSend'
  | 'listSubmittedBefore'
  | 'listRoutedPaymentIds'
> {
  return {
    async paymentsReadModelProgress() {
      const { rows } = await db.query<{ position: string }>(
        'SELECT position::text AS position FROM projection_checkpoints WHERE projection = $1',
        [paymentsProjection.name],
      );
      return { through: BigInt(rows[0]?.position ?? 0), reads: paymentsProjection.filter ?? {} };
    },

    async listUnroutablePaymentIds(limit, after) {
      const { rows } = await db.query<{ payment_id: string }>(
        `SELECT payment_id FROM payments
         WHERE status = 'unroutable' AND ($1::text IS NULL OR payment_id > $1)
         ORDER BY payment_id LIMIT $2`,
        [after ?? null, workPage(limit)],
      );
      return rows.map((row) => row.payment_id);
    },

    async listPaymentsToSend({ now, limit, excludeDfspIds = [] }) {
      const { rows } = await db.query<PaymentToSendRow>(
        `SELECT payment_id, dfsp_id, payee_fa, payee_name, amount_minor::text AS amount_minor,
           currency, purpose, (extract(epoch FROM updated_at) * 1000)::bigint::text AS updated_at_ms
         FROM payments
         WHERE status = 'routed' AND dfsp_id IS NOT NULL AND dfsp_id <> ALL($1::text[])
           AND (next_attempt_at IS NULL OR next_attempt_at <= $2::timestamptz)
         ORDER BY payment_id LIMIT $3`,
        [excludeDfspIds, instant(now, 'now'), workPage(limit)],
      );
      return rows.map(toPaymentToSend);
    },

    async listSubmittedBefore(before, limit) {
      const { rows } = await db.query<{ payment_id: string; dfsp_id: string | null }>(
        `SELECT payment_id, dfsp_id FROM payments
         WHERE status = 'submitted' AND updated_at < $1::timestamptz
         ORDER BY updated_at, payment_id LIMIT $2`,
        [instant(before, 'before'), workPage(limit)],
      );
      return rows.map((row) => ({
        paymentId: row.payment_id,
        dfspId: withDfsp(row.payment_id, row.dfsp_id),
      }));
    },

    async listRoutedPaymentIds(dfspId, limit, after) {
      const { rows } = await db.query<{ payment_id: string }>(
        `SELECT payment_id FROM payments
         WHERE status = 'routed' AND dfsp_id = $1 AND ($2::text IS NULL OR payment_id > $2)
         ORDER BY payment_id LIMIT $3`,
        [dfspId, after ?? null, workPage(limit)],
      );
      return rows.map((row) => row.payment_id);
    },
  };
}

/** A work queue's page size, checked: 1 to {@link MAX_WORK_PAGE}. */
function workPage(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_WORK_PAGE) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_WORK_PAGE}`);
  }
  return limit;
}

/** A date as a query parameter, in ISO 8601: the same instant whatever the session's time zone. */
function instant(date: Date, name: string): string {
  if (Number.isNaN(date.getTime())) throw new RangeError(`${name} must be a valid date`);
  return date.toISOString();
}

/** A submitted payment names the DFSP it was sent to: the projection sets both together. */
function withDfsp(paymentId: string, dfspId: string | null): string {
  if (dfspId === null) throw new Error(`payment ${paymentId} is submitted but names no DFSP`);
  return dfspId;
}

interface PaymentToSendRow {
  readonly payment_id: string;
  readonly dfsp_id: string;
  readonly payee_fa: string;
  readonly payee_name: string | null;
  readonly amount_minor: string;
  readonly currency: string;
  readonly purpose: string | null;
  readonly updated_at_ms: string;
}

function toPaymentToSend(row: PaymentToSendRow): PaymentToSend {
  return {
    paymentId: row.payment_id,
    dfspId: row.dfsp_id,
    payeeFa: row.payee_fa,
    payeeName: row.payee_name,
    amountMinor: BigInt(row.amount_minor),
    currency: row.currency,
    purpose: row.purpose,
    updatedAtMs: Number(row.updated_at_ms),
  };
}

/** `findPayments`: two index lookups in one statement (see `ReadModelQueries.findPayments`). */
async function findPayments(
  db: SqlExecutor,
  { paymentIds, references }: Parameters<ReadModelQueries['findPayments']>[0],
): Promise<PaymentView[]> {
  if (paymentIds.length + references.length > MAX_STATUS_LOOKUPS) {
    throw new DomainError('too_many_payments', `at most ${MAX_STATUS_LOOKUPS} payments a lookup`);
  }
  const { rows } = await db.query<PaymentRow>(
    // Two index lookups (payments_pkey, payments_batch_reference) rather than one OR, which
    // the planner can only answer by scanning every payment.
    `SELECT ${paymentColumns} FROM payments p WHERE p.payment_id = ANY($1::text[])
       UNION
       SELECT ${paymentColumns} FROM payments p
         JOIN unnest($2::text[], $3::text[]) AS n(batch_id, reference)
           ON p.batch_id = n.batch_id AND p.reference = n.reference
       ORDER BY payment_id`,
    [paymentIds, references.map((name) => name.batchId), references.map((name) => name.reference)],
  );
  return rows.map(toPaymentView);
}
