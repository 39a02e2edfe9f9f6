import { z } from 'zod';
import { DfspMessageError, type DisbursementGroup } from '../../application/dfspConnector.js';
import { formatAmount, minorUnitsOf } from '../../domain/money.js';
import { optional } from '../../domain/optional.js';
import type { StatusReport } from '../../domain/statusReport.js';

/**
 * The G2P Connect disburse messages (`../shared/specs/g2p-connect/`, v1.0.0): building the
 * requests the ledger sends and parsing the answers and callbacks it gets. No I/O here.
 */

/** The protocol version the ledger speaks (`header.version`). */
export const G2P_CONNECT_VERSION = '1.0.0';
/** Most disbursements in one request, and most statuses accepted in one report. */
export const MAX_DISBURSEMENTS = 10_000;
/**
 * `header.action` of a status query. The spec lists `search`/`subscribe` on
 * `/disburse/sync/txn/status`, a copy-paste defect (SOURCE.md): `disburse` is meant, as the
 * `txn_type` says, so the ledger sends `disburse`.
 */
export const STATUS_QUERY_ACTION = 'disburse';
/**
 * A financial address as the spec's `cdpi_FinancialAddress` gives it (`^[a-zA-Z0-9.-]+@[a-zA-Z0-9.-]+$`),
 * with `:` and `_` added because the spec's own examples read `token:12345@gtbank`. A `+` (as in
 * `mobile:+254…`) is not in it: such an address cannot be sent, and is refused, never rewritten.
 */
export const G2P_FINANCIAL_ADDRESS = /^[a-zA-Z0-9.:_-]+@[a-zA-Z0-9.-]+$/;

/** The spec's `Amount` pattern. */
const SPEC_AMOUNT = /^\d{1,13}\.\d{1,2}$/;

/** `amount` as the spec can carry it, or why it cannot. */
export type G2pAmount = { ok: true; amount: string } | { ok: false; message: string };

/**
 * Formats minor units as the spec's `Amount` (`^\d{1,13}\.\d{1,2}$`: always a point, at most two
 * decimals) without ever changing the value. Two-decimal currencies are as `formatAmount` gives
 * them (KES 1050 → `"10.50"`). Zero-decimal currencies get `.00` (JPY 1500 → `"1500.00"`): the
 * pattern demands a point, and any decimal reader takes `1500.00` as exactly 1500; two zero
 * decimals are the shape most DFSPs are written against. Three-decimal currencies lose their
 * third decimal only when it is 0 (BHD 1250 → `"1.25"`, which is 1.250); an amount that needs it
 * (BHD 1255) cannot be carried, and is refused rather than rounded.
 *
 * @example
 * toG2pAmount(150000n, 'KES'); // { ok: true, amount: '1500.00' }
 * toG2pAmount(1500n, 'JPY'); // { ok: true, amount: '1500.00' }
 * toG2pAmount(1255n, 'BHD'); // { ok: false, message: '…' }
 */
export function toG2pAmount(amountMinor: bigint, currency: string): G2pAmount {
  const decimals = minorUnitsOf(currency);
  if (decimals === undefined) return { ok: false, message: `unknown currency ${currency}` };
  if (amountMinor <= 0n) return { ok: false, message: 'amount must be greater than zero' };
  let text = formatAmount(amountMinor, currency);
  if (decimals === 0) text = `${text}.00`;
  while (/\.\d{3,}$/.test(text) && text.endsWith('0')) text = text.slice(0, -1);
  if (!SPEC_AMOUNT.test(text)) {
    return {
      ok: false,
      message: `${formatAmount(amountMinor, currency)} ${currency} cannot be expressed as a G2P Connect amount (at most 13 digits and 2 decimals)`,
    };
  }
  return { ok: true, amount: text };
}

/**
 * Parses a spec `Amount` back into minor units of `currency`: the inverse of `toG2pAmount`.
 * Decimals beyond the currency's must be zeros (JPY `"1500.00"` is 1500; `"1500.50"` is refused).
 * Throws `DfspMessageError` (path `amount`) for anything else.
 *
 * @example
 * fromG2pAmount('1.25', 'BHD'); // 1250n
 */
