import { optional } from '../../domain/optional.js';
import type { ParsedStatement, StatementFormat, StatementNotice } from '../../domain/statement.js';
import {
  type Balance,
  type Entry,
  entryLines,
  keepBalance,
  readBalance,
  readEntry,
  readStatement,
  readTxDetails,
  type Statement,
  type TxDetails,
} from './camtEntries.js';
import { assertLineRoom, assertStatementRoom, quoted } from './statementFields.js';
import {
  DEFAULT_STATEMENT_LIMITS,
  StatementFormatError,
  type StatementLimits,
} from './statementInput.js';
import { withNotices } from './statementNotices.js';
import { type XmlClose, type XmlElementEvent, xmlElements } from './xmlElements.js';

/**
 * The bank-to-customer messages read, by the element under `Document`: the statement (camt.053),
 * the account report (camt.052) and the debit/credit notification (camt.054), each holding one
 * or more statements (`Stmt`, `Rpt`, `Ntfctn`) whose balances and entries read alike.
 */
const MESSAGES: Readonly<
  Record<
    string,
    { readonly message: string; readonly part: string; readonly format: StatementFormat }
  >
> = {
  BkToCstmrStmt: { message: 'camt.053', part: 'Stmt', format: 'camt053' },
  BkToCstmrAcctRpt: { message: 'camt.052', part: 'Rpt', format: 'camt052' },
  BkToCstmrDbtCdtNtfctn: { message: 'camt.054', part: 'Ntfctn', format: 'camt054' },
};
/** Versions 02 to 13 are read alike: their element names for this subset never changed. */
const CAMT_NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:(camt\.05[234])\.001\.(0[2-9]|1[0-3])$/;
/** ISO 20022 messages that are sometimes sent where a statement was expected. */
const NOT_STATEMENTS: Readonly<Record<string, string>> = {
  'pain.001': 'a payment initiation',
  'pain.002': 'a payment status report',
  'pacs.002': 'a payment status report',
  'pacs.008': 'a credit transfer',
  'camt.056': 'a cancellation request',
};
/** Longest text of one element: far beyond any camt field (`Ustrd` is 140). */
const MAX_TEXT_CHARS = 10_000;
/** Locations start at the statement (`Stmt[2]/Ntry[3]/NtryDtls[1]/TxDtls[2]/Amt`). */
const STATEMENT_DEPTH = 2;
const INDEXED = new Set(['Bal', 'Ntry', 'NtryDtls', 'TxDtls']);
const INDEXED_FROM_SECOND = new Set(Object.values(MESSAGES).map(({ part }) => part));

/**
 * Reads an ISO 20022 bank-to-customer message as its bytes arrive: a camt.053 statement, camt.052
 * account report or camt.054 debit/credit notification (versions `.001.02` to `.13`), each of
 * its `Stmt`, `Rpt` or `Ntfctn` a statement of its own. XML in the encoding it declares (else
 * `charset`, else UTF-8, or windows-1252 when it is not UTF-8, with a notice), no DOCTYPE (so no
 * entity is ever expanded or fetched), depth, size, text and entry count bounded by `limits`.
 * Each `TxDtls` of an entry is a line of its own (a batched entry's parts must sum to the
 * entry), an entry without any is one line; elements not read are ignored. Throws a
 * `StatementFormatError` naming where (`Stmt[2]/Ntry[3]/Amt`).
 *
 * @example
 * const statements = await parseCamtStatements(Readable.from(file));
 * statements[0].lines[0]; // { lineNumber: 1, reference: 'PAY-01', amountMinor: 150000n, ... }
 */
export async function parseCamtStatements(
  input: AsyncIterable<Uint8Array>,
  limits: StatementLimits = DEFAULT_STATEMENT_LIMITS,
  charset?: string,
): Promise<ParsedStatement[]> {
  const fileNotices: StatementNotice[] = [];
  const reader = camtReader(limits);
  const events = xmlElements(input, {
    maxBytes: limits.maxBytes,
    maxDepth: limits.maxDepth,
    maxTextChars: MAX_TEXT_CHARS,
    indexed: INDEXED,
    indexedFromSecond: INDEXED_FROM_SECOND,
    locationFromDepth: STATEMENT_DEPTH,
    ...optional('charset', charset),
    onNotice: (notice) => fileNotices.push(notice),
  });
  for await (const batch of events) {
    for (const event of batch) reader.read(event);
  }
  const statements = reader.finish();
  return fileNotices.length === 0
    ? statements
    : statements.map((statement) => withNotices(statement, fileNotices, true));
}

