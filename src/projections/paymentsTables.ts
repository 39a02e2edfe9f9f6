import type {
  BatchStatusView,
  PaymentStatusView,
  ReconciliationView,
} from '../application/readModels.js';
import type { SqlExecutor } from '../application/sqlDatabase.js';
import { ERASED } from '../domain/personalData.js';
import {
  type BatchState,
  createPaymentsWorkingSet,
  type NewBatch,
  type NewPayment,
  type PaymentState,
  type PaymentsWorkingSet,
  type TotalsDelta,
} from './paymentsWorkingSet.js';

/** Rows per statement when writing: a chunk of 1,000-payment events stays a sane parameter size. */
const MAX_ROWS_PER_STATEMENT = 2_000;

/** Reads the rows a run of events touches into a working set: two queries, whatever the run. */
export async function loadWorkingSet(
  tx: SqlExecutor,
  ids: { readonly paymentIds: ReadonlySet<string>; readonly batchIds: ReadonlySet<string> },
): Promise<PaymentsWorkingSet> {
  const payments = ids.paymentIds.size === 0 ? [] : await loadPayments(tx, [...ids.paymentIds]);
  const batches = ids.batchIds.size === 0 ? [] : await loadBatches(tx, [...ids.batchIds]);
  return createPaymentsWorkingSet(payments, batches);
}

async function loadPayments(tx: SqlExecutor, paymentIds: readonly string[]) {
  const { rows } = await tx.query<{
    payment_id: string;
    batch_id: string;
    amount_minor: string;
    currency: string;
    status: PaymentStatusView;
    status_reason: string | null;
    dfsp_id: string | null;
    rule_id: string | null;
    rules_version: number | null;
    attempts: number;
    reconciliation: ReconciliationView;
    next_attempt_at: string | null;
    succeeded_at: string | null;
    dfsp_transaction_id: string | null;
    updated_at: string;
  }>(
    `SELECT payment_id, batch_id, amount_minor::text AS amount_minor, currency, status,
       status_reason, dfsp_id, rule_id, rules_version, attempts, reconciliation,
       next_attempt_at::text AS next_attempt_at, succeeded_at::text AS succeeded_at,
       dfsp_transaction_id, updated_at::text AS updated_at
     FROM payments WHERE payment_id = ANY($1::text[])`,
    [paymentIds],
  );
  return rows.map((row) => ({
    paymentId: row.payment_id,
    batchId: row.batch_id,
    amountMinor: BigInt(row.amount_minor),
    currency: row.currency,
    status: row.status,
    statusReason: row.status_reason,
    dfspId: row.dfsp_id,
    ruleId: row.rule_id,
    rulesVersion: row.rules_version,
    attempts: row.attempts,
    reconciliation: row.reconciliation,
    nextAttemptAt: row.next_attempt_at,
    succeededAt: row.succeeded_at,
    dfspTransactionId: row.dfsp_transaction_id,
    updatedAt: row.updated_at,
  }));
}

async function loadBatches(tx: SqlExecutor, batchIds: readonly string[]): Promise<BatchState[]> {
  const { rows } = await tx.query<{
    batch_id: string;
    currency: string;
    status: BatchStatusView;
    declared_count: number;
    declared_total_minor: string;
    scheduled_for: string | null;
    received_count: number;
    received_total_minor: string;
    submitted_by: string | null;
    approved_by: string | null;
    updated_at: string;
  }>(
    `SELECT batch_id, currency, status, declared_count,
       declared_total_minor::text AS declared_total_minor, scheduled_for::text AS scheduled_for,
       received_count, received_total_minor::text AS received_total_minor, submitted_by,
       approved_by, updated_at::text AS updated_at
     FROM batches WHERE batch_id = ANY($1::text[])`,
    [batchIds],
  );
  return rows.map((row) => ({
    batchId: row.batch_id,
    currency: row.currency,
    status: row.status,
    declaredCount: row.declared_count,
    declaredTotalMinor: BigInt(row.declared_total_minor),
    scheduledFor: row.scheduled_for,
    receivedCount: row.received_count,
    receivedTotalMinor: BigInt(row.received_total_minor),
    submittedBy: row.submitted_by,
    approvedBy: row.approved_by,
    updatedAt: row.updated_at,
  }));
}

