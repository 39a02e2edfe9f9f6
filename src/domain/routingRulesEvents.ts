import { z } from 'zod';
import { DfspId } from './dfspEvents.js';
import { CurrencyCode, defineEvent, type EventOf, Principal } from './eventSchemas.js';

/**
 * A routing rule as published (the API's shape): amounts are decimal strings in `when.currency`,
 * which an amount condition therefore requires.
 */
export const PublishedRule = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" or "-", at most 64'),
  when: z
    .strictObject({
      currency: CurrencyCode.optional(),
      minAmount: z.string().optional(),
      maxAmount: z.string().optional(),
      regions: z.array(z.string().min(1).max(50)).max(500).optional(),
      faTypes: z.array(z.string().min(1).max(32)).max(50).optional(),
      providers: z.array(z.string().min(1).max(64)).max(500).optional(),
      programs: z.array(z.string().min(1).max(100)).max(500).optional(),
      attributes: z
        .record(z.string().min(1).max(64), z.array(z.string().max(200)).max(100))
        .optional(),
    })
    .default({}),
  route: z.array(z.strictObject({ dfspId: DfspId, weight: z.number() })).max(50),
  fallback: z.array(DfspId).max(50).default([]),
});
export type PublishedRule = z.infer<typeof PublishedRule>;

/** Every DFSP a rule set names, in its routes or fallbacks: the only ones routing looks at. */
export function dfspIdsNamedIn(rules: readonly PublishedRule[]): Set<string> {
  return new Set(
    rules.flatMap((rule) => [...rule.route.map((entry) => entry.dfspId), ...rule.fallback]),
  );
}

export const RoutingRulesPublished = defineEvent(
  'RoutingRulesPublished',
  z.strictObject({
    version: z.number().int().positive(),
    rules: z.array(PublishedRule).max(500),
    by: Principal,
  }),
);

export const routingRulesEvents = [RoutingRulesPublished] as const;
export type RoutingRulesEvent = EventOf<(typeof routingRulesEvents)[number]>;

export const ROUTING_RULES_STREAM = 'routing-rules';
