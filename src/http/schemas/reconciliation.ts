import { z } from '@hono/zod-openapi';
import {
  BALANCE_CHECKS,
  DISCREPANCY_KINDS,
  DISCREPANCY_SEVERITIES,
} from '../../application/readModels.js';
import { STATEMENT_FORMATS, STATEMENT_NOTICE_KINDS } from '../../domain/statement.js';
import { DfspIdSchema, pageOf, pageQueryShape, UlidSchema } from './common.js';

/** A statement id: 26 Crockford base 32 characters derived from the DFSP and the content. */
export const StatementIdSchema = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a statement id (26 characters, Crockford base 32)')
  .openapi({ example: '7Q2M0W5K3Z9X8C1V4B6N2R7T5Y' });

/** `{statementId}` in a path. */
export const StatementParamsSchema = z.strictObject({ statementId: StatementIdSchema });

const SignedAmountSchema = z
  .string()
  .nullable()
  .openapi({ example: '-1250.50', description: 'a decimal string; null where not given' });

/** An imported statement and what reconciliation made of its lines. */
export const StatementViewSchema = z
  .object({
    statementId: StatementIdSchema,
    dfspId: DfspIdSchema,
    format: z.enum(STATEMENT_FORMATS),
    statementRef: z.string().nullable(),
    accountId: z.string().nullable(),
    currency: z.string().nullable(),
    from: z.string().nullable().openapi({ description: 'as the statement gave it' }),
    to: z.string().nullable().openapi({ description: 'as the statement gave it' }),
    importedAt: z.string(),
    importedBy: z.string(),
    notices: z
      .array(
        z.object({
          location: z.string().openapi({ example: 'line 14, field :NS:' }),
          kind: z.enum(STATEMENT_NOTICE_KINDS),
          message: z.string(),
        }),
      )
      .optional()
      .openapi({ description: 'what the statement reader read past rather than refuse' }),
    lines: z.object({
      total: z.number().int(),
      matched: z.number().int(),
      mismatched: z.number().int(),
      paidButFailed: z.number().int(),
      paidTwice: z.number().int(),
      returned: z.number().int(),
      unknown: z.number().int(),
      otherDfsp: z.number().int(),
      notAPayment: z.number().int(),
    }),
    missingFromStatement: z.number().int().openapi({
      description: 'payments the ledger holds as paid in the period that the statement leaves out',
    }),
    balance: z.object({
      check: z.enum(BALANCE_CHECKS).nullable(),
      opening: SignedAmountSchema,
      closing: SignedAmountSchema,
      computedClosing: SignedAmountSchema.openapi({
        description: 'opening balance + credits − debits of the lines',
      }),
    }),
  })
  .openapi('Statement');

/** One exception reconciliation found. */
export const DiscrepancyViewSchema = z
  .object({
    discrepancyId: z.string().openapi({ example: '7Q2M0W5K3Z9X8C1V4B6N2R7T5Y:L0000012' }),
    kind: z.enum(DISCREPANCY_KINDS),
    severity: z.enum(DISCREPANCY_SEVERITIES),
    statementId: StatementIdSchema,
    dfspId: DfspIdSchema,
    batchId: z.string().nullable(),
    paymentId: z.string().nullable(),
    reference: z.string().nullable().openapi({ description: 'as the statement line gave it' }),
    lineNumber: z.number().int().nullable(),
    statement: z
      .object({ amount: z.string().openapi({ example: '1250.50' }), currency: z.string() })
      .nullable()
      .openapi({ description: "the statement's side: the line's amount, or the closing balance" }),
    ledger: z
      .object({
        amount: z.string().openapi({ example: '1250.50' }),
        currency: z.string(),
        status: z.string().nullable(),
      })
      .nullable()
      .openapi({ description: 'what the ledger held when the statement was reconciled' }),
    detectedAt: z.string(),
  })
  .openapi('Discrepancy');

export const DiscrepancyPageSchema = pageOf(DiscrepancyViewSchema).openapi('DiscrepancyPage');

export const DiscrepancyListQuerySchema = z.strictObject({
  dfspId: DfspIdSchema.optional(),
  batchId: UlidSchema.optional(),
  kind: z.enum(DISCREPANCY_KINDS).optional(),
  ...pageQueryShape,
});
