import { z } from '@hono/zod-openapi';
import {
  AmountSchema,
  CurrencySchema,
  DfspIdSchema,
  FinancialAddressSchema,
  pageOf,
  pageQueryShape,
} from './common.js';

/** `{dfspId}` in a path. */
export const DfspParamsSchema = z.strictObject({ dfspId: DfspIdSchema });

/**
 * A DFSP registration (PUT /v1/dfsps/{dfspId}). `callbackSecret` is write-only: it is never
 * answered, logged or recorded in an event.
 */
export const DfspRegistrationSchema = z
  .strictObject({
    name: z.string().min(1).max(200).openapi({ example: 'Bank A' }),
    connector: z.enum(['g2p-connect']),
    baseUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2_000)
      .openapi({ example: 'http://127.0.0.1:4001' }),
    payerFa: FinancialAddressSchema.openapi({
      description: "the programme's funding account at this DFSP",
    }),
    currencies: z.array(CurrencySchema).min(1).max(50),
    faTypes: z
      .array(z.string().min(1).max(32))
      .min(1)
      .max(50)
      .openapi({ example: ['account'] }),
    maxAmount: AmountSchema.optional(),
    maxBatchSize: z.number().int().min(1).max(10_000).optional(),
    callbackSecret: z
      .string()
      .min(16, 'must be at least 16 characters')
      .max(512)
      .openapi({ description: 'write-only: signs the DFSP callbacks (HMAC-SHA256)' }),
  })
  .openapi('DfspRegistration');

/** A registration as answered: everything but the secret. */
export const DfspRegisteredSchema = z
  .object({
    dfspId: DfspIdSchema,
    name: z.string(),
    connector: z.string(),
    baseUrl: z.string(),
    payerFa: z.string(),
    currencies: z.array(z.string()).readonly(),
    faTypes: z.array(z.string()).readonly(),
    maxAmount: z.string().nullable(),
    maxBatchSize: z.number().int().nullable(),
  })
  .openapi('DfspRegistered');

/** A DFSP as `GET /v1/dfsps` lists it: its state and health, never its secrets. */
export const DfspViewSchema = DfspRegisteredSchema.extend({
  status: z.enum(['active', 'suspended']),
  health: z.enum(['healthy', 'unhealthy']),
  registeredAt: z.string(),
  updatedAt: z.string(),
}).openapi('Dfsp');

export const DfspPageSchema = pageOf(DfspViewSchema).openapi('DfspPage');

export const DfspListQuerySchema = z.strictObject(pageQueryShape);
