import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { SignatureCheck } from '../../application/dfspRequestAuthentication.js';
import type {
  StatementRead,
  StatementReader,
  StatementRefusal,
} from '../../application/statementReader.js';
import type { ParsedStatement } from '../../domain/statement.js';
import {
  detectStatementSyntax,
  parseStatements,
  UnsupportedStatementType,
} from './statementFormat.js';
import {
  DEFAULT_STATEMENT_LIMITS,
  StatementFormatError,
  type StatementLimits,
} from './statementInput.js';

/** Statements read at once; one more is refused (503), so memory and disk stay bounded. */
const MAX_CONCURRENT_READS = 4;

/**
 * The statement reader over the CSV, MT940 and camt (.052, .053, .054) parsers. A statement sent with a bearer
 * token is read once, as a stream, each chunk hashed as it passes to the parser. A signed one is
 * first written to a temporary file (mode 0600, removed afterwards) while it is hashed and its
 * signature computed, and parsed only once the signature holds: a forged statement costs a
 * write to disk, never a parse. At most four statements are read at once.
 *
 * @example
 * const read = await createStatementReader().read({ contentType: 'text/csv', body, signature });
 */
export function createStatementReader(
  limits: StatementLimits = DEFAULT_STATEMENT_LIMITS,
): StatementReader {
  let reading = 0;
  return {
    maxBytes: limits.maxBytes,
    async read({ contentType, body, signature }): Promise<StatementRead> {
      if (reading >= MAX_CONCURRENT_READS) {
        // Not read: cancelled, so the request's bytes are not queued in memory as they arrive.
        await body.cancel().catch(() => undefined);
        const message = `${MAX_CONCURRENT_READS} statements are being read; send it again shortly`;
        return { ok: false, refusal: { kind: 'busy', message } };
      }
      reading += 1;
      try {
        return signature === undefined
          ? await readStreaming(contentType, body, limits)
          : await readSigned(contentType, body, signature, limits);
      } finally {
        reading -= 1;
      }
    },
  };
}

async function readStreaming(
  contentType: string | undefined,
  stream: ReadableStream<Uint8Array>,
  limits: StatementLimits,
): Promise<StatementRead> {
  const sha256 = createHash('sha256');
  const body = tap(stream, (chunk) => sha256.update(chunk));
  const read = await parsed(contentType, body, limits);
  if (read.ok) await drain(body); // the hash covers every byte
  return read.ok ? { ...read, contentSha256: sha256.digest('hex') } : read;
}

async function readSigned(
  contentType: string | undefined,
  stream: ReadableStream<Uint8Array>,
  signature: SignatureCheck,
  limits: StatementLimits,
): Promise<StatementRead> {
  const directory = await mkdtemp(path.join(tmpdir(), 'g2p-statement-'));
  const file = path.join(directory, 'body');
  try {
    const sha256 = createHash('sha256');
    const tooLarge = await spool(stream, file, limits.maxBytes, (chunk) => {
      sha256.update(chunk);
      signature.update(chunk);
    });
    if (tooLarge !== undefined) return { ok: false, refusal: tooLarge };
    const reason = await signature.refusal();
    if (reason !== undefined) return { ok: false, refusal: { kind: 'unsigned', reason } };
    const read = await parsed(contentType, createReadStream(file), limits);
    return read.ok ? { ...read, contentSha256: sha256.digest('hex') } : read;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Writes the body to `file`, each chunk seen first; a refusal once it passes `maxBytes`. */
async function spool(
  stream: ReadableStream<Uint8Array>,
  file: string,
  maxBytes: number,
  see: (chunk: Uint8Array) => void,
): Promise<StatementRefusal | undefined> {
  const out = createWriteStream(file, { mode: 0o600 });
  let total = 0;
  try {
    for await (const chunk of stream) {
      total += chunk.byteLength;
      if (total > maxBytes) {
        return { kind: 'too_large', message: `body: larger than ${maxBytes} bytes` };
      }
      see(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    return undefined;
  } finally {
    out.end();
    await finished(out);
  }
}

/** The statements of a body whose format comes from its media type or content, or why not. */
async function parsed(
  contentType: string | undefined,
  body: AsyncIterable<Uint8Array>,
  limits: StatementLimits,
): Promise<
  | {
      readonly ok: true;
      readonly statements: readonly [ParsedStatement, ...ParsedStatement[]];
    }
  | { readonly ok: false; readonly refusal: StatementRefusal }
> {
  try {
    const { syntax, charset, body: whole } = await detectStatementSyntax(contentType, body);
    const [first, ...rest] = await parseStatements(syntax, whole, limits, charset);
    // Every reader answers a statement or refuses: a file of none is refused where it is read.
    if (first === undefined) throw new StatementFormatError('body', 'no statement');
    return { ok: true, statements: [first, ...rest] };
  } catch (error) {
    if (error instanceof UnsupportedStatementType) {
      return { ok: false, refusal: { kind: 'unsupported_type', message: error.message } };
    }
    if (!(error instanceof StatementFormatError)) throw error;
    if (error.tooLarge)
      return { ok: false, refusal: { kind: 'too_large', message: error.message } };
    const refusal = { kind: 'invalid', message: error.message, location: error.location } as const;
    return { ok: false, refusal };
  }
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
