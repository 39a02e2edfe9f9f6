/**
 * The parts of a camt.052/053/054 statement as its elements close: the statement's own fields,
 * its balances, its entries and their transaction details, and the lines an entry comes to.
 */

import { formatAmount } from '../../domain/money.js';
import { optional } from '../../domain/optional.js';
import type { EntryDirection, StatementBalance, StatementLine } from '../../domain/statement.js';
import { calendarDate, narrativeText, quoted } from './statementFields.js';
import { StatementFormatError, statementAmount } from './statementInput.js';
import type { XmlClose } from './xmlElements.js';

export interface Amount {
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly location: string;
}

export interface Balance {
  code?: string;
  amount?: Amount;
  direction?: EntryDirection;
  on?: string;
}

export interface TxDetails {
  readonly location: string;
  reference: string | null;
  amount?: Amount;
  fallbackAmount?: Amount;
  direction?: EntryDirection;
  remittance: string[];
}

export interface Entry {
  readonly location: string;
  amount?: Amount;
  direction?: EntryDirection;
  reversal: boolean;
  bookedOn?: string;
  narrative?: string;
  readonly details: TxDetails[];
}

export interface Statement {
  statementRef?: string;
  accountId?: string;
  currency?: string;
  from?: string;
  to?: string;
  balances: Map<string, StatementBalance>;
  lines: StatementLine[];
}

export function readStatement(statement: Statement, path: string, event: XmlClose): void {
  const text = event.text.trim();
  switch (path) {
    case 'Id':
      if (text !== '') statement.statementRef = text;
      break;
    case 'Acct/Id/IBAN':
    case 'Acct/Id/Othr/Id':
      if (text !== '') statement.accountId = text;
      break;
    case 'Acct/Ccy':
      statement.currency = currencyCode(text, event.location);
      break;
    // Kept to the instant: two statements of one day (intraday) each cover only their own hours.
    case 'FrToDt/FrDtTm':
      statement.from = isoDateOrInstant(text, event.location);
      break;
    case 'FrToDt/ToDtTm':
      statement.to = isoDateOrInstant(text, event.location);
      break;
  }
}

export function readBalance(balance: Balance, path: string, event: XmlClose): void {
  const text = event.text.trim();
  switch (path) {
    case 'Tp/CdOrPrtry/Cd':
      balance.code = text;
      break;
    case 'Amt':
      balance.amount = amountOf(event);
      break;
    case 'CdtDbtInd':
      balance.direction = directionOf(text, event.location);
      break;
    case 'Dt/Dt':
    case 'Dt/DtTm':
      balance.on = isoDate(text, event.location);
      break;
  }
}

/** Keeps the opening (`OPBD`, else `PRCD`) and closing (`CLBD`) balances; others are not read. */
export function keepBalance(statement: Statement, balance: Balance, location: string): void {
  const { code, amount, direction, on } = balance;
  if (code !== 'OPBD' && code !== 'PRCD' && code !== 'CLBD') return;
  if (statement.balances.has(code)) throw new StatementFormatError(location, `a second ${code}`);
  if (amount === undefined) throw new StatementFormatError(location, `${code} without Amt`);
  if (direction === undefined) {
    throw new StatementFormatError(location, `${code} without CdtDbtInd`);
  }
  assertCurrency(amount, statement.currency);
  statement.balances.set(code, {
    amountMinor: direction === 'debit' ? -amount.amountMinor : amount.amountMinor,
    currency: amount.currency,
    ...optional('on', on),
  });
}

export function readEntry(entry: Entry, path: string, event: XmlClose, currency?: string): void {
  const text = event.text.trim();
  switch (path) {
    case 'Amt':
      entry.amount = amountOf(event);
      assertCurrency(entry.amount, currency);
      break;
    case 'CdtDbtInd':
      entry.direction = directionOf(text, event.location);
      break;
    case 'RvslInd':
      entry.reversal = booleanOf(text, event.location);
      break;
    case 'BookgDt/Dt':
    case 'BookgDt/DtTm':
      entry.bookedOn = isoDate(text, event.location);
      break;
    case 'AddtlNtryInf': {
      const narrative = narrativeText(text);
      if (narrative !== undefined) entry.narrative = narrative;
      break;
    }
  }
}

