import { z } from 'zod';
import {
  IdMapperUnavailable,
  type IdResolution,
  MAX_IDS_PER_RESOLUTION,
} from '../../application/idMapper.js';
import { DomainError } from '../../domain/domainError.js';
import { parseFinancialAddress } from '../../domain/financialAddress.js';
import { G2P_CONNECT_VERSION, type RequestHeaderInput } from '../dfsp/g2pConnectMessages.js';

/**
 * The G2P Connect mapper's synchronous resolve messages (`test/fixtures/g2p-connect-mapper/`,
 * v1.0.0): the request asking which financial address pays each beneficiary id, and the answer
 * read into one `IdResolution` per id. No I/O here.
 */

/** Longest `unresolved` reason kept, in characters: it is stored with the payment and shown. */
const MAX_REASON_LENGTH = 300;
/** Longest piece of a mapper's text quoted in an error message. */
const MAX_QUOTED_LENGTH = 64;

/**
 * Reason codes that say the mapper knows of no usable address, whatever else its item carries:
 * an address it names beside them is not one to pay.
 */
const NO_ADDRESS_CODES = new Set([
  'succ.fa.inactive',
  'succ.fa.not_found',
  'succ.fa.not_linked_to_id',
  'succ.id.inactive',
  'succ.id.not_found',
]);

/** A resolve request ready to send, and which beneficiary id each of its items asks about. */
export interface ResolveRequest {
  readonly body: ResolveRequestBody;
  /** Beneficiary id by `reference_id`: how the answer's items are read back. */
  readonly idsByReference: ReadonlyMap<string, string>;
}

/** The `/mapper/sync/resolve` body (`MsgHeader_V1.0.0` and `ResolveRequest`). */
export interface ResolveRequestBody {
  readonly header: {
    readonly version: string;
    readonly message_id: string;
    readonly message_ts: string;
    readonly action: 'resolve';
    readonly sender_id: string;
    readonly total_count: number;
    readonly is_msg_encrypted: false;
  };
  readonly message: {
    readonly transaction_id: string;
    readonly resolve_request: readonly {
      readonly reference_id: string;
      readonly timestamp: string;
      readonly id: string;
      readonly scope: 'details';
    }[];
  };
}

/**
 * The `/mapper/sync/resolve` request for `beneficiaryIds` (each id asked once, however often it
 * is listed): one item per id, its `reference_id` drawn from `newReferenceId` (a ULID in the
 * client), `scope: details` (the spec's default, `yes_no`, answers without the address). The
 * request is its own transaction: `transaction_id` is the message id. The header action is
 * `resolve`, where the spec's sync endpoint lists `link` by mistake (SOURCE.md).
 *
 * @example
 * const request = buildResolveRequest(['NID-1'], { messageId, messageTs, senderId }, ulid);
 * request.body.message.resolve_request[0]; // { reference_id: '01J…', id: 'NID-1', scope: 'details', … }
 */
export function buildResolveRequest(
  beneficiaryIds: readonly string[],
  header: RequestHeaderInput,
  newReferenceId: () => string,
): ResolveRequest {
  const idsByReference = new Map<string, string>();
  for (const id of new Set(beneficiaryIds)) {
    const referenceId = newReferenceId();
    if (idsByReference.has(referenceId)) throw new Error('newReferenceId repeated a reference id');
    idsByReference.set(referenceId, id);
  }
  const items = [...idsByReference].map(([referenceId, id]) => ({
    reference_id: referenceId,
    timestamp: header.messageTs,
    id,
    scope: 'details' as const,
  }));
  return {
    idsByReference,
    body: {
      header: {
        version: G2P_CONNECT_VERSION,
        message_id: header.messageId,
        message_ts: header.messageTs,
        action: 'resolve',
        sender_id: header.senderId,
        total_count: items.length,
        is_msg_encrypted: false,
      },
      message: { transaction_id: header.messageId, resolve_request: items },
    },
  };
}

const requestStatus = z.enum(['rcvd', 'pdng', 'succ', 'rjct']);
const reasonCode = z.string().max(99);
const reasonMessage = z.string().max(999);

const resolveAnswerSchema = z.object({
  header: z.object({
    // Any action: the spec's sync endpoint documents `on-search` by mistake (SOURCE.md).
    status: requestStatus,
    status_reason_code: reasonCode.optional(),
    status_reason_message: reasonMessage.optional(),
    is_msg_encrypted: z
      .literal(false, { error: 'encrypted messages are not supported' })
      .optional(),
  }),
  message: z.object({
    transaction_id: z.string().max(99),
    resolve_response: z
      .array(
        z.object({
          reference_id: z.string().min(1).max(256),
          // Any text: `parseFinancialAddress` decides whether it is an address to pay.
          fa: z.string().optional(),
          id: z.string().optional(),
          status: requestStatus,
          status_reason_code: reasonCode.optional(),
          status_reason_message: reasonMessage.optional(),
        }),
      )
      .max(MAX_IDS_PER_RESOLUTION),
  }),
});

type ResolveItem = z.infer<typeof resolveAnswerSchema>['message']['resolve_response'][number];

