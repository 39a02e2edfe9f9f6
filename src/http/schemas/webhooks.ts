import { z } from '@hono/zod-openapi';
import {
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_SECRET_MAX_BYTES,
  WEBHOOK_SECRET_MIN_BYTES,
} from '../../domain/webhookSubscription.js';

/** A subscription id: lower-case letters, digits and `-`, up to 63 characters. */
export const WebhookParamsSchema = z.object({
  subscriptionId: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and "-", at most 63')
    .openapi({ param: { name: 'subscriptionId', in: 'path' }, example: 'erp-payments' }),
});

const IdListSchema = z.array(z.string().min(1).max(100)).min(1).max(100);

const secretBytes = (secret: string) => Buffer.from(secret.slice('whsec_'.length), 'base64').length;

export const WebhookSubscriptionSchema = z
  .strictObject({
    url: z.string().max(2_000).openapi({ example: 'https://erp.example.org/hooks/g2p' }),
    events: z
      .array(z.enum(WEBHOOK_EVENT_TYPES))
      .min(1, 'name at least one event type')
      .max(WEBHOOK_EVENT_TYPES.length)
      .refine((events) => new Set(events).size === events.length, 'each event type once'),
    filters: z
      .strictObject({ programIds: IdListSchema.optional(), batchIds: IdListSchema.optional() })
      .optional(),
    secret: z
      .string()
      .max(200)
      .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be "whsec_" followed by base64')
      .refine(
        (secret) =>
          secretBytes(secret) >= WEBHOOK_SECRET_MIN_BYTES &&
          secretBytes(secret) <= WEBHOOK_SECRET_MAX_BYTES,
        `must hold ${WEBHOOK_SECRET_MIN_BYTES} to ${WEBHOOK_SECRET_MAX_BYTES} random bytes`,
      )
      .openapi({ description: 'write-only: kept sealed, never answered' }),
    enabled: z.boolean().optional().openapi({ description: 'default true' }),
  })
  .openapi('WebhookSubscription');

const FiltersViewSchema = z.object({
  programIds: z.array(z.string()).readonly().optional(),
  batchIds: z.array(z.string()).readonly().optional(),
});

export const WebhookSubscriptionViewSchema = z
  .object({
    subscriptionId: z.string(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).readonly(),
    filters: FiltersViewSchema,
    enabled: z.boolean(),
    disabledReason: z.string().nullable().openapi({
      description: 'disabled_by_admin, gone (410) or failing_too_long; null if enabled',
    }),
    checkpoint: z.string().openapi({ description: 'feed position delivered up to' }),
    deliveries: z.object({
      inFlight: z.number().int(),
      failedAttempts: z.number().int(),
      nextAttemptAt: z.string().nullable(),
      delivered: z.string(),
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('WebhookSubscriptionView');

export const WebhookListSchema = z
  .object({ items: z.array(WebhookSubscriptionViewSchema).readonly(), nextCursor: z.null() })
  .openapi('WebhookSubscriptionList');

export const WebhookAttemptsQuerySchema = z.object({
  limit: z.coerce
    .number({ error: 'must be an integer from 1 to 1000' })
    .int('must be an integer from 1 to 1000')
    .min(1, 'must be an integer from 1 to 1000')
    .max(1_000, 'must be an integer from 1 to 1000')
    .optional()
    .openapi({ description: '1 to 1000; default 100' }),
});

export const WebhookAttemptsSchema = z
  .object({
    items: z.array(
      z.object({
        webhookId: z.string(),
        eventType: z.enum(WEBHOOK_EVENT_TYPES),
        position: z.string(),
        attempt: z.number().int(),
        at: z.string(),
        outcome: z.enum(['delivered', 'failed']),
        statusCode: z.number().int().nullable(),
        error: z.string().nullable(),
      }),
    ),
  })
  .openapi('WebhookAttempts');

export const WebhookReplaySchema = z
  .strictObject({
    fromPosition: z
      .string()
      .regex(/^\d{1,19}$/, 'must be a feed position (a decimal string)')
      .openapi({ example: '1' }),
  })
  .openapi('WebhookReplay');
