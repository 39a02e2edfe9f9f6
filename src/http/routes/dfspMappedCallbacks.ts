import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { DfspCallbackIntake } from '../../application/dfspCallbackIntake.js';
import type { CommandContext, LedgerCommands } from '../../application/ledgerCommands.js';
import { DomainError } from '../../domain/domainError.js';
import { socketAddress } from '../clientAddress.js';
import { PROBLEM_CONTENT_TYPE, problem, respondProblem } from '../problems.js';
import { DfspIdSchema, ProblemSchema } from '../schemas/common.js';

const TAG = 'DFSP callbacks';
/** The OpenAPI security scheme of mapped DFSPs' callbacks. */
const VERIFICATION_SCHEME = 'dfspCallbackVerification';
const problemAnswer = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
});

const callbackRoute = (path: string, params: z.ZodObject) =>
  createRoute({
    method: 'post',
    path,
    tags: [TAG],
    summary: "A mapped DFSP's callback (verified as its registration says)",
    description:
      "For DFSPs connected with `mapped-http`: the body is mapped to status reports by the DFSP's " +
      'mapping (`callback.reports`) and answered with `callback.answer`. It is verified as the ' +
      "DFSP's `callbackVerification` says (X-Signature, an HMAC header, Standard Webhooks, or the " +
      'unguessable path token of the URL the ledger handed the DFSP), before anything parses it.',
    security: [{ [VERIFICATION_SCHEME]: [] }],
    request: {
      params,
      body: { required: true, content: { 'application/json': { schema: z.unknown() } } },
    },
    responses: {
      200: {
        description: "Applied; the body is the DFSP's expected answer",
        content: { 'application/json': { schema: z.unknown() } },
      },
      400: problemAnswer('Not JSON, or not what the mapping reads: the problem names the field'),
      401: problemAnswer('Not verified, a replay, or a DFSP the ledger does not connect this way'),
      413: problemAnswer('Request body too large'),
      503: problemAnswer(
        'A payment kept changing under the report, or a report names a DFSP id not recorded ' +
          'yet (it overtook the answer to the sending): send it again',
      ),
    },
  });

const signedCallback = callbackRoute(
  '/v1/dfsps/{dfspId}/callbacks',
  z.strictObject({ dfspId: DfspIdSchema }),
);
const tokenCallback = callbackRoute(
  '/v1/dfsps/{dfspId}/callbacks/{token}',
  z.strictObject({ dfspId: DfspIdSchema, token: z.string().max(100) }),
);

/**
 * `POST /v1/dfsps/{dfspId}/callbacks` and `…/callbacks/{token}`: the generic callback path of
 * DFSPs connected by a mapping. Served as plain routes (documented by hand) because request
 * validation would parse the body before it is verified.
 *
 * @example
 * registerMappedCallbackRoutes(app, { commands, callbackIntake });
 */
export function registerMappedCallbackRoutes(
  app: OpenAPIHono,
  deps: { readonly commands: LedgerCommands; readonly callbackIntake: DfspCallbackIntake },
): void {
  app.openAPIRegistry.registerComponent('securitySchemes', VERIFICATION_SCHEME, {
    type: 'apiKey',
    in: 'header',
    name: 'X-Signature',
    description:
      "as the DFSP's registration says: X-Signature, an HMAC of the body in a named header " +
      '(X-Hub-Signature-256: sha256=<hex>), Standard Webhooks (webhook-id, webhook-timestamp, ' +
      'webhook-signature), or the path token of the callback URL the ledger handed the DFSP',
  });
  for (const route of [signedCallback, tokenCallback]) {
    app.openAPIRegistry.registerPath(route);
    app.post(route.getRoutingPath(), (c) => receive(c, deps));
  }
}

async function receive(
  c: Context,
  deps: { readonly commands: LedgerCommands; readonly callbackIntake: DfspCallbackIntake },
): Promise<Response> {
  const dfspId = c.req.param('dfspId') ?? '';
  const wellFormed = DfspIdSchema.safeParse(dfspId).success;
  const rawBody = new Uint8Array(await c.req.arrayBuffer());
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const reading = wellFormed
    ? await deps.callbackIntake.read(dfspId, {
        headers,
        rawBody,
        query: Object.fromEntries(new URL(c.req.url).searchParams),
        pathToken: c.req.param('token'),
        sourceAddress: socketAddress(c),
        nowSeconds: Math.floor(Date.now() / 1_000),
      })
    : { kind: 'refused' as const, reason: 'unknown_dfsp' };
  if (reading.kind === 'refused') {
    c.get('log').warn(
      { dfspId: wellFormed ? dfspId : '(malformed)', reason: reading.reason },
      'callback refused',
    );
    return respondProblem(
      c,
      problem('unauthorized', 401, "the callback is not verified as the DFSP's registration says"),
    );
  }
  if (reading.kind === 'malformed') {
    return respondProblem(
      c,
      problem('validation_failed', 400, "the body is not what the DFSP's mapping reads", [
        { path: reading.path, message: reading.message },
      ]),
    );
  }
  const context: CommandContext = {
    actor: `dfsp:${dfspId}`,
    correlationId: c.get('correlationId'),
    causationId: null,
  };
  try {
    const { commands } = deps;
    const applied = await commands.applyStatusReports(dfspId, reading.reports, 'callback', context);
    const answered = await commands.applyStatusReports(
      dfspId,
      reading.queryAnswers,
      'status_query',
      context,
    );
    c.get('log').info({ dfspId, reports: applied.length + answered.length }, 'callback applied');
  } catch (error) {
    if (!(error instanceof DomainError && error.code === 'concurrent_modification')) throw error;
    return respondProblem(c, problem(error.code, 503, error.message), { 'retry-after': '1' });
  }
  if (reading.unmatched > 0) {
    // Applied what it could; the rest names the payment by an id not recorded yet: again later.
    const detail = `${reading.unmatched} reports name a DFSP transaction id the ledger does not hold yet`;
    return respondProblem(c, problem('not_yet_known', 503, detail), { 'retry-after': '2' });
  }
  await reading.accepted();
  return c.json(reading.answer as object, 200);
}
