import { z } from '@hono/zod-openapi';
import { PublishedRule } from '../../domain/routingRulesEvents.js';
import {
  AmountSchema,
  AttributesSchema,
  CurrencySchema,
  FinancialAddressSchema,
  UlidSchema,
} from './common.js';

/**
 * One routing rule, as published and as answered: the domain's own schema. It is used as it is,
 * not renamed with `.openapi()`: zod 4 gives a schema its methods when it is built, and domain
 * schemas are built before `@hono/zod-openapi` adds `.openapi` (so it appears inline in the
 * OpenAPI document rather than as a named component).
 */
export const RoutingRuleSchema = PublishedRule;

/** `PUT /v1/routing-rules`: the whole new rule set, first match wins. */
export const RuleSetBodySchema = z
  .strictObject({ rules: z.array(RoutingRuleSchema).max(500, 'at most 500 rules') })
  .openapi('RoutingRuleSet');

export const PublishedVersionSchema = z
  .object({ version: z.number().int().openapi({ example: 3 }) })
  .openapi('RoutingRulesVersion');

/** The rule set in force: version 0 and no rules before the first publication. */
export const CurrentRulesSchema = z
  .object({ version: z.number().int(), rules: z.array(RoutingRuleSchema).readonly() })
  .openapi('CurrentRoutingRules');

/** A payment to route in a dry run: nothing is recorded. */
export const DryRunBodySchema = z
  .strictObject({
    paymentId: UlidSchema.optional().openapi({
      description: 'fixes the weighted choice; a random one when omitted',
    }),
    amount: AmountSchema,
    currency: CurrencySchema,
    payeeFa: FinancialAddressSchema,
    region: z.string().min(1).max(50).optional().openapi({ example: 'KE-30-001' }),
    programId: z.string().min(1).max(100).openapi({ example: 'CT-OVC' }),
    attributes: AttributesSchema.optional(),
  })
  .openapi('RoutingDryRun');

/** Which DFSP and rule the payment would get, or why none. */
export const RoutingDecisionSchema = z
  .discriminatedUnion('outcome', [
    z.object({
      outcome: z.literal('routed'),
      dfspId: z.string(),
      ruleId: z.string(),
      rulesVersion: z.number().int(),
      via: z.enum(['route', 'fallback']),
    }),
    z.object({
      outcome: z.literal('unroutable'),
      reason: z.string(),
      rulesVersion: z.number().int(),
    }),
  ])
  .openapi('RoutingDecision');
