import { optional } from '../../domain/optional.js';
import type {
  EntryDirection,
  ParsedStatement,
  StatementBalance,
  StatementLine,
} from '../../domain/statement.js';
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

/** One MT940 field: its tag (`61`, `60F`), the line it starts on and its text lines. */
interface Field {
  readonly tag: string;
  readonly line: number;
  readonly texts: string[];
  chars: number;
}

const TAG = /^:(\d{2}[A-Z]?):/;
const BALANCE = /^([DC])(\d{2})(\d{2})(\d{2})([A-Z]{3})(\d{1,15},\d*)$/;
/**
 * `:61:` subfields 1 to 7: value date YYMMDD, entry date MMDD, mark (`RD`/`RC` before `D`/`C`),
 * funds code, amount, transaction type (`NTRF`, `S103`), then reference(s).
 */
const STATEMENT_LINE =
  /^(\d{2})(\d{2})(\d{2})(?:(\d{2})(\d{2}))?(RD|RC|D|C)([A-Z])?(\d{1,15},\d*)([A-Z][A-Z0-9]{3})(.*)$/;
/**
 * Customer references may be 16 characters in the standard; we take up to 35 because the
 * ledger's payment ids, which DFSPs echo here, are 26-character ULIDs.
 */
const MAX_CUSTOMER_REFERENCE_CHARS = 35;
const MARKS: Readonly<Record<string, { direction: EntryDirection; reversal: boolean }>> = {
  D: { direction: 'debit', reversal: false },
  C: { direction: 'credit', reversal: false },
  // A reversed debit puts money back on the account; a reversed credit takes it out.
  RD: { direction: 'credit', reversal: true },
  RC: { direction: 'debit', reversal: true },
};

/**
 * Parses a DFSP statement in SWIFT MT940, plain (`:20:` … `:62F:`, optionally ended by a `-`
 * line) or in a SWIFT message (`{1:…}{2:…}{4:` … `-}`). One statement per file: a second `:20:`
 * or message is refused. Read: `:20:` (statementRef), `:25:` (accountId), `:60F:`/`:60M:` and
 * `:62F:`/`:62M:` (required balances, signed: `D` is negative; the opening balance's currency is
 * every line's), `:61:` (one statement line; see `statementLine`), `:86:` (the narrative of the
 * `:61:` just before it, its lines joined by `\n`, at most 500 characters; elsewhere ignored).
 * `:21:`, `:13D:`, `:28C:`, `:64:` and `:65:` are ignored; any other tag is refused, so that a
 * field we do not know never passes unread. `bookedOn` is the `:61:` entry date when given, else
 * its value date; the period is the earliest and latest of them.
 *
 * Hand-written on `textLines` (strict UTF-8, bounded size, line length and line count): the npm
 * MT940 parsers (`mt940js`, `mt940-js`) read a whole buffer at once, hold amounts as floating
 * point numbers, and `mt940js` cuts customer references at 16 characters, which would cut our
 * payment ids.
 *
 * @example
 * const statement = await parseMt940Statement(request.body);
 * statement.closing; // { amountMinor: -23706834n, currency: 'KES', on: '2026-11-29' }
 */
export async function parseMt940Statement(
  input: AsyncIterable<Uint8Array>,
  limits: StatementLimits = DEFAULT_STATEMENT_LIMITS,
): Promise<ParsedStatement> {
  const statement = mt940Reader(limits);
  for await (const field of mt940Fields(input, limits)) statement.read(field);
  return statement.finish();
}

/**
 * The fields of an MT940 body, each complete with its continuation lines, unwrapped from the
 * SWIFT message blocks if it has them, up to the end of the (one) statement.
 */
