import { randomBytes } from 'node:crypto';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { verifyCallback } from '../../adapters/dfsp/callbackSignature.js';
import { MAX_DISBURSEMENTS, parseOnDisburse } from '../../adapters/dfsp/g2pConnectMessages.js';
import { DfspMessageError } from '../../application/dfspConnector.js';
import type {
  CommandContext,
  LedgerCommands,
  StatusReportOutcome,
} from '../../application/ledgerCommands.js';
import type { Logger } from '../../application/logger.js';
import { DomainError } from '../../domain/domainError.js';
import type { StatusReport } from '../../domain/statusReport.js';
import { maskAddresses } from '../masking.js';
import { formatPath, PROBLEM_CONTENT_TYPE, problem, respondProblem } from '../problems.js';
import { DfspIdSchema, ProblemSchema } from '../schemas/common.js';
import { DfspParamsSchema } from '../schemas/dfsps.js';

/** The OpenAPI security scheme of DFSP callbacks. */
const SIGNATURE_SCHEME = 'dfspSignature';
/** Unknown references and conflicts listed in one log line; the rest are only counted. */
const MAX_LOGGED_REFERENCES = 20;
/** The secret an unknown DFSP's callback is verified against (see `signatureRefusal`). */
const DECOY_SECRET = randomBytes(32).toString('hex');

const StatusEntrySchema = z.object({
  reference_id: z.string().max(256).openapi({ description: 'the payment id' }),
  timestamp: z.string().max(64).optional(),
  status: z.enum(['rcvd', 'pdng', 'succ', 'rjct']),
  status_reason_code: z.string().max(99).optional(),
  status_reason_message: z.string().max(999).optional(),
});

const OnDisburseSchema = z
  .object({
    header: z
      .object({ action: z.string().optional(), is_msg_encrypted: z.boolean().optional() })
      .optional(),
    message: z.object({
      transaction_id: z.string().max(99).optional(),
      disbursements_status: z.array(StatusEntrySchema).max(MAX_DISBURSEMENTS),
    }),
  })
  .openapi('OnDisburse', {
    description:
      'A G2P Connect `on-disburse` callback (disburse API v1.0.0); other fields of the spec are ' +
      'accepted and ignored, encrypted messages are not supported.',
  });

const AcknowledgementSchema = z
  .object({
    message: z.object({
      ack_status: z.literal('ACK'),
      timestamp: z.string().openapi({ example: '2026-11-28T10:00:00.000Z' }),
      correlation_id: z.string().openapi({ description: "the request's X-Correlation-Id" }),
    }),
  })
  .openapi('CallbackAcknowledgement');
type Acknowledgement = z.infer<typeof AcknowledgementSchema>;

const problemAnswer = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
});

const onDisburse = createRoute({
  method: 'post',
  path: '/v1/dfsps/{dfspId}/on-disburse',
  tags: ['DFSP callbacks'],
  summary: "A DFSP's G2P Connect on-disburse status report (DFSP signature)",
  description:
    'Authenticated by `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(callbackSecret, t + "." ' +
    '+ raw body)>`, not by a bearer token; a timestamp more than 300 s off is refused. Each ' +
    'status is applied to the payment whose id is its `reference_id`; a repeated report changes ' +
    'nothing, and one contradicting the ledger is recorded as a conflict. References the ledger ' +
    'does not hold are acknowledged and logged.',
  security: [{ [SIGNATURE_SCHEME]: [] }],
  request: {
    params: DfspParamsSchema,
    body: { required: true, content: { 'application/json': { schema: OnDisburseSchema } } },
  },
  responses: {
    200: {
      description: 'Acknowledged (the spec `Response`)',
      content: { 'application/json': { schema: AcknowledgementSchema } },
    },
    400: problemAnswer('Not JSON, or not an on-disburse message: the problem names the field'),
    401: problemAnswer(
      'Missing, malformed, stale or wrong signature, or a DFSP the ledger does not know',
    ),
    413: problemAnswer('Request body too large'),
    500: problemAnswer('Unexpected error'),
  },
});

/**
 * `POST /v1/dfsps/{dfspId}/on-disburse` (DESIGN.md, "DFSP interop"): a DFSP's status reports,
 * signed with its callback secret. The signature is checked over the exact bytes received before
 * anything is parsed; a refusal (401) or a malformed message (400) appends nothing. It is
 * served as a plain route (documented by hand in the OpenAPI document) because request
 * validation would parse the body before the signature is checked.
 *
 * @example
 * registerDfspCallbackRoutes(app, { commands, callbackSecret: (id) => secrets.callbackSecret(id) });
 */
