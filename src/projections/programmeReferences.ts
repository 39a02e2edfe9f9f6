import {
  MAX_REFERENCE_LOOKUPS,
  type ProgrammeReferences,
} from '../application/programmeReferences.js';
import type { SqlExecutor } from '../application/sqlDatabase.js';
import { type PaymentRow, paymentColumns, toPaymentView } from './viewColumns.js';

/**
 * {@link ProgrammeReferences} on the read-model tables: the programmes' batches first, then
 * their payments by `(batch_id, reference)`, the index programme systems' lookups use.
 */
export function createProgrammeReferences(db: SqlExecutor): ProgrammeReferences {
  return async (references, programIds) => {
    if (references.length > MAX_REFERENCE_LOOKUPS) {
      throw new Error(`at most ${MAX_REFERENCE_LOOKUPS} references a lookup`);
    }
    if (references.length === 0 || programIds.length === 0) return [];
    const { rows } = await db.query<PaymentRow>(
      `SELECT ${paymentColumns} FROM payments p
        WHERE p.batch_id IN (SELECT batch_id FROM batches WHERE program_id = ANY($2::text[]))
          AND p.reference = ANY($1::text[])`,
      [references, programIds],
    );
    return rows.map(toPaymentView);
  };
}
