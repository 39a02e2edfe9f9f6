import { randomUUID } from 'node:crypto';
import type { DisbursementStatus, ErrorCode } from './wireSchemas.js';

/**
 * Bodies the simulator sends, shaped as the G2P Connect disburse API v1.0.0 names them
 * (components/responses/Response, DisburseResponse, TxnStatusResponse,
 * MsgCallbackHeader_V1.0.0, HttpErrorResponse).
 */

/** components/responses/Response: the synchronous acknowledgement. */
export interface AckBody {
  message: {
    ack_status: 'ACK' | 'NACK' | 'ERR';
    timestamp: string;
    correlation_id: string;
    error?: { code: ErrorCode; message: string };
  };
}

/** An `ACK` for an accepted request. */
export function ackBody(correlationId: string, now: Date): AckBody {
  return {
    message: { ack_status: 'ACK', timestamp: now.toISOString(), correlation_id: correlationId },
  };
}

/** An `ERR` acknowledgement: the request could not be processed. */
export function errAckBody(code: ErrorCode, message: string, now: Date): AckBody {
  return {
    message: {
      ack_status: 'ERR',
      timestamp: now.toISOString(),
      correlation_id: randomUUID(),
      error: { code, message: message.slice(0, 999) },
    },
  };
}

/** components/responses/HttpErrorResponse, used for transport-level failures (503). */
export function httpErrorBody(code: ErrorCode, message: string) {
  return { errors: [{ code, message }] };
}

/** MsgCallbackHeader_V1.0.0 (required: message_id, message_ts, action, status). */
export interface CallbackHeader {
  version: '1.0.0';
  message_id: string;
  message_ts: string;
  action: 'on-disburse';
  status: 'succ';
  total_count: number;
  completed_count: number;
  sender_id: string;
  receiver_id: string;
}

function callbackHeader(
  dfspId: string,
  receiverId: string,
  lines: readonly DisbursementStatus[],
  now: Date,
): CallbackHeader {
  return {
    version: '1.0.0',
    message_id: randomUUID(),
    message_ts: now.toISOString(),
    action: 'on-disburse',
    status: 'succ',
    total_count: lines.length,
    completed_count: lines.filter((l) => l.status === 'succ' || l.status === 'rjct').length,
    sender_id: dfspId,
    receiver_id: receiverId,
  };
}

/** The /on-disburse body: `{ header, message: DisburseResponse }`. */
export function onDisburseBody(
  dfspId: string,
  receiverId: string,
  transactionId: string,
  lines: readonly DisbursementStatus[],
  now: Date,
) {
  return {
    header: callbackHeader(dfspId, receiverId, lines, now),
    message: { transaction_id: transactionId, disbursements_status: lines },
  };
}

/** The /disburse/sync/txn/status answer: `{ header, message: TxnStatusResponse }`. */
export function txnStatusResponseBody(
  dfspId: string,
  receiverId: string,
  transactionId: string,
  lines: readonly DisbursementStatus[],
  now: Date,
) {
  return {
    header: callbackHeader(dfspId, receiverId, lines, now),
    message: {
      transaction_id: transactionId,
      correlation_id: randomUUID(),
      txnstatus_response: {
        txn_type: 'on-disburse',
        txn_status: { transaction_id: transactionId, disbursements_status: lines },
      },
    },
  };
}