async function* mt940Fields(
  input: AsyncIterable<Uint8Array>,
  limits: StatementLimits,
): AsyncGenerator<Field> {
  let field: Field | undefined;
  let wrapped = false;
  let started = false;
  let ended = false;
  for await (const [line, physical] of textLines(input, physicalLineLimits(limits))) {
    let text = physical.trimEnd();
    if (text.trim() === '') continue;
    if (ended) {
      if (wrapped && /^\{[^1]/.test(text)) continue; // trailer blocks {5:…}, {S:…}
      throw new StatementFormatError(
        `line ${line}`,
        'text after the end of the statement (one statement per file)',
      );
    }
    if (!started && text.startsWith('{')) {
      const body = text.indexOf('{4:');
      if (!text.startsWith('{1:') || body === -1) {
        throw new StatementFormatError(`line ${line}`, 'SWIFT message header without {4: block');
      }
      wrapped = true;
      text = text.slice(body + 3);
    }
    started = true;
    if (text === '') continue;
    if ((wrapped && text.startsWith('-}')) || (!wrapped && text === '-')) {
      ended = true;
      continue;
    }
    const tag = TAG.exec(text);
    if (tag !== null) {
      if (field !== undefined) yield field;
      const first = text.slice(tag[0].length);
      field = { tag: tag[1] ?? '', line, texts: [first], chars: first.length };
    } else if (text.startsWith(':') || field === undefined) {
      throw new StatementFormatError(
        `line ${line}`,
        `expected a tag such as :20:, not ${quoted(text)}`,
      );
    } else {
      field.texts.push(text);
      field.chars += text.length;
      if (field.chars > limits.maxLineLength) {
        throw new StatementFormatError(
          `line ${field.line}, field :${field.tag}:`,
          `longer than ${limits.maxLineLength} characters`,
          true,
        );
      }
    }
  }
  if (wrapped && !ended) throw new StatementFormatError('body', 'SWIFT block 4 not closed by -}');
  if (field !== undefined) yield field;
}

/** Gathers the fields of one statement in order, checking what must come before what. */
function mt940Reader(limits: StatementLimits) {
  let statementRef: string | undefined;
  let accountId: string | undefined;
  let opening: StatementBalance | undefined;
  let closing: StatementBalance | undefined;
  let previousTag: string | undefined;
  const lines: StatementLine[] = [];

  const read = (field: Field): void => {
    const where = `line ${field.line}, field :${field.tag}:`;
    const [first = ''] = field.texts;
    const single = (): string => {
      if (field.texts.length > 1) {
        throw new StatementFormatError(where, 'a one-line field continues on the next line');
      }
      return first.trim();
    };
    switch (field.tag) {
      case '20':
        if (statementRef !== undefined) {
          throw new StatementFormatError(where, 'a second statement (one statement per file)');
        }
        statementRef = single();
        break;
      case '25':
        accountId = single();
        break;
      case '60F':
      case '60M':
        if (opening !== undefined) {
          throw new StatementFormatError(
            where,
            'a second opening balance (one statement per file)',
          );
        }
        opening = balance(single(), where);
        break;
      case '61': {
        if (opening === undefined || closing !== undefined) {
          throw new StatementFormatError(where, 'a statement line outside :60F: … :62F:');
        }
        assertLineRoom(lines.length, limits, where);
        lines.push(statementLine(first, opening.currency, lines.length + 1, where));
        break;
      }
      case '86': {
        const last = lines[lines.length - 1];
        if (previousTag !== '61' || last === undefined) break; // statement-level information
        const narrative = narrativeText(field.texts.map((text) => text.trim()).join('\n'));
        if (narrative !== undefined) lines[lines.length - 1] = { ...last, narrative };
        break;
      }
      case '62F':
      case '62M': {
        if (opening === undefined || closing !== undefined) {
          throw new StatementFormatError(where, 'a closing balance without its opening balance');
        }
        closing = balance(single(), where);
        if (closing.currency !== opening.currency) {
          throw new StatementFormatError(where, 'closing balance in another currency');
        }
        break;
      }
      case '13D':
      case '21':
      case '28C':
      case '64':
      case '65':
        break;
      default:
        throw new StatementFormatError(where, `unsupported tag :${field.tag}:`);
    }
    previousTag = field.tag;
  };

  const finish = (): ParsedStatement => {
    if (opening === undefined) throw new StatementFormatError('body', 'no opening balance :60F:');
    if (closing === undefined) throw new StatementFormatError('body', 'no closing balance :62F:');
    return {
      format: 'mt940',
      ...optional('statementRef', statementRef),
      ...optional('accountId', accountId),
      ...bookingPeriod(lines),
      opening,
      closing,
      lines,
    };
  };

  return { read, finish };
}

/** `C261127KES1000000,00`: mark, date, currency, amount. */
function balance(text: string, where: string): StatementBalance {
  const match = BALANCE.exec(text);
  if (match === null) {
    throw new StatementFormatError(where, 'not a balance (mark, YYMMDD, currency, amount)');
  }
  const [, mark, yy = '', mm = '', dd = '', currency = '', amount = ''] = match;
  const on = swiftDate(yy, mm, dd, where);
  const amountMinor = statementAmount(amount, currency, where);
  return { amountMinor: mark === 'D' ? -amountMinor : amountMinor, currency, on };
}

/**
 * The first line of a `:61:` field, e.g. `2611281128D1500,NTRF01JD4X…//BANK123`: value date,
 * optional entry date, mark (`D`, `C`, `RD`, `RC`), optional funds code, amount with a decimal
 * comma, transaction type, customer reference (`NONREF`: none) and optional `//` bank
 * reference. Supplementary details (the field's next line) are not read.
 */
function statementLine(
  text: string,
  currency: string,
  lineNumber: number,
  where: string,
): StatementLine {
  const match = STATEMENT_LINE.exec(text);
  if (match === null) {
    throw new StatementFormatError(
      where,
      'not a statement line (YYMMDD[MMDD], D/C/RD/RC, amount, type, reference)',
    );
  }
  const [, yy = '', mm = '', dd = '', entryMm, entryDd, mark = '', , amount = '', , refs = ''] =
    match;
  const valueDate = swiftDate(yy, mm, dd, where);
  const bookedOn =
    entryMm === undefined || entryDd === undefined
      ? valueDate
      : entryDate(valueDate, entryMm, entryDd, where);
  const amountMinor = statementAmount(amount, currency, where);
  if (amountMinor === 0n) throw new StatementFormatError(where, 'amount is zero');
  const separator = refs.indexOf('//');
  const customer = (separator === -1 ? refs : refs.slice(0, separator)).trim();
  if (customer === '') throw new StatementFormatError(where, 'no customer reference (or NONREF)');
  if (customer.length > MAX_CUSTOMER_REFERENCE_CHARS) {
    throw new StatementFormatError(
      where,
      `customer reference longer than ${MAX_CUSTOMER_REFERENCE_CHARS} characters`,
    );
  }
  const marked = MARKS[mark];
  if (marked === undefined) throw new StatementFormatError(where, 'unknown debit/credit mark');
  return {
    lineNumber,
    reference: customer === 'NONREF' ? null : customer,
    amountMinor,
    currency,
    ...marked,
    bookedOn,
  };
}

/** YYMMDD as an ISO date; statements of this ledger are all of this century. */
function swiftDate(yy: string, mm: string, dd: string, where: string): string {
  const date = calendarDate(2000 + Number(yy), Number(mm), Number(dd));
  if (date === undefined) throw new StatementFormatError(where, 'not a date (YYMMDD)');
  return date;
}

/** The entry date MMDD nearest the value date: in its year, or the one before or after. */
function entryDate(valueDate: string, mm: string, dd: string, where: string): string {
  const year = Number(valueDate.slice(0, 4));
  const monthsApart = Number(mm) - Number(valueDate.slice(5, 7));
  const entryYear = monthsApart > 6 ? year - 1 : monthsApart < -6 ? year + 1 : year;
  const date = calendarDate(entryYear, Number(mm), Number(dd));
  if (date === undefined) throw new StatementFormatError(where, 'entry date is not a date (MMDD)');
  return date;
}
