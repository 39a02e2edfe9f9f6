import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { DfspTrial } from '../../application/dfspTrial.js';
import { requireRoles } from '../auth.js';
import { BEARER_SECURITY, problemResponses } from '../schemas/common.js';
import {
  DfspParamsSchema,
  PreviewedRequestSchema,
  SamplePaymentSchema,
  TrialStepsSchema,
} from '../schemas/dfsps.js';
import { withoutUndefined } from '../withoutUndefined.js';

const TAG = 'DFSPs';

const preview = createRoute({
  method: 'post',
  path: '/v1/dfsps/{dfspId}/preview',
  tags: [TAG],
  summary: 'The request a sample payment would produce, not sent (admin)',
  description:
    "Renders a mapped-http DFSP's submit request for one sample payment with the mapping in " +
    'force: method, URL, headers and body, secret values `[redacted]`. Credentials the ledger ' +
    'adds when it sends (an Authorization header, a client certificate) are not shown.',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: {
    params: DfspParamsSchema,
    body: { required: true, content: { 'application/json': { schema: SamplePaymentSchema } } },
  },
  responses: {
    200: {
      description: 'The request as it would be sent',
      content: { 'application/json': { schema: PreviewedRequestSchema } },
    },
    ...problemResponses(400, 404, 409, 415, 422),
  },
});

const liveTest = createRoute({
  method: 'post',
  path: '/v1/dfsps/{dfspId}/test',
  tags: [TAG],
  summary: "One harmless live call to a DFSP's API, step by step (admin)",
  description:
    'Fetches an access token where the DFSP uses OAuth2, then asks the DFSP about a reference ' +
    'that no DFSP holds. Nothing is paid and nothing is recorded; each step reports what came ' +
    'of it.',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: { params: DfspParamsSchema },
  responses: {
    200: {
      description: 'The steps tried and what came of each',
      content: { 'application/json': { schema: TrialStepsSchema } },
    },
    ...problemResponses(400, 404),
  },
});

/** `POST /v1/dfsps/{dfspId}/preview` and `/test`: try a connection before trusting it. */
export function registerDfspTrialRoutes(
  app: OpenAPIHono,
  deps: { readonly dfspTrial: DfspTrial },
): void {
  app.openapi(preview, async (c) => {
    const { dfspId } = c.req.valid('param');
    const rendered = await deps.dfspTrial.preview(dfspId, withoutUndefined(c.req.valid('json')));
    return c.json(rendered, 200);
  });

  app.openapi(liveTest, async (c) => {
    const { dfspId } = c.req.valid('param');
    return c.json({ steps: [...(await deps.dfspTrial.test(dfspId))] }, 200);
  });
}
