import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, type InfoRecord, parse } from 'csv-parse';
import { minorUnitsOf } from '../../domain/money.js';
import { optional } from '../../domain/optional.js';
import type { EntryDirection, ParsedStatement, StatementLine } from '../../domain/statement.js';
import { decoderOf, type TextDecoding, textDecoding } from './statementCharset.js';
import {
  assertLineRoom,
  bookingPeriod,
  calendarDate,
  narrativeText,
  physicalLineLimits,
  quoted,
} from './statementFields.js';
import {
  DEFAULT_STATEMENT_LIMITS,
  StatementFormatError,
  type StatementLimits,
  statementAmount,
  textLines,
} from './statementInput.js';

/** Where each known column sits in a record; undefined when the header does not name it. */
interface Columns {
  /** Every column's name as the header gives it, lower-cased. */
  readonly names: readonly string[];
  readonly reference: number;
  readonly amount: number;
  readonly currency: number;
  readonly type: number | undefined;
  readonly reversal: number | undefined;
  /** `booked_at`, then `paid_at`: the first non-empty one gives the date. */
  readonly bookedAt: readonly number[];
  readonly narrative: number | undefined;
}

const REQUIRED_COLUMNS = ['reference_id', 'amount', 'currency'] as const;
const KNOWN_COLUMNS = new Set<string>([
  ...REQUIRED_COLUMNS,
  'type',
  'reversal',
  'booked_at',
  'paid_at',
  'narrative',
]);
const ISO_DATE_OR_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses a DFSP statement in CSV (RFC 4180: comma-separated, fields quoted with `"` may hold
 * commas, doubled quotes and line breaks). The first non-blank record is a header naming
 * the columns, case-insensitively and in any order: `reference_id`, `amount` (a positive
 * decimal, `.` or `,` as decimal mark) and `currency` are required; `type` (`debit`/`D`, the
 * default, or `credit`/`C`), `reversal` (`true`/`false`, default false), `booked_at` or
 * `paid_at` (ISO date or date-time; its date is `bookedOn`) and `narrative` are optional; other
 * columns are ignored. Blank records are skipped. Text is UTF-8, or the `charset` declared, or
 * windows-1252 when it is not UTF-8 (a notice says so). The statement's period is its earliest and
 * latest `bookedOn`; CSV carries no balances. Any error is a `StatementFormatError` naming
 * `line N` and the column.
 *
 * Quoting is read by `csv-parse` (the CSV project's streaming parser) fed the decoded lines
 * of `textLines`, so the body's size, line lengths and line count stay within `limits`.
 *
 * @example
 * const statement = await parseCsvStatement(request.body);
 * statement.lines[0]; // { lineNumber: 1, reference: '01J…', amountMinor: 150000n, … }
 */
export async function parseCsvStatement(
  input: AsyncIterable<Uint8Array>,
  limits: StatementLimits = DEFAULT_STATEMENT_LIMITS,
  charset?: string,
): Promise<ParsedStatement> {
  const decoding = textDecoding(decoderOf(charset, 'body'));
  let columns: Columns | undefined;
  const lines: StatementLine[] = [];
  // Records are read as csv-parse completes them, in order with its own syntax errors, and
  // never queue up in the stream.
  const readRecord = (record: string[], info: InfoRecord): null => {
    // csv-parse counts the line a record ends on; its fields hold the line breaks before it.
    const line = info.lines - record.reduce((sum, field) => sum + newlines(field), 0);
    if (record.every((field) => field.trim() === '')) return null;
    if (columns === undefined) {
      columns = headerColumns(record, line);
      return null;
    }
    if (record.length !== columns.names.length) {
      throw new StatementFormatError(
        `line ${line}`,
        `has ${record.length} fields, the header has ${columns.names.length}`,
      );
    }
    assertLineRoom(lines.length, limits, `line ${line}`);
    lines.push(statementLine(record, columns, line, lines.length + 1));
    return null;
  };
  const parser = parse({
    skip_empty_lines: true,
    relax_column_count: true,
    max_record_size: limits.maxLineLength,
    on_record: readRecord,
  });
  try {
    await pipeline(Readable.from(joinedLines(input, limits, decoding)), parser, drain);
  } catch (error) {
    if (error instanceof CsvError) throw syntaxError(error, columns, limits);
    throw error;
  }
  if (columns === undefined) throw new StatementFormatError('body', 'no header row');
  return { format: 'csv', ...bookingPeriod(lines), lines, notices: [...decoding.notices()] };
}

/** The body's physical lines, checked by `textLines`, each ended with `\n` for csv-parse. */
async function* joinedLines(
  input: AsyncIterable<Uint8Array>,
  limits: StatementLimits,
  decoding: TextDecoding,
): AsyncGenerator<string> {
  for await (const [, text] of textLines(input, physicalLineLimits(limits), decoding)) {
    yield `${text}\n`;
  }
}

async function drain(records: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of records) {
    // Nothing comes: every record was read on its way.
  }
}

function newlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count += 1;
  return count;
}

function headerColumns(record: readonly string[], line: number): Columns {
  const names = record.map((name) => name.trim().toLowerCase());
  const index = new Map<string, number>();
  names.forEach((name, at) => {
    if (!KNOWN_COLUMNS.has(name)) return;
    if (index.has(name)) {
      throw new StatementFormatError(`line ${line}, column ${name}`, 'column named twice');
    }
    index.set(name, at);
  });
  const required = (name: (typeof REQUIRED_COLUMNS)[number]): number => {
    const at = index.get(name);
    if (at === undefined) {
      throw new StatementFormatError(`line ${line}, column ${name}`, 'required column missing');
    }
    return at;
  };
  return {
    names,
    reference: required('reference_id'),
    amount: required('amount'),
    currency: required('currency'),
    type: index.get('type'),
    reversal: index.get('reversal'),
    bookedAt: ['booked_at', 'paid_at'].flatMap((name) => index.get(name) ?? []),
    narrative: index.get('narrative'),
  };
}

function statementLine(
  record: readonly string[],
  columns: Columns,
  line: number,
  lineNumber: number,
): StatementLine {
  const field = (at: number | undefined) => (at === undefined ? '' : (record[at] ?? '').trim());
  const where = (column: string) => `line ${line}, column ${column}`;

  const currency = field(columns.currency).toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency) || minorUnitsOf(currency) === undefined) {
    throw new StatementFormatError(
      where('currency'),
      `unknown currency ${quoted(field(columns.currency))}`,
    );
  }
  const amountText = field(columns.amount);
  if (amountText.startsWith('-')) {
    throw new StatementFormatError(
      where('amount'),
      'negative amount (amounts are positive; the type column gives the direction)',
    );
  }
  const amountMinor = statementAmount(amountText, currency, where('amount'));
  if (amountMinor === 0n) throw new StatementFormatError(where('amount'), 'amount is zero');

  const reference = field(columns.reference);
  const bookedAt = columns.bookedAt.find((at) => field(at) !== '');
  const bookedOn =
    bookedAt === undefined
      ? undefined
      : isoDate(field(bookedAt), where(columns.names[bookedAt] ?? 'booked_at'));
  const narrative = narrativeText(field(columns.narrative));
  return {
    lineNumber,
    reference: reference === '' ? null : reference,
    amountMinor,
    currency,
    direction: direction(field(columns.type), where('type')),
    reversal: reversal(field(columns.reversal), where('reversal')),
    ...optional('bookedOn', bookedOn),
    ...optional('narrative', narrative),
  };
}

function direction(text: string, location: string): EntryDirection {
  switch (text.toLowerCase()) {
    case '':
    case 'd':
    case 'debit':
      return 'debit';
    case 'c':
    case 'credit':
      return 'credit';
    default:
      throw new StatementFormatError(location, `${quoted(text)} is not debit, credit, D or C`);
  }
}

function reversal(text: string, location: string): boolean {
  switch (text.toLowerCase()) {
    case '':
    case 'false':
      return false;
    case 'true':
      return true;
    default:
      throw new StatementFormatError(location, `${quoted(text)} is not true or false`);
  }
}

function isoDate(text: string, location: string): string {
  const match = ISO_DATE_OR_DATETIME.exec(text);
  const date =
    match === null ? undefined : calendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
  if (date === undefined) {
    throw new StatementFormatError(location, `${quoted(text)} is not an ISO date or date-time`);
  }
  return date;
}

/** A csv-parse error in our words, never quoting the field it read. */
function syntaxError(
  error: CsvError,
  columns: Columns | undefined,
  limits: StatementLimits,
): StatementFormatError {
  const line = typeof error.lines === 'number' ? error.lines : undefined;
  const column =
    typeof error.column === 'number'
      ? (columns?.names[error.column] ?? String(error.column + 1))
      : undefined;
  const location = [line === undefined ? 'body' : `line ${line}`]
    .concat(column === undefined ? [] : [`column ${column}`])
    .join(', ');
  switch (error.code) {
    case 'CSV_MAX_RECORD_SIZE':
      return new StatementFormatError(
        location,
        `record longer than ${limits.maxLineLength} characters`,
        true,
      );
    case 'CSV_QUOTE_NOT_CLOSED':
      return new StatementFormatError(location, 'the body ends inside a quoted field');
    case 'INVALID_OPENING_QUOTE':
      return new StatementFormatError(
        location,
        'a quote inside an unquoted field (quote the whole field and double the quotes in it)',
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return new StatementFormatError(
        location,
        'text after a closing quote (double the quotes inside a quoted field)',
      );
    default:
      return new StatementFormatError(location, `malformed CSV (${error.code})`);
  }
}
