/**
 * A DFSP's statement of the programme's funding account, whatever format it came in (CSV, SWIFT
 * MT940, ISO 20022 camt.053, camt.052 or camt.054): the shape the parsers produce and
 * reconciliation reads. A file may hold several statements (a week of daily MT940 statements,
 * several `Stmt` in one camt.053); each is a `ParsedStatement` of its own. Amounts are minor
 * units (bigint) in the statement's currency; dates are ISO 8601 (`2026-11-28`).
 */

/** Which way money moved on the funding account. A payment to a beneficiary is a debit. */
export type EntryDirection = 'debit' | 'credit';

/** One booked line of a statement. */
export interface StatementLine {
  /** 1-based position among the statement's lines, for reports ("line 12"). */
  readonly lineNumber: number;
  /**
   * The ledger's payment id as the DFSP echoes it (CSV `reference_id`, MT940 `:61:` customer
   * reference, camt.053 `EndToEndId`); null when the line carries none.
   */
  readonly reference: string | null;
  /** Positive. */
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly direction: EntryDirection;
  /** A reversal of an earlier entry (MT940 `RD`/`RC`, camt.053 `RvslInd`, CSV `reversal`). */
  readonly reversal: boolean;
  /** Booking date, where the format gives one. */
  readonly bookedOn?: string;
  /**
   * Free text (MT940 `:86:`, camt.053 `AddtlNtryInf`/`Ustrd`, CSV `narrative`), at most 500
   * characters.
   */
  readonly narrative?: string;
}

/** A balance as statements give it: signed minor units (negative when the account is overdrawn). */
export interface StatementBalance {
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly on?: string;
}

export const STATEMENT_FORMATS = ['csv', 'mt940', 'camt053', 'camt052', 'camt054'] as const;
/** `camt052`: an account report (`Rpt`); `camt054`: a debit/credit notification (`Ntfctn`). */
export type StatementFormat = (typeof STATEMENT_FORMATS)[number];

/**
 * What a reader noticed and read past rather than refuse:
 * - `leading_lines_skipped`: bank lines before a statement (`:940:`, `ABNANL2A`, an SOH byte);
 * - `trailing_lines_skipped`: text after a file's last statement;
 * - `unknown_tag`: an MT940 field the reader does not know (`:NS:`), kept unread;
 * - `impossible_date`: a date the bank printed that is no calendar day (30 February), read as
 *   the nearest real one;
 * - `unusable_reference`: a line whose reference cannot name a payment (empty, too long);
 * - `decoded_as`: the text was not UTF-8 and was decoded in another charset;
 * - `more_notices`: the notices stopped at {@link MAX_STATEMENT_NOTICES}.
 */
export const STATEMENT_NOTICE_KINDS = [
  'leading_lines_skipped',
  'trailing_lines_skipped',
  'unknown_tag',
  'impossible_date',
  'unusable_reference',
  'decoded_as',
  'more_notices',
] as const;
export type StatementNoticeKind = (typeof STATEMENT_NOTICE_KINDS)[number];

/** Most notices a statement keeps; the last one then says how many more there were. */
export const MAX_STATEMENT_NOTICES = 50;

/** Something a reader read past, where (`line 12, field :NS:`, `Stmt[2]/Ntry[3]`). */
export interface StatementNotice {
  readonly location: string;
  readonly kind: StatementNoticeKind;
  /** At most 200 characters; never quotes more than a few characters of the input. */
  readonly message: string;
}

export interface ParsedStatement {
  readonly format: StatementFormat;
  /** The statement's own reference (MT940 `:20:`, camt.053 `Stmt/Id`), where given. */
  readonly statementRef?: string;
  /** The account it is a statement of (MT940 `:25:`, camt.053 `Acct/Id`), where given. */
  readonly accountId?: string;
  /**
   * The period it covers, where given (camt.053 `FrToDt`; MT940 and CSV: first and last
   * booking).
   */
  readonly from?: string;
  readonly to?: string;
  /** Opening and closing balances (MT940 `:60F:`/`:62F:`, camt.053 `OPBD`/`CLBD`); CSV has none. */
  readonly opening?: StatementBalance;
  readonly closing?: StatementBalance;
  readonly lines: readonly StatementLine[];
  /** What the reader read past in this statement (at most {@link MAX_STATEMENT_NOTICES}). */
  readonly notices: readonly StatementNotice[];
}
