import { formatAmount } from '../domain/money.js';
import { eatDateTime, eatDigits, type ResultItem, resultBody } from './mpesaMessages.js';
import type { MpesaPayment } from './mpesaPayment.js';

/**
 * The result code of a status query naming no payment the simulator holds. The Transaction
 * Status page documents only `0` and `SFC_IC0003` (API.md §3) and no "transaction not found"
 * code, so the simulator answers the page's one failure code, with a description saying what
 * it means here.
 */
export const UNKNOWN_TRANSACTION_RESULT_CODE = 'SFC_IC0003';

/** An accepted request's own ids, as its acknowledgement told them. */
export interface Acknowledged {
  originatorConversationId: string;
  conversationId: string;
}

/**
 * The B2C result posted to the payment's ResultURL. On success it carries the ResultParameter
 * keys of §2 (available funds as decimal strings, which the spec allows); on failure only the
 * code, as the portal's failure sample does. Throws if the payment is not decided.
 */
export function b2cResult(payment: MpesaPayment, availableMinor: bigint) {
  const { request, decision } = payment;
  if (decision === undefined) throw new Error('B2C result of an undecided payment');
  const parameters: ResultItem[] = [
    { Key: 'TransactionAmount', Value: Number(request.Amount) },
    { Key: 'TransactionReceipt', Value: payment.transactionId },
    { Key: 'ReceiverPartyPublicName', Value: `${request.PartyB} - Simulated Customer` },
    { Key: 'TransactionCompletedDateTime', Value: eatDateTime(decision.at) },
    { Key: 'B2CUtilityAccountAvailableFunds', Value: formatAmount(availableMinor, 'KES') },
    { Key: 'B2CWorkingAccountAvailableFunds', Value: '0.00' },
    { Key: 'B2CRecipientIsRegisteredCustomer', Value: 'Y' },
    { Key: 'B2CChargesPaidAccountAvailableFunds', Value: '0.00' },
  ];
  return resultBody({
    code: decision.code,
    originatorConversationId: request.OriginatorConversationID,
    conversationId: payment.conversationId,
    transactionId: payment.transactionId,
    ...(decision.code === 0 ? { parameters } : {}),
    reference: { Key: 'QueueTimeoutURL', Value: request.QueueTimeOutURL },
  });
}

const reasonTypes: Readonly<Record<MpesaPayment['request']['CommandID'], string>> = {
  SalaryPayment: 'Salary Payment via API',
  BusinessPayment: 'Business Payment to Customer via API',
  PromotionPayment: 'Promotion Payment via API',
};

/**
 * The Transaction Status result posted to the query's ResultURL. The query succeeded
 * (`ResultCode` 0) when it names a payment; the payment's own outcome is the `TransactionStatus`
 * parameter: `Completed`, `Failed` or `Pending` (§3 says to read by key). A payment it does not
 * name (unknown id, or TransactionID and OriginalConversationID of different payments) is
 * `UNKNOWN_TRANSACTION_RESULT_CODE`, without parameters.
 */
export function statusResult(
  query: Acknowledged,
  payment: MpesaPayment | undefined,
  dfspId: string,
  askedTransactionId: string,
) {
  const ids = {
    originatorConversationId: query.originatorConversationId,
    conversationId: query.conversationId,
  };
  if (payment === undefined) {
    return resultBody({
      code: UNKNOWN_TRANSACTION_RESULT_CODE,
      description: 'No such transaction: the simulated M-Pesa holds no payment with that id.',
      ...ids,
      transactionId: askedTransactionId,
    });
  }
  const { request, decision } = payment;
  const status = decision === undefined ? 'Pending' : decision.code === 0 ? 'Completed' : 'Failed';
  const parameters: ResultItem[] = [
    { Key: 'DebitPartyName', Value: `${request.PartyA} - ${dfspId}` },
    { Key: 'CreditPartyName', Value: `${request.PartyB} - Simulated Customer` },
    { Key: 'OriginatorConversationID', Value: request.OriginatorConversationID },
    { Key: 'InitiatedTime', Value: eatDigits(payment.initiatedAt) },
    { Key: 'DebitAccountType', Value: 'Utility Account' },
    { Key: 'DebitPartyCharges', Value: '' },
    { Key: 'TransactionReason', Value: request.Remarks },
    { Key: 'ReasonType', Value: reasonTypes[request.CommandID] },
    { Key: 'TransactionStatus', Value: status },
    { Key: 'FinalisedTime', Value: decision === undefined ? '' : eatDigits(decision.at) },
    { Key: 'Amount', Value: Number(request.Amount) },
    { Key: 'ConversationID', Value: payment.conversationId },
    { Key: 'ReceiptNo', Value: payment.transactionId },
  ];
  return resultBody({ code: 0, ...ids, transactionId: payment.transactionId, parameters });
}
