import { minorUnitsOf } from '../../domain/money.js';

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

/**
 * A statement that cannot be read: not the format, malformed, or beyond a limit. `location`
 * names where (`line 12`, `Document/BkToCstmrStmt/Stmt/Ntry[3]/Amt`, `body`); the message never
 * quotes more than a few characters of the input.
 */
export class StatementFormatError extends Error {
  override readonly name = 'StatementFormatError';

  constructor(
    readonly location: string,
    message: string,
    /** True when a limit was passed (the HTTP layer answers 413 rather than 400). */
    readonly tooLarge = false,
  ) {
    super(`${location}: ${message}`);
  }
}

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
 * The physical lines of a UTF-8 text body (CRLF, LF or CR endings), decoded strictly: invalid
 * UTF-8 or a NUL (binary garbage) is refused, as is a line longer than `maxLineLength` or more
 * than `maxLines` lines. Yields `[lineNumber, text]`, 1-based.
 */
export async function* textLines(
  input: AsyncIterable<Uint8Array>,
  limits: Pick<StatementLimits, 'maxBytes' | 'maxLineLength'> & {
    readonly maxPhysicalLines: number;
  },
): AsyncGenerator<readonly [number, string]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
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
  try {
    for await (const chunk of boundedBytes(input, limits.maxBytes)) {
      pending += decoder.decode(chunk, { stream: true });
      const parts = pending.split(/\r\n|\n|\r(?!$)/);
      pending = parts.pop() ?? '';
      if (pending.length > limits.maxLineLength) {
        throw new StatementFormatError(
          `line ${lineNumber + 1}`,
          `longer than ${limits.maxLineLength} characters`,
          true,
        );
      }
      for (const part of parts) {
        if (part.length > limits.maxLineLength) {
          throw new StatementFormatError(
            `line ${lineNumber + 1}`,
            `longer than ${limits.maxLineLength} characters`,
            true,
          );
        }
        yield* emit(part);
      }
    }
    pending += decoder.decode();
  } catch (error) {
    if (error instanceof TypeError) {
      throw new StatementFormatError(`line ${lineNumber + 1}`, 'not valid UTF-8 text');
    }
    throw error;
  }
  const last = pending.replace(/\r$/, '');
  if (last !== '') yield* emit(last);
}

/**
 * Minor units of a statement amount: digits with `.` or `,` as the decimal mark (MT940 writes
 * `1500,00` and may leave decimals off: `1500,` is 1500.00), at most the currency's decimals,
 * never negative (direction is a separate field). Throws a `StatementFormatError` at `location`.
 *
 * @example
 * statementAmount('1500,5', 'KES', 'line 4'); // 150050n
 */
export function statementAmount(text: string, currency: string, location: string): bigint {
  const decimals = minorUnitsOf(currency);
  if (decimals === undefined) {
    throw new StatementFormatError(location, `unknown currency ${currency.slice(0, 3)}`);
  }
  const match = /^(\d{1,18})(?:[.,](\d*))?$/.exec(text.trim());
  if (match === null) throw new StatementFormatError(location, 'amount is not a decimal number');
  const [, whole = '0', fraction = ''] = match;
  if (fraction.length > decimals) {
    throw new StatementFormatError(location, `${currency} has ${decimals} decimals`);
  }
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
}
