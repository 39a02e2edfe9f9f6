import type { ParsedStatement, StatementFormat } from '../../domain/statement.js';
import { parseCamt053Statement } from './camt053Statement.js';
import { parseCsvStatement } from './csvStatement.js';
import { parseMt940Statement } from './mt940Statement.js';
import { DEFAULT_STATEMENT_LIMITS, type StatementLimits } from './statementInput.js';

/** Media types that name a format; anything else (or none) is detected from the first bytes. */
const BY_MEDIA_TYPE: Readonly<Record<string, StatementFormat>> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'application/x-mt940': 'mt940',
  'text/x-mt940': 'mt940',
  'application/xml': 'camt053',
  'text/xml': 'camt053',
};
/** Media types that say nothing about the format. */
const UNSPECIFIC = new Set(['', 'text/plain', 'application/octet-stream']);
/** Bytes looked at to detect a format. */
const SNIFF_BYTES = 64;

/** The body's media type names no statement format (e.g. `application/json`). */
export class UnsupportedStatementType extends Error {
  override readonly name = 'UnsupportedStatementType';
}

/**
 * The statement format of a body: from its `Content-Type` where that names one, else from its
 * first bytes (`<` → camt.053, `{1:` or `:20:` → MT940, anything else → CSV). Answers the format
 * and the body again, whole (the bytes looked at are not lost).
 *
 * @example
 * const { format, body } = await detectStatementFormat(request.headers.get('content-type'), stream);
 */
export async function detectStatementFormat(
  contentType: string | null | undefined,
  input: AsyncIterable<Uint8Array>,
): Promise<{ readonly format: StatementFormat; readonly body: AsyncIterable<Uint8Array> }> {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const named = BY_MEDIA_TYPE[mediaType];
  if (named !== undefined) return { format: named, body: input };
  if (!UNSPECIFIC.has(mediaType)) {
    throw new UnsupportedStatementType(
      `${mediaType.slice(0, 100)} is not a statement type: send text/csv, application/x-mt940 or application/xml`,
    );
  }
  const iterator = input[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let seen = 0;
  while (seen < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    seen += next.value.byteLength;
  }
  const text = Buffer.concat(head).subarray(0, SNIFF_BYTES).toString('latin1');
  const start = text.replace(/^\u00ef\u00bb\u00bf/, '').trimStart();
  const format: StatementFormat = start.startsWith('<')
    ? 'camt053'
    : start.startsWith('{1:') || start.startsWith(':20:')
      ? 'mt940'
      : 'csv';
  async function* whole(): AsyncGenerator<Uint8Array> {
    yield* head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { format, body: whole() };
}

/** Parses a statement of a known format (see the three parsers for what each reads). */
export function parseStatement(
  format: StatementFormat,
  body: AsyncIterable<Uint8Array>,
  limits: StatementLimits = DEFAULT_STATEMENT_LIMITS,
): Promise<ParsedStatement> {
  switch (format) {
    case 'csv':
      return parseCsvStatement(body, limits);
    case 'mt940':
      return parseMt940Statement(body, limits);
    case 'camt053':
      return parseCamt053Statement(body, limits);
  }
}
