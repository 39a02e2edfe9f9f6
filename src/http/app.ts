import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { BlankEnv } from 'hono/types';
import type { Registry } from 'prom-client';
import type { AccessTokenVerifier } from '../application/accessTokens.js';
import type { DfspCallbackIntake } from '../application/dfspCallbackIntake.js';
import type { DfspConnector } from '../application/dfspConnector.js';
import type { DfspRequestAuthenticator } from '../application/dfspRequestAuthentication.js';
import type { DfspTrial } from '../application/dfspTrial.js';
import type { EventStore } from '../application/eventStore.js';
import type { FileExchangeJournal } from '../application/fileExchangeJournal.js';
import type { LedgerCommands } from '../application/ledgerCommands.js';
import type { Logger } from '../application/logger.js';
import type { ProgrammeCommands } from '../application/programmeCommands.js';
import type { ProgrammeReferences } from '../application/programmeReferences.js';
import type { ReadModelQueries } from '../application/readModels.js';
import type { StatementReader } from '../application/statementReader.js';
import { type ApiTokens, authenticate } from './auth.js';
import { AuthFailureLimiter } from './authFailureLimit.js';
import { mountBodyLimits } from './bodyLimits.js';
import { type ClientAddress, socketAddress } from './clientAddress.js';
import { correlation } from './correlation.js';
import { registerG2pBridgeRoutes } from './g2pBridge/bridgeRoutes.js';
import { maskAddresses } from './masking.js';
import { createHttpMetrics } from './metrics.js';
import { metricsAuth } from './metricsAuth.js';
import { registerDocs } from './openapi.js';
import { problem, problemFromError, problemFromZodError, respondProblem } from './problems.js';
import { requestLog } from './requestLog.js';
import { registerBatchRoutes } from './routes/batches.js';
import { registerBeneficiaryRoutes } from './routes/beneficiaries.js';
import { registerDfspCallbackRoutes } from './routes/dfspCallbacks.js';
import { registerDfspFileRoutes } from './routes/dfspFiles.js';
import { registerMappedCallbackRoutes } from './routes/dfspMappedCallbacks.js';
import { registerDfspRoutes } from './routes/dfsps.js';
import { registerDfspTrialRoutes } from './routes/dfspTrial.js';
import { registerEventRoutes } from './routes/events.js';
import { type PaymentReplay, registerPaymentRoutes } from './routes/payments.js';
import { registerProgrammeRoutes } from './routes/programmes.js';
import { registerReconciliationRoutes } from './routes/reconciliation.js';
import { registerRoutingRuleRoutes } from './routes/routingRules.js';
import { registerStatementRoutes } from './routes/statements.js';
import { registerWebhookRoutes, type WebhookRouteDependencies } from './routes/webhooks.js';

const VALIDATED_PART = {
  json: 'request body',
  query: 'query',
  param: 'path',
  header: 'headers',
  cookie: 'cookies',
  form: 'form',
} as const;

export interface AppDependencies {
  /** Every write: validated by the domain, appended, idempotent. */
  readonly commands: LedgerCommands;
  /** Every read of batches, payments and DFSPs. */
  readonly queries: ReadModelQueries;
  /** The event store, read for the global feed and a payment's history. */
  readonly events: EventStore;
  /** Bearer tokens and their principals (`parseApiTokens(API_TOKENS)`). */
  readonly tokens: ApiTokens;
  /** Verifies the identity provider's JWTs (OIDC), accepted alongside `tokens` when given. */
  readonly accessTokens?: AccessTokenVerifier | undefined;
  /** With it (`METRICS_TOKEN`), `/metrics` needs it as a bearer token; public without it. */
  readonly metricsToken?: string | undefined;
  /** The client address failed authentications are counted by; the socket's by default. */
  readonly clientAddress?: ClientAddress;
  /** Request logs go to a child of it carrying the correlation id. */
  readonly logger: Logger;
  /** Resolves when every store answers; rejects with the reason otherwise. */
  readonly checkReady: () => Promise<void>;
  /** Where `/metrics` reads from and the HTTP metrics are registered; a new one by default. */
  readonly registry?: Registry;
  /** A payment as it was at an instant, for `?asOf=`; without it `asOf` answers 501. */
  readonly replay?: PaymentReplay;
  /** Checks that a callback or statement without a bearer token was signed by its DFSP. */
  readonly dfspAuthenticator: DfspRequestAuthenticator;
  /** The schema and parser of a DFSP's status callback body (`on-disburse`). */
  readonly statusCallbacks: Pick<DfspConnector, 'parseStatusReport' | 'statusCallbackSchema'>;
  /** Previews and live tests of DFSP connections. */
  readonly dfspTrial: DfspTrial;
  /** Verifies and reads the callbacks of DFSPs connected by a mapping. */
  readonly callbackIntake: DfspCallbackIntake;
  /** Reads, verifies and parses a DFSP statement's body; its `maxBytes` is the body limit. */
  readonly statements: StatementReader;
  /** What was sent to and read from banks that take files. */
  readonly fileJournal: Pick<FileExchangeJournal, 'listFiles'>;
  /** Outbound webhook subscriptions; without it `/v1/webhooks` lists none and makes none. */
  readonly webhooks?: WebhookRouteDependencies | undefined;
  /** Finds payments by a programme's own references (the G2P Bridge-compatible API). */
  readonly programmeReferences?: ProgrammeReferences;
  /** Programme registrations (how their batches are approved). */
  readonly programmes?: ProgrammeCommands;
}

