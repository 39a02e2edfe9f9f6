import { SaxesParser } from 'saxes';
import { Iso20022Error } from './iso20022Error.js';

/** One `StsRsnInf`: an ISO reason code (`Rsn/Cd`, e.g. `AC04`), or a bank's own, and its text. */
export interface StatusReason {
  readonly code?: string;
  readonly proprietary?: string;
  /** The `AddtlInf` lines, joined by a space. */
  readonly text?: string;
}

/** One `OrgnlPmtInfAndSts`: the status of one payment information block of the original file. */
export interface Pain002PaymentInformation {
  readonly originalPaymentInformationId: string;
  readonly status?: string;
  readonly reasons: readonly StatusReason[];
}

/** One `TxInfAndSts`: the status of one transaction of the original file. */
export interface Pain002Transaction {
  readonly originalPaymentInformationId: string;
  readonly originalEndToEndId?: string;
  readonly originalInstructionId?: string;
  /** `TxSts`; where a `.03` report leaves it out, the block's or else the group's status. */
  readonly status: string;
  readonly reasons: readonly StatusReason[];
  /** `AccptncDtTm`, as the bank wrote it. */
  readonly acceptedAt?: string;
}

/** What a `pain.002` customer payment status report says, element for element. */
export interface Pain002Report {
  readonly messageId: string;
  readonly createdAt?: string;
  readonly originalMessageId: string;
  /** `OrgnlMsgNmId`, e.g. `pain.001.001.09`. */
  readonly originalMessageNameId?: string;
  readonly groupStatus?: string;
  readonly groupReasons: readonly StatusReason[];
  readonly paymentInformation: readonly Pain002PaymentInformation[];
  readonly transactions: readonly Pain002Transaction[];
}

/** Largest document read: 50 MiB. */
export const MAX_PAIN002_BYTES = 50 * 1024 * 1024;
/** Deepest element nesting read; the root is depth 1. A pain.002 needs about 12. */
export const MAX_PAIN002_DEPTH = 32;
/** Longest text of one element: far beyond any pain.002 field (`AddtlInf` is 105). */
const MAX_TEXT_CHARS = 10_000;
const MAX_MESSAGE_CHARS = 120;
const PAIN002_NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:pain\.002\.\d{3}\.\d{2}$/;
const ROOT = 'Document/CstmrPmtStsRpt';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type ReasonDraft = { code?: string; proprietary?: string; lines: string[] };
interface BlockDraft {
  readonly location: string;
  id?: string;
  status?: string;
  readonly reasons: ReasonDraft[];
  readonly transactions: TransactionDraft[];
}
interface TransactionDraft {
  readonly location: string;
  endToEndId?: string;
  instructionId?: string;
  status?: string;
  acceptedAt?: string;
  readonly reasons: ReasonDraft[];
}
interface ReportDraft {
  messageId?: string;
  createdAt?: string;
  originalMessageId?: string;
  originalMessageNameId?: string;
  groupStatus?: string;
  readonly groupReasons: ReasonDraft[];
  readonly blocks: BlockDraft[];
}

/**
 * Reads a `pain.002` customer payment status report of any version from `.001.03` (still what
 * many banks send) to `.001.12`, and the national variants (`pain.002.003.03`): elements are
 * matched on their local names, whatever the namespace's version, and elements this reader does
 * not need are skipped. Input is UTF-8 (a string or its bytes). Bounded: more than 50 MiB or
 * nesting deeper than 32 is refused, as is any DOCTYPE (no entities are ever expanded).
 *
 * Throws `Iso20022Error` naming the element path: `not_well_formed`, `too_large`, `too_deep`,
 * `unexpected_document` (another root, namespace or message, e.g. a `camt.054`), and
 * `missing_element` for a mandatory element absent
 * (`Document/CstmrPmtStsRpt/OrgnlGrpInfAndSts/OrgnlMsgId`).
 *
 * @example
 * const report = parsePain002(await readFile('status.xml'));
 * report.originalMessageId; // "MSG-01J5…", the pain.001 it answers
 * report.transactions[0]; // { originalEndToEndId: '01J5…', status: 'RJCT', reasons: [{ code: 'AC04', … }], … }
 */
