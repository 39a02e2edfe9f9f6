import { z } from '@hono/zod-openapi';
import {
  MAX_STATUS_LOOKUPS,
  PAYMENT_STATUSES,
  RECONCILIATION_STATUSES,
} from '../../application/readModels.js';
import { DfspIdSchema, InstantSchema, pageOf, pageQueryShape, UlidSchema } from './common.js';

/** `{paymentId}` in a path. */
export const PaymentParamsSchema = z.strictObject({ paymentId: UlidSchema });

/** `?asOf=`: the payment as it was at that instant, replayed from its events. */
export const PaymentQuerySchema = z.strictObject({ asOf: InstantSchema.optional() });

/** A payment now (or as it was at an instant). */
export const PaymentViewSchema = z
  .object({
    paymentId: UlidSchema,
    batchId: UlidSchema,
    reference: z.string(),
    beneficiaryId: z.string(),
    payeeFa: z.string().nullable().openapi({
      description:
        'null while the beneficiary id waits for the programme ID mapper, or when it named none',
    }),
    payeeName: z.string().nullable(),
    amount: z.string().openapi({ example: '1250.50' }),
    currency: z.string(),
    region: z.string().nullable(),
    status: z.enum(PAYMENT_STATUSES),
    statusReason: z.string().nullable(),
    inDoubt: z.boolean().openapi({
      description:
        'submitted, and the outcome of its sending unknown: its DFSP may hold it and has not said',
    }),
    dfspId: z.string().nullable(),
    ruleId: z.string().nullable(),
    rulesVersion: z.number().int().nullable(),
    attempts: z.number().int(),
    reconciliation: z.enum(RECONCILIATION_STATUSES),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Payment');

export const PaymentPageSchema = pageOf(PaymentViewSchema).openapi('PaymentPage');

export const PaymentListQuerySchema = z.strictObject({
  batchId: UlidSchema.optional(),
  status: z.enum(PAYMENT_STATUSES).optional(),
  dfspId: DfspIdSchema.optional(),
  inDoubt: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .openapi({ description: 'only payments in doubt (true), or none in doubt (false)' }),
  ...pageQueryShape,
});

/** A payment named by its id, or by the programme's reference within its batch. */
const PaymentNameSchema = z.union([
  z.strictObject({ paymentId: UlidSchema }),
  z.strictObject({ batchId: UlidSchema, reference: z.string().min(1).max(100) }),
]);

/** `POST /v1/payments/status`: up to 1,000 payments by id or by `(batchId, reference)`. */
export const PaymentStatusQuerySchema = z
  .strictObject({
    payments: z
      .array(PaymentNameSchema)
      .min(1)
      .max(MAX_STATUS_LOOKUPS, `at most ${MAX_STATUS_LOOKUPS} payments a request`),
  })
  .openapi('PaymentStatusQuery');

export const PaymentStatusAnswerSchema = z
  .object({
    items: z.array(PaymentViewSchema),
    notFound: z.array(PaymentNameSchema).openapi({ description: 'the names no payment answers' }),
  })
  .openapi('PaymentStatusAnswer');

/** `POST /v1/payments/{paymentId}/resolve`: an outcome proposed, or confirmed. */
export const ResolutionSchema = z
  .strictObject({
    outcome: z.enum(['succeeded', 'failed']),
    evidence: z.string().trim().min(1).max(2_000).optional().openapi({
      description: 'required to propose: what shows the outcome (a statement line, a ticket)',
    }),
  })
  .openapi('Resolution');

export const ResolutionAnswerSchema = z
  .object({ paymentId: UlidSchema, resolution: z.enum(['proposed', 'resolved', 'unchanged']) })
  .openapi('ResolutionAnswer');