/**
 * Writes what the working set changed: new rows are inserted (a row that already exists is a
 * duplicate event and fails the batch), changed rows updated, totals deltas added, and totals
 * that fell to zero removed.
 */
export async function writeWorkingSet(tx: SqlExecutor, set: PaymentsWorkingSet): Promise<void> {
  const changes = set.changes();
  await inChunks(changes.newBatches, (rows) =>
    tx.query(
      `INSERT INTO batches (batch_id, program_id, cycle_id, currency, status, description,
         scheduled_for, declared_count, declared_total_minor, received_count,
         received_total_minor, submitted_by, approved_by, created_at, updated_at)
       SELECT batch_id, program_id, cycle_id, currency, status, description, scheduled_for,
         declared_count, declared_total_minor, received_count, received_total_minor,
         submitted_by, approved_by, created_at, updated_at
       FROM json_to_recordset($1::json) AS r(batch_id text, program_id text, cycle_id text,
         currency text, status text, description text, scheduled_for timestamptz,
         declared_count integer, declared_total_minor numeric, received_count integer,
         received_total_minor numeric, submitted_by text, approved_by text,
         created_at timestamptz, updated_at timestamptz)`,
      [JSON.stringify(rows.map(newBatchColumns))],
    ),
  );
  await inChunks(changes.changedBatches, async (rows) => {
    const updated = await tx.query(
      `UPDATE batches b SET status = r.status, declared_count = r.declared_count,
         declared_total_minor = r.declared_total_minor, scheduled_for = r.scheduled_for,
         received_count = r.received_count, received_total_minor = r.received_total_minor,
         submitted_by = r.submitted_by, approved_by = r.approved_by, updated_at = r.updated_at
       FROM json_to_recordset($1::json) AS r(batch_id text, status text, declared_count integer,
         declared_total_minor numeric, scheduled_for timestamptz, received_count integer,
         received_total_minor numeric, submitted_by text, approved_by text,
         updated_at timestamptz)
       WHERE b.batch_id = r.batch_id`,
      [JSON.stringify(rows.map(changedBatchColumns))],
    );
    assertAll(updated.rowCount, rows.length, 'batches');
  });
  await inChunks(changes.newPayments, (rows) =>
    tx.query(
      `INSERT INTO payments (payment_id, batch_id, reference, beneficiary_id, payee_fa,
         payee_name, beneficiary_key, amount_minor, currency, region, purpose, status,
         status_reason, dfsp_id, rule_id, rules_version, attempts, reconciliation,
         next_attempt_at, succeeded_at, dfsp_transaction_id, created_at, updated_at)
       SELECT payment_id, batch_id, reference, beneficiary_id, payee_fa, payee_name,
         beneficiary_key, amount_minor, currency, region, purpose, status, status_reason,
         dfsp_id, rule_id, rules_version, attempts, reconciliation, next_attempt_at,
         succeeded_at, dfsp_transaction_id, created_at, updated_at
       FROM json_to_recordset($1::json) AS r(payment_id text, batch_id text, reference text,
         beneficiary_id text, payee_fa text, payee_name text, beneficiary_key text,
         amount_minor numeric,
         currency text, region text, purpose text, status text, status_reason text,
         dfsp_id text, rule_id text, rules_version integer, attempts integer,
         reconciliation text, next_attempt_at timestamptz, succeeded_at timestamptz,
         dfsp_transaction_id text, created_at timestamptz, updated_at timestamptz)`,
      [JSON.stringify(rows.map(newPaymentColumns))],
    ),
  );
  await inChunks(changes.changedPayments, async (rows) => {
    const updated = await tx.query(
      `UPDATE payments p SET status = r.status, status_reason = r.status_reason,
         dfsp_id = r.dfsp_id, rule_id = r.rule_id, rules_version = r.rules_version,
         attempts = r.attempts, reconciliation = r.reconciliation,
         next_attempt_at = r.next_attempt_at, succeeded_at = r.succeeded_at,
         dfsp_transaction_id = r.dfsp_transaction_id, updated_at = r.updated_at
       FROM json_to_recordset($1::json) AS r(payment_id text, status text, status_reason text,
         dfsp_id text, rule_id text, rules_version integer, attempts integer,
         reconciliation text, next_attempt_at timestamptz, succeeded_at timestamptz,
         dfsp_transaction_id text, updated_at timestamptz)
       WHERE p.payment_id = r.payment_id`,
      [JSON.stringify(rows.map(changedPaymentColumns))],
    );
    assertAll(updated.rowCount, rows.length, 'payments');
  });
  await inChunks(changes.resolvedPayees, async (rows) => {
    const updated = await tx.query(
      `UPDATE payments p SET payee_fa = r.payee_fa
       FROM json_to_recordset($1::json) AS r(payment_id text, payee_fa text)
       WHERE p.payment_id = r.payment_id`,
      [JSON.stringify(rows.map((row) => ({ payment_id: row.paymentId, payee_fa: row.payeeFa })))],
    );
    assertAll(updated.rowCount, rows.length, 'payments');
  });
  let emptied = 0;
  await inChunks(changes.totals, async (rows) => {
    const { rows: result } = await tx.query<{ negative: string; emptied: string }>(
      `WITH added AS (
         INSERT INTO batch_payment_totals AS t (batch_id, dfsp_id, status, reconciliation, count,
           amount_minor)
         SELECT batch_id, dfsp_id, status, reconciliation, count, amount_minor
         FROM json_to_recordset($1::json) AS r(batch_id text, dfsp_id text, status text,
           reconciliation text, count bigint, amount_minor numeric)
         ON CONFLICT (batch_id, dfsp_id, status, reconciliation) DO UPDATE SET
           count = t.count + excluded.count, amount_minor = t.amount_minor + excluded.amount_minor
         RETURNING t.count, t.amount_minor)
       SELECT count(*) FILTER (WHERE count < 0 OR amount_minor < 0)::text AS negative,
         count(*) FILTER (WHERE count = 0)::text AS emptied
       FROM added`,
      [JSON.stringify(rows.map(totalsColumns))],
    );
    if (result[0]?.negative !== '0') {
      throw new Error('batch_payment_totals: a count or amount fell below zero');
    }
    emptied += Number(result[0]?.emptied);
  });
  // Only an addition above can bring a count to zero: most batches have none to remove.
  const touchedBatches = [...new Set(changes.totals.map((delta) => delta.batchId))];
  if (emptied > 0 && touchedBatches.length > 0) {
    await tx.query(
      'DELETE FROM batch_payment_totals WHERE batch_id = ANY($1::text[]) AND count = 0',
      [touchedBatches],
    );
  }
}

