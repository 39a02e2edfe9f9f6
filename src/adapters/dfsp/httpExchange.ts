/**
 * One HTTP request to a DFSP, bounded and classified the way the dispatcher needs: an answer
 * (status, headers, the body read up to a limit), or a failure that says whether the request can
 * have reached the DFSP (`unknown`) or certainly did not (`unreachable`). Shared by every
 * connector, so "may the DFSP hold it?" is decided in one place.
 */

/** Connection errors raised before a byte of the request can have been written. */
const PRE_WRITE_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  // Our own: the DFSP's access token could not be had, so the request was never sent.
  'CREDENTIALS_UNAVAILABLE',
]);
export const MAX_TIMEOUT_MS = 300_000;

export interface HttpExchangeRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** Covers connect, send and reading the answer, in [1, 300000]. */
  readonly timeoutMs: number;
  /** A larger answer is read as no body at all. */
  readonly maxResponseBytes: number;
}

export type HttpExchangeResult =
  | {
      readonly kind: 'answered';
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      /** Undefined when the answer was larger than `maxResponseBytes`. */
      readonly text: string | undefined;
    }
  | { readonly kind: 'unknown' | 'unreachable'; readonly reason: string };

/** A `fetch` as the exchange calls it: the global one, or undici's with a TLS agent. */
export type FetchFunction = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    redirect: 'manual';
    signal: AbortSignal;
  },
) => Promise<Response>;

/**
 * Sends one request and reads its answer; never throws for a network or DFSP failure. Redirects
 * are not followed (a DFSP that redirects a payment is answered as a 3xx).
 *
 * @example
 * const result = await exchange(fetch, { url, method: 'POST', headers, body, timeoutMs: 10_000,
 *   maxResponseBytes: 1 << 20 });
 * if (result.kind === 'answered') parseJson(result.text);
 */
export async function exchange(
  fetchFn: FetchFunction,
  request: HttpExchangeRequest,
): Promise<HttpExchangeResult> {
  const { timeoutMs } = request;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new RangeError(`timeoutMs must be an integer in [1, ${MAX_TIMEOUT_MS}]`);
  }
  try {
    const response = await fetchFn(request.url, {
      method: request.method,
      headers: { ...request.headers },
      ...(request.body === undefined ? {} : { body: request.body }),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await readCapped(response, request.maxResponseBytes);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { kind: 'answered', status: response.status, headers, text };
  } catch (error) {
    return classifyFailure(error, timeoutMs);
  }
}

/** `undefined` for an empty, oversized or non-JSON answer: treated as an answer without a body. */
export function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Unreachable only when the error proves nothing was written; anything else may have arrived. */
function classifyFailure(error: unknown, timeoutMs: number): HttpExchangeResult {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { kind: 'unknown', reason: `no complete answer within ${timeoutMs} ms` };
  }
  const code = connectionErrorCode(error instanceof Error ? error.cause : undefined);
  if (code === 'CREDENTIALS_UNAVAILABLE' && error instanceof Error) {
    return { kind: 'unreachable', reason: `no credentials: ${error.message}` };
  }
  if (code !== undefined && PRE_WRITE_ERRORS.has(code)) {
    return { kind: 'unreachable', reason: `connection failed (${code})` };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { kind: 'unknown', reason: `request failed after connecting or unclassified: ${detail}` };
}

/** The `code` of a connection error; an AggregateError (one per address tried) counts only if all agree. */
function connectionErrorCode(cause: unknown): string | undefined {
  if (cause instanceof AggregateError) {
    const codes = new Set(cause.errors.map((inner) => connectionErrorCode(inner)));
    const [only] = codes;
    return codes.size === 1 ? only : undefined;
  }
  if (typeof cause !== 'object' || cause === null || !('code' in cause)) return undefined;
  return typeof cause.code === 'string' ? cause.code : undefined;
}

/** Reads the answer as text, stopping (and refusing) past `maxBytes`. */
async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
