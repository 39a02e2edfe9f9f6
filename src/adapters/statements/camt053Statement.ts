import { formatAmount } from '../../domain/money.js';
import { optional } from '../../domain/optional.js';
import type {
  EntryDirection,
  ParsedStatement,
  StatementBalance,
  StatementLine,
} from '../../domain/statement.js';
import { assertLineRoom, calendarDate, narrativeText, quoted } from './statementFields.js';
import {
  DEFAULT_STATEMENT_LIMITS,
  StatementFormatError,
  type StatementLimits,
  statementAmount,
} from './statementInput.js';
import { type XmlClose, type XmlElementEvent, xmlElements } from './xmlElements.js';

/** camt.053 versions 02 to 13 are read alike: their element names for this subset never changed. */
const CAMT053_NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(0[2-9]|1[0-3])$/;
/** Longest text of one element: far beyond any camt.053 field (`Ustrd` is 140). */
const MAX_TEXT_CHARS = 10_000;
/** Locations start at `Stmt` (`Stmt/Ntry[3]/NtryDtls[1]/TxDtls[2]/Amt`): the root is implied. */
const STMT_DEPTH = 2;
const INDEXED = new Set(['Bal', 'Ntry', 'NtryDtls', 'TxDtls']);
const STMT_PATH = 'Document/BkToCstmrStmt/Stmt';
const BAL_PATH = `${STMT_PATH}/Bal`;
const NTRY_PATH = `${STMT_PATH}/Ntry`;
const TX_DTLS_PATH = `${NTRY_PATH}/NtryDtls/TxDtls`;

interface Amount {
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly location: string;
}

interface Balance {
  code?: string;
  amount?: Amount;
  direction?: EntryDirection;
  on?: string;
}

interface TxDetails {
  readonly location: string;
  reference: string | null;
  amount?: Amount;
  fallbackAmount?: Amount;
  direction?: EntryDirection;
  remittance: string[];
}

interface Entry {
  readonly location: string;
  amount?: Amount;
  direction?: EntryDirection;
  reversal: boolean;
  bookedOn?: string;
  narrative?: string;
  readonly details: TxDetails[];
}

interface Statement {
  seen: boolean;
  statementRef?: string;
  accountId?: string;
  currency?: string;
  from?: string;
  to?: string;
  balances: Map<string, StatementBalance>;
}

/**
 * Reads an ISO 20022 camt.053 bank-to-customer statement (`camt.053.001.02` to `.13`) as its
 * bytes arrive: strict UTF-8 XML, no DOCTYPE (so no entity is ever expanded or fetched), depth,
 * size, text and entry count bounded by `limits`. One `Stmt` per document; each `TxDtls` of an
 * entry is a line of its own (a batched entry's parts must sum to the entry), an entry without
 * any is one line. Throws a `StatementFormatError` naming where (`Stmt/Ntry[3]/Amt`).
 *
 * @example
 * const statement = await parseCamt053Statement(Readable.from(file));
 * statement.lines[0]; // { lineNumber: 1, reference: 'PAY-01', amountMinor: 150000n, ... }
 */