/** Folds a document's element events into its statements, in document order. */
function camtReader(limits: StatementLimits) {
  const statements: ParsedStatement[] = [];
  const names: string[] = [];
  let kind: (typeof MESSAGES)[string] | undefined;
  let statement: Statement | undefined;
  let balance: Balance | undefined;
  let entry: Entry | undefined;
  let details: TxDetails | undefined;
  let lineCount = 0;

  const open = (name: string, uri: string, depth: number, location: string): void => {
    names.push(name);
    if (depth === 0) kind = messageOf(name, uri, location);
    if (depth === 1 && MESSAGES[name] !== kind) {
      throw new StatementFormatError(location, `not a ${kind?.message} bank-to-customer message`);
    }
    if (depth === 2 && name === kind?.part) {
      assertStatementRoom(statements.length, location);
      statement = { balances: new Map(), lines: [] };
    } else if (depth === 3 && statement !== undefined && name === 'Bal') {
      balance = {};
    } else if (depth === 3 && statement !== undefined && name === 'Ntry') {
      assertLineRoom(lineCount, limits, location);
      entry = { location, reversal: false, details: [] };
    } else if (depth === 5 && entry !== undefined && name === 'TxDtls' && names[4] === 'NtryDtls') {
      assertLineRoom(lineCount + entry.details.length, limits, location);
      details = { location, reference: null, remittance: [] };
    }
  };

  // Depths: Document 0, message 1, statement 2, Bal and Ntry 3, NtryDtls 4, TxDtls 5.
  const close = (event: XmlClose): void => {
    const { depth } = event;
    const inside = (start: number) => names.slice(start).join('/');
    if (details !== undefined && depth > 5) {
      readTxDetails(details, inside(6), event);
    } else if (details !== undefined && depth === 5) {
      entry?.details.push(details);
      details = undefined;
    } else if (entry !== undefined && depth > 3) {
      readEntry(entry, inside(4), event, statement?.currency);
    } else if (entry !== undefined && depth === 3) {
      const lines = statement?.lines ?? [];
      for (const line of entryLines(entry, lines.length)) lines.push(line);
      lineCount += entry.details.length || 1;
      entry = undefined;
    } else if (balance !== undefined && depth > 3) {
      readBalance(balance, inside(4), event);
    } else if (balance !== undefined && depth === 3) {
      if (statement !== undefined) keepBalance(statement, balance, event.location);
      balance = undefined;
    } else if (statement !== undefined && depth > 2) {
      readStatement(statement, inside(3), event);
    } else if (statement !== undefined && depth === 2 && kind !== undefined) {
      statements.push(parsedStatement(statement, kind.format));
      statement = undefined;
    }
    names.pop();
  };

  const read = (event: XmlElementEvent): void => {
    if (event.kind === 'open') open(event.name, event.uri, event.depth, event.location);
    else close(event);
  };

  const finish = (): ParsedStatement[] => {
    if (statements.length === 0) {
      const message = Object.keys(MESSAGES).find((name) => MESSAGES[name] === kind) ?? '';
      throw new StatementFormatError(`Document/${message}`, `no ${kind?.part ?? 'Stmt'}`);
    }
    return statements;
  };

  return { read, finish };
}

function parsedStatement(statement: Statement, format: StatementFormat): ParsedStatement {
  const { statementRef, accountId, from, to, balances, lines } = statement;
  const opening = balances.get('OPBD') ?? balances.get('PRCD');
  const closing = balances.get('CLBD');
  return {
    format,
    ...optional('statementRef', statementRef),
    ...optional('accountId', accountId),
    ...optional('from', from),
    ...optional('to', to),
    ...optional('opening', opening),
    ...optional('closing', closing),
    lines,
    notices: [],
  };
}

/**
 * The message a root element opens, or a refusal naming what it is instead: another ISO 20022
 * message (`pain.002.001.03 is a payment status report, not a statement`), another namespace, or
 * no `Document` at all.
 */
function messageOf(name: string, uri: string, location: string): (typeof MESSAGES)[string] {
  if (name !== 'Document') {
    throw new StatementFormatError(
      location,
      `root element ${quoted(name)}, not an ISO 20022 Document`,
    );
  }
  const match = CAMT_NAMESPACE.exec(uri);
  const kind = Object.values(MESSAGES).find(({ message }) => message === match?.[1]);
  if (match !== null && kind !== undefined) return kind;
  const id = /[a-z]{4}\.\d{3}\.\d{3}\.\d{2}$/.exec(uri)?.[0];
  if (id === undefined) {
    throw new StatementFormatError(
      location,
      'another namespace, not camt.052, camt.053 or camt.054',
    );
  }
  const what = NOT_STATEMENTS[id.slice(0, 8)];
  const said = what === undefined ? id : `${id} is ${what}`;
  throw new StatementFormatError(
    location,
    `${said}, not a statement (camt.052/053/054 .001.02 to .13)`,
  );
}
