import type { DfspTransactionIndex } from '../application/dfspConnector.js';
import type { SqlExecutor } from '../application/sqlDatabase.js';

/** Ids asked about in one query, at most (a callback or a status query carries fewer). */
const MAX_IDS = 10_000;

/**
 * The DFSPs' own ids of payments in the `payments` read model (`dfsp_transaction_id`, indexed by
 * DFSP). It is as current as the projection: an id recorded a moment ago may not be found yet.
 *
 * @example
 * const index = createDfspTransactionIndex(sql);
 * await index.paymentIdsOf('mpesa', ['AG_20261207_0000abcd']); // Map { 'AG_…' => '01J…' }
 */
export function createDfspTransactionIndex(db: SqlExecutor): DfspTransactionIndex {
  const bounded = (ids: readonly string[]) => {
    if (ids.length > MAX_IDS) throw new RangeError(`at most ${MAX_IDS} ids at once`);
    return [...ids];
  };
  return {
    async paymentIdsOf(dfspId, dfspTransactionIds) {
      if (dfspTransactionIds.length === 0) return new Map();
      const { rows } = await db.query<{ payment_id: string; dfsp_transaction_id: string }>(
        `SELECT payment_id, dfsp_transaction_id FROM payments
         WHERE dfsp_id = $1 AND dfsp_transaction_id = ANY($2::text[])`,
        [dfspId, bounded(dfspTransactionIds)],
      );
      return new Map(rows.map((row) => [row.dfsp_transaction_id, row.payment_id]));
    },
    async dfspTransactionIdsOf(paymentIds) {
      if (paymentIds.length === 0) return new Map();
      const { rows } = await db.query<{ payment_id: string; dfsp_transaction_id: string }>(
        `SELECT payment_id, dfsp_transaction_id FROM payments
         WHERE payment_id = ANY($1::text[]) AND dfsp_transaction_id IS NOT NULL`,
        [bounded(paymentIds)],
      );
      return new Map(rows.map((row) => [row.payment_id, row.dfsp_transaction_id]));
    },
  };
}
