import type {
  BalanceCheckView,
  DiscrepancyKind,
  DiscrepancySeverity,
  DiscrepancyView,
  StatementView,
} from '../application/readModels.js';
import { formatAmount } from '../domain/money.js';
import type { StatementNotice } from '../domain/statement.js';
import { isoTimestamp } from './viewColumns.js';

/** A `statements` row as {@link statementColumns} selects it. */
export interface StatementViewRow {
  readonly statement_id: string;
  readonly dfsp_id: string;
  readonly format: StatementView['format'];
  readonly statement_ref: string | null;
  readonly account_id: string | null;
  readonly currency: string | null;
  readonly period_from: string | null;
  readonly period_to: string | null;
  readonly opening_minor: string | null;
  readonly closing_minor: string | null;
  readonly computed_closing_minor: string | null;
  readonly balance_check: BalanceCheckView | null;
  readonly line_count: number;
  readonly matched_count: number;
  readonly mismatched_count: number;
  readonly paid_but_failed_count: number;
  readonly paid_twice_count: number;
  readonly returned_count: number;
  readonly unknown_count: number;
  readonly other_dfsp_count: number;
  readonly not_a_payment_count: number;
  readonly missing_count: number;
  readonly imported_by: string;
  readonly imported_at: string;
  readonly notices: StatementNotice[] | null;
}

/** The select list of a statement, from `statements s`. */
export const statementColumns = `s.statement_id, s.dfsp_id, s.format, s.statement_ref,
  s.account_id, s.currency, s.period_from, s.period_to, s.opening_minor::text AS opening_minor,
  s.closing_minor::text AS closing_minor,
  s.computed_closing_minor::text AS computed_closing_minor, s.balance_check, s.line_count,
  s.matched_count, s.mismatched_count, s.paid_but_failed_count, s.paid_twice_count,
  s.returned_count, s.unknown_count, s.other_dfsp_count, s.not_a_payment_count, s.missing_count,
  s.imported_by, ${isoTimestamp('s.imported_at')} AS imported_at, s.notices`;

/** The API's statement: its lines counted by outcome, its balances in its currency. */
export function toStatementView(row: StatementViewRow): StatementView {
  const balance = (amountMinor: string | null) =>
    amountMinor === null || row.currency === null
      ? null
      : formatAmount(BigInt(amountMinor), row.currency);
  return {
    statementId: row.statement_id,
    dfspId: row.dfsp_id,
    format: row.format,
    statementRef: row.statement_ref,
    accountId: row.account_id,
    currency: row.currency,
    from: row.period_from,
    to: row.period_to,
    importedAt: row.imported_at,
    importedBy: row.imported_by,
    // Absent when the reader noted nothing (and for statements imported before notices).
    ...(row.notices === null || row.notices.length === 0 ? {} : { notices: row.notices }),
    lines: {
      total: row.line_count,
      matched: row.matched_count,
      mismatched: row.mismatched_count,
      paidButFailed: row.paid_but_failed_count,
      paidTwice: row.paid_twice_count,
      returned: row.returned_count,
      unknown: row.unknown_count,
      otherDfsp: row.other_dfsp_count,
      notAPayment: row.not_a_payment_count,
    },
    missingFromStatement: row.missing_count,
    balance: {
      check: row.balance_check,
      opening: balance(row.opening_minor),
      closing: balance(row.closing_minor),
      computedClosing: balance(row.computed_closing_minor),
    },
  };
}

/** A `reconciliation_discrepancies` row as {@link discrepancyColumns} selects it. */
export interface DiscrepancyViewRow {
  readonly discrepancy_id: string;
  readonly kind: DiscrepancyKind;
  readonly severity: DiscrepancySeverity;
  readonly statement_id: string;
  readonly dfsp_id: string;
  readonly batch_id: string | null;
  readonly payment_id: string | null;
  readonly reference: string | null;
  readonly line_number: number | null;
  readonly statement_amount_minor: string | null;
  readonly statement_currency: string | null;
  readonly ledger_amount_minor: string | null;
  readonly ledger_currency: string | null;
  readonly ledger_status: string | null;
  readonly detected_at: string;
}

/** The select list of a discrepancy, from `reconciliation_discrepancies d`. */
export const discrepancyColumns = `d.discrepancy_id, d.kind, d.severity, d.statement_id,
  d.dfsp_id, d.batch_id, d.payment_id, d.reference, d.line_number,
  d.statement_amount_minor::text AS statement_amount_minor, d.statement_currency,
  d.ledger_amount_minor::text AS ledger_amount_minor, d.ledger_currency, d.ledger_status,
  ${isoTimestamp('d.detected_at')} AS detected_at`;

/** The API's discrepancy: both sides' amounts formatted each in its own currency. */
export function toDiscrepancyView(row: DiscrepancyViewRow): DiscrepancyView {
  const statementSide =
    row.statement_amount_minor === null || row.statement_currency === null
      ? null
      : {
          amount: formatAmount(BigInt(row.statement_amount_minor), row.statement_currency),
          currency: row.statement_currency,
        };
  const ledgerSide =
    row.ledger_amount_minor === null || row.ledger_currency === null
      ? null
      : {
          amount: formatAmount(BigInt(row.ledger_amount_minor), row.ledger_currency),
          currency: row.ledger_currency,
          status: row.ledger_status,
        };
  return {
    discrepancyId: row.discrepancy_id,
    kind: row.kind,
    severity: row.severity,
    statementId: row.statement_id,
    dfspId: row.dfsp_id,
    batchId: row.batch_id,
    paymentId: row.payment_id,
    reference: row.reference,
    lineNumber: row.line_number,
    statement: statementSide,
    ledger: ledgerSide,
    detectedAt: row.detected_at,
  };
}
