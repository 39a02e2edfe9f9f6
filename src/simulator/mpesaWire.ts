import { z } from 'zod';

/*
 * The parts of Safaricom Daraja the simulator reads (../../../../../shared/specs/mpesa-b2c/API.md):
 * the B2C v3 payment request (§2) and the Transaction Status query (§3). Objects are loose: the
 * gateway's tolerance of unknown fields is not documented. Numeric fields (`Amount`, `PartyA`,
 * `PartyB`, `IdentifierType`) arrive as numbers or digit strings (the portal's table says
 * Numeric, its samples send strings, SDKs send numbers) and are read as strings.
 */

/** A number or a string, read as its decimal text, then held to `pattern`. */
const digits = (pattern: RegExp, message: string) =>
  z
    .union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().max(20)])
    .transform(String)
    .pipe(z.string().regex(pattern, message));

const callbackUrl = z.url({ protocol: /^https?$/ }).max(2_000);
const securityCredential = z.string().min(1).max(4_096);

/**
 * `Amount`: whole units (no decimals are documented). Only positivity is checked here: the
 * KES 10 – 250,000 limits are business rules, answered in the result (ResultCode 2 or 3).
 */
const wholeAmount = digits(/^[1-9]\d{0,8}$/, 'a positive whole number of units');

/** `POST /mpesa/b2c/v3/paymentrequest` body (§2). */
export const b2cPaymentRequestSchema = z
  .looseObject({
    // No maximum is documented (§2, SOURCE.md defect 3); 100 is the simulator's bound.
    OriginatorConversationID: z.string().min(1).max(100),
    InitiatorName: z.string().min(1).max(100),
    SecurityCredential: securityCredential,
    CommandID: z.enum(['SalaryPayment', 'BusinessPayment', 'PromotionPayment']),
    Amount: wholeAmount,
    // The B2C shortcode; §3 gives shortcodes as 6–9 digits.
    PartyA: digits(/^\d{6,9}$/, 'a shortcode of 6 to 9 digits'),
    PartyB: digits(/^2547\d{8}$/, 'an MSISDN 2547XXXXXXXX'),
    Remarks: z.string().min(2).max(100),
    QueueTimeOutURL: callbackUrl,
    ResultURL: callbackUrl,
    Occasion: z.string().min(1).max(100).optional(),
    // Safaricom's own sample spells it so; which spelling the gateway reads is unknown.
    Occassion: z.string().min(1).max(100).optional(),
  })
  .refine((body) => body.Occasion === undefined || body.Occassion === undefined, {
    message: 'send Occasion or Occassion, not both',
    path: ['Occasion'],
  });

/** `POST /mpesa/transactionstatus/v1/query` body (§3). */
export const transactionStatusQuerySchema = z
  .looseObject({
    Initiator: z.string().min(1).max(100),
    SecurityCredential: securityCredential,
    CommandID: z.literal('TransactionStatusQuery'),
    // Clients often send "" for the key they do not use: read as absent.
    TransactionID: z.string().max(40).optional(),
    OriginalConversationID: z.string().max(100).optional(),
    PartyA: digits(/^\d{6,12}$/, 'a shortcode (6 to 9 digits) or an MSISDN'),
    IdentifierType: digits(/^[124]$/, '1 (MSISDN), 2 (till) or 4 (shortcode)'),
    ResultURL: callbackUrl,
    QueueTimeOutURL: callbackUrl,
    Remarks: z.string().min(1).max(100),
    Occasion: z.string().max(100).optional(),
  })
  .refine((query) => Boolean(query.TransactionID || query.OriginalConversationID), {
    message: 'TransactionID or OriginalConversationID is required',
    path: ['OriginalConversationID'],
  });

/** A validated B2C payment request. */
export type B2cPaymentRequest = z.infer<typeof b2cPaymentRequestSchema>;
/** A validated Transaction Status query. */
export type TransactionStatusQuery = z.infer<typeof transactionStatusQuerySchema>;
