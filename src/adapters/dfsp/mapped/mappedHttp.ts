import { z } from 'zod';
import {
  type DfspConnector,
  type DfspEndpoint,
  DfspMessageError,
  DfspQueryError,
  type DfspTransactionIndex,
  type DisbursementGroup,
  type DisbursementPayment,
  type SubmitOutcome,
} from '../../../application/dfspConnector.js';
import { parseFinancialAddress } from '../../../domain/financialAddress.js';
import { formatAmount } from '../../../domain/money.js';
import type { StatusReport } from '../../../domain/statusReport.js';
import { exchange, type FetchFunction, parseJson } from '../httpExchange.js';
import {
  type CompiledExpression,
  type CompiledMapping,
  type CompiledRequest,
  MappingFailure,
} from './expressions.js';

/**
 * The `mapped-http` connector: a DFSP's API described as data (a mapping document of JSONata
 * expressions), for DFSPs that speak neither G2P Connect nor a shipped profile. It builds each
 * request from the mapping, sends it with the DFSP's credentials (`fetch` adds them), and maps
 * the answer, the status query's answer and the callbacks back to the ledger's outcomes and
 * reports. The README's "Connecting a DFSP" documents what each expression sees and returns.
 */

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_CALLBACK_REPORTS = 10_000;

const Reason = z.string().min(1).max(100);
const OutcomeEntry = z.strictObject({
  paymentId: z.string().max(100).optional(),
  outcome: z.enum(['accepted', 'rejected', 'unknown']),
  code: Reason.optional(),
  message: z.string().max(1_000).optional(),
  /** A refusal that says "not now": the same request may be sent again later. */
  transient: z.boolean().optional(),
  /** The DFSP's own id of the payment, recorded with the acceptance. */
  dfspTransactionId: z.string().min(1).max(200).optional(),
  /** Accepted and already final (a synchronous API): the payment's result, applied at once. */
  result: z.enum(['succeeded', 'failed']).optional(),
  reasonCode: Reason.optional(),
  reasonMessage: z.string().max(1_000).optional(),
});
type OutcomeEntry = z.infer<typeof OutcomeEntry>;
const OutcomeResult = z.union([OutcomeEntry, z.array(OutcomeEntry).max(10_000)]);

const ReportEntry = z.strictObject({
  /** Our reference; or, where the DFSP names the payment only by its own id, that id. */
  paymentId: z.string().min(1).max(100).optional(),
  dfspTransactionId: z.string().min(1).max(200).optional(),
  status: z.enum(['succeeded', 'failed', 'pending', 'not_held']),
  reasonCode: Reason.optional(),
  reasonMessage: z.string().max(1_000).optional(),
  timestamp: z.string().max(64).optional(),
  /**
   * A callback that is the DFSP's asynchronous answer to the ledger's status query (Daraja's
   * Transaction Status result): only such an answer, or a synchronous one, may say `not_held`.
   */
  answersQuery: z.boolean().optional(),
});
const ReportsResult = z.union([ReportEntry, z.array(ReportEntry).max(MAX_CALLBACK_REPORTS)]);

/** What one DFSP's mapping needs besides the mapping. */
export interface MappedConnection {
  readonly mapping: CompiledMapping;
  readonly parameters: Readonly<Record<string, string>>;
  /** Sealed values the expressions read as `secrets.<name>`; redacted from previews. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Sends with the DFSP's credentials. */
  readonly fetch: FetchFunction;
  /** Where the DFSP sends its callbacks (`callbackUrl` in the expressions). */
  readonly callbackUrl: string;
  readonly dfspId: string;
  /** The DFSP's own ids of payments, for reports that name only those and for status queries. */
  readonly transactionIndex: DfspTransactionIndex;
  readonly maxResponseBytes?: number;
  /** Per-request limit when the endpoint gives none. */
  readonly timeoutMs: number;
}

