import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { type DfspConnector, DfspMessageError } from '../../application/dfspConnector.js';
import type { DfspRequestAuthenticator } from '../../application/dfspRequestAuthentication.js';
import type {
  CommandContext,
  LedgerCommands,
  StatusReportOutcome,
} from '../../application/ledgerCommands.js';
import type { Logger } from '../../application/logger.js';
import { DomainError } from '../../domain/domainError.js';
import type { StatusReport } from '../../domain/statusReport.js';
import { dfspSignature } from '../dfspSignature.js';
import { maskAddresses } from '../masking.js';
import { formatPath, PROBLEM_CONTENT_TYPE, problem, respondProblem } from '../problems.js';
import { ProblemSchema } from '../schemas/common.js';
import { DfspParamsSchema } from '../schemas/dfsps.js';

/** The route the DFSP signature is checked on, as Hono writes its pattern. */
const ON_DISBURSE_PATH = '/v1/dfsps/:dfspId/on-disburse';
/** The OpenAPI security scheme of DFSP callbacks. */
const SIGNATURE_SCHEME = 'dfspSignature';
/** Unknown references and conflicts listed in one log line; the rest are only counted. */
const MAX_LOGGED_REFERENCES = 20;
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

const onDisburseRoute = (bodySchema: z.ZodType) =>
  createRoute({
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
      body: { required: true, content: { 'application/json': { schema: bodySchema } } },
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
 * signed with its callback secret. The `dfspSignature` middleware checks the signature over the
 * exact bytes received before anything is parsed; a refusal (401) or a malformed message (400)
 * appends nothing. It is served as a plain route (documented by hand in the OpenAPI document)
 * because request validation would parse the body before the signature is checked. The body's
 * schema and parser are the connector's.
 *
 * @example
 * registerDfspCallbackRoutes(app, { commands, dfspAuthenticator, statusCallbacks: connector });
 */
export function registerDfspCallbackRoutes(
  app: OpenAPIHono,
  deps: {
    readonly commands: LedgerCommands;
    readonly dfspAuthenticator: DfspRequestAuthenticator;
    readonly statusCallbacks: Pick<DfspConnector, 'parseStatusReport' | 'statusCallbackSchema'>;
  },
): void {
  app.openAPIRegistry.registerComponent('securitySchemes', SIGNATURE_SCHEME, {
    type: 'apiKey',
    in: 'header',
    name: 'X-Signature',
    description: 't=<unix seconds>,v1=<hex HMAC-SHA256(callbackSecret, t + "." + raw body)>',
  });
  const onDisburse = onDisburseRoute(deps.statusCallbacks.statusCallbackSchema);
  app.openAPIRegistry.registerPath(onDisburse);
  app.use(ON_DISBURSE_PATH, dfspSignature(deps.dfspAuthenticator));

  app.post(onDisburse.getRoutingPath(), async (c) => {
    const dfspId = c.req.param('dfspId');
    const reports = readReports(c, c.get('signedBody'), deps.statusCallbacks);
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

/** The body's status reports, or the 400 answer for a body that is not JSON or not on-disburse. */
function readReports(
  c: Context,
  rawBody: Uint8Array,
  format: Pick<DfspConnector, 'parseStatusReport'>,
): StatusReport[] | Response {
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
    return format.parseStatusReport(body);
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