export function readTxDetails(details: TxDetails, path: string, event: XmlClose): void {
  const text = event.text.trim();
  switch (path) {
    case 'Refs/EndToEndId':
      details.reference = text === '' || text === 'NOTPROVIDED' ? null : text;
      break;
    case 'Amt':
      details.amount = amountOf(event);
      break;
    case 'AmtDtls/TxAmt/Amt':
      details.fallbackAmount = amountOf(event);
      break;
    case 'CdtDbtInd':
      details.direction = directionOf(text, event.location);
      break;
    case 'RmtInf/Ustrd':
      details.remittance.push(text);
      break;
  }
}

/**
 * The lines of one entry: one per `TxDtls`, or one for an entry without any. The parts of an
 * entry, signed by direction, must sum to it; a part without an amount takes the entry's only
 * when it is the entry's only part.
 */
export function entryLines(entry: Entry, linesBefore: number): StatementLine[] {
  const { location, amount, direction } = entry;
  if (amount === undefined) throw new StatementFormatError(location, 'entry without Amt');
  if (direction === undefined) throw new StatementFormatError(location, 'entry without CdtDbtInd');
  const parts = entry.details.length === 0 ? [undefined] : entry.details;
  let sumMinor = 0n;
  const lines = parts.map((details, index): StatementLine => {
    let partAmount = details?.amount ?? details?.fallbackAmount;
    if (partAmount === undefined) {
      if (details !== undefined && parts.length > 1) {
        throw new StatementFormatError(details.location, 'a part of a batched entry without Amt');
      }
      partAmount = amount;
    }
    const partDirection = details?.direction ?? direction;
    if (partAmount.currency !== amount.currency) {
      throw new StatementFormatError(partAmount.location, `not in the entry's ${amount.currency}`);
    }
    if (partAmount.amountMinor === 0n) {
      throw new StatementFormatError(partAmount.location, 'a statement line of zero');
    }
    sumMinor += partDirection === direction ? partAmount.amountMinor : -partAmount.amountMinor;
    const narrative = narrativeText(details?.remittance.join(' ') ?? '') ?? entry.narrative;
    return {
      lineNumber: linesBefore + index + 1,
      reference: details?.reference ?? null,
      amountMinor: partAmount.amountMinor,
      currency: partAmount.currency,
      direction: partDirection,
      reversal: entry.reversal,
      ...optional('bookedOn', entry.bookedOn),
      ...optional('narrative', narrative),
    };
  });
  if (sumMinor !== amount.amountMinor) {
    const partsTotal = `${formatAmount(sumMinor, amount.currency)} ${amount.currency}`;
    const whole = `${formatAmount(amount.amountMinor, amount.currency)} ${amount.currency}`;
    throw new StatementFormatError(
      location,
      `its TxDtls come to ${partsTotal}, the entry to ${whole}`,
    );
  }
  return lines;
}

function amountOf(event: XmlClose): Amount {
  const currency = currencyCode(event.attributes.get('Ccy') ?? '', `${event.location}@Ccy`);
  const amountMinor = statementAmount(event.text, currency, event.location);
  return { amountMinor, currency, location: event.location };
}

function assertCurrency(amount: Amount, accountCurrency: string | undefined): void {
  if (accountCurrency !== undefined && amount.currency !== accountCurrency) {
    throw new StatementFormatError(
      amount.location,
      `${amount.currency} on an account in ${accountCurrency}`,
    );
  }
}

function currencyCode(text: string, location: string): string {
  if (!/^[A-Z]{3}$/.test(text)) {
    throw new StatementFormatError(location, `not a currency code (${quoted(text)})`);
  }
  return text;
}

function directionOf(text: string, location: string): EntryDirection {
  if (text === 'DBIT') return 'debit';
  if (text === 'CRDT') return 'credit';
  throw new StatementFormatError(location, `CdtDbtInd is CRDT or DBIT, not ${quoted(text)}`);
}

function booleanOf(text: string, location: string): boolean {
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new StatementFormatError(location, `not true or false (${quoted(text)})`);
}

/**
 * A date-time with its offset as the UTC instant it names (`2026-03-02T09:00:00.000Z`); one
 * without an offset, or a date, as the date (a local time says nothing exact).
 */
function isoDateOrInstant(text: string, location: string): string {
  const date = isoDate(text, location);
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
  const instant = zoned.test(text) ? new Date(text) : undefined;
  return instant === undefined || Number.isNaN(instant.getTime()) ? date : instant.toISOString();
}

/** The date part of an `xs:date` or `xs:dateTime` (`2026-11-28T09:30:00+03:00`). */
function isoDate(text: string, location: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:$|[TZ+-])/.exec(text);
  const date = match && calendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
  if (!date) throw new StatementFormatError(location, `not a date (${quoted(text)})`);
  return date;
}
