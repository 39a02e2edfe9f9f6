import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { downtimeGate } from './downtimeGate.js';
import { acceptedBody, type DarajaErrorCode, darajaErrorBody } from './mpesaMessages.js';
import type { MpesaAcceptResult, MpesaProcessor } from './mpesaProcessor.js';
import type { MpesaTokenIssuer } from './mpesaTokens.js';
import { b2cPaymentRequestSchema, transactionStatusQuerySchema } from './mpesaWire.js';
import { mountOperatorRoutes } from './operatorRoutes.js';
import type { SimulatorConfig } from './options.js';
import { describeIssues, readJson } from './requestBody.js';

/** What the M-Pesa HTTP surface needs. */
export interface MpesaAppDeps {
  config: SimulatorConfig;
  processor: MpesaProcessor;
  tokens: MpesaTokenIssuer;
  now: () => Date;
  startedAtMs: number;
  /** Aborted on shutdown, releasing requests held by a `hang` downtime. */
  stop: AbortSignal;
}

type Refusal = Exclude<MpesaAcceptResult, { accepted: true }>['reason'];

// Daraja's codes carry a status-like prefix, but the HTTP statuses it answers them with are not
// all documented; these are the simulator's choices.
const refusals: Readonly<Record<Refusal, [500 | 429 | 503, DarajaErrorCode, string]>> = {
  duplicate: [500, '500.002.1001', 'Duplicate OriginatorConversationID.'],
  busy: [429, '500.003.03', 'Quota Violation (simulated: too many requests in flight)'],
  closed: [503, '500.003.1001', 'Internal Server Error (simulated: shutting down)'],
};

/**
 * The Daraja-shaped HTTP surface (../../../../../shared/specs/mpesa-b2c/API.md):
 * - `GET /oauth/v1/generate?grant_type=client_credentials` with `Basic` auth: 200
 *   `{ access_token, expires_in: "<seconds>" }`; bad auth or grant type 400 `400.008.0x`.
 * - `POST /mpesa/b2c/v3/paymentrequest` and `POST /mpesa/transactionstatus/v1/query` with
 *   `Bearer` auth (401 `404.001.04` without one, 401 `400.003.01` for a token that is not the
 *   latest or has expired): 200 acknowledgement, the result posted later to the ResultURL; 400
 *   `400.002.05` for an invalid payload; 500 `500.002.1001` for a duplicate
 *   OriginatorConversationID (nothing is paid again); 429 `500.003.03` when full.
 * - Downtime is 503 `500.003.1001` (held first in `hang` mode), on every Daraja path.
 * Errors carry `{ requestId, errorCode, errorMessage }`. `/ledger`, `/statements`: operator view.
 */
export function createMpesaApp(deps: MpesaAppDeps): Hono {
  const { config, processor, tokens, now } = deps;
  const app = new Hono();
  const fail = (
    c: Context,
    status: 400 | 401 | 404 | 413 | 429 | 500 | 503,
    code: DarajaErrorCode,
    text: string,
  ) => c.json(darajaErrorBody(code, text), status);

  const limit = bodyLimit({
    maxSize: config.maxBodyBytes,
    onError: (c) =>
      fail(c, 413, '400.002.05', `Invalid Request Payload: over ${config.maxBodyBytes} bytes`),
  });
  const downtime = downtimeGate(
    { downtime: config.downtime, startedAtMs: deps.startedAtMs, now, stop: deps.stop },
    (c) => fail(c, 503, '500.003.1001', 'Service unavailable (simulated downtime)'),
  );
  app.use('/oauth/*', downtime);
  app.use('/mpesa/*', limit, downtime, bearerAuth(tokens, fail));

  app.get('/oauth/v1/generate', (c) => {
    const issue = tokens.issue(c.req.query('grant_type'), c.req.header('authorization'));
    if (!issue.ok) return fail(c, 400, issue.errorCode, issue.errorMessage);
    // Daraja documents a number; SDK samples show the string form, which the simulator sends.
    return c.json({ access_token: issue.accessToken, expires_in: String(issue.expiresInSeconds) });
  });

  app.post('/mpesa/b2c/v3/paymentrequest', async (c) => {
    const raw = await readJson(c);
    if (!raw.ok) return fail(c, 400, '400.002.05', 'Invalid Request Payload: not JSON');
    const parsed = b2cPaymentRequestSchema.safeParse(raw.value);
    if (!parsed.success) {
      return fail(c, 400, '400.002.05', `Invalid Request Payload: ${describeIssues(parsed.error)}`);
    }
    return acknowledge(c, processor.accept(parsed.data));
  });

  app.post('/mpesa/transactionstatus/v1/query', async (c) => {
    const raw = await readJson(c);
    if (!raw.ok) return fail(c, 400, '400.002.05', 'Invalid Request Payload: not JSON');
    const parsed = transactionStatusQuerySchema.safeParse(raw.value);
    if (!parsed.success) {
      return fail(c, 400, '400.002.05', `Invalid Request Payload: ${describeIssues(parsed.error)}`);
    }
    return acknowledge(c, processor.queryStatus(parsed.data));
  });

  function acknowledge(c: Context, result: MpesaAcceptResult) {
    if (result.accepted) {
      const { originatorConversationId, conversationId } = result.ids;
      return c.json(acceptedBody(originatorConversationId, conversationId), 200);
    }
    const [status, code, text] = refusals[result.reason];
    return fail(c, status, code, text);
  }

  mountOperatorRoutes(app, {
    dfspId: config.dfspId,
    openingBalance: config.openingBalance,
    ledger: () => processor.ledger(),
    now,
    startedAtMs: deps.startedAtMs,
  });
  app.notFound((c) => fail(c, 404, '404.003.01', 'Resource not found'));
  return app;
}

/** Refuses a request without the latest unexpired access token (401). */
function bearerAuth(
  tokens: MpesaTokenIssuer,
  fail: (c: Context, status: 401, code: DarajaErrorCode, text: string) => Response,
): MiddlewareHandler {
  return async function bearer(c, next) {
    const refusal = tokens.refusal(c.req.header('authorization'));
    if (refusal === null) return next();
    return fail(c, 401, refusal.errorCode, refusal.errorMessage);
  };
}
