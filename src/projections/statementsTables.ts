import type {
  BalanceCheckView,
  DiscrepancyKind,
  DiscrepancySeverity,
} from '../application/readModels.js';
import type { SqlExecutor } from '../application/sqlDatabase.js';
import type { StatementFormat, StatementNotice } from '../domain/statement.js';
import type { LineOutcome } from '../domain/statementEvents.js';

/** Rows per statement when writing: a 1,000-line event's discrepancies fit in one. */
const MAX_ROWS_PER_STATEMENT = 2_000;

/** A `statements` row as the projection folds events into it. */
export interface StatementRow {
  readonly statementId: string;
  readonly dfspId: string;
  readonly format: StatementFormat;
  readonly contentSha256: string;
  readonly statementRef: string | null;
  readonly accountId: string | null;
  readonly currency: string | null;
  readonly periodFrom: string | null;
  readonly periodTo: string | null;
  openingMinor: bigint | null;
  closingMinor: bigint | null;
  computedClosingMinor: bigint | null;
  balanceCheck: BalanceCheckView | null;
  readonly lineCount: number;
  /** Lines per reconciliation outcome. */
  readonly counts: Record<LineOutcome, number>;
  missingCount: number;
  readonly importedBy: string;
  readonly importedAt: string;
  /** What the reader read past; null when it noted nothing. Written once, on insert. */
  readonly notices: readonly StatementNotice[] | null;
}

/** A `reconciliation_discrepancies` row; amounts are minor units as decimal strings. */
export interface DiscrepancyRow {
  readonly discrepancyId: string;
  readonly kind: DiscrepancyKind;
  readonly severity: DiscrepancySeverity;
  readonly statementId: string;
  readonly dfspId: string;
  readonly batchId: string | null;
  readonly paymentId: string | null;
  readonly reference: string | null;
  readonly lineNumber: number | null;
  readonly statementAmountMinor: string | null;
  readonly statementCurrency: string | null;
  readonly ledgerAmountMinor: string | null;
  readonly ledgerCurrency: string | null;
  readonly ledgerStatus: string | null;
  readonly detectedAt: string;
}

/** Reads the statements a batch of events touches, by id: one query. */
export async function loadStatements(
  tx: SqlExecutor,
  statementIds: readonly string[],
): Promise<Map<string, StatementRow>> {
  const { rows } = await tx.query<{
    statement_id: string;
    dfsp_id: string;
    format: StatementRow['format'];
    content_sha256: string;
    statement_ref: string | null;
    account_id: string | null;
    currency: string | null;
    period_from: string | null;
    period_to: string | null;
    opening_minor: string | null;
    closing_minor: string | null;
    computed_closing_minor: string | null;
    balance_check: BalanceCheckView | null;
    line_count: number;
    matched_count: number;
    mismatched_count: number;
    paid_but_failed_count: number;
    paid_twice_count: number;
    returned_count: number;
    unknown_count: number;
    other_dfsp_count: number;
    not_a_payment_count: number;
    missing_count: number;
    imported_by: string;
    imported_at: string;
    notices: StatementNotice[] | null;
  }>(
    `SELECT statement_id, dfsp_id, format, content_sha256, statement_ref, account_id, currency,
       period_from, period_to, opening_minor::text AS opening_minor,
       closing_minor::text AS closing_minor,
       computed_closing_minor::text AS computed_closing_minor, balance_check, line_count,
       matched_count, mismatched_count, paid_but_failed_count, paid_twice_count, returned_count,
       unknown_count, other_dfsp_count, not_a_payment_count, missing_count, imported_by,
       imported_at::text AS imported_at, notices
     FROM statements WHERE statement_id = ANY($1::text[])`,
    [statementIds],
  );
  const minor = (text: string | null) => (text === null ? null : BigInt(text));
  return new Map(
    rows.map((row): [string, StatementRow] => [
      row.statement_id,
      {
        statementId: row.statement_id,
        dfspId: row.dfsp_id,
        format: row.format,
        contentSha256: row.content_sha256,
        statementRef: row.statement_ref,
        accountId: row.account_id,
        currency: row.currency,
        periodFrom: row.period_from,
        periodTo: row.period_to,
        openingMinor: minor(row.opening_minor),
        closingMinor: minor(row.closing_minor),
        computedClosingMinor: minor(row.computed_closing_minor),
        balanceCheck: row.balance_check,
        lineCount: row.line_count,
        counts: {
          matched: row.matched_count,
          mismatched: row.mismatched_count,
          paid_but_failed: row.paid_but_failed_count,
          paid_twice: row.paid_twice_count,
          returned: row.returned_count,
          unknown: row.unknown_count,
          other_dfsp: row.other_dfsp_count,
          not_a_payment: row.not_a_payment_count,
        },
        missingCount: row.missing_count,
        importedBy: row.imported_by,
        importedAt: row.imported_at,
        notices: row.notices,
      },
    ]),
  );
}

