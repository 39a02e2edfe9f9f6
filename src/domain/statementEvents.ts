import { z } from 'zod';
import { DfspId } from './dfspEvents.js';
import {
  CurrencyCode,
  defineEvent,
  type EventOf,
  MinorUnits,
  Principal,
  ULID_PATTERN,
} from './eventSchemas.js';
import { MAX_STATEMENT_NOTICES, STATEMENT_FORMATS, STATEMENT_NOTICE_KINDS } from './statement.js';

/** Signed minor units as a decimal string (a balance may be negative). */
const SignedMinorUnits = z.string().regex(/^-?\d{1,20}$/, 'signed minor units');
/** A statement id: 26 Crockford base32 characters derived from the DFSP and the content. */
export const StatementId = z.string().regex(ULID_PATTERN, 'a statement id');
/** A date (`2026-11-28`) or an instant, as the statement gave it. */
const DateOrInstant = z.string().max(40);

/** Something the statement reader read past rather than refuse (see `StatementNotice`). */
const Notice = z.strictObject({
  location: z.string().max(100),
  kind: z.enum(STATEMENT_NOTICE_KINDS),
  message: z.string().max(200),
});

const Balance = z.strictObject({
  amountMinor: SignedMinorUnits,
  currency: CurrencyCode,
  on: DateOrInstant.optional(),
});

/**
 * What reconciliation made of one statement line:
 * - `matched`: a payment of this DFSP, same amount and currency, paid or in flight;
 * - `mismatched`: same payment, another amount or currency;
 * - `paid_but_failed`: the statement pays a payment the ledger holds as failed, cancelled or
 *   never sent (critical);
 * - `paid_twice`: a payment debited a second time on the statement (critical);
 * - `returned`: the DFSP reversed a payment it had made;
 * - `unknown`: no payment of the ledger has this reference;
 * - `other_dfsp`: a payment of the ledger, but sent to another DFSP;
 * - `not_a_payment`: a line that is no payment (a credit to the funding account, a correction).
 */
export const LineOutcome = z.enum([
  'matched',
  'mismatched',
  'paid_but_failed',
  'paid_twice',
  'returned',
  'unknown',
  'other_dfsp',
  'not_a_payment',
]);
export type LineOutcome = z.infer<typeof LineOutcome>;

export const ReconciledLine = z.strictObject({
  lineNumber: z.number().int().positive(),
  reference: z.string().max(100).nullable(),
  amountMinor: MinorUnits,
  currency: CurrencyCode,
  direction: z.enum(['debit', 'credit']),
  reversal: z.boolean(),
  bookedOn: DateOrInstant.optional(),
  outcome: LineOutcome,
  /** For lines matched to a payment of the ledger: its batch and what the ledger holds. */
  batchId: z.string().max(26).optional(),
  ledgerAmountMinor: MinorUnits.optional(),
  ledgerCurrency: CurrencyCode.optional(),
  ledgerStatus: z.string().max(20).optional(),
});
export type ReconciledLine = z.infer<typeof ReconciledLine>;

/**
 * A statement was received and read; its lines follow in `StatementLinesReconciled` chunks. A
 * file of several statements records each on its own stream, with its place in the file
 * (`statementIndex`, 0-based, of `statementsInFile`); a file of one leaves both out.
 */
export const StatementImported = defineEvent(
  'StatementImported',
  z.strictObject({
    statementId: StatementId,
    dfspId: DfspId,
    format: z.enum(STATEMENT_FORMATS),
    /** SHA-256 of the exact bytes received (hex): the same content is the same statement. */
    contentSha256: z.string().regex(/^[0-9a-f]{64}$/),
    statementIndex: z.number().int().nonnegative().max(999).optional(),
    statementsInFile: z.number().int().min(2).max(1_000).optional(),
    statementRef: z.string().max(100).optional(),
    accountId: z.string().max(100).optional(),
    currency: CurrencyCode.optional(),
    from: DateOrInstant.optional(),
    to: DateOrInstant.optional(),
    opening: Balance.optional(),
    closing: Balance.optional(),
    lineCount: z.number().int().nonnegative(),
    /** What the reader read past (absent: nothing; events before notices existed). */
    notices: z.array(Notice).min(1).max(MAX_STATEMENT_NOTICES).optional(),
    by: Principal,
  }),
);

/** Up to 1,000 lines of a statement with what reconciliation made of each. */
export const StatementLinesReconciled = defineEvent(
  'StatementLinesReconciled',
  z.strictObject({
    statementId: StatementId,
    lines: z.array(ReconciledLine).min(1).max(1_000),
  }),
);

/**
 * Payments the ledger holds as succeeded at this DFSP within the statement's period that the
 * statement does not list (up to 1,000 an event).
 */
export const StatementPaymentsMissing = defineEvent(
  'StatementPaymentsMissing',
  z.strictObject({
    statementId: StatementId,
    payments: z
      .array(
        z.strictObject({
          paymentId: z.string().max(26),
          batchId: z.string().max(26),
          amountMinor: MinorUnits,
          currency: CurrencyCode,
        }),
      )
      .min(1)
      .max(1_000),
  }),
);

/**
 * The statement's arithmetic: opening balance + credits − debits against the closing balance.
 * `not_available` when the format carries no balances (CSV).
 */
export const StatementBalanceChecked = defineEvent(
  'StatementBalanceChecked',
  z.strictObject({
    statementId: StatementId,
    outcome: z.enum(['balanced', 'break', 'not_available']),
    openingMinor: SignedMinorUnits.optional(),
    closingMinor: SignedMinorUnits.optional(),
    computedClosingMinor: SignedMinorUnits.optional(),
  }),
);

export const statementEvents = [
  StatementImported,
  StatementLinesReconciled,
  StatementPaymentsMissing,
  StatementBalanceChecked,
] as const;
export type StatementEvent = EventOf<(typeof statementEvents)[number]>;

export const statementStream = (statementId: string) => `statement-${statementId}`;
