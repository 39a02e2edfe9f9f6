import { ulid } from 'ulid';
import {
  type DfspConnector,
  type DfspEndpoint,
  DfspMessageError,
  DfspQueryError,
  type DisbursementGroup,
  type SubmitOutcome,
  type UnsendablePayment,
} from '../../application/dfspConnector.js';
import type { StatusReport } from '../../domain/statusReport.js';
import {
  buildDisburseRequest,
  buildStatusQuery,
  errorOf,
  G2P_FINANCIAL_ADDRESS,
  MAX_DISBURSEMENTS,
  onDisburseSchema,
  parseAcknowledgement,
  parseOnDisburse,
  parseStatusAnswer,
  toG2pAmount,
} from './g2pConnectMessages.js';
import { exchange, type FetchFunction, parseJson } from './httpExchange.js';

/** Options of `createG2pConnectConnector`. */
export interface G2pConnectOptions {
  /** The ledger's `sender_id` as registered with the DFSPs. */
  readonly senderId: string;
  /** The HTTP client; global `fetch` by default (tests may pass another). */
  readonly fetch?: FetchFunction;
  /** Per-request limit, covering connect, send and reading the answer; 10 s by default. */
  readonly timeoutMs?: number;
  /** Largest answer read, in bytes; 1 MiB by default. A larger one counts as unreadable. */
  readonly maxResponseBytes?: number;
  /** The clock for `message_ts`; the system clock by default. */
  readonly now?: () => Date;
  /** A fresh unique `message_id` per request; a ULID by default. */
  readonly newMessageId?: () => string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Spec `Error` codes that say "not now" rather than "never": the same request may come again. */
const TRANSIENT_ERRORS = new Set([
  'err.request.timeout',
  'err.request.too_many_requests',
  'err.service.unavailable',
]);

/**
 * A connector for the G2P Connect disburse API (v1.0.0): `POST {baseUrl}/disburse` to send,
 * `POST {baseUrl}/disburse/sync/txn/status` to query, `on-disburse` bodies to parse. Every request
 * is bounded: at most 10,000 payments, `timeoutMs` from connect to the last byte of the answer,
 * an answer of at most `maxResponseBytes`.
 *
 * @example
 * const connector = createG2pConnectConnector({ senderId: 'ledger.example.org' });
 * const outcome = await connector.submit(group); // { kind: 'accepted', messageId: '01J…' }
 */
export function createG2pConnectConnector(options: G2pConnectOptions): DfspConnector {
  if (options.senderId.trim() === '') throw new Error('senderId must not be empty');
  const fetchFn = options.fetch ?? fetch;
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const now = options.now ?? (() => new Date());
  const newMessageId = options.newMessageId ?? (() => ulid());

  const headerInput = () => ({
    messageId: newMessageId(),
    messageTs: now().toISOString(),
    senderId: options.senderId,
  });

  /** POSTs `body`; answers the status and the JSON read, or the failure classified. */
  async function post(dfsp: DfspEndpoint, path: string, body: unknown): Promise<PostResult> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    const result = await exchange(fetchFn, {
      url: `${dfsp.baseUrl.replace(/\/+$/, '')}${path}`,
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      timeoutMs: dfsp.timeoutMs ?? defaultTimeoutMs,
      maxResponseBytes,
    });
    if (result.kind !== 'answered') return result;
    return { kind: 'answered', status: result.status, json: parseJson(result.text) };
  }

