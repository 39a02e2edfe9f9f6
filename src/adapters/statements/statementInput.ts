import { minorUnitsOf } from '../../domain/money.js';
import { type TextDecoding, textDecoding } from './statementCharset.js';
import { StatementFormatError } from './statementFormatError.js';

/** Bounds every statement parser keeps to; a statement beyond one is refused, never truncated. */
export interface StatementLimits {
  /** Largest body read, in bytes. */
  readonly maxBytes: number;
  /** Most statement lines (entries), and for text formats most physical lines times 20. */
  readonly maxLines: number;
  /** Longest physical text line, in characters (CSV, MT940). */
  readonly maxLineLength: number;
  /** Deepest XML element nesting (camt.053). */
  readonly maxDepth: number;
}

export const DEFAULT_STATEMENT_LIMITS: StatementLimits = {
  maxBytes: 50 * 1024 * 1024,
  maxLines: 200_000,
  maxLineLength: 10_000,
  maxDepth: 32,
};

export { StatementFormatError } from './statementFormatError.js';

/**
 * The body's bytes as they arrive, refusing more than `maxBytes` (so a 100 MB body stops at the
 * limit, without being read whole).
 */
export async function* boundedBytes(
  input: AsyncIterable<Uint8Array>,
  maxBytes: number,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of input) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      throw new StatementFormatError('body', `larger than ${maxBytes} bytes`, true);
    }
    yield chunk;
  }
}

/**
 * The physical lines of a text body (CRLF, LF or CR endings), decoded by `decoding` (UTF-8,
 * falling back to a single-byte charset: see `textDecoding`); a NUL (binary garbage) is refused,
 * as is a line longer than `maxLineLength` or more than `maxLines` lines. Yields
 * `[lineNumber, text]`, 1-based.
 */
export async function* textLines(
  input: AsyncIterable<Uint8Array>,
  limits: Pick<StatementLimits, 'maxBytes' | 'maxLineLength'> & {
    readonly maxPhysicalLines: number;
  },
  decoding: TextDecoding = textDecoding(undefined),
): AsyncGenerator<readonly [number, string]> {
  let pending = '';
  let lineNumber = 0;
  const emit = function* (text: string) {
    lineNumber += 1;
    if (lineNumber > limits.maxPhysicalLines) {
      throw new StatementFormatError('body', `more than ${limits.maxPhysicalLines} lines`, true);
    }
    if (text.includes('\u0000')) {
      throw new StatementFormatError(`line ${lineNumber}`, 'binary data (NUL) in a text statement');
    }
    yield [lineNumber, text] as const;
  };
  const tooLong = () =>
    new StatementFormatError(
      `line ${lineNumber + 1}`,
      `longer than ${limits.maxLineLength} characters`,
      true,
    );
  for await (const chunk of boundedBytes(input, limits.maxBytes)) {
    pending += decoding.decode(chunk, `line ${lineNumber + 1}`);
    const parts = pending.split(/\r\n|\n|\r(?!$)/);
    pending = parts.pop() ?? '';
    if (pending.length > limits.maxLineLength) throw tooLong();
    for (const part of parts) {
      if (part.length > limits.maxLineLength) throw tooLong();
      yield* emit(part);
    }
  }
  pending += decoding.end(`line ${lineNumber + 1}`);
  const rest = pending.split(/\r\n|\n|\r/);
  if (rest.at(-1) === '') rest.pop(); // the body ended with a line break
  for (const part of rest) {
    if (part.length > limits.maxLineLength) throw tooLong();
    yield* emit(part);
  }
}

/**
 * Minor units of a statement amount: digits with `.` or `,` as the decimal mark (MT940 writes
 * `1500,00` and may leave decimals off: `1500,` and `1500` are 1500.00), never negative
 * (direction is a separate field). Decimals beyond the currency's are taken only when they are
 * zeros (`8,850` EUR is exactly 8.85; `8,855` EUR is refused). Throws a `StatementFormatError` at
 * `location`.
 *
 * @example
 * statementAmount('1500,5', 'KES', 'line 4'); // 150050n
 * statementAmount('8.850', 'EUR', 'line 4'); // 885n
 */
export function statementAmount(text: string, currency: string, location: string): bigint {
  const decimals = minorUnitsOf(currency);
  if (decimals === undefined) {
    throw new StatementFormatError(location, `unknown currency ${currency.slice(0, 3)}`);
  }
  const match = /^(\d{1,18})(?:[.,](\d{0,18}))?$/.exec(text.trim());
  if (match === null) throw new StatementFormatError(location, 'amount is not a decimal number');
  const [, whole = '0', fraction = ''] = match;
  if (/[^0]/.test(fraction.slice(decimals))) {
    throw new StatementFormatError(location, `${currency} has ${decimals} decimals`);
  }
  const kept = fraction.slice(0, decimals).padEnd(decimals, '0');
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(kept || '0');
}
