import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ReceivedCallback } from '../../application/dfspCallbackIntake.js';
import type { CallbackVerification } from '../../domain/dfspConnection.js';
import { SIGNATURE_TOLERANCE_SECONDS, verifyCallback } from './callbackSignature.js';

/**
 * Checks that a callback on the generic path (`/v1/dfsps/{dfspId}/callbacks[/{token}]`) comes
 * from the DFSP, the way its registration says (see `CallbackVerification`). Every check is over
 * the exact bytes received, before anything parses them, and compares in constant time.
 */

const MAX_HEADER_CHARS = 1_024;

export type CallbackVerdict =
  | {
      readonly ok: true;
      /** Remembered once the callback was applied, so the same one again is a replay. */
      readonly replayKey: string | undefined;
    }
  | {
      readonly ok: false;
      readonly reason: 'missing' | 'malformed' | 'stale' | 'mismatch' | 'source_not_allowed';
    };

/**
 * The token that makes a DFSP's callback URL unguessable, for DFSPs that sign nothing: derived
 * from its callback secret, so it changes when the secret does and is kept nowhere.
 *
 * @example
 * `${publicUrl}/v1/dfsps/mobile-money/callbacks/${callbackPathToken(secret, 'mobile-money')}`
 */
export function callbackPathToken(callbackSecret: string, dfspId: string): string {
  return createHmac('sha256', callbackSecret)
    .update(`g2p-ledger callback path\n${dfspId}`)
    .digest('base64url');
}

/**
 * Verifies `callback` for `dfspId` under `verification` keyed by `secret`.
 *
 * @example
 * verifyMappedCallback({ kind: 'hmac-header', header: 'X-Hub-Signature-256', prefix: 'sha256=',
 *   encoding: 'hex' }, secret, 'bank-x', callback); // { ok: true, replayKey: undefined }
 */
export function verifyMappedCallback(
  verification: CallbackVerification,
  secret: string,
  dfspId: string,
  callback: ReceivedCallback,
): CallbackVerdict {
  const { allowFrom } = verification;
  if (allowFrom !== undefined && !allowFrom.includes(plainIpv4(callback.sourceAddress))) {
    return { ok: false, reason: 'source_not_allowed' };
  }
  switch (verification.kind) {
    case 'x-signature': {
      const header = callback.headers['x-signature'];
      const verdict = verifyCallback(header, secret, callback.rawBody, callback.nowSeconds);
      if (!verdict.ok) return verdict;
      return { ok: true, replayKey: digest(`${dfspId}\n${header}`) };
    }
    case 'hmac-header':
      return hmacHeader(verification, secret, callback);
    case 'standard-webhooks':
      return standardWebhooks(secret, dfspId, callback);
    case 'path-token': {
      if (callback.pathToken === undefined) return { ok: false, reason: 'missing' };
      const matches = sameBytes(callback.pathToken, callbackPathToken(secret, dfspId));
      return matches ? { ok: true, replayKey: undefined } : { ok: false, reason: 'mismatch' };
    }
  }
}

function hmacHeader(
  verification: Extract<CallbackVerification, { kind: 'hmac-header' }>,
  secret: string,
  callback: ReceivedCallback,
): CallbackVerdict {
  const header = callback.headers[verification.header.toLowerCase()];
  if (header === undefined || header === '') return { ok: false, reason: 'missing' };
  if (header.length > MAX_HEADER_CHARS || !header.startsWith(verification.prefix)) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = createHmac('sha256', secret)
    .update(callback.rawBody)
    .digest(verification.encoding);
  const given = header.slice(verification.prefix.length).trim();
  const normalised = verification.encoding === 'hex' ? given.toLowerCase() : given;
  return sameBytes(normalised, expected)
    ? { ok: true, replayKey: undefined }
    : { ok: false, reason: 'mismatch' };
}

/** Standard Webhooks: HMAC-SHA256 of `id.timestamp.body`, base64, under the `whsec_` key. */
function standardWebhooks(
  secret: string,
  dfspId: string,
  callback: ReceivedCallback,
): CallbackVerdict {
  const id = callback.headers['webhook-id'];
  const timestamp = callback.headers['webhook-timestamp'];
  const signatures = callback.headers['webhook-signature'];
  if (id === undefined || timestamp === undefined || signatures === undefined) {
    return { ok: false, reason: 'missing' };
  }
  if (id.length > 256 || signatures.length > MAX_HEADER_CHARS || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'malformed' };
  }
  if (Math.abs(callback.nowSeconds - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS) {
    return { ok: false, reason: 'stale' };
  }
  const key = secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
  const expected = createHmac('sha256', key)
    .update(`${id}.${timestamp}.`)
    .update(callback.rawBody)
    .digest('base64');
  let matched = false;
  for (const entry of signatures.split(' ')) {
    const [version, value] = entry.split(',', 2);
    // Every candidate is compared, so the time taken does not tell which one matched.
    if (version === 'v1' && value !== undefined && sameBytes(value, expected)) matched = true;
  }
  if (!matched) return { ok: false, reason: 'mismatch' };
  return { ok: true, replayKey: digest(`${dfspId}\nwebhook-id\n${id}`) };
}

function sameBytes(given: string, expected: string): boolean {
  const left = createHash('sha256').update(given).digest();
  const right = createHash('sha256').update(expected).digest();
  return timingSafeEqual(left, right);
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** `::ffff:10.0.0.1` as `10.0.0.1`; unknown as the empty string (never allowed). */
function plainIpv4(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
