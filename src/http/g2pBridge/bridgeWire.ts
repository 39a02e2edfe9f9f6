import { z } from 'zod';

/**
 * The wire format of OpenG2P G2P Bridge 1.0.x (../shared/specs/g2p-bridge/API.md): the
 * G2P Connect-style request envelope, the payloads this API reads, and the `succ|rjct` answer
 * header. Bodies are parsed by `parseExactJson`, so every JSON number arrives here as the string
 * of its source text.
 */

/** `G2PBridgeErrorCodes` as sent on the wire, the bridge's misspelling included (SOURCE.md 2). */
export const BRIDGE_ERRORS = {
  INVALID_PROGRAM_MNEMONIC: 'INVALID_PROGRAM_MNEMONIC',
  INVALID_DISBURSEMENT_FREQUENCY: 'INVALID_DISBURSEMENT_FREQUENCY',
  INVALID_CYCLE_CODE_MNEMONIC: 'INVALID_CYCLE_CODE_MNEMONIC',
  INVALID_NO_OF_BENEFICIARIES: 'INVALID_NO_OF_BENEFICIARIES',
  INVALID_NO_OF_DISBURSEMENTS: 'INVALID_NO_OF_DISBURSEMENTS',
  INVALID_TOTAL_DISBURSEMENT_AMOUNT: 'INVALID_TOTAL_DISBURSEMENT_AMOUNT',
  INVALID_DISBURSEMENT_SCHEDULE_DATE: 'INVALID_DISBURSEMENT_SCHEDULE_DATE',
  INVALID_DISBURSEMENT_CURRENCY_CODE: 'INVALID_DISBURSEMENT_CURRENCY_CODE',
  INVALID_DISBURSEMENT_ENVELOPE_ID: 'INVALID_DISBURSEMENT_ENVELOPE_ID',
  DISBURSEMENT_ENVELOPE_NOT_FOUND: 'DISBURSEMENT_ENVELOPE_NOT_FOUND',
  DISBURSEMENT_ENVELOPE_ALREADY_CANCELED: 'DISBURSEMENT_ENVELOPE_ALREADY_CANCELED',
  MULTIPLE_ENVELOPES_FOUND: 'MULTIPLE_ENVELOPES_FOUND',
  NO_OF_DISBURSEMENTS_EXCEEDS_DECLARED: 'NO_OF_DISBUESEMENTS_EXCEEDS_DECLARED',
  TOTAL_DISBURSEMENT_AMOUNT_EXCEEDS_DECLARED: 'TOTAL_DISBURSEMENT_AMOUNT_EXCEEDS_DECLARED',
  INVALID_DISBURSEMENT_PAYLOAD: 'INVALID_DISBURSEMENT_PAYLOAD',
  INVALID_DISBURSEMENT_AMOUNT: 'INVALID_DISBURSEMENT_AMOUNT',
  INVALID_BENEFICIARY_ID: 'INVALID_BENEFICIARY_ID',
  INVALID_BENEFICIARY_NAME: 'INVALID_BENEFICIARY_NAME',
  INVALID_NARRATIVE: 'INVALID_NARRATIVE',
  INVALID_DISBURSEMENT_ID: 'INVALID_DISBURSEMENT_ID',
  DISBURSEMENT_ALREADY_CANCELED: 'DISBURSEMENT_ALREADY_CANCELED',
  DISBURSEMENT_ENVELOPE_SCHEDULE_DATE_REACHED: 'DISBURSEMENT_ENVELOPE_SCHEDULE_DATE_REACHED',
  /** amend_disbursement_envelope's, missing from the stale openapi.json (SOURCE.md defect 1). */
  DISBURSEMENT_ENVELOPE_DATE_PASSED: 'DISBURSEMENT_ENVELOPE_DATE_PASSED',
  /**
   * Ours, beyond the bridge's codes: the envelope holds every declared disbursement and was
   * submitted for approval, so what it declares is what the approver approves. The bridge has
   * no such state (it ships an envelope on its date), hence no code.
   */
  DISBURSEMENT_ENVELOPE_ALREADY_SUBMITTED: 'DISBURSEMENT_ENVELOPE_ALREADY_SUBMITTED',
  STATEMENT_UPLOAD_ERROR: 'STATEMENT_UPLOAD_ERROR',
} as const;
export type BridgeError = (typeof BRIDGE_ERRORS)[keyof typeof BRIDGE_ERRORS];

