import { z } from 'zod';

/*
 * The parts of the G2P Connect disburse API v1.0.0 (../../../../../shared/specs/g2p-connect/) the
 * simulator reads. Objects are loose: the spec's many optional fields (meta, locale, instruction,
 * scheduled_timestamp, …) pass through unread. Only types of fields the simulator uses are checked
 * here; business checks on a disbursement (amount format, financial addresses, currency) are
 * per-item rejections with a reason code, not request errors (spec: Error is "NOT in scope" of
 * business validation).
 */

/** MsgHeader_V1.0.0: required message_id, message_ts, action, sender_id, total_count. */
export const requestHeaderSchema = z.looseObject({
  version: z.string().max(20).optional(),
  message_id: z.string().min(1).max(200),
  message_ts: z.string().min(1).max(64),
  action: z.string().min(1).max(64),
  sender_id: z.string().min(1).max(200),
  sender_uri: z.string().max(2_000).optional(),
  receiver_id: z.string().max(200).optional(),
  total_count: z.number().int().min(0),
  is_msg_encrypted: z.boolean().optional(),
});

/** DisburseRequest.disbursements[] item: required reference_id, payer_fa, payee_fa, amount. */
export const disbursementSchema = z.looseObject({
  reference_id: z.string().min(1).max(200),
  payer_fa: z.string().max(500),
  payee_fa: z.string().max(500),
  amount: z.string().max(40),
  currency_code: z.string().max(10).optional(),
  payee_name: z.string().max(500).optional(),
  note: z.string().max(999).optional(),
  purpose: z.string().max(999).optional(),
});

/** The /disburse JSON body: `{ signature?, header, message: DisburseRequest }`. */
export const disburseBodySchema = z.looseObject({
  signature: z.string().optional(),
  header: requestHeaderSchema.extend({ action: z.literal('disburse') }),
  message: z.looseObject({
    transaction_id: z.string().min(1).max(99),
    // Spec's `required` says `disburemsents` (typo); `disbursements` is what it means.
    disbursements: z.array(disbursementSchema),
  }),
});

/**
 * The /disburse/sync/txn/status body. The spec lists header actions `search`/`subscribe` where
 * `disburse` is meant, so any action is accepted; `txnstatus_request.reference_id` is required by
 * the spec but unused here, so it is tolerated when absent.
 */
export const txnStatusBodySchema = z.looseObject({
  signature: z.string().optional(),
  header: requestHeaderSchema,
  message: z.looseObject({
    transaction_id: z.string().min(1).max(99),
    txnstatus_request: z.looseObject({
      reference_id: z.string().max(200).optional(),
      txn_type: z.literal('disburse'),
      attribute_type: z.literal('reference_id_list'),
      attribute_value: z.array(z.string().min(1).max(200)),
    }),
  }),
});

/** A disbursement as received. */
export type Disbursement = z.infer<typeof disbursementSchema>;
/** A validated /disburse body. */
export type DisburseBody = z.infer<typeof disburseBodySchema>;
/** A validated status query body. */
export type TxnStatusBody = z.infer<typeof txnStatusBodySchema>;

/** RequestStatus (spec): rcvd, pdng, succ, rjct. */
export type RequestStatus = 'rcvd' | 'pdng' | 'succ' | 'rjct';

/** DisburseStatusReasonCode (spec enum). */
export type DisburseStatusReasonCode =
  | 'rjct.reference_id.invalid'
  | 'rjct.reference_id.duplicate'
  | 'rjct.timestamp.invalid'
  | 'rjct.payer_fa.invalid'
  | 'rjct.payee_fa.invalid'
  | 'rjct.amount.invalid'
  | 'rjct.schedule_ts.invalid'
  | 'rjct.currency_code.invalid';

/** DisburseResponse.disbursements_status[] item, as the simulator sends it. */
export interface DisbursementStatus {
  reference_id: string;
  timestamp: string;
  status: RequestStatus;
  status_reason_code?: DisburseStatusReasonCode;
  status_reason_message?: string;
}

/** Error.code (spec enum), the subset the simulator answers with. */
export type ErrorCode =
  | 'err.request.bad'
  | 'err.request.not_found'
  | 'err.request.too_many_requests'
  | 'err.encryption.invalid'
  | 'err.service.unavailable';