/** A request as the mapping renders it, before it is sent. */
export interface RenderedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** A callback's reports and the answer its DFSP expects. */
export interface ReadCallback {
  readonly reports: StatusReport[];
  /** Reports that answer the ledger's status query (`answersQuery`). */
  readonly queryAnswers: StatusReport[];
  /** Reports naming a DFSP id the ledger has not recorded (yet): the DFSP should send again. */
  readonly unmatched: number;
  readonly answer: unknown;
}

/**
 * One DFSP's `mapped-http` connector, plus `readCallback` for its callbacks and `preview` for
 * previews.
 *
 * @example
 * const connector = createMappedHttpConnector({ mapping: compileMapping(doc), parameters: {},
 *   secrets: {}, fetch, callbackUrl, timeoutMs: 10_000 });
 * await connector.submit(group); // { kind: 'accepted', messageId }
 */
export function createMappedHttpConnector(connection: MappedConnection) {
  const { mapping } = connection;

  const connector = {
    /**
     * The submit request a group would produce, nothing sent: secret values are replaced by
     * `[redacted]` (credentials that `fetch` adds are not shown at all).
     */
    async preview(group: DisbursementGroup): Promise<RenderedRequest> {
      const input = submitInput(group, connection);
      const rendered = await renderRequest(mapping.submit.request, group.dfsp, input);
      return redact(rendered, Object.values(connection.secrets));
    },

    async submit(group: DisbursementGroup): Promise<SubmitOutcome> {
      const messageId = group.messageId ?? group.transactionId;
      const unsendable = unsendablePayments(group.payments);
      if (unsendable.length > 0) return { kind: 'unsendable', problems: unsendable };
      if (group.payments.length > mapping.maxPaymentsPerRequest) {
        throw new RangeError(`at most ${mapping.maxPaymentsPerRequest} payments per request`);
      }
      const input = submitInput(group, connection);
      let rendered: RenderedRequest;
      try {
        rendered = await renderRequest(mapping.submit.request, group.dfsp, input);
      } catch (error) {
        if (!(error instanceof MappingFailure)) throw error;
        // Nothing was sent, so the DFSP holds none of it: the payments fail with the reason (an
        // operator retries them once the mapping or the payment is mended).
        const { message } = error;
        const problems = group.payments.map(({ paymentId }) => ({
          paymentId,
          code: 'mapping_failed',
          message,
        }));
        return { kind: 'unsendable', problems };
      }
      const result = await send(connection, group.dfsp, rendered);
      if (result.kind !== 'answered')
        return { kind: result.kind, messageId, reason: result.reason };
      try {
        const answer = answerInput(result, input.payments);
        const mapped = OutcomeResult.parse(await mapping.submit.outcome.evaluate(answer));
        const entries = Array.isArray(mapped) ? mapped : [mapped];
        return groupOutcome(messageId, entries, group.payments);
      } catch (error) {
        // The answer came but cannot be read: the DFSP may hold the payments.
        const reason = error instanceof Error ? error.message : String(error);
        return { kind: 'unknown', messageId, reason: `unreadable answer: ${reason.slice(0, 500)}` };
      }
    },

    async queryStatus(dfsp: DfspEndpoint, referenceIds: readonly string[]) {
      const query = mapping.statusQuery;
      const pending = (ids: readonly string[]) =>
        ids.map((referenceId) => ({ referenceId, status: 'pending' as const }));
      // A DFSP that cannot be asked: its payments stay with it until a callback settles them.
      if (query === undefined) return pending(referenceIds);
      const reports: StatusReport[] = [];
      for (let start = 0; start < referenceIds.length; start += query.maxPaymentsPerRequest) {
        const ids = referenceIds.slice(start, start + query.maxPaymentsPerRequest);
        reports.push(...(await queryGroup(connection, dfsp, query, ids)));
      }
      // An id the answer leaves out concludes nothing: only `not_held` says the DFSP lacks it.
      const listed = new Set(reports.map((report) => report.referenceId));
      return [...reports, ...pending(referenceIds.filter((id) => !listed.has(id)))];
    },

    /**
     * Maps a verified callback (its JSON body, lower-case headers and the query of the URL it
     * was sent to) to its reports; `DfspMessageError` when it cannot.
     */
    async readCallback(
      body: unknown,
      headers: Readonly<Record<string, string>>,
      query: Readonly<Record<string, string>>,
    ): Promise<ReadCallback> {
      const callback = mapping.callback;
      if (callback === undefined) {
        throw new DfspMessageError('', 'this DFSP has no callback mapping');
      }
      const input = { body, headers, query, parameters: connection.parameters };
      const named = await mappedReports(callback.reports, input, (error) => {
        throw new DfspMessageError('', error);
      });
      const mapped = await matchedToPayments(connection, named);
      const unmatched = named.length - mapped.length;
      const reports = mapped.filter((entry) => !entry.answersQuery).map(({ report }) => report);
      const queryAnswers = mapped.filter((entry) => entry.answersQuery).map(({ report }) => report);
      if (callback.answer === undefined) return { reports, queryAnswers, unmatched, answer: {} };
      try {
        const answer = (await callback.answer.evaluate(input)) ?? {};
        return { reports, queryAnswers, unmatched, answer };
      } catch (error) {
        if (!(error instanceof MappingFailure)) throw error;
        throw new DfspMessageError('', error.message);
      }
    },
  } satisfies Pick<DfspConnector, 'submit' | 'queryStatus'> & Record<string, unknown>;

  return connector;
}