  return {
    async submit(group: DisbursementGroup): Promise<SubmitOutcome> {
      assertCount(group.payments.length, 'payments');
      const ids = new Set(group.payments.map((payment) => payment.paymentId));
      if (ids.size !== group.payments.length) throw new Error('payment ids must be unique');
      const problems: UnsendablePayment[] = [];
      for (const payment of group.payments) {
        const amount = toG2pAmount(payment.amountMinor, payment.currency);
        if (!amount.ok) {
          problems.push({
            paymentId: payment.paymentId,
            code: 'amount_unrepresentable',
            message: amount.message,
          });
        } else if (!G2P_FINANCIAL_ADDRESS.test(payment.payeeFa)) {
          problems.push({
            paymentId: payment.paymentId,
            code: 'payee_fa_unrepresentable',
            message: 'payee_fa has characters a G2P Connect financial address cannot carry',
          });
        }
      }
      if (problems.length > 0) return { kind: 'unsendable', problems };

      const header = headerInput();
      const request = buildDisburseRequest(
        group,
        group.messageId === undefined ? header : { ...header, messageId: group.messageId },
      );
      const messageId = request.header.message_id;
      const result = await post(group.dfsp, '/disburse', request);
      if (result.kind !== 'answered')
        return { kind: result.kind, messageId, reason: result.reason };
      return outcomeOf(messageId, result.status, result.json);
    },

    async queryStatus(dfsp: DfspEndpoint, referenceIds: readonly string[]) {
      assertCount(referenceIds.length, 'referenceIds');
      const result = await post(
        dfsp,
        '/disburse/sync/txn/status',
        buildStatusQuery(referenceIds, headerInput()),
      );
      if (result.kind !== 'answered') {
        throw new DfspQueryError(dfsp.dfspId, `status query failed: ${result.reason}`);
      }
      if (result.status < 200 || result.status > 299) {
        throw new DfspQueryError(dfsp.dfspId, `status query answered HTTP ${result.status}`);
      }
      let reports: StatusReport[];
      try {
        reports = parseStatusAnswer(result.json);
      } catch (error) {
        if (!(error instanceof DfspMessageError)) throw error;
        throw new DfspQueryError(dfsp.dfspId, `malformed status answer: ${error.message}`);
      }
      // An id the answer leaves out concludes nothing (a DFSP's index may lag behind its
      // intake): only `rjct.reference_id.invalid` says the DFSP does not hold the payment.
      const listed = new Set(reports.map((report) => report.referenceId));
      const unlisted = referenceIds.filter((id) => !listed.has(id));
      return [
        ...reports,
        ...unlisted.map((referenceId) => ({ referenceId, status: 'pending' as const })),
      ];
    },

    parseStatusReport: parseOnDisburse,
    statusCallbackSchema: onDisburseSchema,
  };
}

type PostResult =
  | { kind: 'answered'; status: number; json: unknown }
  | { kind: 'unknown' | 'unreachable'; reason: string };

/** The outcome of a `/disburse` request the DFSP answered with HTTP `status` and `json`. */
function outcomeOf(messageId: string, status: number, json: unknown): SubmitOutcome {
  if (status >= 200 && status <= 299) {
    let ack: ReturnType<typeof parseAcknowledgement>;
    try {
      ack = parseAcknowledgement(json);
    } catch (error) {
      if (!(error instanceof DfspMessageError)) throw error;
      return { kind: 'unknown', messageId, reason: `unreadable acknowledgement: ${error.message}` };
    }
    if (ack.ack_status === 'ACK') {
      return ack.correlation_id === undefined
        ? { kind: 'accepted', messageId }
        : { kind: 'accepted', messageId, correlationId: ack.correlation_id };
    }
    const code = ack.error?.code ?? ack.ack_status.toLowerCase();
    const message = ack.error?.message ?? `the DFSP answered ${ack.ack_status}`;
    return { kind: 'rejected', messageId, code, message, retryable: TRANSIENT_ERRORS.has(code) };
  }
  if (status >= 300 && status <= 499) {
    const error = errorOf(json);
    const code = error?.code ?? `http.${status}`;
    const message = error?.message ?? `the DFSP answered HTTP ${status}`;
    const retryable = status === 408 || status === 429 || TRANSIENT_ERRORS.has(code);
    return { kind: 'rejected', messageId, code, message, retryable };
  }
  return { kind: 'unknown', messageId, reason: `the DFSP answered HTTP ${status}` };
}

function assertCount(count: number, what: string): void {
  if (count < 1 || count > MAX_DISBURSEMENTS) {
    throw new RangeError(`${what} must hold 1 to ${MAX_DISBURSEMENTS} entries, got ${count}`);
  }
}