/**
 * Reads the answer to `request` into a resolution for every beneficiary id it asked about:
 * `succ` naming a valid financial address → `resolved` (the address normalized); `succ` without
 * one (`succ.id.not_found`, `succ.fa.not_linked_to_id`, …), `rjct`, or an address that is not a
 * valid one → `unresolved`, its reason the mapper's code and message (control characters
 * stripped, at most 300 characters). Throws `IdMapperUnavailable`, naming the problem, when
 * nothing can be decided: a body that is not a resolve answer, a request rejected as a whole, an
 * item still `rcvd`/`pdng`, an item for a reference not asked or for another id, an id left out.
 *
 * @example
 * parseResolveAnswer(answer, request);
 * // Map { 'NID-1' => { kind: 'resolved', payeeFa: 'account:123@bank-a' },
 * //       'NID-2' => { kind: 'unresolved', reason: 'id mapper: succ.id.not_found (no account linked)' } }
 */
export function parseResolveAnswer(
  body: unknown,
  request: ResolveRequest,
): Map<string, IdResolution> {
  const parsed = resolveAnswerSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') || '(body)';
    throw new IdMapperUnavailable(
      `the answer is not a G2P Connect resolve response: ${path}: ${issue?.message ?? 'malformed'}`,
    );
  }
  const { header, message } = parsed.data;
  if (header.status === 'rjct') {
    const code = header.status_reason_code ?? 'no reason code';
    throw new IdMapperUnavailable(
      `the mapper rejected the request: ${reasonOf(code, header.status_reason_message)}`,
    );
  }
  const sent = request.body.message.transaction_id;
  if (message.transaction_id !== sent) {
    throw new IdMapperUnavailable(
      `the answer is for transaction ${quoted(message.transaction_id)}, not ${sent}`,
    );
  }
  const resolutions = new Map<string, IdResolution>();
  for (const item of message.resolve_response) {
    const id = request.idsByReference.get(item.reference_id);
    if (id === undefined) {
      throw new IdMapperUnavailable(
        `the answer has an item for reference_id ${quoted(item.reference_id)}, which was not asked`,
      );
    }
    if (resolutions.has(id)) {
      throw new IdMapperUnavailable(
        `the answer has two items for reference_id ${item.reference_id}`,
      );
    }
    // Case aside (the spec calls ids case-insensitive), an item naming another id than the one
    // asked could pay the wrong person: nothing in such an answer is trusted.
    if (item.id !== undefined && item.id.toLowerCase() !== id.toLowerCase()) {
      throw new IdMapperUnavailable(
        `the item for reference_id ${item.reference_id} names another id than the one asked`,
      );
    }
    resolutions.set(id, resolutionOf(item));
  }
  const missing = [...request.idsByReference].filter(([, id]) => !resolutions.has(id));
  const [first] = missing;
  if (first !== undefined) {
    throw new IdMapperUnavailable(
      `the answer has no item for ${missing.length} of the ${request.idsByReference.size} ids ` +
        `asked (the first is reference_id ${first[0]})`,
    );
  }
  return resolutions;
}

/** What one final item says; `rcvd`/`pdng` is no answer yet, and throws. */
function resolutionOf(item: ResolveItem): IdResolution {
  const code = item.status_reason_code ?? item.status;
  switch (item.status) {
    case 'rcvd':
    case 'pdng':
      throw new IdMapperUnavailable(
        `the item for reference_id ${item.reference_id} is still ${item.status}: no answer yet`,
      );
    case 'rjct':
      return { kind: 'unresolved', reason: reasonOf(code, item.status_reason_message) };
    case 'succ': {
      if (item.fa === undefined || NO_ADDRESS_CODES.has(code)) {
        return { kind: 'unresolved', reason: reasonOf(code, item.status_reason_message) };
      }
      try {
        return { kind: 'resolved', payeeFa: parseFinancialAddress(item.fa).normalized };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        // The address itself is left out of the reason: it is stored and shown, and a full
        // financial address is kept out of logs.
        return {
          kind: 'unresolved',
          reason: reasonOf(code, `the address it names is not valid: ${error.message}`),
        };
      }
    }
  }
}

/** `id mapper: <code>` and ` (<message>)` when there is one, clean and bounded. */
function reasonOf(code: string, message: string | undefined): string {
  const cleanMessage = message === undefined ? '' : clean(message);
  const text = cleanMessage === '' ? `id mapper: ${code}` : `id mapper: ${code} (${cleanMessage})`;
  return bounded(clean(text), MAX_REASON_LENGTH);
}

/** A mapper's text as an error message may quote it. */
function quoted(text: string): string {
  return JSON.stringify(bounded(clean(text), MAX_QUOTED_LENGTH));
}

/** Line breaks and tabs become spaces; other control and format characters are dropped. */
function clean(text: string): string {
  return text
    .replace(/[\t\n\r]+/g, ' ')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim();
}

/** At most `maxLength` code points (never half a surrogate pair), `…` marking a cut. */
function bounded(text: string, maxLength: number): string {
  const codePoints = Array.from(text);
  if (codePoints.length <= maxLength) return text;
  return `${codePoints.slice(0, maxLength - 1).join('')}…`;
}