export function registerDfspCallbackRoutes(
  app: OpenAPIHono,
  deps: {
    readonly commands: LedgerCommands;
    readonly callbackSecret?: (dfspId: string) => Promise<string | undefined>;
  },
): void {
  app.openAPIRegistry.registerComponent('securitySchemes', SIGNATURE_SCHEME, {
    type: 'apiKey',
    in: 'header',
    name: 'X-Signature',
    description: 't=<unix seconds>,v1=<hex HMAC-SHA256(callbackSecret, t + "." + raw body)>',
  });
  app.openAPIRegistry.registerPath(onDisburse);

  app.post(onDisburse.getRoutingPath(), async (c) => {
    const dfspId = c.req.param('dfspId');
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    const refusal = await signatureRefusal(c, dfspId, rawBody, deps.callbackSecret);
    if (refusal !== undefined) {
      const logged = DfspIdSchema.safeParse(dfspId).success ? dfspId : '(malformed)';
      c.get('log').warn({ dfspId: logged, reason: refusal }, 'callback refused');
      return respondProblem(
        c,
        problem(
          'unauthorized',
          401,
          'send X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of t + "." + the body> with the DFSP\'s callback secret, within 300 s',
        ),
        { 'www-authenticate': 'Signature realm="g2p-ledger"' },
      );
    }

    const reports = readReports(c, rawBody);
    if (!Array.isArray(reports)) return reports;
    const context: CommandContext = {
      actor: `dfsp:${dfspId}`,
      correlationId: c.get('correlationId'),
      causationId: null,
    };
    let outcomes: readonly StatusReportOutcome[];
    try {
      outcomes = await deps.commands.applyStatusReports(dfspId, reports, 'callback', context);
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'concurrent_modification')) throw error;
      // A payment kept changing under the report: the DFSP sends it again (it retries on 503),
      // and what was applied already is not applied twice.
      return respondProblem(c, problem(error.code, 503, error.message), { 'retry-after': '1' });
    }
    logOutcomes(c.get('log'), dfspId, outcomes);
    const answer: Acknowledgement = {
      message: {
        ack_status: 'ACK',
        timestamp: new Date().toISOString(),
        // The spec's CorrelationId is at most 99 characters.
        correlation_id: c.get('correlationId').slice(0, 99),
      },
    };
    return c.json(answer, 200);
  });
}

/**
 * Why the callback's signature is refused (`unknown_dfsp`, `missing`, `malformed`, `stale`,
 * `mismatch`), or undefined when it is good. A DFSP id of the wrong shape is unknown; an unknown
 * DFSP's callback is verified all the same, against a decoy secret, so that its refusal takes as
 * long as a bad signature's and the answer cannot tell which DFSP ids exist.
 */
async function signatureRefusal(
  c: Context,
  dfspId: string,
  rawBody: Uint8Array,
  callbackSecret: ((dfspId: string) => Promise<string | undefined>) | undefined,
): Promise<string | undefined> {
  const wellFormed = DfspIdSchema.safeParse(dfspId).success;
  const secret = wellFormed ? await callbackSecret?.(dfspId) : undefined;
  const known = secret !== undefined && secret !== '';
  const verdict = verifyCallback(
    c.req.header('x-signature'),
    known ? secret : DECOY_SECRET,
    rawBody,
    Math.floor(Date.now() / 1000),
  );
  if (!known) return 'unknown_dfsp';
  return verdict.ok ? undefined : verdict.reason;
}

/** The body's status reports, or the 400 answer for a body that is not JSON or not on-disburse. */
function readReports(c: Context, rawBody: Uint8Array): StatusReport[] | Response {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
  } catch {
    // The parser's message quotes the body, which may hold financial addresses: not repeated.
    return respondProblem(
      c,
      problem('malformed_json', 400, 'the request body is not valid JSON', [
        { path: '(root)', message: 'not valid UTF-8 JSON' },
      ]),
    );
  }
  try {
    return parseOnDisburse(body);
  } catch (error) {
    if (!(error instanceof DfspMessageError)) throw error;
    const path = formatPath(
      error.path === ''
        ? []
        : error.path.split('.').map((key) => (/^\d+$/.test(key) ? Number(key) : key)),
    );
    const prefix = `${error.path}: `;
    const message = error.message.startsWith(prefix)
      ? error.message.slice(prefix.length)
      : error.message;
    return respondProblem(
      c,
      problem('validation_failed', 400, `the request body is not an on-disburse message`, [
        { path, message },
      ]),
    );
  }
}

/**
 * One line per callback with the count of each outcome; unknown references and conflicts at warn
 * (the first few, masked: a reference is whatever the DFSP sent).
 */
function logOutcomes(log: Logger, dfspId: string, outcomes: readonly StatusReportOutcome[]): void {
  const counts: Partial<Record<StatusReportOutcome['outcome'], number>> = {};
  for (const { outcome } of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
  log.info({ dfspId, reports: outcomes.length, outcomes: counts }, 'on-disburse applied');
  const warnAbout = (outcome: StatusReportOutcome['outcome'], message: string) => {
    const count = counts[outcome] ?? 0;
    if (count === 0) return;
    const references = outcomes
      .filter((entry) => entry.outcome === outcome)
      .slice(0, MAX_LOGGED_REFERENCES)
      .map((entry) => maskAddresses(entry.referenceId));
    log.warn({ dfspId, count, references }, message);
  };
  warnAbout('unknown_reference', 'on-disburse names payments the ledger does not hold');
  warnAbout('conflict', 'on-disburse contradicts the ledger: recorded as conflicts');
}