export function fromG2pAmount(text: string, currency: string): bigint {
  const decimals = minorUnitsOf(currency);
  if (decimals === undefined) throw new DfspMessageError('amount', `unknown currency ${currency}`);
  const match = /^(\d{1,13})\.(\d{1,2})$/.exec(text);
  const [, integer, fraction] = match ?? [];
  if (integer === undefined || fraction === undefined) {
    throw new DfspMessageError('amount', `expected digits, a point and 1 or 2 decimals`);
  }
  const kept = fraction.slice(0, decimals).padEnd(decimals, '0');
  if (!/^0*$/.test(fraction.slice(decimals))) {
    throw new DfspMessageError('amount', `${currency} allows ${decimals} decimals`);
  }
  return BigInt(integer + kept);
}

/** Header fields every request carries; `message_id` and `message_ts` are fresh per request. */
export interface RequestHeaderInput {
  readonly messageId: string;
  readonly messageTs: string;
  readonly senderId: string;
}

/**
 * The `/disburse` body for a group whose amounts are all expressible (see `toG2pAmount`); throws
 * if one is not, so check first. Optional fields are left out, never sent empty; no `signature`
 * (its scheme is commented out in the spec).
 */
export function buildDisburseRequest(group: DisbursementGroup, header: RequestHeaderInput) {
  const disbursements = group.payments.map((payment) => {
    const amount = toG2pAmount(payment.amountMinor, payment.currency);
    if (!amount.ok) throw new Error(`payment ${payment.paymentId}: ${amount.message}`);
    return {
      reference_id: payment.paymentId,
      payer_fa: group.dfsp.payerFa,
      payee_fa: payment.payeeFa,
      amount: amount.amount,
      currency_code: payment.currency,
      ...optional('payee_name', payment.payeeName),
      ...optional('note', payment.note),
      ...optional('purpose', payment.purpose),
    };
  });
  return {
    header: {
      version: G2P_CONNECT_VERSION,
      message_id: header.messageId,
      message_ts: header.messageTs,
      action: 'disburse',
      sender_id: header.senderId,
      sender_uri: group.callbackUrl,
      total_count: disbursements.length,
      is_msg_encrypted: false,
    },
    message: { transaction_id: group.transactionId, disbursements },
  };
}

/**
 * The `/disburse/sync/txn/status` body asking for `referenceIds`. The query is its own
 * transaction: `transaction_id` and the required `txnstatus_request.reference_id` are the
 * request's fresh message id.
 */
export function buildStatusQuery(referenceIds: readonly string[], header: RequestHeaderInput) {
  return {
    header: {
      version: G2P_CONNECT_VERSION,
      message_id: header.messageId,
      message_ts: header.messageTs,
      action: STATUS_QUERY_ACTION,
      sender_id: header.senderId,
      total_count: referenceIds.length,
      is_msg_encrypted: false,
    },
    message: {
      transaction_id: header.messageId,
      txnstatus_request: {
        reference_id: header.messageId,
        txn_type: 'disburse',
        attribute_type: 'reference_id_list',
        attribute_value: [...referenceIds],
      },
    },
  };
}

const text999 = z.string().max(999);
const isoTimestamp = z.iso.datetime({ offset: true }).max(64);

const ackSchema = z.object({
  message: z.object({
    ack_status: z.enum(['ACK', 'NACK', 'ERR']),
    correlation_id: z.string().max(99).optional(),
    error: z.object({ code: z.string().max(99), message: text999.optional() }).optional(),
  }),
});

/** A synchronous acknowledgement (`Response`): its status, error and correlation id. */
export type Acknowledgement = z.infer<typeof ackSchema>['message'];

/** Parses the synchronous answer to `/disburse`; throws `DfspMessageError` if malformed. */
export function parseAcknowledgement(body: unknown): Acknowledgement {
  return parseWith(ackSchema, body).message;
}

const httpErrorSchema = z.object({
  errors: z.array(z.object({ code: z.string().max(99), message: text999.optional() })).min(1),
});

/** The first `{code, message}` of an HTTP error body (`HttpErrorResponse` or an `ERR` ack). */
export function errorOf(body: unknown): { code: string; message?: string | undefined } | undefined {
  const listed = httpErrorSchema.safeParse(body);
  if (listed.success) return listed.data.errors[0];
  const ack = ackSchema.safeParse(body);
  return ack.success ? ack.data.message.error : undefined;
}

