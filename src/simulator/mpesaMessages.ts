import { randomBytes, randomInt } from 'node:crypto';

/*
 * Bodies the simulated Daraja sends, shaped as ../../../../../shared/specs/mpesa-b2c/API.md
 * describes them: the gateway error (§2 "Synchronous error body"), the acknowledgement, and the
 * `{ Result: … }` envelope posted to a ResultURL (B2C §2, Transaction Status §3).
 */

/** B2C result codes the simulator sends (API.md §2, "Result codes documented for B2C"). */
export type B2cResultCode = 0 | 1 | 2 | 3 | 2040 | 'SFC_IC0003';

const resultDescriptions: Readonly<Record<B2cResultCode, string>> = {
  0: 'The service request is processed successfully.',
  1: 'The balance is insufficient for the transaction.',
  2: 'Declined due to limit rule: less than the minimum transaction amount.',
  3: 'Declined due to limit rule: greater than the maximum transaction amount.',
  2040: 'Credit Party customer type (Unregistered or Registered Customer) not supported.',
  SFC_IC0003: 'The operator does not exist.',
};

/** Daraja gateway error codes the simulator answers with (API.md §1, §2). */
export type DarajaErrorCode =
  | '400.002.05'
  | '400.003.01'
  | '400.008.01'
  | '400.008.02'
  | '404.001.04'
  | '404.003.01'
  | '500.002.1001'
  | '500.003.03'
  | '500.003.1001';

/** The gateway's synchronous error body. */
export function darajaErrorBody(errorCode: DarajaErrorCode, errorMessage: string) {
  return { requestId: requestId(), errorCode, errorMessage: errorMessage.slice(0, 500) };
}

/** The synchronous acknowledgement of a B2C request or status query (`ResponseCode` "0"). */
export function acceptedBody(originatorConversationId: string, conversationId: string) {
  return {
    ConversationID: conversationId,
    OriginatorConversationID: originatorConversationId,
    ResponseCode: '0',
    ResponseDescription: 'Accept the service request successfully.',
  };
}

/** One `{ Key, Value }` of `ResultParameters.ResultParameter[]` or `ReferenceItem`. */
export interface ResultItem {
  Key: string;
  Value: string | number;
}

/** What a `{ Result: … }` callback says. */
export interface ResultFields {
  code: B2cResultCode;
  /** Replaces the code's standard description. */
  description?: string;
  originatorConversationId: string;
  conversationId: string;
  transactionId: string;
  /** Only on success (§2). */
  parameters?: ResultItem[];
  reference?: ResultItem;
}

/**
 * The `{ Result: … }` envelope. `ResultType` 0 is "completed". A numeric `ResultCode` is sent as
 * a number (as the samples do), `SFC_IC0003` as a string.
 */
export function resultBody(fields: ResultFields) {
  return {
    Result: {
      ResultType: 0,
      ResultCode: fields.code,
      ResultDesc: fields.description ?? resultDescriptions[fields.code],
      OriginatorConversationID: fields.originatorConversationId,
      ConversationID: fields.conversationId,
      TransactionID: fields.transactionId,
      ...(fields.parameters === undefined
        ? {}
        : { ResultParameters: { ResultParameter: fields.parameters } }),
      ...(fields.reference === undefined
        ? {}
        : { ReferenceData: { ReferenceItem: fields.reference } }),
    },
  };
}

/** `AG_<yyyyMMdd>_<20 hex>`, the shape of the portal's ConversationID sample. */
export function newConversationId(at: Date): string {
  return `AG_${eatDigits(at).slice(0, 8)}_${randomBytes(10).toString('hex')}`;
}

const receiptAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A 10-character M-Pesa receipt (`TransactionID`), e.g. `SG632NMUAB`, starting with a letter. */
export function newTransactionId(): string {
  const bytes = randomBytes(10);
  return [...bytes]
    .map((byte, index) => receiptAlphabet[byte % (index === 0 ? 26 : 36)] ?? 'X')
    .join('');
}

/** A gateway `requestId` (the samples look like `11728-2929992-1`). */
export function requestId(): string {
  return `${randomInt(10_000, 100_000)}-${randomInt(1_000_000, 100_000_000)}-1`;
}

// Daraja's times carry no zone; East Africa Time (UTC+3, no DST) is presumed (API.md §2).
const eatOffsetMs = 3 * 60 * 60 * 1000;

/** `yyyyMMddHHmmss` in EAT (`InitiatedTime`, `FinalisedTime` of a status result). */
export function eatDigits(at: Date): string {
  return new Date(at.getTime() + eatOffsetMs).toISOString().replace(/\D/g, '').slice(0, 14);
}

/** `dd.MM.yyyy HH:mm:ss` in EAT (`TransactionCompletedDateTime` of a B2C result). */
export function eatDateTime(at: Date): string {
  const d = eatDigits(at);
  const date = `${d.slice(6, 8)}.${d.slice(4, 6)}.${d.slice(0, 4)}`;
  return `${date} ${d.slice(8, 10)}:${d.slice(10, 12)}:${d.slice(12, 14)}`;
}
