import { createHmac } from 'node:crypto';

/**
 * The `X-Signature` header value for a callback body:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + rawBody)>`. The receiver recomputes it
 * over the exact bytes it received, so sign the string that is sent, not a re-serialisation.
 *
 * @example signCallback('s3cret…', '{"header":…}', 1_700_000_000) // 't=1700000000,v1=9f…'
 */
export function signCallback(secret: string, rawBody: string, unixSeconds: number): string {
  if (!Number.isInteger(unixSeconds) || unixSeconds < 0) {
    throw new Error(`signCallback: timestamp must be a non-negative integer, got ${unixSeconds}`);
  }
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
