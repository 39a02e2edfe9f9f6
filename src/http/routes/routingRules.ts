import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { LedgerCommands } from '../../application/ledgerCommands.js';
import { requireRoles } from '../auth.js';
import { commandContext } from '../requestContext.js';
import { BEARER_SECURITY, problemResponses } from '../schemas/common.js';
import {
  CurrentRulesSchema,
  DryRunBodySchema,
  PublishedVersionSchema,
  RoutingDecisionSchema,
  RuleSetBodySchema,
} from '../schemas/routingRules.js';
import { withoutUndefined } from '../withoutUndefined.js';

const TAG = 'Routing rules';

const publishRules = createRoute({
  method: 'put',
  path: '/v1/routing-rules',
  tags: [TAG],
  summary: 'Publish a new rule set (admin)',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: {
    body: { required: true, content: { 'application/json': { schema: RuleSetBodySchema } } },
  },
  responses: {
    200: {
      description: 'The version of the rule set now in force',
      content: { 'application/json': { schema: PublishedVersionSchema } },
    },
    ...problemResponses(400, 409, 413, 415),
  },
});

const currentRules = createRoute({
  method: 'get',
  path: '/v1/routing-rules',
  tags: [TAG],
  summary: 'The rule set in force (admin)',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  responses: {
    200: {
      description: 'The rule set in force',
      content: { 'application/json': { schema: CurrentRulesSchema } },
    },
    ...problemResponses(),
  },
});

const dryRun = createRoute({
  method: 'post',
  path: '/v1/routing-rules/dry-run',
  tags: [TAG],
  summary: 'Which DFSP and rule a payment would get (admin)',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: {
    body: { required: true, content: { 'application/json': { schema: DryRunBodySchema } } },
  },
  responses: {
    200: {
      description: 'The routing decision; nothing is recorded',
      content: { 'application/json': { schema: RoutingDecisionSchema } },
    },
    ...problemResponses(400, 413, 415),
  },
});

/** Publishing, reading and trying out routing rules (DESIGN.md, HTTP API v1). */
export function registerRoutingRuleRoutes(
  app: OpenAPIHono,
  deps: { readonly commands: LedgerCommands },
): void {
  app.openapi(publishRules, async (c) => {
    const { rules } = c.req.valid('json');
    const { version } = await deps.commands.publishRoutingRules(rules, commandContext(c));
    return c.json({ version }, 200);
  });

  app.openapi(currentRules, async (c) => {
    const current = await deps.commands.currentRoutingRules();
    return c.json({ version: current.version, rules: current.rules }, 200);
  });

  app.openapi(dryRun, async (c) => {
    const payment = c.req.valid('json');
    const decision = await deps.commands.dryRunRouting(withoutUndefined(payment));
    return c.json(decision, 200);
  });
}
