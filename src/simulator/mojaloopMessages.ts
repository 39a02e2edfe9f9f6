import type { MojaloopTransfer } from './mojaloopTransfer.js';
import type { TransferRequest } from './mojaloopWire.js';

/*
 * Bodies the simulated SDK answers with, as the outbound API v2.1.0 names them
 * (../../../../../shared/specs/mojaloop-sdk/): transferResponse, errorTransferResponse,
 * transferStatusResponse, errorResponse.
 */

/** The request fields `transferResponse` repeats (it allows no others: additionalProperties). */
function echo(request: TransferRequest) {
  const { homeTransactionId, from, to, amountType, currency, amount, transactionType } = request;
  return {
    homeTransactionId,
    from,
    to,
    amountType,
    currency,
    amount,
    transactionType,
    ...(request.subScenario === undefined ? {} : { subScenario: request.subScenario }),
    ...(request.note === undefined ? {} : { note: request.note }),
    ...(request.skipPartyLookup === undefined ? {} : { skipPartyLookup: request.skipPartyLookup }),
  };
}

/** `transferResponse` of a transfer run to its end: COMPLETED with its fulfil, or the error. */
export function transferResponseBody(transfer: MojaloopTransfer) {
  const base = {
    ...echo(transfer.request),
    transferId: transfer.transferId,
    ...(transfer.quoteId === undefined ? {} : { quoteId: transfer.quoteId }),
  };
  const { outcome } = transfer;
  if (outcome.kind === 'committed') {
    const body = {
      transferState: 'COMMITTED',
      fulfilment: outcome.fulfilment,
      completedTimestamp: transfer.completedAt.toISOString(),
    };
    return { ...base, currentState: 'COMPLETED', fulfil: { body } };
  }
  const { errorCode, errorDescription } = outcome.rejection;
  return {
    ...base,
    currentState: 'ERROR_OCCURRED',
    lastError: {
      httpStatusCode: 500,
      mojaloopError: { errorInformation: { errorCode, errorDescription } },
    },
  };
}

/**
 * `errorTransferResponse` (HTTP 500) of a failed transfer. `statusCode` is the Mojaloop error
 * code, as the SDK's handler puts it when `lastError` carries one (API.md §2).
 */
export function errorTransferBody(transfer: MojaloopTransfer) {
  if (transfer.outcome.kind !== 'failed') throw new Error('error body of a committed transfer');
  const { errorCode, errorDescription } = transfer.outcome.rejection;
  return {
    statusCode: errorCode,
    message: errorDescription,
    transferState: transferResponseBody(transfer),
  };
}

/**
 * `transferStatusResponse` for `GET /transfers/{transferId}` of a transfer the hub holds:
 * `currentState` COMPLETED (the hub answered), the outcome in `fulfil.body.transferState`.
 */
export function transferStatusBody(transfer: MojaloopTransfer) {
  const { outcome } = transfer;
  const completedTimestamp = transfer.completedAt.toISOString();
  const body =
    outcome.kind === 'committed'
      ? { transferState: 'COMMITTED', fulfilment: outcome.fulfilment, completedTimestamp }
      : { transferState: 'ABORTED', completedTimestamp };
  return { transferId: transfer.transferId, currentState: 'COMPLETED', fulfil: { body } };
}

/** `errorResponse`: `statusCode` a string (an HTTP status or a Mojaloop error code). */
export function errorResponseBody(statusCode: string, message: string) {
  return { statusCode, message: message.slice(0, 500) };
}

/** What the SDK's request validation answers (HTTP 400): `statusCode` is a number there. */
export function validationErrorBody(message: string) {
  return { message: message.slice(0, 500), statusCode: 400 };
}