/** Inserts new statements and updates those already there (their counts and balance check). */
export async function writeStatements(
  tx: SqlExecutor,
  statements: readonly StatementRow[],
): Promise<void> {
  await inChunks(statements, (chunk) =>
    tx.query(
      `INSERT INTO statements (statement_id, dfsp_id, format, content_sha256, statement_ref,
         account_id, currency, period_from, period_to, opening_minor, closing_minor,
         computed_closing_minor, balance_check, line_count, matched_count, mismatched_count,
         paid_but_failed_count, paid_twice_count, returned_count, unknown_count,
         other_dfsp_count, not_a_payment_count, missing_count, imported_by, imported_at, notices)
       SELECT statement_id, dfsp_id, format, content_sha256, statement_ref, account_id,
         currency, period_from, period_to, opening_minor, closing_minor,
         computed_closing_minor, balance_check, line_count, matched_count, mismatched_count,
         paid_but_failed_count, paid_twice_count, returned_count, unknown_count,
         other_dfsp_count, not_a_payment_count, missing_count, imported_by, imported_at, notices
       FROM json_to_recordset($1::json) AS r(statement_id text, dfsp_id text, format text,
         content_sha256 text, statement_ref text, account_id text, currency text,
         period_from text, period_to text, opening_minor numeric, closing_minor numeric,
         computed_closing_minor numeric, balance_check text, line_count integer,
         matched_count integer, mismatched_count integer, paid_but_failed_count integer,
         paid_twice_count integer, returned_count integer, unknown_count integer,
         other_dfsp_count integer, not_a_payment_count integer, missing_count integer,
         imported_by text, imported_at timestamptz, notices jsonb)
       ON CONFLICT (statement_id) DO UPDATE SET opening_minor = excluded.opening_minor,
         closing_minor = excluded.closing_minor,
         computed_closing_minor = excluded.computed_closing_minor,
         balance_check = excluded.balance_check, matched_count = excluded.matched_count,
         mismatched_count = excluded.mismatched_count,
         paid_but_failed_count = excluded.paid_but_failed_count,
         paid_twice_count = excluded.paid_twice_count, returned_count = excluded.returned_count,
         unknown_count = excluded.unknown_count, other_dfsp_count = excluded.other_dfsp_count,
         not_a_payment_count = excluded.not_a_payment_count,
         missing_count = excluded.missing_count`,
      [JSON.stringify(chunk.map(statementColumns))],
    ),
  );
}

/** Inserts discrepancies; one already there is a duplicate event and fails the batch. */
export async function writeDiscrepancies(
  tx: SqlExecutor,
  discrepancies: readonly DiscrepancyRow[],
): Promise<void> {
  await inChunks(discrepancies, (chunk) =>
    tx.query(
      `INSERT INTO reconciliation_discrepancies (discrepancy_id, kind, severity, statement_id,
         dfsp_id, batch_id, payment_id, reference, line_number, statement_amount_minor,
         statement_currency, ledger_amount_minor, ledger_currency, ledger_status, detected_at)
       SELECT discrepancy_id, kind, severity, statement_id, dfsp_id, batch_id, payment_id,
         reference, line_number, statement_amount_minor, statement_currency,
         ledger_amount_minor, ledger_currency, ledger_status, detected_at
       FROM json_to_recordset($1::json) AS r(discrepancy_id text, kind text, severity text,
         statement_id text, dfsp_id text, batch_id text, payment_id text, reference text,
         line_number integer, statement_amount_minor numeric, statement_currency text,
         ledger_amount_minor numeric, ledger_currency text, ledger_status text,
         detected_at timestamptz)`,
      [
        JSON.stringify(
          chunk.map((row) => ({
            discrepancy_id: row.discrepancyId,
            kind: row.kind,
            severity: row.severity,
            statement_id: row.statementId,
            dfsp_id: row.dfspId,
            batch_id: row.batchId,
            payment_id: row.paymentId,
            reference: row.reference,
            line_number: row.lineNumber,
            statement_amount_minor: row.statementAmountMinor,
            statement_currency: row.statementCurrency,
            ledger_amount_minor: row.ledgerAmountMinor,
            ledger_currency: row.ledgerCurrency,
            ledger_status: row.ledgerStatus,
            detected_at: row.detectedAt,
          })),
        ),
      ],
    ),
  );
}

function statementColumns(row: StatementRow) {
  const minor = (amount: bigint | null) => (amount === null ? null : String(amount));
  return {
    statement_id: row.statementId,
    dfsp_id: row.dfspId,
    format: row.format,
    content_sha256: row.contentSha256,
    statement_ref: row.statementRef,
    account_id: row.accountId,
    currency: row.currency,
    period_from: row.periodFrom,
    period_to: row.periodTo,
    opening_minor: minor(row.openingMinor),
    closing_minor: minor(row.closingMinor),
    computed_closing_minor: minor(row.computedClosingMinor),
    balance_check: row.balanceCheck,
    line_count: row.lineCount,
    matched_count: row.counts.matched,
    mismatched_count: row.counts.mismatched,
    paid_but_failed_count: row.counts.paid_but_failed,
    paid_twice_count: row.counts.paid_twice,
    returned_count: row.counts.returned,
    unknown_count: row.counts.unknown,
    other_dfsp_count: row.counts.other_dfsp,
    not_a_payment_count: row.counts.not_a_payment,
    missing_count: row.missingCount,
    imported_by: row.importedBy,
    imported_at: row.importedAt,
    notices: row.notices,
  };
}

async function inChunks<Row>(
  rows: readonly Row[],
  write: (chunk: readonly Row[]) => Promise<unknown>,
): Promise<void> {
  for (let start = 0; start < rows.length; start += MAX_ROWS_PER_STATEMENT) {
    await write(rows.slice(start, start + MAX_ROWS_PER_STATEMENT));
  }
}
