import type { SqlExecutor } from '../adapters/postgres/sqlDatabase.js';
import { type BatchRow, batchSummaryColumns, toBatchSummary } from './batchSummary.js';
import { decodeCursor, pageSize, toPage } from './pageCursor.js';
import type { ReadModelQueries } from './readModels.js';
import {
  type DfspRow,
  dfspColumns,
  type PaymentRow,
  paymentColumns,
  toDfspView,
  toPaymentView,
} from './viewColumns.js';

/** The most unroutable payment ids one call answers. */
const MAX_UNROUTABLE_PAGE = 10_000;

/**
 * The read side on the read-model tables (see {@link ReadModelQueries}). Lists are keyset
 * paginated: payments and DFSPs by id ascending, batches by id descending (newest first: batch
 * ids are ULIDs). A batch summary reads the batch's totals rows, never its payments.
 *
 * @example
 * const queries = createReadModelQueries(stores.sql);
 * const page = await queries.listPayments({ batchId, status: 'unroutable', limit: 50 });
 */
export function createReadModelQueries(db: SqlExecutor): ReadModelQueries {
  return {
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

    async listUnroutablePaymentIds(limit, after) {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_UNROUTABLE_PAGE) {
        throw new RangeError(`limit must be an integer from 1 to ${MAX_UNROUTABLE_PAGE}`);
      }
      const { rows } = await db.query<{ payment_id: string }>(
        `SELECT payment_id FROM payments
         WHERE status = 'unroutable' AND ($1::text IS NULL OR payment_id > $1)
         ORDER BY payment_id LIMIT $2`,
        [after ?? null, limit],
      );
      return rows.map((row) => row.payment_id);
    },
  };
}
