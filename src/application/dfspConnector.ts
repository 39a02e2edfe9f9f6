import type { ZodType } from 'zod';
import type { StatusReport } from '../domain/statusReport.js';
/**
 * The port between the dispatcher and a DFSP's API. A connector translates a group of routed
 * payments into one request of the DFSP's protocol (G2P Connect disburse is the first), and the
 * DFSP's answers (synchronous acknowledgements, status queries, status callbacks) back into the
 * plain shapes below. It holds no state and appends no events: the dispatcher decides what an
 * outcome means for each payment.
 */

/** Where and how to reach one DFSP. */
export interface DfspEndpoint {
  readonly dfspId: string;
  /** The DFSP's API root, e.g. `http://127.0.0.1:4001`; paths are appended to it. */
  readonly baseUrl: string;
  /** The programme's funding account at this DFSP (`payer_fa`), e.g. `account:100200300@bank-a`. */
  readonly payerFa: string;
  /** Per-request time limit for this DFSP; the connector's default when absent. */
  readonly timeoutMs?: number;
}

/** One payment as sent to a DFSP; `paymentId` is its stable `reference_id` (never regenerated). */
export interface DisbursementPayment {
  readonly paymentId: string;
  readonly payeeFa: string;
  readonly payeeName?: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly note?: string;
  readonly purpose?: string;
}

/**
 * Payments routed to one DFSP and sent in one request. `transactionId` (a ULID) names the
 * request's business transaction; a retry of the same group re-sends the same payment ids.
 */
export interface DisbursementGroup {
  readonly dfsp: DfspEndpoint;
  readonly transactionId: string;
  /**
   * The request's `message_id`, where the caller recorded it before sending; a fresh one is drawn
   * when absent.
   */
  readonly messageId?: string;
  /** Where the DFSP sends its status callbacks (`sender_uri`). */
  readonly callbackUrl: string;
  readonly payments: readonly DisbursementPayment[];
}

/** A payment the connector could not express in the DFSP's protocol. */
export interface UnsendablePayment {
  readonly paymentId: string;
  readonly code: string;
  readonly message: string;
}

/**
 * What came of sending a group, for every payment in it:
 *
 * - `accepted`: the DFSP acknowledged the request (`ACK`); results follow by callback or query,
 *   or came in the answer itself (`reports`).
 * - `rejected`: the DFSP refused the whole request (`NACK`, `ERR`, an HTTP 4xx) and holds none
 *   of it. `retryable` is true only where the refusal is transient by the spec's own codes
 *   (too many requests, service unavailable, request timeout; HTTP 408 and 429): the same group
 *   may be sent again to the same DFSP later.
 * - `unknown`: the request may have reached the DFSP (a timeout, a connection lost after the
 *   request was written, an HTTP 5xx, an unreadable 2xx answer). **These payments must not be
 *   sent to any other DFSP** until a status query to this one has said that it does not hold
 *   them (invariant 1); re-sending them to this DFSP with the same ids is safe.
 * - `unreachable`: the connection failed before anything was written (refused, no route, name
 *   not found): the DFSP cannot hold the payments; retryable, also elsewhere.
 * - `unsendable`: some payments cannot be expressed in the protocol (an amount the spec cannot
 *   carry); nothing was sent. The dispatcher fails those and may send the rest again.
 */
export type SubmitOutcome =
  | {
      readonly kind: 'accepted';
      readonly messageId: string;
      readonly correlationId?: string;
      /** Results the DFSP gave in its answer (a synchronous API): applied like a callback's. */
      readonly reports?: readonly StatusReport[];
      /** The DFSP's own id of each payment, by payment id, where its answer named one. */
      readonly dfspTransactionIds?: ReadonlyMap<string, string>;
    }
  | {
      readonly kind: 'rejected';
      readonly messageId: string;
      readonly code: string;
      readonly message: string;
      readonly retryable: boolean;
    }
  | { readonly kind: 'unknown'; readonly messageId: string; readonly reason: string }
  | { readonly kind: 'unreachable'; readonly messageId: string; readonly reason: string }
  | { readonly kind: 'unsendable'; readonly problems: readonly UnsendablePayment[] };

/**
 * A status query got no usable answer: the DFSP was unreachable, did not answer in time, refused
 * the query or answered something malformed. Nothing can be concluded about the payments; query
 * again later.
 */
export class DfspQueryError extends Error {
  override readonly name = 'DfspQueryError';

  constructor(
    readonly dfspId: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A status report, callback or answer that does not have the protocol's shape. `path` names the
 * offending field, e.g. `message.disbursements_status.3.status`.
 */
export class DfspMessageError extends Error {
  override readonly name = 'DfspMessageError';

  constructor(
    readonly path: string,
    message: string,
  ) {
    super(path === '' ? message : `${path}: ${message}`);
  }
}

/**
 * What the dispatcher and the callback route use to talk to a DFSP, whatever its protocol.
 *
 * @example
 * const outcome = await connector.submit(group);
 * if (outcome.kind === 'unknown') {
 *   const reports = await connector.queryStatus(
 *     group.dfsp,
 *     group.payments.map((p) => p.paymentId),
 *   );
 * }
 */
export interface DfspConnector {
  /**
   * Sends the group in one request. Never throws for a network or DFSP failure (see the
   * outcome); throws for a caller's bug (no payments, more than 10,000, a repeated payment id).
   */
  submit(group: DisbursementGroup): Promise<SubmitOutcome>;
  /**
   * Asks the DFSP for the status of these payment ids; every id asked for gets one report (ids
   * the DFSP lists besides are kept). `unknown_reference` (the DFSP does not hold the payment)
   * only on the DFSP's explicit word (G2P Connect: `rjct.reference_id.invalid`); an id the answer
   * leaves out is `pending`: nothing is concluded, and it is asked about again later. Throws
   * `DfspQueryError` when no usable answer came.
   */
  queryStatus(dfsp: DfspEndpoint, referenceIds: readonly string[]): Promise<StatusReport[]>;
  /** Parses a status callback body; throws `DfspMessageError` naming the field if malformed. */
  parseStatusReport(body: unknown): StatusReport[];
  /** The schema of a status callback's body, as the API document shows it. */
  readonly statusCallbackSchema: ZodType;
}

/**
 * The DFSPs' own ids of payments, as recorded when they took them (`PaymentAcceptedByDfsp`): a
 * callback or status answer that names a payment only by the DFSP's id is matched by it, and a
 * status query that must name the DFSP's id is built with it. Read from the read model.
 */
export interface DfspTransactionIndex {
  /** The payment ids of these DFSP ids at this DFSP, by DFSP id; unknown ids are left out. */
  paymentIdsOf(
    dfspId: string,
    dfspTransactionIds: readonly string[],
  ): Promise<ReadonlyMap<string, string>>;
  /** The DFSP ids of these payments, by payment id, where the DFSP named one. */
  dfspTransactionIdsOf(paymentIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
}