export function parsePain002(xml: string | Uint8Array): Pain002Report {
  const text = decode(xml);
  const draft: ReportDraft = { groupReasons: [], blocks: [] };
  const names: string[] = [];
  const parser = new SaxesParser({ xmlns: true });
  let textOfElement = '';
  const here = () => (names.length === 0 ? 'Document' : names.join('/'));
  parser.on('error', (error) => {
    const reason = error.message.slice(0, MAX_MESSAGE_CHARS);
    throw new Iso20022Error('not_well_formed', here(), `not well-formed XML (${reason})`);
  });
  parser.on('doctype', () => {
    throw new Iso20022Error('not_well_formed', 'Document', 'a DOCTYPE is not allowed');
  });
  parser.on('opentag', (tag) => {
    names.push(tag.local);
    if (names.length > MAX_PAIN002_DEPTH) {
      throw new Iso20022Error('too_deep', here(), `nested deeper than ${MAX_PAIN002_DEPTH}`);
    }
    checkRoot(names, tag.uri);
    textOfElement = '';
    opened(draft, names.join('/'));
  });
  const addText = (part: string) => {
    if (textOfElement.length + part.length > MAX_TEXT_CHARS) {
      throw new Iso20022Error('too_large', here(), `text longer than ${MAX_TEXT_CHARS} characters`);
    }
    textOfElement += part;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => {
    closed(draft, names.join('/'), textOfElement.trim());
    textOfElement = '';
    names.pop();
  });
  parser.write(text).close();
  return finish(draft);
}

function decode(xml: string | Uint8Array): string {
  const bytes = typeof xml === 'string' ? Buffer.byteLength(xml, 'utf8') : xml.byteLength;
  if (bytes > MAX_PAIN002_BYTES) {
    throw new Iso20022Error('too_large', 'Document', `larger than ${MAX_PAIN002_BYTES} bytes`);
  }
  if (typeof xml === 'string') return xml.startsWith('\uFEFF') ? xml.slice(1) : xml;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(xml);
  } catch {
    throw new Iso20022Error('not_well_formed', 'Document', 'not valid UTF-8 text');
  }
}

function checkRoot(names: readonly string[], uri: string): void {
  if (names.length === 1) {
    if (names[0] !== 'Document') {
      throw new Iso20022Error(
        'unexpected_document',
        names[0] ?? 'Document',
        'the root must be Document',
      );
    }
    if (uri !== '' && !PAIN002_NAMESPACE.test(uri)) {
      throw new Iso20022Error(
        'unexpected_document',
        'Document',
        `not a pain.002 document (${uri.slice(0, MAX_MESSAGE_CHARS)})`,
      );
    }
  } else if (names.length === 2 && names[1] !== 'CstmrPmtStsRpt') {
    throw new Iso20022Error(
      'unexpected_document',
      names.join('/'),
      'expected CstmrPmtStsRpt: not a pain.002 status report',
    );
  }
}

const GROUP = `${ROOT}/OrgnlGrpInfAndSts`;
const BLOCK = `${ROOT}/OrgnlPmtInfAndSts`;
const TRANSACTION = `${BLOCK}/TxInfAndSts`;

function opened(draft: ReportDraft, path: string): void {
  switch (path) {
    case `${GROUP}/StsRsnInf`:
      draft.groupReasons.push({ lines: [] });
      return;
    case BLOCK:
      draft.blocks.push({
        location: `${BLOCK}[${draft.blocks.length + 1}]`,
        reasons: [],
        transactions: [],
      });
      return;
    case `${BLOCK}/StsRsnInf`:
      lastBlock(draft).reasons.push({ lines: [] });
      return;
    case TRANSACTION: {
      const block = lastBlock(draft);
      block.transactions.push({
        location: `${block.location}/TxInfAndSts[${block.transactions.length + 1}]`,
        reasons: [],
      });
      return;
    }
    case `${TRANSACTION}/StsRsnInf`:
      lastTransaction(draft).reasons.push({ lines: [] });
      return;
  }
}

function closed(draft: ReportDraft, path: string, value: string): void {
  if (value === '') return;
  if (closedGroup(draft, path, value)) return;
  if (path.startsWith(`${TRANSACTION}/`))
    closedTransaction(lastTransaction(draft), path.slice(TRANSACTION.length + 1), value);
  else if (path.startsWith(`${BLOCK}/`))
    closedBlock(lastBlock(draft), path.slice(BLOCK.length + 1), value);
}

function closedGroup(draft: ReportDraft, path: string, value: string): boolean {
  switch (path) {
    case `${ROOT}/GrpHdr/MsgId`:
      draft.messageId = value;
      return true;
    case `${ROOT}/GrpHdr/CreDtTm`:
      draft.createdAt = value;
      return true;
    case `${GROUP}/OrgnlMsgId`:
      draft.originalMessageId = value;
      return true;
    case `${GROUP}/OrgnlMsgNmId`:
      draft.originalMessageNameId = value;
      return true;
    case `${GROUP}/GrpSts`:
      draft.groupStatus = value;
      return true;
  }
  if (!path.startsWith(`${GROUP}/StsRsnInf/`)) return false;
  const reason = draft.groupReasons.at(-1);
  if (reason !== undefined)
    closedReason(reason, path.slice(GROUP.length + '/StsRsnInf/'.length), value);
  return true;
}