const disburseStatusSchema = z.object({
  transaction_id: z.string().max(99).optional(),
  disbursements_status: z
    .array(
      z.object({
        reference_id: z.string().min(1).max(256).meta({ description: 'the payment id' }),
        timestamp: isoTimestamp.optional(),
        status: z.enum(['rcvd', 'pdng', 'succ', 'rjct']),
        status_reason_code: z.string().max(99).optional(),
        status_reason_message: text999.optional(),
      }),
    )
    .max(MAX_DISBURSEMENTS),
});

const encryptionFlag = z.object({
  is_msg_encrypted: z.literal(false, { error: 'encrypted messages are not supported' }).optional(),
});

/** The body of an `on-disburse` callback, as the ledger reads it (other fields are ignored). */
export const onDisburseSchema = z
  .object({
    header: encryptionFlag.optional(),
    message: disburseStatusSchema,
  })
  .meta({
    id: 'OnDisburse',
    description:
      'A G2P Connect `on-disburse` callback (disburse API v1.0.0); other fields of the spec are ' +
      'accepted and ignored, encrypted messages are not supported.',
  });

const statusAnswerSchema = z.object({
  header: encryptionFlag
    .extend({
      status: z.enum(['rcvd', 'pdng', 'succ', 'rjct']).optional(),
      status_reason_code: z.string().max(99).optional(),
      status_reason_message: text999.optional(),
    })
    .optional(),
  message: z.object({ txnstatus_response: z.object({ txn_status: disburseStatusSchema }) }),
});

/**
 * Parses an `on-disburse` callback body into status reports: `succ` → succeeded, `rjct` →
 * failed except `rjct.reference_id.duplicate` → duplicate, `rcvd`/`pdng` → pending. Throws
 * `DfspMessageError` naming the first bad field; encrypted messages are not supported. Each report
 * carries the message's `transaction_id`, the sending it answers.
 *
 * @example
 * parseOnDisburse({ message: { disbursements_status: [{ reference_id: 'p1', status: 'succ' }] } });
 * // [{ referenceId: 'p1', status: 'succeeded' }]
 */
export function parseOnDisburse(body: unknown): StatusReport[] {
  const { message } = parseWith(onDisburseSchema, body);
  // The callback answers the disburse request of this transaction: a refusal is bound to it.
  const answers = optional('transactionId', message.transaction_id);
  return toReports(message).map((report) => ({ ...report, ...answers }));
}

/**
 * Parses the synchronous answer to a status query (`txnstatus_response.txn_status` in the
 * on-disburse shape, whatever its header `action`). Only a reference the DFSP answers
 * `rjct.reference_id.invalid` for is `unknown_reference` (not held); a reference the answer leaves
 * out gets no report here, and concludes nothing. Throws `DfspMessageError` if malformed or if the
 * header says the query itself was rejected.
 */
export function parseStatusAnswer(body: unknown): StatusReport[] {
  const answer = parseWith(statusAnswerSchema, body);
  if (answer.header?.status === 'rjct') {
    const reason = answer.header.status_reason_code ?? 'no reason code';
    throw new DfspMessageError('header.status', `status query rejected (${reason})`);
  }
  return toReports(answer.message.txnstatus_response.txn_status).map((report) =>
    report.status === 'failed' && report.reasonCode === NOT_FOUND ? notHeld(report) : report,
  );
}

/**
 * In a status query's answer, `rjct.reference_id.invalid` is the DFSP saying it has no such
 * reference: it does not hold the payment (in a callback the same code rejects a payment).
 */
const NOT_FOUND = 'rjct.reference_id.invalid';

function notHeld(report: StatusReport): StatusReport {
  return { referenceId: report.referenceId, status: 'unknown_reference' };
}

function toReports(message: z.infer<typeof disburseStatusSchema>): StatusReport[] {
  return message.disbursements_status.map((entry) => {
    const status =
      entry.status === 'succ'
        ? 'succeeded'
        : entry.status === 'rjct'
          ? entry.status_reason_code === 'rjct.reference_id.duplicate'
            ? 'duplicate'
            : 'failed'
          : 'pending';
    return {
      referenceId: entry.reference_id,
      status,
      ...optional('reasonCode', entry.status_reason_code),
      ...optional('reasonMessage', entry.status_reason_message),
      ...optional('timestamp', entry.timestamp),
    };
  });
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  throw new DfspMessageError(path, issue?.message ?? 'malformed');
}
