import { z } from '@hono/zod-openapi';
import {
  BATCH_STATUSES,
  PAYMENT_STATUSES,
  RECONCILIATION_STATUSES,
} from '../../application/readModels.js';
import {
  AmountSchema,
  AttributesSchema,
  CurrencySchema,
  FinancialAddressSchema,
  InstantSchema,
  pageOf,
  pageQueryShape,
  UlidSchema,
} from './common.js';

/** The most payments one `POST /v1/batches/{batchId}/payments` carries. */
export const MAX_PAYMENTS_PER_REQUEST = 1_000;

/** `{batchId}` in a path. */
export const BatchParamsSchema = z.strictObject({ batchId: UlidSchema });

/** `POST /v1/batches`: opens a batch; without `batchId` the ledger draws one. */
export const OpenBatchBodySchema = z
  .strictObject({
    batchId: UlidSchema.optional().openapi({
      description: 'the client id of the batch: repeating the request with it is idempotent',
    }),
    programId: z.string().min(1).max(100).openapi({ example: 'CT-OVC' }),
    cycleId: z.string().min(1).max(100).openapi({ example: '2026-11' }),
    currency: CurrencySchema,
    declaredCount: z
      .number({ error: 'must be an integer from 1 to 10,000,000' })
      .int('must be an integer from 1 to 10,000,000')
      .min(1, 'must be an integer from 1 to 10,000,000')
      .max(10_000_000, 'must be an integer from 1 to 10,000,000')
      .openapi({ example: 2 }),
    declaredTotal: AmountSchema,
    scheduledFor: InstantSchema.optional(),
    description: z.string().max(500).optional(),
  })
  .openapi('OpenBatch');

/** New control totals for an open batch (`PATCH /v1/batches/{batchId}`). */
export const AmendBatchBodySchema = OpenBatchBodySchema.pick({
  declaredCount: true,
  declaredTotal: true,
  scheduledFor: true,
}).openapi('AmendBatch');

/** One payment instruction as the programme sends it. */
export const PaymentInstructionSchema = z
  .strictObject({
    reference: z.string().min(1).max(100).openapi({
      description: "the programme's id of the payment, unique within the batch",
      example: 'CT-OVC-2026-11-000123',
    }),
    beneficiaryId: z.string().min(1).max(100),
    payeeFa: FinancialAddressSchema,
    payeeName: z.string().max(200).optional(),
    amount: AmountSchema,
    region: z.string().min(1).max(50).optional().openapi({ example: 'KE-30-001' }),
    purpose: z.string().max(140).optional(),
    attributes: AttributesSchema.optional(),
  })
  .openapi('PaymentInstruction');

/** A chunk of payments to add to an open batch: the body is the JSON array itself (DESIGN). */
export const AddPaymentsBodySchema = z
  .array(PaymentInstructionSchema)
  .min(1, 'add at least 1 payment')
  .max(MAX_PAYMENTS_PER_REQUEST, 'at most 1,000 payments per request')
  .openapi('AddPayments');

export const AddedPaymentsSchema = z
  .object({
    payments: z.array(z.object({ reference: z.string(), paymentId: UlidSchema })).readonly(),
  })
  .openapi('AddedPayments');

const CountAndAmountSchema = z
  .object({ count: z.number().int(), amount: z.string() })
  .openapi('CountAndAmount');
const ByPaymentStatusSchema = z
  .record(z.enum(PAYMENT_STATUSES), CountAndAmountSchema)
  .openapi('CountAndAmountByPaymentStatus');

/** A batch: declared vs received, and count and amount per payment status and per DFSP. */
export const BatchSummarySchema = z
  .object({
    batchId: UlidSchema,
    programId: z.string(),
    cycleId: z.string(),
    currency: z.string(),
    status: z.enum(BATCH_STATUSES),
    description: z.string().nullable(),
    scheduledFor: z.string().nullable(),
    declared: z.object({ count: z.number().int(), total: z.string() }),
    received: z.object({ count: z.number().int(), total: z.string() }),
    byStatus: ByPaymentStatusSchema,
    byDfsp: z
      .array(
        z.object({
          dfspId: z.string(),
          count: z.number().int(),
          amount: z.string(),
          byStatus: ByPaymentStatusSchema,
        }),
      )
      .readonly(),
    reconciliation: z.record(z.enum(RECONCILIATION_STATUSES), CountAndAmountSchema),
    submittedBy: z.string().nullable(),
    approvedBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('BatchSummary');

/** What opening a batch answers when the read model has not caught up yet. */
export const BatchOpenedSchema = z
  .object({ batchId: UlidSchema, status: z.literal('open') })
  .openapi('BatchOpened');

export const BatchPageSchema = pageOf(BatchSummarySchema).openapi('BatchPage');

export const BatchListQuerySchema = z.strictObject({
  status: z.enum(BATCH_STATUSES).optional(),
  ...pageQueryShape,
});