export type MappedHttpConnector = ReturnType<typeof createMappedHttpConnector>;

/** Sends a rendered request with the DFSP's credentials, bounded as the exchange bounds it. */
function send(connection: MappedConnection, dfsp: DfspEndpoint, rendered: RenderedRequest) {
  return exchange(connection.fetch, {
    ...rendered,
    timeoutMs: dfsp.timeoutMs ?? connection.timeoutMs,
    maxResponseBytes: connection.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
  });
}

/** One status query request for up to `maxPaymentsPerRequest` payments, mapped to reports. */
async function queryGroup(
  connection: MappedConnection,
  dfsp: DfspEndpoint,
  query: NonNullable<CompiledMapping['statusQuery']>,
  ids: readonly string[],
): Promise<StatusReport[]> {
  const known = await connection.transactionIndex.dfspTransactionIdsOf(ids);
  const payments = ids.map((paymentId) => ({
    paymentId,
    dfspTransactionId: known.get(paymentId),
  }));
  const input = {
    dfsp: dfspInput(dfsp),
    parameters: connection.parameters,
    secrets: connection.secrets,
    callbackUrl: connection.callbackUrl,
    payments,
    payment: payments[0],
  };
  const fail = (message: string): never => {
    throw new DfspQueryError(dfsp.dfspId, message);
  };
  let rendered: RenderedRequest;
  try {
    rendered = await renderRequest(query.request, dfsp, input);
  } catch (error) {
    if (!(error instanceof MappingFailure)) throw error;
    return fail(`status query mapping: ${error.message}`);
  }
  const result = await send(connection, dfsp, rendered);
  if (result.kind !== 'answered') return fail(`status query failed: ${result.reason}`);
  const answer = answerInput(result, input.payments);
  const asked = new Set(ids);
  const reports = await mappedReports(query.reports, answer, (message) =>
    fail(`malformed status answer: ${message}`),
  );
  const matched = await matchedToPayments(connection, reports);
  return matched.map(({ report }) => report).filter((report) => asked.has(report.referenceId));
}

/** The expression input of a submit request. */
function submitInput(group: DisbursementGroup, connection: MappedConnection) {
  const payments = group.payments.map(paymentInput);
  return {
    dfsp: dfspInput(group.dfsp),
    parameters: connection.parameters,
    secrets: connection.secrets,
    transactionId: group.transactionId,
    messageId: group.messageId ?? group.transactionId,
    callbackUrl: connection.callbackUrl,
    payments,
    payment: payments[0],
  };
}

function dfspInput(dfsp: DfspEndpoint) {
  return { dfspId: dfsp.dfspId, baseUrl: dfsp.baseUrl, payerFa: dfsp.payerFa };
}

