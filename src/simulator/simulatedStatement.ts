/**
 * Faults a statement can be told to carry, so the ledger's reconciliation has something to find.
 * Each applies once, in this order, to the period's paid references in payment order:
 *   wrong-amount  – the 1st paid reference is stated 1 minor unit higher
 *   reversal      – a reversal (credit) of the 2nd paid reference, same amount, is appended
 *   unknown-line  – a debit with a reference the ledger never issued is appended
 *   omission      – the 3rd paid reference is left out
 *   balance-break – the closing balance is 1 major unit (1.00) too low
 * The balances agree with the lines listed, so only `balance-break` breaks
 * opening + credits − debits = closing.
 */
export const injectionNames = [
  'wrong-amount',
  'reversal',
  'unknown-line',
  'omission',
  'balance-break',
] as const;

export type InjectionName = (typeof injectionNames)[number];

/** Each injection applied, with the reference it touched (`balance-break` touches none: null). */
export type Injected = Partial<Record<InjectionName, string | null>>;

/**
 * A statement of the programme's funding account as the simulated DFSP states it, before it is
 * written as CSV, MT940 or camt.053. Amounts are minor units of `currency`; instants are ISO 8601
 * UTC; dates are `YYYY-MM-DD`.
 */
export interface SimulatedStatement {
  /** At most 16 characters (MT940 `:20:`, camt.053 `Stmt/Id`); the same for the same content. */
  id: string;
  createdAt: string;
  /** The payer FA the payments came from, or a simulator account number (at most 34 characters). */
  accountId: string;
  currency: string;
  /** The period [from, to): the instants as given, or start-up and `createdAt`. */
  from: string;
  to: string;
  /** Dates of the opening balance (the period's first day) and closing balance (its last). */
  openingOn: string;
  closingOn: string;
  /** Signed: negative when the account is overdrawn. */
  openingMinor: bigint;
  closingMinor: bigint;
  lines: StatementLine[];
  injected: Injected;
}

/** One booked entry of a statement. */
export interface StatementLine {
  /** The payment's reference_id (the ledger's payment id). */
  reference: string;
  /** Positive. */
  amountMinor: bigint;
  /** A payment is a debit of the funding account; money coming back is a credit. */
  direction: 'debit' | 'credit';
  /** A reversal of an earlier entry (a credit reversing a debit). */
  reversal: boolean;
  bookedAt: string;
  payeeFa: string;
  payeeName?: string;
  /** Payee FA and name, one line of at most 140 characters. */
  narrative: string;
  /** The DFSP's own reference of the entry, at most 16 characters. */
  bankReference: string;
}
