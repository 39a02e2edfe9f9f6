import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { EventStore } from '../../application/eventStore.js';
import type { WebhookSubscriptions } from '../../application/webhooks.js';
import { type DfspUrlPolicy, STRICT_DFSP_URL_POLICY } from '../../domain/dfspUrlPolicy.js';
import { DomainError } from '../../domain/domainError.js';
import { checkWebhookUrl } from '../../domain/webhookSubscription.js';
import { requireRoles } from '../auth.js';
import { BEARER_SECURITY, problemResponses } from '../schemas/common.js';
import {
  WebhookAttemptsQuerySchema,
  WebhookAttemptsSchema,
  WebhookListSchema,
  WebhookParamsSchema,
  WebhookReplaySchema,
  WebhookSubscriptionSchema,
  WebhookSubscriptionViewSchema,
} from '../schemas/webhooks.js';
import { withoutUndefined } from '../withoutUndefined.js';

const TAG = 'Webhooks';
const viewContent = { 'application/json': { schema: WebhookSubscriptionViewSchema } };

const putWebhook = createRoute({
  method: 'put',
  path: '/v1/webhooks/{subscriptionId}',
  tags: [TAG],
  summary: 'Create or replace a webhook subscription (admin)',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: {
    params: WebhookParamsSchema,
    body: {
      required: true,
      content: { 'application/json': { schema: WebhookSubscriptionSchema } },
    },
  },
  responses: {
    200: { description: 'Replaced', content: viewContent },
    201: { description: 'Created; it delivers what happens from now on', content: viewContent },
    ...problemResponses(400, 413, 415, 422),
  },
});

const getWebhook = createRoute({
  method: 'get',
  path: '/v1/webhooks/{subscriptionId}',
  tags: [TAG],
  summary: 'A webhook subscription and its delivery state, without its secret (admin)',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: { params: WebhookParamsSchema },
  responses: {
    200: { description: 'The subscription', content: viewContent },
    ...problemResponses(400, 404),
  },
});

const listWebhooks = createRoute({
  method: 'get',
  path: '/v1/webhooks',
  tags: [TAG],
  summary: 'Every webhook subscription (admin)',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  responses: {
    200: {
      description: 'The subscriptions (one page: there are at most 100)',
      content: { 'application/json': { schema: WebhookListSchema } },
    },
  },
});

const listAttempts = createRoute({
  method: 'get',
  path: '/v1/webhooks/{subscriptionId}/deliveries',
  tags: [TAG],
  summary: "A subscription's latest delivery attempts, newest first (admin)",
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: { params: WebhookParamsSchema, query: WebhookAttemptsQuerySchema },
  responses: {
    200: {
      description: 'The attempts (the latest 1,000 are kept)',
      content: { 'application/json': { schema: WebhookAttemptsSchema } },
    },
    ...problemResponses(400, 404),
  },
});

const replay = createRoute({
  method: 'post',
  path: '/v1/webhooks/{subscriptionId}/replay',
  tags: [TAG],
  summary: 'Deliver again from a feed position, under the same webhook ids (admin)',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: {
    params: WebhookParamsSchema,
    body: { required: true, content: { 'application/json': { schema: WebhookReplaySchema } } },
  },
  responses: {
    204: { description: 'The checkpoint moved back' },
    ...problemResponses(400, 404, 415),
  },
});

/** What the webhook routes need; without it they list none and refuse to make one. */
export interface WebhookRouteDependencies {
  readonly subscriptions: WebhookSubscriptions;
  /** The DFSP URL policy, applied to subscriber URLs too. */
  readonly urlPolicy: DfspUrlPolicy;
}

const UNAVAILABLE: WebhookRouteDependencies = {
  urlPolicy: STRICT_DFSP_URL_POLICY,
  subscriptions: {
    put: async () => {
      throw new DomainError('webhooks_unavailable', 'this deployment keeps no webhooks');
    },
    get: async () => undefined,
    list: async () => [],
    attempts: async () => [],
    replay: async () => false,
  },
};

const notFound = (id: string) => new DomainError('webhook_not_found', `no webhook ${id}`);

/** Outbound webhook subscriptions (Standard Webhooks): set, read, delivery attempts, replay. */
export function registerWebhookRoutes(
  app: OpenAPIHono,
  deps: { readonly events: EventStore; readonly webhooks?: WebhookRouteDependencies | undefined },
): void {
  const { subscriptions, urlPolicy } = deps.webhooks ?? UNAVAILABLE;
  app.openapi(putWebhook, async (c) => {
    const { subscriptionId } = c.req.valid('param');
    const body = c.req.valid('json');
    checkWebhookUrl(body.url, urlPolicy);
    const input = {
      url: body.url,
      events: body.events,
      filters: withoutUndefined(body.filters ?? {}),
      secret: body.secret,
      enabled: body.enabled ?? true,
    };
    const head = await deps.events.headPosition();
    const { created, view } = await subscriptions.put(subscriptionId, input, head);
    return created ? c.json(view, 201) : c.json(view, 200);
  });

  app.openapi(getWebhook, async (c) => {
    const { subscriptionId } = c.req.valid('param');
    const view = await subscriptions.get(subscriptionId);
    if (view === undefined) throw notFound(subscriptionId);
    return c.json(view, 200);
  });

  app.openapi(listWebhooks, async (c) =>
    c.json({ items: await subscriptions.list(), nextCursor: null }, 200),
  );

  app.openapi(listAttempts, async (c) => {
    const { subscriptionId } = c.req.valid('param');
    if ((await subscriptions.get(subscriptionId)) === undefined) throw notFound(subscriptionId);
    const items = await subscriptions.attempts(subscriptionId, c.req.valid('query').limit ?? 100);
    return c.json({ items }, 200);
  });

  app.openapi(replay, async (c) => {
    const { subscriptionId } = c.req.valid('param');
    const { fromPosition } = c.req.valid('json');
    if (!(await subscriptions.replay(subscriptionId, BigInt(fromPosition)))) {
      throw notFound(subscriptionId);
    }
    return c.body(null, 204);
  });
}