/** A payment as expressions see it: the amount as an exact decimal string, never a float. */
function paymentInput(payment: DisbursementPayment) {
  const payee = parseFinancialAddress(payment.payeeFa);
  return {
    paymentId: payment.paymentId,
    payeeFa: payment.payeeFa,
    payee: { type: payee.type, id: payee.id, provider: payee.provider },
    payeeName: payment.payeeName,
    amount: formatAmount(payment.amountMinor, payment.currency),
    amountMinor: payment.amountMinor.toString(),
    currency: payment.currency,
    note: payment.note,
    purpose: payment.purpose,
  };
}

function unsendablePayments(payments: readonly DisbursementPayment[]) {
  return payments.flatMap((payment) => {
    try {
      parseFinancialAddress(payment.payeeFa);
      return [];
    } catch {
      return [
        {
          paymentId: payment.paymentId,
          code: 'payee_fa_unrepresentable',
          message: 'payee_fa is not a financial address type:id@provider',
        },
      ];
    }
  });
}

function answerInput(
  result: {
    readonly status: number;
    readonly headers: Readonly<Record<string, string>>;
    readonly text: string | undefined;
  },
  payments: readonly unknown[],
) {
  return { status: result.status, headers: result.headers, body: parseJson(result.text), payments };
}

/** Renders a mapped request: its path, headers and body evaluated over `input`. */
async function renderRequest(
  spec: CompiledRequest,
  dfsp: DfspEndpoint,
  input: unknown,
): Promise<RenderedRequest> {
  const path = await spec.path.evaluate(input);
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new MappingFailure(spec.path.source.slice(0, 40), 'the path must be a string from /');
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  const extra = spec.headers === undefined ? {} : await spec.headers.evaluate(input);
  if (
    extra !== undefined &&
    (typeof extra !== 'object' || extra === null || Array.isArray(extra))
  ) {
    throw new MappingFailure('headers', 'must be an object of header names to strings');
  }
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (value === undefined) continue;
    if (!/^[A-Za-z0-9-]{1,64}$/.test(name)) throw new MappingFailure('headers', `bad name ${name}`);
    headers[name.toLowerCase()] = String(value);
  }
  let body: string | undefined;
  if (spec.body !== undefined) {
    const value = await spec.body.evaluate(input);
    if (spec.bodyEncoding === 'form') {
      body = new URLSearchParams(
        Object.entries((value ?? {}) as Record<string, unknown>).map(
          ([name, field]): [string, string] => [name, String(field)],
        ),
      ).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      body = JSON.stringify(value ?? null);
      headers['content-type'] = 'application/json';
    }
  }
  const url = `${dfsp.baseUrl.replace(/\/+$/, '')}${path}`;
  return { method: spec.method, url, headers, body };
}

function redact(rendered: RenderedRequest, secrets: readonly string[]): RenderedRequest {
  const hide = (text: string) =>
    secrets.reduce((hidden, secret) => hidden.split(secret).join('[redacted]'), text);
  return {
    method: rendered.method,
    url: hide(rendered.url),
    headers: Object.fromEntries(
      Object.entries(rendered.headers).map(([name, value]) => [name, hide(value)]),
    ),
    body: rendered.body === undefined ? undefined : hide(rendered.body),
  };
}

/**
 * One outcome for the request from the outcomes the mapping gave, the safest where they differ;
 * results a synchronous API gave at once travel with an acceptance as reports.
 */