export const DISBURSEMENT_FREQUENCIES = [
  'Daily',
  'Weekly',
  'Fortnightly',
  'Monthly',
  'BiMonthly',
  'Quarterly',
  'SemiAnnually',
  'Annually',
  'OnDemand',
] as const;

/** The most disbursements one `create_disbursements` or status request may carry. */
export const MAX_DISBURSEMENTS_PER_REQUEST = 1_000;

const text = z.string().max(1_000);
const optionalText = text.nullish();

/** `RequestHeader`: what the bridge requires; nothing of it is acted on but `sender_id`. */
export const RequestHeaderSchema = z.looseObject({
  version: optionalText,
  message_id: text,
  message_ts: text,
  action: text,
  sender_id: text,
  sender_uri: optionalText,
  receiver_id: optionalText,
  total_count: z.string().regex(/^-?\d+$/, 'an integer'),
  is_msg_encrypted: z.boolean().nullish(),
});
export type RequestHeader = z.infer<typeof RequestHeaderSchema>;

/** `DisbursementEnvelopePayload`; numbers are their source text. */
export const EnvelopePayloadSchema = z.looseObject({
  id: optionalText,
  disbursement_envelope_id: optionalText,
  benefit_program_mnemonic: optionalText,
  disbursement_frequency: optionalText,
  cycle_code_mnemonic: optionalText,
  number_of_beneficiaries: z.string().nullish(),
  number_of_disbursements: z.string().nullish(),
  total_disbursement_amount: z.string().nullish(),
  disbursement_currency_code: optionalText,
  disbursement_schedule_date: optionalText,
});
export type EnvelopePayload = z.infer<typeof EnvelopePayloadSchema>;

/** `DisbursementPayload`; numbers are their source text. */
export const DisbursementPayloadSchema = z.looseObject({
  id: optionalText,
  mis_reference_number: optionalText,
  disbursement_id: optionalText,
  disbursement_envelope_id: optionalText,
  beneficiary_id: optionalText,
  beneficiary_name: optionalText,
  disbursement_amount: z.string().nullish(),
  narrative: optionalText,
});
export type DisbursementPayload = z.infer<typeof DisbursementPayloadSchema>;

const request = <Message extends z.ZodType>(message: Message) =>
  z.object({ signature: optionalText, header: RequestHeaderSchema, message });

export const EnvelopeRequestSchema = request(EnvelopePayloadSchema);
export const DisbursementsRequestSchema = request(
  z.array(DisbursementPayloadSchema).min(1).max(MAX_DISBURSEMENTS_PER_REQUEST),
);
export const EnvelopeStatusRequestSchema = request(text);
export const DisbursementStatusRequestSchema = request(
  z.array(text).min(1).max(MAX_DISBURSEMENTS_PER_REQUEST),
);

/**
 * `SyncResponseHeader` answering `header`: `succ`, or `rjct` with the bridge's error code in
 * `status_reason_message`. `message_ts` carries a zone, unlike the bridge's naive local time.
 */
export function responseHeader(
  header: RequestHeader | undefined,
  now: Date,
  rejection?: BridgeError,
) {
  return {
    version: header?.version ?? '1.0.0',
    message_id: header?.message_id ?? '',
    message_ts: now.toISOString(),
    action: header?.action ?? '',
    status: rejection === undefined ? ('succ' as const) : ('rjct' as const),
    status_reason_code: null,
    status_reason_message: rejection ?? null,
    total_count: null,
    completed_count: null,
    sender_id: null,
    receiver_id: null,
    is_msg_encrypted: false,
    meta: null,
  };
}