/**
 * The HTTP application: HTTP API v1 (DESIGN.md) with bearer-token roles, zod-validated requests,
 * RFC 9457 problems for every error, the OpenAPI document (`/openapi.json`, `/docs`), metrics
 * (`/metrics`), and `/healthz` (the process runs) and `/readyz` (the stores answer, so a load
 * balancer sends no traffic to an instance that cannot serve).
 *
 * @example
 * const response = await createApp(deps).request('/v1/batches', {
 *   headers: { authorization: 'Bearer tok1' },
 * });
 */
export function createApp(deps: AppDependencies): Hono {
  const app = new OpenAPIHono<BlankEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return respondProblem(c, problemFromZodError(result.error, VALIDATED_PART[result.target]));
      }
      return undefined;
    },
  });
  const metrics = createHttpMetrics(deps.registry);
  const limiter = new AuthFailureLimiter(deps.clientAddress ?? socketAddress);

  app.use(
    '*',
    correlation(deps.logger),
    requestLog(),
    metrics.record,
    authenticate({ tokens: deps.tokens, accessTokens: deps.accessTokens, limiter }),
  );
  app.use('/metrics', metricsAuth(deps.metricsToken, limiter));
  mountBodyLimits(app, deps.statements.maxBytes);

  app.get('/healthz', (c) => c.json({ status: 'ok' }, 200));
  app.get('/readyz', async (c) => {
    try {
      await deps.checkReady();
      return c.json({ status: 'ready' }, 200);
    } catch (error) {
      c.get('log').warn({ err: describeError(error) }, 'not ready');
      return respondProblem(c, problem('not_ready', 503, 'a store does not answer'));
    }
  });
  app.get('/metrics', metrics.expose);

  registerDfspRoutes(app, deps);
  registerDfspTrialRoutes(app, deps);
  registerDfspFileRoutes(app, deps);
  registerRoutingRuleRoutes(app, deps);
  registerBatchRoutes(app, deps);
  registerPaymentRoutes(app, deps);
  registerDfspCallbackRoutes(app, deps);
  registerMappedCallbackRoutes(app, deps);
  registerStatementRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerReconciliationRoutes(app, deps);
  registerBeneficiaryRoutes(app, deps);
  registerWebhookRoutes(app, deps);
  const programmes = deps.programmes ?? noProgrammes;
  registerProgrammeRoutes(app, { programmes });
  registerG2pBridgeRoutes(app, {
    ...deps,
    programmes,
    programmeReferences: deps.programmeReferences ?? noProgrammeReferences,
  });
  registerDocs(app);

  app.notFound((c) =>
    respondProblem(c, problem('not_found', 404, `no route for ${c.req.method} ${c.req.path}`)),
  );
  app.onError((error, c) => answerError(error, c));
  return app;
}

async function noProgrammeReferences(): Promise<never> {
  throw new Error('the app was built without programmeReferences');
}

const noProgrammes: ProgrammeCommands = {
  registerProgramme: async () => {
    throw new Error('the app was built without programmes');
  },
  registrationOf: async () => ({ registered: false, approval: 'four-eyes' }),
  approvalOf: async () => 'four-eyes',
  idMapperOf: async () => undefined,
};

function answerError(error: Error, c: Context): Response {
  const known = problemFromError(error);
  if (known !== undefined) return respondProblem(c, known);
  if (error instanceof HTTPException) {
    return respondProblem(c, problemFromHttpException(error));
  }
  c.get('log').error({ err: describeError(error) }, 'unexpected error');
  return respondProblem(
    c,
    problem(
      'internal_error',
      500,
      `an unexpected error occurred; quote correlation id ${c.get('correlationId')}`,
    ),
  );
}

function problemFromHttpException(error: HTTPException) {
  switch (error.status) {
    case 400:
      return problem('malformed_json', 400, 'the request body is not valid JSON');
    case 413:
      return problem('body_too_large', 413, 'the request body is too large');
    case 415:
      return problem('unsupported_media_type', 415, 'send the request body as application/json');
    default:
      return problem('http_error', error.status, error.message);
  }
}

/** An error as logged: name, message and stack with anything like a financial address masked. */
function describeError(error: unknown): Record<string, string> {
  if (!(error instanceof Error)) return { message: maskAddresses(String(error)) };
  return {
    name: error.name,
    message: maskAddresses(error.message),
    ...(error.stack === undefined ? {} : { stack: maskAddresses(error.stack) }),
  };
}
