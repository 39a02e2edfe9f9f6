import { z } from 'zod';
import { isKnownCurrency } from '../domain/money.js';

/*
 * The parts of the Mojaloop SDK scheme adapter's outbound API v2.1.0 the simulator reads
 * (../../../../../shared/specs/mojaloop-sdk/, `transferRequest`, `transferParty`). As in the
 * SDK (api-snippets 18.x), objects are strict: an unknown field is a 400.
 */

/** `Amount`: a decimal string, at most 4 decimals and **no trailing zeros** (`"10"`, `"10.5"`). */
export const MOJALOOP_AMOUNT = /^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$/;
/** `CorrelationId`: a lowercase UUID or an uppercase ULID. */
export const CORRELATION_ID = new RegExp(
  '^[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' +
    '|^[0-9A-HJKMNP-TV-Z]{26}$',
);

// The spec's Currency is the ISO 4217 list; the simulator knows the ledger's part of it.
const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'an ISO 4217 code')
  .refine(isKnownCurrency, 'not an ISO 4217 currency the simulator knows');
// FirstName, MiddleName, LastName (spec pattern): letters, marks, digits and a few signs.
const nameLetters =
  String.raw`\p{L}\p{gc=Mark}\p{digit}` + String.raw`\p{gc=Connector_Punctuation}\p{Join_Control}`;
const personName = z
  .string()
  .min(1)
  .max(128)
  .regex(new RegExp(String.raw`^(?!\s*$)[${nameLetters} .,''-]{1,128}$`, 'u'));
const extension = z.strictObject({
  key: z.string().min(1).max(128),
  value: z.string().min(1).max(128),
});

/** `transferParty`: required idType and idValue. */
export const transferPartySchema = z.strictObject({
  type: z.enum(['CONSUMER', 'AGENT', 'BUSINESS', 'DEVICE']).optional(),
  idType: z.enum([
    'MSISDN',
    'EMAIL',
    'PERSONAL_ID',
    'BUSINESS',
    'DEVICE',
    'ACCOUNT_ID',
    'IBAN',
    'ALIAS',
  ]),
  idValue: z.string().min(1).max(128),
  idSubValue: z.string().min(1).max(128).optional(),
  displayName: z
    .string()
    .regex(/^(?!\s*$)[\w .,'-]{1,128}$/)
    .optional(),
  firstName: personName.optional(),
  middleName: personName.optional(),
  lastName: personName.optional(),
  dateOfBirth: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  merchantClassificationCode: z
    .string()
    .regex(/^\d{1,4}$/)
    .optional(),
  fspId: z.string().min(1).max(32).optional(),
  supportedCurrencies: z.array(currency).max(16).optional(),
  kycInformation: z.string().min(1).max(2048).optional(),
  extensionList: z.array(extension).max(16).optional(),
});

const expirySeconds = z.number().int().min(1).max(86_400).optional();

/** `POST /transfers` body, `transferRequest`. */
export const transferRequestSchema = z.strictObject({
  // The spec bounds neither end; 1–200 is the simulator's (the ledger's payment id fits).
  homeTransactionId: z.string().min(1).max(200),
  from: transferPartySchema,
  to: transferPartySchema,
  amountType: z.enum(['SEND', 'RECEIVE']),
  currency,
  amount: z.string().regex(MOJALOOP_AMOUNT, 'a decimal string without trailing zeros, e.g. "10.5"'),
  transactionType: z.literal('TRANSFER'),
  subScenario: z
    .string()
    .regex(/^[A-Z_]{1,32}$/)
    .optional(),
  note: z.string().min(1).max(128).optional(),
  quoteRequestExtensions: z.array(extension).max(16).optional(),
  transferRequestExtensions: z.array(extension).max(16).optional(),
  skipPartyLookup: z.boolean().optional(),
  prepareExpirySeconds: expirySeconds,
  fxPrepareExpirySeconds: expirySeconds,
  quoteExpirySeconds: expirySeconds,
  fxQuoteExpirySeconds: expirySeconds,
});

/** A validated transfer request. */
export type TransferRequest = z.infer<typeof transferRequestSchema>;
/** A validated party. */
export type TransferParty = z.infer<typeof transferPartySchema>;
