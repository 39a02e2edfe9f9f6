import type { ParsedStatement } from '../../domain/statement.js';
import { parseCamtStatements } from './camtStatement.js';
import { parseCsvStatement } from './csvStatement.js';
import { parseMt940Statements } from './mt940Statement.js';
import { charsetParameter } from './statementCharset.js';
import { DEFAULT_STATEMENT_LIMITS, type StatementLimits } from './statementInput.js';

/** How a statement file is written; an XML file's root element then says which camt message. */
export type StatementSyntax = 'csv' | 'mt940' | 'xml';

/** Media types that name a syntax; anything unspecific (or none) is detected from the content. */
const BY_MEDIA_TYPE: Readonly<Record<string, StatementSyntax>> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/comma-separated-values': 'csv',
  'application/x-mt940': 'mt940',
  'text/x-mt940': 'mt940',
  'application/x-swift': 'mt940',
  'text/x-swift': 'mt940',
  'application/xml': 'xml',
  'text/xml': 'xml',
};
/** Media types that say nothing about the format. */
const UNSPECIFIC = new Set(['', 'text/plain', 'application/octet-stream']);
/** Bytes looked at to detect a format: banks put a few lines of their own before MT940. */
const SNIFF_BYTES = 4096;
/** An MT940 field or SWIFT block starting a line (after an SOH byte, perhaps): `:20:`, `{4:`. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: an SOH byte may open a bank's line
const MT940_MARK = /(?:^|[\r\n\u0001])[ \t]*(?::20:|:25:|:61:|:60F:|\{1:|\{4:)/;

/** The body's media type names no statement format (e.g. `application/json`). */
export class UnsupportedStatementType extends Error {
  override readonly name = 'UnsupportedStatementType';
}

/**
 * The syntax of a statement body and its declared charset: from its `Content-Type` where that
 * names a format, else from its first 4 KiB — `<` first → XML; an MT940 field or SWIFT block at
 * the start of any line (`:20:`, `:61:`, `{1:`, `{4:`; banks put their own lines before them) →
 * MT940; anything else → CSV. Answers the body again, whole (the bytes looked at are not lost).
 *
 * @example
 * const { syntax, charset, body } = await detectStatementSyntax('text/plain; charset=latin1', stream);
 */
export async function detectStatementSyntax(
  contentType: string | null | undefined,
  input: AsyncIterable<Uint8Array>,
): Promise<{
  readonly syntax: StatementSyntax;
  readonly charset: string | undefined;
  readonly body: AsyncIterable<Uint8Array>;
}> {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const charset = charsetParameter(contentType);
  const named = BY_MEDIA_TYPE[mediaType];
  if (named !== undefined) return { syntax: named, charset, body: input };
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
  const syntax: StatementSyntax = start.startsWith('<')
    ? 'xml'
    : MT940_MARK.test(text)
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
  return { syntax, charset, body: whole() };
}

/**
 * The statements of a file of a known syntax (see the three readers for what each reads): CSV
 * holds one; MT940 and camt messages one or more.
 */
export async function parseStatements(
  syntax: StatementSyntax,
  body: AsyncIterable<Uint8Array>,
  limits: StatementLimits = DEFAULT_STATEMENT_LIMITS,
  charset?: string,
): Promise<ParsedStatement[]> {
  switch (syntax) {
    case 'csv':
      return [await parseCsvStatement(body, limits, charset)];
    case 'mt940':
      return parseMt940Statements(body, limits, charset);
    case 'xml':
      return parseCamtStatements(body, limits, charset);
  }
}