/**
 * Cancels every payment of the batch not yet sent, and moves its totals to `cancelled`, in one
 * statement: a batch may hold far more payments than a working set should. Fails if the totals
 * moved do not match the payments cancelled.
 */
/**
 * A beneficiary's key was destroyed: the personal columns of every payment sealed under it read
 * as erased, as a rebuild would write them (the status and `updated_at` are untouched: a payment
 * still unsent was cancelled by its own event).
 */
export async function eraseBeneficiaryRows(tx: SqlExecutor, beneficiaryKey: string): Promise<void> {
  await tx.query(
    `UPDATE payments SET beneficiary_id = $2, payee_fa = $2, payee_name = NULL, purpose = NULL
     WHERE beneficiary_key = $1 AND beneficiary_id <> $2`,
    [beneficiaryKey, ERASED],
  );
}

export async function cancelUnsentPayments(
  tx: SqlExecutor,
  batchId: string,
  statusReason: string,
  occurredAt: string,
): Promise<void> {
  const unsent: readonly PaymentStatusView[] = ['pending', 'unroutable', 'routed'];
  const { rows } = await tx.query<{ cancelled: string; moved: string }>(
    `WITH cancelled AS (
       UPDATE payments SET status = 'cancelled', status_reason = $3, next_attempt_at = NULL,
         updated_at = $4
       WHERE batch_id = $1 AND status = ANY($2::text[])
       RETURNING coalesce(dfsp_id, '') AS dfsp_id, reconciliation, amount_minor
     ), moved AS (
       DELETE FROM batch_payment_totals WHERE batch_id = $1 AND status = ANY($2::text[])
       RETURNING count
     ), added AS (
       INSERT INTO batch_payment_totals AS t (batch_id, dfsp_id, status, reconciliation, count,
         amount_minor)
       SELECT $1, dfsp_id, 'cancelled', reconciliation, count(*), sum(amount_minor)
       FROM cancelled GROUP BY dfsp_id, reconciliation
       ON CONFLICT (batch_id, dfsp_id, status, reconciliation) DO UPDATE SET
         count = t.count + excluded.count, amount_minor = t.amount_minor + excluded.amount_minor
     )
     SELECT (SELECT count(*) FROM cancelled)::text AS cancelled,
            (SELECT coalesce(sum(count), 0) FROM moved)::text AS moved`,
    [batchId, unsent, statusReason, occurredAt],
  );
  const result = rows[0];
  if (result === undefined || result.cancelled !== result.moved) {
    throw new Error(
      `batch ${batchId}: cancelled ${result?.cancelled} payments ` +
        `but their totals counted ${result?.moved}`,
    );
  }
}

