import { z } from '@hono/zod-openapi';

export const BeneficiaryParamsSchema = z.strictObject({
  beneficiaryId: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'beneficiaryId', in: 'path' }, example: 'NID-1985-0042' }),
});

/** Why a beneficiary is erased: required, and it must not name the person. */
export const ErasureBodySchema = z
  .strictObject({
    reason: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .openapi({ example: 'data-subject erasure request 2026-117 (case number only)' }),
  })
  .openapi('ErasureRequest');

export const ErasureOutcomeSchema = z
  .strictObject({
    beneficiaryKey: z.string().openapi({
      description: 'The key destroyed: the id its BeneficiaryErased event names',
      example: '01JDQ6X8N4ZC2M7R3T5V9W1Y0B',
    }),
    cancelledPayments: z.number().int().openapi({
      description: 'Payments not yet sent, now cancelled (those a DFSP holds go on, erased)',
    }),
  })
  .openapi('ErasureOutcome');
