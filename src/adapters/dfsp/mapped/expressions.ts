import { constants, createHmac, publicEncrypt } from 'node:crypto';
import jsonata from 'jsonata';
import type { MappedRequest, MappingDocument } from '../../../domain/dfspConnection.js';
import { DomainError } from '../../../domain/domainError.js';

/**
 * JSONata expressions of a mapping document: compiled once, evaluated with limits (time, depth,
 * sequence length, result size), with the few helper functions DFSP APIs need. No `eval`, no
 * template language of our own: JSONata is documented at https://docs.jsonata.org.
 */

/** Limits of one evaluation: a runaway or hostile expression stops with an error. */
const LIMITS = { timeout: 250, stack: 300, sequence: 100_000 } as const;
/** The largest result one expression may produce, as JSON. */
const MAX_RESULT_CHARS = 4 * 1024 * 1024;
const RSA_CACHE_SIZE = 64;

/** A compiled expression; `evaluate` throws `MappingFailure` on any error. */
export interface CompiledExpression {
  readonly source: string;
  evaluate(input: unknown): Promise<unknown>;
}

/** An expression failed while it ran (a type error, a limit, a result too large). */
export class MappingFailure extends Error {
  override readonly name = 'MappingFailure';

  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(`${expression}: ${message}`);
  }
}

const rsaCache = new Map<string, string>();

/**
 * The functions every expression may call, besides JSONata's own:
 *
 * - `$rsaEncrypt(text, pem)`: RSA PKCS#1 v1.5 of `text` under the certificate or public key
 *   `pem`, base64 (M-Pesa Daraja's `SecurityCredential`); the same pair gives the same value for
 *   the process's life.
 * - `$hmacSha256(key, text, encoding)`: HMAC-SHA256, `hex` (default) or `base64`.
 * - `$base64(text)`: UTF-8 text as base64.
 * - `$trimAmount(amount)`: a decimal string without trailing zeros (`"10.50"` → `"10.5"`,
 *   `"10.00"` → `"10"`), as Mojaloop amounts are written.
 */
export const HELPER_FUNCTIONS: Readonly<Record<string, (...args: never[]) => unknown>> = {
  rsaEncrypt(text: string, pem: string): string {
    const key = `${pem}\u0000${text}`;
    const cached = rsaCache.get(key);
    if (cached !== undefined) return cached;
    const sealed = publicEncrypt(
      { key: pem, padding: constants.RSA_PKCS1_PADDING },
      Buffer.from(String(text), 'utf8'),
    ).toString('base64');
    if (rsaCache.size >= RSA_CACHE_SIZE) rsaCache.clear();
    rsaCache.set(key, sealed);
    return sealed;
  },
  hmacSha256(key: string, text: string, encoding?: string): string {
    return createHmac('sha256', String(key))
      .update(String(text), 'utf8')
      .digest(encoding === 'base64' ? 'base64' : 'hex');
  },
  base64(text: string): string {
    return Buffer.from(String(text), 'utf8').toString('base64');
  },
  trimAmount(amount: string): string {
    const text = String(amount);
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`not a decimal amount: ${text}`);
    return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
  },
};

/**
 * Compiles `source`; a syntax error is a `DomainError` (`invalid_mapping`) at `path`, its
 * message giving the position.
 *
 * @example
 * const body = compileExpression('{ "ref": payment.paymentId }', ['mapping', 'submit', 'body']);
 * await body.evaluate({ payment: { paymentId: '01J…' } }); // { ref: '01J…' }
 */
export function compileExpression(source: string, path: readonly string[]): CompiledExpression {
  let compiled: jsonata.Expression;
  try {
    compiled = jsonata(source, LIMITS);
  } catch (error) {
    const { message, position } = error as { message?: string; position?: number };
    const at = position === undefined ? '' : ` (at position ${position})`;
    throw new DomainError('invalid_mapping', `${message ?? 'does not compile'}${at}`, [...path]);
  }
  const name = path.join('.');
  return {
    source,
    async evaluate(input) {
      let result: unknown;
      try {
        result = await compiled.evaluate(input, HELPER_FUNCTIONS);
      } catch (error) {
        const { message, position } = error as { message?: string; position?: number };
        const at = position === undefined ? '' : ` (at position ${position})`;
        throw new MappingFailure(name, `${message ?? 'failed'}${at}`);
      }
      const size = JSON.stringify(result ?? null).length;
      if (size > MAX_RESULT_CHARS) {
        throw new MappingFailure(name, `result of ${size} characters is over the limit`);
      }
      return result;
    },
  };
}

/** A mapped request's expressions, compiled. */
export interface CompiledRequest {
  readonly method: MappedRequest['method'];
  readonly path: CompiledExpression;
  readonly headers: CompiledExpression | undefined;
  readonly body: CompiledExpression | undefined;
  readonly bodyEncoding: MappedRequest['bodyEncoding'];
}

/** A mapping document with every expression compiled. */
export interface CompiledMapping {
  readonly maxPaymentsPerRequest: number;
  readonly submit: { readonly request: CompiledRequest; readonly outcome: CompiledExpression };
  readonly statusQuery:
    | {
        readonly maxPaymentsPerRequest: number;
        readonly request: CompiledRequest;
        readonly reports: CompiledExpression;
      }
    | undefined;
  readonly callback:
    | { readonly reports: CompiledExpression; readonly answer: CompiledExpression | undefined }
    | undefined;
}

/**
 * Compiles every expression of a mapping; the first that does not compile is a `DomainError`
 * naming it (`mapping.submit.request.body`) and the position.
 */
export function compileMapping(mapping: MappingDocument): CompiledMapping {
  const request = (spec: MappedRequest, at: readonly string[]): CompiledRequest => ({
    method: spec.method,
    path: compileExpression(spec.path, [...at, 'path']),
    headers:
      spec.headers === undefined ? undefined : compileExpression(spec.headers, [...at, 'headers']),
    body: spec.body === undefined ? undefined : compileExpression(spec.body, [...at, 'body']),
    bodyEncoding: spec.bodyEncoding,
  });
  const { statusQuery, callback } = mapping;
  return {
    maxPaymentsPerRequest: mapping.maxPaymentsPerRequest,
    submit: {
      request: request(mapping.submit.request, ['mapping', 'submit', 'request']),
      outcome: compileExpression(mapping.submit.outcome, ['mapping', 'submit', 'outcome']),
    },
    statusQuery:
      statusQuery === undefined
        ? undefined
        : {
            maxPaymentsPerRequest: statusQuery.maxPaymentsPerRequest,
            request: request(statusQuery.request, ['mapping', 'statusQuery', 'request']),
            reports: compileExpression(statusQuery.reports, ['mapping', 'statusQuery', 'reports']),
          },
    callback:
      callback === undefined
        ? undefined
        : {
            reports: compileExpression(callback.reports, ['mapping', 'callback', 'reports']),
            answer:
              callback.answer === undefined
                ? undefined
                : compileExpression(callback.answer, ['mapping', 'callback', 'answer']),
          },
  };
}