async function inChunks<Row>(
  rows: readonly Row[],
  write: (chunk: readonly Row[]) => Promise<unknown>,
): Promise<void> {
  for (let start = 0; start < rows.length; start += MAX_ROWS_PER_STATEMENT) {
    await write(rows.slice(start, start + MAX_ROWS_PER_STATEMENT));
  }
}

function assertAll(rowCount: number, expected: number, table: string): void {
  if (rowCount !== expected) {
    throw new Error(`${table}: updated ${rowCount} rows of ${expected}: a row is missing`);
  }
}

// The rows as json_to_recordset reads them: the statement's columns by name, bigints as decimal
// strings. Spelled out, not derived from the keys: this runs for every row a replay writes.

function newBatchColumns(batch: NewBatch) {
  return {
    batch_id: batch.batchId,
    program_id: batch.programId,
    cycle_id: batch.cycleId,
    currency: batch.currency,
    status: batch.status,
    description: batch.description,
    scheduled_for: batch.scheduledFor,
    declared_count: batch.declaredCount,
    declared_total_minor: String(batch.declaredTotalMinor),
    received_count: batch.receivedCount,
    received_total_minor: String(batch.receivedTotalMinor),
    submitted_by: batch.submittedBy,
    approved_by: batch.approvedBy,
    created_at: batch.createdAt,
    updated_at: batch.updatedAt,
  };
}

function changedBatchColumns(batch: BatchState) {
  return {
    batch_id: batch.batchId,
    status: batch.status,
    declared_count: batch.declaredCount,
    declared_total_minor: String(batch.declaredTotalMinor),
    scheduled_for: batch.scheduledFor,
    received_count: batch.receivedCount,
    received_total_minor: String(batch.receivedTotalMinor),
    submitted_by: batch.submittedBy,
    approved_by: batch.approvedBy,
    updated_at: batch.updatedAt,
  };
}

function newPaymentColumns(payment: NewPayment) {
  // Every column spelled out: a spread of changedPaymentColumns would take V8's slow path.
  return {
    payment_id: payment.paymentId,
    batch_id: payment.batchId,
    reference: payment.reference,
    beneficiary_id: payment.beneficiaryId,
    payee_fa: payment.payeeFa,
    payee_name: payment.payeeName,
    beneficiary_key: payment.beneficiaryKey,
    amount_minor: String(payment.amountMinor),
    currency: payment.currency,
    region: payment.region,
    purpose: payment.purpose,
    status: payment.status,
    status_reason: payment.statusReason,
    dfsp_id: payment.dfspId,
    rule_id: payment.ruleId,
    rules_version: payment.rulesVersion,
    attempts: payment.attempts,
    reconciliation: payment.reconciliation,
    next_attempt_at: payment.nextAttemptAt,
    succeeded_at: payment.succeededAt,
    dfsp_transaction_id: payment.dfspTransactionId,
    created_at: payment.createdAt,
    updated_at: payment.updatedAt,
  };
}

function changedPaymentColumns(payment: PaymentState) {
  return {
    payment_id: payment.paymentId,
    status: payment.status,
    status_reason: payment.statusReason,
    dfsp_id: payment.dfspId,
    rule_id: payment.ruleId,
    rules_version: payment.rulesVersion,
    attempts: payment.attempts,
    reconciliation: payment.reconciliation,
    next_attempt_at: payment.nextAttemptAt,
    succeeded_at: payment.succeededAt,
    dfsp_transaction_id: payment.dfspTransactionId,
    updated_at: payment.updatedAt,
  };
}

function totalsColumns(delta: TotalsDelta) {
  return {
    batch_id: delta.batchId,
    dfsp_id: delta.dfspId,
    status: delta.status,
    reconciliation: delta.reconciliation,
    count: delta.count,
    amount_minor: String(delta.amountMinor),
  };
}
