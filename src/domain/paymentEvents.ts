import { z } from 'zod';
import { DfspId } from './dfspEvents.js';
import {
  CurrencyCode,
  defineEvent,
  type EventOf,
  Instant,
  MinorUnits,
  Principal,
  Ulid,
} from './eventSchemas.js';

/** A DFSP's reason code as it sent it (`rjct.payee_fa.invalid`), or one of ours (`dispatch.…`). */
const ReasonCode = z.string().min(1).max(100);
/**
 * Where a DFSP's word on a payment came from: its callback, its answer to a status query, or its
 * answer to the sending itself (an API that pays synchronously).
 */
/** How a DFSP's report came: a callback, an answer to a query or a sending, a status file. */
export const ReportSource = z.enum(['callback', 'status_query', 'answer', 'status_file']);
export type ReportSource = z.infer<typeof ReportSource>;
/** Where a final status came from: a DFSP's word, or operators resolving a payment in doubt. */
const OutcomeSource = z.enum([...ReportSource.options, 'resolution']);

export const PaymentInstructed = defineEvent(
  'PaymentInstructed',
  z.strictObject({
    paymentId: Ulid,
    batchId: Ulid,
    programId: z.string().min(1).max(100),
    reference: z.string().min(1).max(100),
    beneficiaryId: z.string().min(1).max(100),
    /**
     * The payee's financial address as sent, or as the programme's ID mapper resolved it;
     * absent when the mapper named none (the payment is then unroutable with its reason).
     */
    payeeFa: z.string().min(1).max(160).optional(),
    /** Who gave `payeeFa` when the programme did not: its ID mapper. */
    payeeResolvedBy: z.literal('id-mapper').optional(),
    payeeName: z.string().max(200).optional(),
    /** The key its personal fields are sealed under in the log (see personalData.ts). */
    beneficiaryKey: Ulid.optional(),
    amountMinor: MinorUnits,
    currency: CurrencyCode,
    region: z.string().max(50).optional(),
    purpose: z.string().max(140).optional(),
    attributes: z.record(z.string(), z.string()).optional(),
  }),
);

export const PaymentRouted = defineEvent(
  'PaymentRouted',
  z.strictObject({
    paymentId: Ulid,
    dfspId: z.string().min(1),
    ruleId: z.string().min(1),
    rulesVersion: z.number().int().positive(),
    via: z.enum(['route', 'fallback']),
  }),
);

export const PaymentUnroutable = defineEvent(
  'PaymentUnroutable',
  z.strictObject({
    paymentId: Ulid,
    reason: z.string().max(1_000),
    rulesVersion: z.number().int().nonnegative(),
  }),
);

export const PaymentCancelled = defineEvent(
  'PaymentCancelled',
  z.strictObject({ paymentId: Ulid, by: Principal, reason: z.string().max(500).optional() }),
);

/**
 * The payment is being handed to its DFSP under `reference_id` = its payment id. It is recorded
 * before the request leaves, so from here on the DFSP may hold the payment: it goes to no other
 * DFSP until this one has said that it does not (invariant 1).
 */
export const PaymentSubmitted = defineEvent(
  'PaymentSubmitted',
  z.strictObject({
    paymentId: Ulid,
    dfspId: DfspId,
    /** The request's `transaction_id`, shared by the payments sent together. */
    transactionId: Ulid,
    messageId: z.string().min(1).max(100),
    /** 1 for the first sending; every later sending of the payment, to any DFSP, counts on. */
    attempt: z.number().int().positive(),
  }),
);

/**
 * A sending did not reach an acknowledgement. `dfspMayHold` says whether the DFSP can hold the
 * payment: true after a timeout, a lost connection or a 5xx (the payment stays `submitted` and a
 * status query settles it); false after a refusal, a connection that never opened, or a status
 * query the DFSP answered without it (the payment is `routed` again, to be sent at `retryAt`).
 */
export const PaymentSubmissionFailed = defineEvent(
  'PaymentSubmissionFailed',
  z.strictObject({
    paymentId: Ulid,
    dfspId: DfspId,
    attempt: z.number().int().positive(),
    outcome: z.enum(['rejected', 'unreachable', 'unknown', 'unsendable', 'not_held']),
    dfspMayHold: z.boolean(),
    retryable: z.boolean(),
    code: ReasonCode.optional(),
    reason: z.string().max(1_000),
    retryAt: Instant.optional(),
  }),
);

export const PaymentSucceeded = defineEvent(
  'PaymentSucceeded',
  z.strictObject({
    paymentId: Ulid,
    dfspId: DfspId,
    source: OutcomeSource,
    /** The DFSP's own time of the status, as it sent it. */
    reportedAt: z.string().max(64).optional(),
  }),
);

