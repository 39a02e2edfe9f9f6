/**
 * A DFSP's statement of the programme's funding account, whatever format it came in (CSV, SWIFT
 * MT940, ISO 20022 camt.053): the shape the parsers produce and reconciliation reads. Amounts
 * are minor units (bigint) in the statement's currency; dates are ISO 8601 (`2026-11-28`).
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

export type StatementFormat = 'csv' | 'mt940' | 'camt053';

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
}