export async function parseCamt053Statement(
  input: AsyncIterable<Uint8Array>,
  limits: StatementLimits = DEFAULT_STATEMENT_LIMITS,
): Promise<ParsedStatement> {
  const statement: Statement = { seen: false, balances: new Map() };
  const lines: StatementLine[] = [];
  const names: string[] = [];
  let balance: Balance | undefined;
  let entry: Entry | undefined;
  let details: TxDetails | undefined;
  let inStmt = false;
  const events = xmlElements(input, {
    maxBytes: limits.maxBytes,
    maxDepth: limits.maxDepth,
    maxTextChars: MAX_TEXT_CHARS,
    indexed: INDEXED,
    locationFromDepth: STMT_DEPTH,
  });
  const read = (event: XmlElementEvent): void => {
    const { location, depth } = event;
    if (event.kind === 'open') {
      names.push(event.name);
      if (depth === 0) assertCamt053Root(event.name, event.uri, location);
      if (depth === 1 && event.name !== 'BkToCstmrStmt') {
        throw new StatementFormatError(location, 'not a bank-to-customer statement');
      }
      // Only Stmt (depth 2), Bal and Ntry (3) and TxDtls (5) open a context.
      const path = depth === 2 || depth === 3 || depth === 5 ? names.join('/') : '';
      if (path === STMT_PATH) {
        if (statement.seen) {
          throw new StatementFormatError(location, 'several Stmt in one document: one a file');
        }
        statement.seen = true;
        inStmt = true;
      } else if (path === BAL_PATH) {
        balance = {};
      } else if (path === NTRY_PATH) {
        assertLineRoom(lines.length, limits, location);
        entry = { location, reversal: false, details: [] };
      } else if (path === TX_DTLS_PATH && entry !== undefined) {
        assertLineRoom(lines.length + entry.details.length, limits, location);
        details = { location, reference: null, remittance: [] };
      }
      return;
    }
    // Depths: Document 0, BkToCstmrStmt 1, Stmt 2, Bal and Ntry 3, NtryDtls 4, TxDtls 5.
    const inside = (start: number) => names.slice(start).join('/');
    if (details !== undefined && depth > 5) {
      readTxDetails(details, inside(6), event);
    } else if (details !== undefined && depth === 5) {
      entry?.details.push(details);
      details = undefined;
    } else if (entry !== undefined && depth > 3) {
      readEntry(entry, inside(4), event, statement.currency);
    } else if (entry !== undefined && depth === 3) {
      for (const line of entryLines(entry, lines.length)) lines.push(line);
      entry = undefined;
    } else if (balance !== undefined && depth > 3) {
      readBalance(balance, inside(4), event);
    } else if (balance !== undefined && depth === 3) {
      keepBalance(statement, balance, location);
      balance = undefined;
    } else if (inStmt && depth > 2) {
      readStatement(statement, inside(3), event);
    } else if (inStmt && depth === 2) {
      inStmt = false;
    }
    names.pop();
  };
  for await (const batch of events) {
    for (const event of batch) read(event);
  }
  if (!statement.seen) throw new StatementFormatError('Document/BkToCstmrStmt', 'no Stmt');
  const { statementRef, accountId, from, to, balances } = statement;
  const opening = balances.get('OPBD') ?? balances.get('PRCD');
  const closing = balances.get('CLBD');
  return {
    format: 'camt053',
    ...optional('statementRef', statementRef),
    ...optional('accountId', accountId),
    ...optional('from', from),
    ...optional('to', to),
    ...optional('opening', opening),
    ...optional('closing', closing),
    lines,
  };
}

function readStatement(statement: Statement, path: string, event: XmlClose): void {
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
    case 'FrToDt/FrDtTm':
      statement.from = isoDate(text, event.location);
      break;
    case 'FrToDt/ToDtTm':
      statement.to = isoDate(text, event.location);
      break;
  }
}

function readBalance(balance: Balance, path: string, event: XmlClose): void {
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
function keepBalance(statement: Statement, balance: Balance, location: string): void {
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

function readEntry(entry: Entry, path: string, event: XmlClose, currency?: string): void {
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

function readTxDetails(details: TxDetails, path: string, event: XmlClose): void {
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
function entryLines(entry: Entry, linesBefore: number): StatementLine[] {
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

function assertCamt053Root(name: string, uri: string, location: string): void {
  if (name !== 'Document') {
    throw new StatementFormatError(location, `root element ${quoted(name)}, not camt.053 Document`);
  }
  if (!CAMT053_NAMESPACE.test(uri)) {
    const message = /[a-z]{4}\.\d{3}\.\d{3}\.\d{2}$/.exec(uri)?.[0] ?? 'another namespace';
    throw new StatementFormatError(location, `${message}, not camt.053.001.02 to .13`);
  }
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

/** The date part of an `xs:date` or `xs:dateTime` (`2026-11-28T09:30:00+03:00`). */
function isoDate(text: string, location: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:$|[TZ+-])/.exec(text);
  const date = match && calendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
  if (!date) throw new StatementFormatError(location, `not a date (${quoted(text)})`);
  return date;
}
