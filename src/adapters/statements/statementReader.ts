import { createHash } from 'node:crypto';
import type { SignatureCheck } from '../../application/dfspRequestAuthentication.js';
import type {
  StatementRead,
  StatementReader,
  StatementRefusal,
} from '../../application/statementReader.js';
import {
  detectStatementFormat,
  parseStatement,
  UnsupportedStatementType,
} from './statementFormat.js';
import {
  DEFAULT_STATEMENT_LIMITS,
  StatementFormatError,
  type StatementLimits,
} from './statementInput.js';

/**
 * The statement reader over the CSV, MT940 and camt.053 parsers: the body is read once, as a
 * stream, each chunk hashed and shown to the signature check as it passes to the parser.
 *
 * @example
 * const read = await createStatementReader().read({ contentType: 'text/csv', body, signature });
 */
export function createStatementReader(
  limits: StatementLimits = DEFAULT_STATEMENT_LIMITS,
): StatementReader {
  return {
    maxBytes: limits.maxBytes,
    async read({ contentType, body: stream, signature }): Promise<StatementRead> {
      const sha256 = createHash('sha256');
      const body = tap(stream, (chunk) => {
        sha256.update(chunk);
        signature?.update(chunk);
      });
      try {
        const { format, body: whole } = await detectStatementFormat(contentType, body);
        const statement = await parseStatement(format, whole, limits);
        await drain(body); // the hash and the signature cover every byte
        const unsigned = await refusedSignature(body, signature);
        if (unsigned !== undefined) return { ok: false, refusal: unsigned };
        return { ok: true, statement, contentSha256: sha256.digest('hex') };
      } catch (error) {
        const refusal = await refusalOf(error, body, signature);
        return { ok: false, refusal };
      }
    },
  };
}

/** What a parse error means, a signed body judged on its signature first (read to the end). */
async function refusalOf(
  error: unknown,
  body: AsyncIterator<Uint8Array>,
  signature: SignatureCheck | undefined,
): Promise<StatementRefusal> {
  if (error instanceof UnsupportedStatementType) {
    return { kind: 'unsupported_type', message: error.message };
  }
  if (!(error instanceof StatementFormatError)) throw error;
  if (error.tooLarge) return { kind: 'too_large', message: error.message };
  const unsigned = await refusedSignature(body, signature);
  if (unsigned !== undefined) return unsigned;
  return { kind: 'invalid', message: error.message, location: error.location };
}

async function refusedSignature(
  body: AsyncIterator<Uint8Array>,
  signature: SignatureCheck | undefined,
): Promise<StatementRefusal | undefined> {
  if (signature === undefined) return undefined;
  await drain(body); // bounded by the body limit
  const reason = await signature.refusal();
  return reason === undefined ? undefined : { kind: 'unsigned', reason };
}

/**
 * The stream's chunks, each shown to `see` as it passes. Ending an iteration early (a parser that
 * stops at an error) does not cancel the stream: {@link drain} can still read the rest.
 */
function tap(
  stream: ReadableStream<Uint8Array>,
  see: (chunk: Uint8Array) => void,
): AsyncIterableIterator<Uint8Array> {
  const reader = stream.getReader();
  const iterator: AsyncIterableIterator<Uint8Array> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      const read = await reader.read();
      if (read.done) return { done: true, value: undefined };
      see(read.value);
      return { done: false, value: read.value };
    },
    async return() {
      return { done: true, value: undefined };
    },
  };
  return iterator;
}

async function drain(body: AsyncIterator<Uint8Array>): Promise<void> {
  for (;;) {
    if ((await body.next()).done) return;
  }
}