function closedBlock(block: BlockDraft, path: string, value: string): void {
  if (path === 'OrgnlPmtInfId') block.id = value;
  else if (path === 'PmtInfSts') block.status = value;
  else if (path.startsWith('StsRsnInf/')) {
    const reason = block.reasons.at(-1);
    if (reason !== undefined) closedReason(reason, path.slice('StsRsnInf/'.length), value);
  }
}

function closedTransaction(transaction: TransactionDraft, path: string, value: string): void {
  if (path === 'OrgnlEndToEndId') transaction.endToEndId = value;
  else if (path === 'OrgnlInstrId') transaction.instructionId = value;
  else if (path === 'TxSts') transaction.status = value;
  else if (path === 'AccptncDtTm') transaction.acceptedAt = value;
  else if (path.startsWith('StsRsnInf/')) {
    const reason = transaction.reasons.at(-1);
    if (reason !== undefined) closedReason(reason, path.slice('StsRsnInf/'.length), value);
  }
}

function closedReason(reason: ReasonDraft, path: string, value: string): void {
  if (path === 'Rsn/Cd') reason.code = value;
  else if (path === 'Rsn/Prtry') reason.proprietary = value;
  else if (path === 'AddtlInf') reason.lines.push(value);
}

function lastBlock(draft: ReportDraft): BlockDraft {
  const block = draft.blocks.at(-1);
  if (block === undefined) throw new Iso20022Error('missing_element', BLOCK, 'no open block');
  return block;
}

function lastTransaction(draft: ReportDraft): TransactionDraft {
  const transaction = lastBlock(draft).transactions.at(-1);
  if (transaction === undefined)
    throw new Iso20022Error('missing_element', TRANSACTION, 'no open transaction');
  return transaction;
}

function finish(draft: ReportDraft): Pain002Report {
  const messageId = required(draft.messageId, `${ROOT}/GrpHdr/MsgId`);
  const originalMessageId = required(draft.originalMessageId, `${GROUP}/OrgnlMsgId`);
  const report: Mutable<Pain002Report> = {
    messageId,
    originalMessageId,
    groupReasons: draft.groupReasons.map(reasonOf),
    paymentInformation: [],
    transactions: [],
  };
  if (draft.createdAt !== undefined) report.createdAt = draft.createdAt;
  if (draft.originalMessageNameId !== undefined)
    report.originalMessageNameId = draft.originalMessageNameId;
  if (draft.groupStatus !== undefined) report.groupStatus = draft.groupStatus;
  const blocks: Pain002PaymentInformation[] = [];
  const transactions: Pain002Transaction[] = [];
  for (const block of draft.blocks) {
    const id = required(block.id, `${block.location}/OrgnlPmtInfId`);
    const information: Mutable<Pain002PaymentInformation> = {
      originalPaymentInformationId: id,
      reasons: block.reasons.map(reasonOf),
    };
    if (block.status !== undefined) information.status = block.status;
    blocks.push(information);
    for (const transaction of block.transactions) {
      transactions.push(transactionOf(transaction, id, block.status ?? draft.groupStatus));
    }
  }
  report.paymentInformation = blocks;
  report.transactions = transactions;
  return report;
}

function transactionOf(
  draft: TransactionDraft,
  blockId: string,
  inherited: string | undefined,
): Pain002Transaction {
  const status = required(draft.status ?? inherited, `${draft.location}/TxSts`);
  const transaction: Mutable<Pain002Transaction> = {
    originalPaymentInformationId: blockId,
    status,
    reasons: draft.reasons.map(reasonOf),
  };
  if (draft.endToEndId !== undefined) transaction.originalEndToEndId = draft.endToEndId;
  if (draft.instructionId !== undefined) transaction.originalInstructionId = draft.instructionId;
  if (draft.acceptedAt !== undefined) transaction.acceptedAt = draft.acceptedAt;
  return transaction;
}

function reasonOf(draft: ReasonDraft): StatusReason {
  const reason: Mutable<StatusReason> = {};
  if (draft.code !== undefined) reason.code = draft.code;
  if (draft.proprietary !== undefined) reason.proprietary = draft.proprietary;
  if (draft.lines.length > 0) reason.text = draft.lines.join(' ');
  return reason;
}

function required(value: string | undefined, location: string): string {
  if (value === undefined)
    throw new Iso20022Error('missing_element', location, 'required, absent or empty');
  return value;
}
