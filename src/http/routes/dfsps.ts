import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { LedgerCommands } from '../../application/ledgerCommands.js';
import type { ReadModelQueries } from '../../application/readModels.js';
import type { DfspProfile } from '../../domain/dfspEvents.js';
import { DomainError } from '../../domain/domainError.js';
import { requireRoles } from '../auth.js';
import { commandContext } from '../requestContext.js';
import { BEARER_SECURITY, problemResponses, ReasonBodySchema } from '../schemas/common.js';
import {
  DfspListQuerySchema,
  DfspPageSchema,
  DfspParamsSchema,
  DfspRegisteredSchema,
  DfspRegistrationSchema,
  DfspRegistrationViewSchema,
} from '../schemas/dfsps.js';
import { withoutUndefined } from '../withoutUndefined.js';

const TAG = 'DFSPs';

const registerDfsp = createRoute({
  method: 'put',
  path: '/v1/dfsps/{dfspId}',
  tags: [TAG],
  summary: 'Register or update a DFSP (admin)',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: {
    params: DfspParamsSchema,
    body: { required: true, content: { 'application/json': { schema: DfspRegistrationSchema } } },
  },
  responses: {
    200: {
      description: 'Updated (or unchanged)',
      content: { 'application/json': { schema: DfspRegisteredSchema } },
    },
    201: {
      description: 'Registered',
      content: { 'application/json': { schema: DfspRegisteredSchema } },
    },
    ...problemResponses(400, 409, 413, 415, 422),
  },
});

const suspendDfsp = createRoute({
  method: 'post',
  path: '/v1/dfsps/{dfspId}/suspend',
  tags: [TAG],
  summary: 'Take a DFSP out of routing (admin)',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: {
    params: DfspParamsSchema,
    body: { required: false, content: { 'application/json': { schema: ReasonBodySchema } } },
  },
  responses: { 204: { description: 'Suspended' }, ...problemResponses(400, 404, 409, 415) },
});

const resumeDfsp = createRoute({
  method: 'post',
  path: '/v1/dfsps/{dfspId}/resume',
  tags: [TAG],
  summary: 'Put a DFSP back into routing (admin)',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: { params: DfspParamsSchema },
  responses: { 204: { description: 'Resumed' }, ...problemResponses(400, 404, 409) },
});

const listDfsps = createRoute({
  method: 'get',
  path: '/v1/dfsps',
  tags: [TAG],
  summary: 'DFSPs with their state and health (admin, reporter)',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin', 'reporter')] as const,
  request: { query: DfspListQuerySchema },
  responses: {
    200: {
      description: 'A page of DFSPs',
      content: { 'application/json': { schema: DfspPageSchema } },
    },
    ...problemResponses(400),
  },
});

const getDfsp = createRoute({
  method: 'get',
  path: '/v1/dfsps/{dfspId}',
  tags: [TAG],
  summary: "A DFSP's registration in force: connector, mapping, which credentials (admin)",
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: { params: DfspParamsSchema },
  responses: {
    200: {
      description: 'The registration; secrets are never answered, credentials only described',
      content: { 'application/json': { schema: DfspRegistrationViewSchema } },
    },
    ...problemResponses(400, 404),
  },
});

/** A registration as answered: its secrets left out, its credentials described. */
function registrationAnswer(profile: DfspProfile) {
  const { credentials } = profile;
  return {
    dfspId: profile.dfspId,
    name: profile.name,
    connector: profile.connector,
    profile: profile.profile ?? null,
    callbackVerification: profile.callbackVerification?.kind ?? 'x-signature',
    credentials:
      credentials === undefined
        ? null
        : { auth: credentials.auth, clientTls: credentials.clientTls, setAt: credentials.setAt },
    baseUrl: profile.baseUrl,
    payerFa: profile.payerFa,
    currencies: profile.currencies,
    faTypes: profile.faTypes,
    maxAmount: profile.maxAmount ?? null,
    maxBatchSize: profile.maxBatchSize ?? null,
  };
}

/** DFSP registration, suspension and listing (DESIGN.md, HTTP API v1). */
export function registerDfspRoutes(
  app: OpenAPIHono,
  deps: { readonly commands: LedgerCommands; readonly queries: ReadModelQueries },
): void {
  app.openapi(registerDfsp, async (c) => {
    const { dfspId } = c.req.valid('param');
    const registration = c.req.valid('json');
    const { created, profile } = await deps.commands.registerDfsp(
      dfspId,
      withoutUndefined(registration),
      commandContext(c),
    );
    const answer = registrationAnswer(profile);
    return created ? c.json(answer, 201) : c.json(answer, 200);
  });

  app.openapi(getDfsp, async (c) => {
    const { dfspId } = c.req.valid('param');
    const profile = await deps.commands.currentDfspRegistration(dfspId);
    if (profile === undefined) throw new DomainError('dfsp_not_found', `no DFSP ${dfspId}`);
    const answer = {
      ...registrationAnswer(profile),
      mapping: profile.mapping ?? null,
      files: profile.files ?? null,
      parameters: profile.parameters ?? null,
    };
    return c.json(answer, 200);
  });

  app.openapi(suspendDfsp, async (c) => {
    const { dfspId } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    await deps.commands.suspendDfsp(dfspId, reason, commandContext(c));
    return c.body(null, 204);
  });

  app.openapi(resumeDfsp, async (c) => {
    const { dfspId } = c.req.valid('param');
    await deps.commands.resumeDfsp(dfspId, commandContext(c));
    return c.body(null, 204);
  });

  app.openapi(listDfsps, async (c) => {
    const query = c.req.valid('query');
    const page = await deps.queries.listDfsps(withoutUndefined(query));
    return c.json(page, 200);
  });
}