function groupOutcome(
  messageId: string,
  entries: readonly OutcomeEntry[],
  payments: readonly DisbursementPayment[],
): SubmitOutcome {
  // Unknown anywhere: the DFSP may hold the group; it stays there until a query settles it.
  const unknown = entries.find((entry) => entry.outcome === 'unknown');
  if (unknown !== undefined || entries.length === 0) {
    const reason = unknown?.message ?? 'the mapping gave no outcome';
    return { kind: 'unknown', messageId, reason };
  }
  // Accepted anywhere: the group was taken; a refused payment is settled by a report or a query.
  if (entries.some((entry) => entry.outcome === 'accepted')) {
    const reports = entries.flatMap((entry): StatusReport[] => {
      const referenceId = referenceOf(entry, payments);
      if (entry.outcome !== 'accepted' || entry.result === undefined || referenceId === undefined) {
        return [];
      }
      return [
        {
          referenceId,
          status: entry.result,
          ...(entry.reasonCode === undefined ? {} : { reasonCode: entry.reasonCode }),
          ...(entry.reasonMessage === undefined ? {} : { reasonMessage: entry.reasonMessage }),
        },
      ];
    });
    const dfspTransactionIds = new Map(
      entries.flatMap((entry): [string, string][] => {
        const paymentId = referenceOf(entry, payments);
        const id = entry.dfspTransactionId;
        return entry.outcome === 'accepted' && paymentId !== undefined && id !== undefined
          ? [[paymentId, id]]
          : [];
      }),
    );
    return {
      kind: 'accepted',
      messageId,
      ...(reports.length === 0 ? {} : { reports }),
      ...(dfspTransactionIds.size === 0 ? {} : { dfspTransactionIds }),
    };
  }
  const [first] = entries as [OutcomeEntry];
  return {
    kind: 'rejected',
    messageId,
    code: first.code ?? 'rejected',
    message: first.message ?? 'the DFSP refused the request',
    retryable: entries.every((entry) => entry.transient === true),
  };
}

/** Reports with our reference as they are; those naming only the DFSP's id, matched by it. */
async function matchedToPayments(
  connection: MappedConnection,
  named: readonly NamedReport[],
): Promise<NamedReport[]> {
  const byDfspId = named.flatMap((entry) =>
    entry.report.referenceId === '' && entry.dfspTransactionId !== undefined
      ? [entry.dfspTransactionId]
      : [],
  );
  const paymentIds = await connection.transactionIndex.paymentIdsOf(connection.dfspId, byDfspId);
  return named.flatMap((entry) => {
    if (entry.report.referenceId !== '') return [entry];
    const paymentId = paymentIds.get(entry.dfspTransactionId ?? '');
    return paymentId === undefined
      ? []
      : [{ ...entry, report: { ...entry.report, referenceId: paymentId } }];
  });
}

/** The payment an outcome names: its `paymentId`, or the only payment of the request. */
function referenceOf(
  entry: OutcomeEntry,
  payments: readonly DisbursementPayment[],
): string | undefined {
  return entry.paymentId ?? (payments.length === 1 ? payments[0]?.paymentId : undefined);
}

/** A report as a mapping gave it; `referenceId` is '' where it named only the DFSP's id. */
interface NamedReport {
  readonly report: StatusReport;
  readonly answersQuery: boolean;
  readonly dfspTransactionId?: string;
}

/** Evaluates a reports expression; `fail` is called with the reason when its result is not reports. */
async function mappedReports(
  expression: CompiledExpression,
  input: unknown,
  fail: (message: string) => never,
): Promise<NamedReport[]> {
  let result: unknown;
  try {
    result = await expression.evaluate(input);
  } catch (error) {
    if (!(error instanceof MappingFailure)) throw error;
    return fail(error.message);
  }
  if (result === undefined) return [];
  const parsed = ReportsResult.safeParse(result);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(`${issue?.path.join('.') ?? ''} ${issue?.message ?? 'not reports'}`.trim());
  }
  const entries = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  return entries.map((entry) => ({
    // No reference: to be matched by the DFSP's id (matchedToPayments).
    report: {
      referenceId: entry.paymentId ?? '',
      status: entry.status === 'not_held' ? 'unknown_reference' : entry.status,
      ...(entry.reasonCode === undefined ? {} : { reasonCode: entry.reasonCode }),
      ...(entry.reasonMessage === undefined ? {} : { reasonMessage: entry.reasonMessage }),
      ...(entry.timestamp === undefined ? {} : { timestamp: entry.timestamp }),
    },
    answersQuery: entry.answersQuery === true,
    ...(entry.dfspTransactionId === undefined
      ? {}
      : { dfspTransactionId: entry.dfspTransactionId }),
  }));
}
