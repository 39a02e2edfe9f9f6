/**
 * The grammar of MT940's balance (`:60F:`, `:62F:`) and statement line (`:61:`) fields, read as
 * banks write them: amounts with or without a decimal comma, references that may be missing,
 * and dates a bank printed that are no calendar day.
 */

import type { EntryDirection, StatementBalance, StatementLine } from '../../domain/statement.js';
import { calendarDate } from './statementFields.js';
import { StatementFormatError, statementAmount } from './statementInput.js';
import type { NoticeList } from './statementNotices.js';

const BALANCE = /^([DC])(\d{2})(\d{2})(\d{2})([A-Z]{3})(\d{1,18}(?:,\d*)?)$/;
/**
 * `:61:` subfields 1 to 7: value date YYMMDD, entry date MMDD, mark (`RD`/`RC` before `D`/`C`),
 * funds code (German banks write the currency's third letter: `CR` is a credit in EUR), amount
 * (decimal comma optional), transaction type (`NTRF`, `NMSC`, `N051`, `S103`), then references.
 */
const STATEMENT_LINE =
  /^(\d{2})(\d{2})(\d{2})(?:(\d{2})(\d{2}))?(RD|RC|D|C)([A-Z])?(\d{1,15}(?:,\d*)?)(?:([A-Z][A-Z0-9]{3})(.*))?$/;
/**
 * Customer references may be 16 characters in the standard; we take up to 35 because the
 * ledger's payment ids, which DFSPs echo here, are 26-character ULIDs.
 */
const MAX_CUSTOMER_REFERENCE_CHARS = 35;
/**
 * Customer references that say there is none here: `NONREF`, or a pointer to the reference in
 * the `:86:` that follows (Dutch structured MT940 writes `EREF`, `PREF`, `MARF`; German banks a
 * bare `KREF+`).
 */
const NO_REFERENCE = new Set(['NONREF', 'NOTPROVIDED', 'EREF', 'PREF', 'MARF', 'IREF', 'KREF+']);
const MARKS: Readonly<Record<string, { direction: EntryDirection; reversal: boolean }>> = {
  D: { direction: 'debit', reversal: false },
  C: { direction: 'credit', reversal: false },
  // A reversed debit puts money back on the account; a reversed credit takes it out.
  RD: { direction: 'credit', reversal: true },
  RC: { direction: 'debit', reversal: true },
};

/** `C261127KES1000000,00`: mark, date, currency, amount (`C261127EUR500` has no decimals). */
export function mt940Balance(text: string, where: string, notices: NoticeList): StatementBalance {
  const match = BALANCE.exec(text);
  if (match === null) {
    throw new StatementFormatError(where, 'not a balance (mark, YYMMDD, currency, amount)');
  }
  const [, mark, yy = '', mm = '', dd = '', currency = '', amount = ''] = match;
  const on = swiftDate(yy, mm, dd, where, notices);
  const amountMinor = statementAmount(amount, currency, where);
  return { amountMinor: mark === 'D' ? -amountMinor : amountMinor, currency, on };
}

/**
 * The first line of a `:61:` field, e.g. `2611281128D1500,NTRF01JD4X…//BANK123`: value date,
 * optional entry date, mark (`D`, `C`, `RD`, `RC`), optional funds code, amount, transaction
 * type, customer reference and optional `//` bank reference. A line without a usable customer
 * reference (`NONREF`, none, nothing before `//`, longer than 35 characters) has reference null:
 * reconciliation lists it as unknown. Supplementary details (the field's next line) are not read.
 */
export function mt940StatementLine(
  text: string,
  currency: string,
  lineNumber: number,
  where: string,
  notices: NoticeList,
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
  const valueDate = swiftDate(yy, mm, dd, where, notices);
  const bookedOn =
    entryMm === undefined || entryDd === undefined
      ? valueDate
      : entryDate(valueDate, entryMm, entryDd, where, notices);
  const amountMinor = statementAmount(amount, currency, where);
  if (amountMinor === 0n) throw new StatementFormatError(where, 'amount is zero');
  const marked = MARKS[mark];
  if (marked === undefined) throw new StatementFormatError(where, 'unknown debit/credit mark');
  return {
    lineNumber,
    reference: customerReference(refs, where, notices),
    amountMinor,
    currency,
    ...marked,
    bookedOn,
  };
}

function customerReference(refs: string, where: string, notices: NoticeList): string | null {
  const separator = refs.indexOf('//');
  const customer = (separator === -1 ? refs : refs.slice(0, separator)).trim();
  if (NO_REFERENCE.has(customer)) return null;
  if (customer === '') {
    notices.add(where, 'unusable_reference', 'no customer reference: an unknown line');
    return null;
  }
  if (customer.length > MAX_CUSTOMER_REFERENCE_CHARS) {
    const message = `customer reference longer than ${MAX_CUSTOMER_REFERENCE_CHARS} characters: an unknown line`;
    notices.add(where, 'unusable_reference', message);
    return null;
  }
  return customer;
}

/**
 * YYMMDD as an ISO date; statements of this ledger are all of this century. A day the month
 * does not have (banks do print 30 February) is read as the month's last day, with a notice; a
 * month or day out of range is no date.
 */
function swiftDate(yy: string, mm: string, dd: string, where: string, notices: NoticeList): string {
  return dateOf(2000 + Number(yy), Number(mm), Number(dd), `${yy}${mm}${dd}`, where, notices);
}

/** The entry date MMDD nearest the value date: in its year, or the one before or after. */
function entryDate(
  valueDate: string,
  mm: string,
  dd: string,
  where: string,
  notices: NoticeList,
): string {
  const year = Number(valueDate.slice(0, 4));
  const monthsApart = Number(mm) - Number(valueDate.slice(5, 7));
  const entryYear = monthsApart > 6 ? year - 1 : monthsApart < -6 ? year + 1 : year;
  return dateOf(entryYear, Number(mm), Number(dd), `${mm}${dd}`, where, notices);
}

function dateOf(
  year: number,
  month: number,
  day: number,
  written: string,
  where: string,
  notices: NoticeList,
): string {
  const date = calendarDate(year, month, day);
  if (date !== undefined) return date;
  if (month < 1 || month > 12 || day < 1 || day > 31) {
    throw new StatementFormatError(where, `not a date (${written})`);
  }
  const lastDay = lastDayOf(year, month);
  notices.add(where, 'impossible_date', `${written} is no calendar day: read as ${lastDay}`);
  return lastDay;
}

function lastDayOf(year: number, month: number): string {
  for (let day = 31; day >= 28; day -= 1) {
    const date = calendarDate(year, month, day);
    if (date !== undefined) return date;
  }
  throw new StatementFormatError('body', `no last day of ${year}-${month}`);
}
