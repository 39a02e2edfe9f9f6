import { z } from '@hono/zod-openapi';
import {
  CallbackVerification,
  ConnectionParameters,
  ConnectorKind,
  FileExchange,
  MappingDocument,
  OutboundCredentials,
  ProfileName,
} from '../../domain/dfspConnection.js';
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
 * A DFSP registration (PUT /v1/dfsps/{dfspId}): connector, endpoint, credentials and mapping.
 * `callbackSecret` and `credentials` are write-only: never answered, logged or recorded in an
 * event (the event records which kind of credential is set, and when).
 */
export const DfspRegistrationSchema = z
  .strictObject({
    name: z.string().min(1).max(200).openapi({ example: 'Bank A' }),
    connector: ConnectorKind,
    profile: ProfileName.optional().openapi({
      description: 'mapped-http: a mapping shipped with the ledger (README, "Connecting a DFSP")',
    }),
    mapping: MappingDocument.optional().openapi({
      description: "mapped-http: the DFSP's API as a mapping document of JSONata expressions",
    }),
    parameters: ConnectionParameters.optional().openapi({
      description: 'values the mapping reads as parameters.<name> (not secret)',
    }),
    callbackVerification: CallbackVerification.optional().openapi({
      description: 'how callbacks prove they come from the DFSP; x-signature by default',
    }),
    credentials: OutboundCredentials.optional().openapi({
      description:
        'write-only, sealed: outbound authentication, client certificate, secret parameters. ' +
        'Absent: those set before stay; {"auth":{"kind":"none"}} removes them',
    }),
    files: FileExchange.optional().openapi({
      description:
        'iso20022-files: the SFTP user, pinned host key, folders and funding account ' +
        '(README, "Banks that take files")',
    }),
    baseUrl: z
      .url({ protocol: /^(https?|sftp)$/, error: 'must be an http(s) URL, or sftp:// for files' })
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

/** A registration as answered: everything but the secrets, the credentials only described. */
export const DfspRegisteredSchema = z
  .object({
    dfspId: DfspIdSchema,
    name: z.string(),
    connector: z.string(),
    profile: z.string().nullable().openapi({ example: 'mpesa-b2c@1' }),
    callbackVerification: z.string().openapi({ example: 'x-signature' }),
    credentials: z
      .object({ auth: z.string(), clientTls: z.boolean(), setAt: z.string() })
      .nullable()
      .openapi({ description: 'which kind of credential is set and when, never its value' }),
    baseUrl: z.string(),
    payerFa: z.string(),
    currencies: z.array(z.string()).readonly(),
    faTypes: z.array(z.string()).readonly(),
    maxAmount: z.string().nullable(),
    maxBatchSize: z.number().int().nullable(),
  })
  .openapi('DfspRegistered');

/** One DFSP's registration in force (GET /v1/dfsps/{dfspId}), with its mapping and parameters. */
export const DfspRegistrationViewSchema = DfspRegisteredSchema.extend({
  mapping: z.unknown().nullable(),
  files: z.unknown().nullable(),
  parameters: z.record(z.string(), z.string()).nullable(),
}).openapi('DfspRegistrationView');

/** A DFSP as `GET /v1/dfsps` lists it: its state and health, never its secrets. */
export const DfspViewSchema = DfspRegisteredSchema.omit({
  profile: true,
  callbackVerification: true,
  credentials: true,
})
  .extend({
    status: z.enum(['active', 'suspended']),
    health: z.enum(['healthy', 'unhealthy']),
    registeredAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Dfsp');

export const DfspPageSchema = pageOf(DfspViewSchema).openapi('DfspPage');

export const DfspListQuerySchema = z.strictObject(pageQueryShape);

/** A sample payment to preview a DFSP's request with (POST /v1/dfsps/{dfspId}/preview). */
export const SamplePaymentSchema = z
  .strictObject({
    payeeFa: FinancialAddressSchema,
    amount: AmountSchema,
    currency: CurrencySchema,
    payeeName: z.string().min(1).max(200).optional(),
    purpose: z.string().min(1).max(500).optional(),
  })
  .openapi('SamplePayment');

/** The request a sample payment would produce, secrets redacted. */
export const PreviewedRequestSchema = z
  .object({
    method: z.string(),
    url: z.string(),
    headers: z.record(z.string(), z.string()),
    body: z.string().nullable(),
  })
  .openapi('PreviewedRequest');

/** What a live test of a DFSP's connection did, step by step. */
export const TrialStepsSchema = z
  .object({
    steps: z.array(
      z.object({
        step: z.enum(['access_token', 'status_query', 'sftp_session']),
        ok: z.boolean(),
        detail: z.string(),
      }),
    ),
  })
  .openapi('DfspTestResult');
