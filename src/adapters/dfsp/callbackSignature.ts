import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type {
  DfspRequestAuthenticator,
  SeenSignatures,
} from '../../application/dfspRequestAuthentication.js';

/**
 * DFSP callback signatures (DESIGN, "DFSP interop"): the `X-Signature` header is
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`. Several `v1=` entries
 * may be sent while a secret is being rotated; one matching is enough.
 */

/** Default window, in seconds, a signature's timestamp may be off the verifier's clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
/** Longest header considered; a longer one is malformed (a DoS guard, not a protocol rule). */
const MAX_HEADER_CHARS = 1024;
const MAX_SIGNATURES = 8;
const TIMESTAMP = /^\d{1,12}$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** Why a callback signature was refused; every refusal is a 401 that changes nothing. */
export type SignatureVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/**
 * The `X-Signature` value for `rawBody` (the exact bytes sent) at `nowSeconds`.
 *
 * @example
 * signCallback('s3cret', '{"message":{}}', 1_700_000_000);
 * // "t=1700000000,v1=5d1c…"
 */
export function signCallback(
  secret: string | Uint8Array,
  rawBody: string | Uint8Array,
  nowSeconds: number,
): string {
  if (!Number.isSafeInteger(nowSeconds) || nowSeconds < 0) {
    throw new RangeError('nowSeconds must be a non-negative integer');
  }
  return `t=${nowSeconds},v1=${mac(secret, String(nowSeconds), rawBody).toString('hex')}`;
}

/**
 * Checks an `X-Signature` header against `rawBody` (verify the bytes received, before parsing).
 * Refused as `missing` (no header), `malformed` (not `t=…,v1=…`), `stale` (timestamp more than
 * `toleranceSeconds` in the past or in the future) or `mismatch` (no `v1` matches; compared in
 * constant time).
 *
 * @example
 * verifyCallback(request.header('x-signature'), secret, rawBody, Math.floor(Date.now() / 1000));
 * // { ok: true } or { ok: false, reason: 'stale' }
 */
export function verifyCallback(
  header: string | undefined,
  secret: string | Uint8Array,
  rawBody: string | Uint8Array,
  nowSeconds: number,
  toleranceSeconds: number = SIGNATURE_TOLERANCE_SECONDS,
): SignatureVerdict {
  const verification = startVerification(header, secret, nowSeconds, toleranceSeconds);
  if ('ok' in verification) return verification;
  verification.update(rawBody);
  return verification.verdict();
}

/** A signature being checked over a body that arrives in chunks. */
export interface StreamingVerification {
  update(chunk: string | Uint8Array): void;
  /** Once the whole body has passed through `update`. */
  verdict(): SignatureVerdict;
}

/**
 * {@link verifyCallback} for a body read as a stream (a statement of many megabytes): the header
 * is checked at once (a refusal comes back straight away), the body's bytes are fed to `update`
 * as they arrive, and `verdict()` compares at the end.
 *
 * @example
 * const check = startVerification(header, secret, nowSeconds);
 * if ('ok' in check) return refuse(check.reason);
 * for await (const chunk of body) check.update(chunk);
 * check.verdict();
 */
export function startVerification(
  header: string | undefined,
  secret: string | Uint8Array,
  nowSeconds: number,
  toleranceSeconds: number = SIGNATURE_TOLERANCE_SECONDS,
): StreamingVerification | Extract<SignatureVerdict, { ok: false }> {
  if (secret.length === 0) throw new Error('the callback secret must not be empty');
  if (!Number.isSafeInteger(nowSeconds) || !Number.isSafeInteger(toleranceSeconds)) {
    throw new RangeError('nowSeconds and toleranceSeconds must be integers');
  }
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' };
  const parsed = parseHeader(header);
  if (parsed === undefined) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowSeconds - Number(parsed.timestamp)) > toleranceSeconds) {
    return { ok: false, reason: 'stale' };
  }
  const hmac = createHmac('sha256', secret).update(`${parsed.timestamp}.`);
  return {
    update: (chunk) => {
      hmac.update(chunk);
    },
    verdict() {
      const expected = hmac.digest();
      let matched = false;
      for (const candidate of parsed.signatures) {
        // Every candidate is compared, so the time taken does not tell which one matched.
        if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) matched = true;
      }
      return matched ? { ok: true } : { ok: false, reason: 'mismatch' };
    },
  };
}

function mac(secret: string | Uint8Array, timestamp: string, rawBody: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

/** `t` exactly once, 1 to 8 well-formed `v1`; other keys (future schemes) are ignored. */
function parseHeader(header: string): { timestamp: string; signatures: string[] } | undefined {
  if (header.length > MAX_HEADER_CHARS) return undefined;
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator < 1) return undefined;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !TIMESTAMP.test(value)) return undefined;
      timestamp = value;
    } else if (key === 'v1') {
      if (!HEX_SHA256.test(value.toLowerCase())) return undefined;
      signatures.push(value.toLowerCase());
    }
  }
  if (timestamp === undefined || signatures.length === 0 || signatures.length > MAX_SIGNATURES) {
    return undefined;
  }
  return { timestamp, signatures };
}

/**
 * The DFSP request authenticator over `X-Signature` HMACs: each DFSP's callback secret from
 * `secretOf`, and for a DFSP without one a random decoy secret, checked all the same. A good
 * signature is refused the second time once its request was applied (`seen`), for as long as its
 * timestamp could still pass (twice the tolerance).
 *
 * @example
 * const authenticator = createSignatureAuthenticator(
 *   callbackSecretInForce(store, secrets),
 *   createSeenSignatures(sql),
 * );
 */
export function createSignatureAuthenticator(
  secretOf: (dfspId: string) => Promise<string | undefined>,
  seen: SeenSignatures,
  nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
): DfspRequestAuthenticator {
  const decoy = randomBytes(32).toString('hex');
  return {
    async start(dfspId, signatureHeader, options = {}) {
      const secret = dfspId === undefined ? undefined : await secretOf(dfspId);
      const known = secret !== undefined && secret !== '';
      if (!known && options.unknownDfsp === 'refuse-at-once') return { refused: 'unknown_dfsp' };
      const startedAt = nowSeconds();
      const started = startVerification(signatureHeader, known ? secret : decoy, startedAt);
      if ('ok' in started) return { refused: known ? started.reason : 'unknown_dfsp' };
      const key = createHash('sha256').update(`${dfspId}\n${signatureHeader}`).digest('hex');
      return {
        update: (chunk) => started.update(chunk),
        async refusal() {
          const verdict = started.verdict();
          if (!known) return 'unknown_dfsp';
          if (!verdict.ok) return verdict.reason;
          return (await seen.seen(key)) ? 'replayed' : undefined;
        },
        async accepted() {
          const untilMs = (startedAt + 2 * SIGNATURE_TOLERANCE_SECONDS) * 1000;
          await seen.remember(key, new Date(untilMs));
        },
      };
    },
  };
}