export const PaymentFailed = defineEvent(
  'PaymentFailed',
  z.strictObject({
    paymentId: Ulid,
    dfspId: DfspId,
    reasonCode: ReasonCode,
    reasonMessage: z.string().max(1_000).optional(),
    source: z.enum([...OutcomeSource.options, 'dispatcher']),
    reportedAt: z.string().max(64).optional(),
  }),
);

/**
 * A DFSP's report that contradicts what the ledger holds (a success for a cancelled or failed
 * payment, a report from a DFSP the payment is not with): kept for reconciliation, not applied.
 */
export const PaymentStatusConflicted = defineEvent(
  'PaymentStatusConflicted',
  z.strictObject({
    paymentId: Ulid,
    dfspId: DfspId,
    reported: z.enum(['succeeded', 'failed']),
    reasonCode: ReasonCode.optional(),
    source: ReportSource,
    ledgerStatus: z.string().max(20),
    ledgerDfspId: DfspId.optional(),
    reportedAt: z.string().max(64).optional(),
  }),
);

/** An operator sent a failed payment round again, under the same reference id. */
export const PaymentRetried = defineEvent(
  'PaymentRetried',
  z.strictObject({ paymentId: Ulid, by: Principal }),
);

/** A DFSP's statement shows the payment, for its amount and currency. */
export const PaymentReconciled = defineEvent(
  'PaymentReconciled',
  z.strictObject({
    paymentId: Ulid,
    statementId: z.string().max(26),
    dfspId: DfspId,
    amountMinor: MinorUnits,
    currency: CurrencyCode,
  }),
);

/**
 * A DFSP's statement shows the payment otherwise than the ledger holds it: another amount or
 * currency (`amount`, `currency`), paid although the ledger holds it failed or never sent
 * (`paid_but_failed`), or paid a second time (`paid_twice`). Both sides are kept.
 */
export const PaymentReconciliationMismatched = defineEvent(
  'PaymentReconciliationMismatched',
  z.strictObject({
    paymentId: Ulid,
    statementId: z.string().max(26),
    dfspId: DfspId,
    kind: z.enum(['amount', 'currency', 'paid_but_failed', 'paid_twice']),
    statementAmountMinor: MinorUnits,
    statementCurrency: CurrencyCode,
    ledgerAmountMinor: MinorUnits,
    ledgerCurrency: CurrencyCode,
    ledgerStatus: z.string().max(20),
  }),
);

/**
 * The DFSP reversed the payment on its statement: the money came back (`succeeded` →
 * `returned`).
 */
export const PaymentReturned = defineEvent(
  'PaymentReturned',
  z.strictObject({
    paymentId: Ulid,
    statementId: z.string().max(26),
    dfspId: DfspId,
    amountMinor: MinorUnits,
    currency: CurrencyCode,
  }),
);

/**
 * The DFSP took the payment and named it by its own transaction id (M-Pesa's ConversationID, a
 * Mojaloop transferId, a bank's payout id): status queries, callbacks and statements that name
 * it so are matched to the payment by it.
 */
export const PaymentAcceptedByDfsp = defineEvent(
  'PaymentAcceptedByDfsp',
  z.strictObject({
    paymentId: Ulid,
    dfspId: DfspId,
    /** The sending the DFSP answered. */
    transactionId: Ulid,
    dfspTransactionId: z.string().min(1).max(200),
  }),
);

/**
 * An operator proposes the outcome of a payment in doubt (its sending's outcome is unknown and its
 * DFSP cannot be asked, or has not said), with the evidence for it (a DFSP statement line, a
 * ticket with the DFSP). Nothing changes until a second principal confirms it.
 */
export const PaymentResolutionProposed = defineEvent(
  'PaymentResolutionProposed',
  z.strictObject({
    paymentId: Ulid,
    dfspId: DfspId,
    outcome: z.enum(['succeeded', 'failed']),
    evidence: z.string().min(1).max(2_000),
    by: Principal,
  }),
);

/**
 * A second principal (an approver, not the proposer) confirmed the proposed outcome; the
 * `PaymentSucceeded` or `PaymentFailed` that follows it (source `resolution`) applies it.
 */
export const PaymentResolved = defineEvent(
  'PaymentResolved',
  z.strictObject({
    paymentId: Ulid,
    dfspId: DfspId,
    outcome: z.enum(['succeeded', 'failed']),
    proposedBy: Principal,
    by: Principal,
  }),
);

export const paymentEvents = [
  PaymentInstructed,
  PaymentRouted,
  PaymentUnroutable,
  PaymentCancelled,
  PaymentSubmitted,
  PaymentSubmissionFailed,
  PaymentSucceeded,
  PaymentFailed,
  PaymentStatusConflicted,
  PaymentRetried,
  PaymentReconciled,
  PaymentReconciliationMismatched,
  PaymentReturned,
  PaymentResolutionProposed,
  PaymentResolved,
  PaymentAcceptedByDfsp,
] as const;

export type PaymentEvent = EventOf<(typeof paymentEvents)[number]>;

export const paymentStream = (paymentId: string) => `payment-${paymentId}`;
