import { SaxesParser } from 'saxes';
import {
  type CreditTransfer,
  type Pain001,
  type Pain001Name,
  type PaymentInfo,
  pain001Namespaces,
} from './pain001.js';

/** Bounds of one read; a file beyond one is refused, never cut. */
export interface Pain001Limits {
  maxTransactions: number;
  maxPaymentInfos: number;
}

/** A pain.001 read, or why it is not one the bank can take (`msgId` when it got that far). */
export type Pain001Reading =
  | { ok: true; message: Pain001 }
  | { ok: false; problem: string; msgId?: string };

const MAX_DEPTH = 32;
const MAX_TEXT_CHARS = 10_000;
const MAX_PROBLEM_CHARS = 100;
const max35 = /^.{1,35}$/su;
const max140 = /^.{1,140}$/su;
const currencyCode = /^[A-Z]{3}$/;
/** ActiveOrHistoricCurrencyAndAmount: at most 18 digits, 5 of them decimals. */
const instructedAmount = /^(?=[\d.]{1,19}$)\d+(\.\d{1,5})?$/;
/** DecimalNumber: at most 18 digits, 17 of them decimals. */
const decimalNumber = /^(?=[\d.]{1,19}$)\d+(\.\d{1,17})?$/;
const max15Numeric = /^\d{1,15}$/;
const isoDate = /^\d{4}-\d{2}-\d{2}/;
const ibanShape = /^[A-Z]{2}\d{2}[A-Za-z0-9]{1,30}$/;

class Pain001Problem extends Error {}

/** Throws a `Pain001Problem` unless `text` matches `pattern`. */
function field(text: string, pattern: RegExp, what: string): string {
  if (!pattern.test(text)) {
    throw new Pain001Problem(`${what} ${JSON.stringify(text.slice(0, 40))} is not valid`);
  }
  return text;
}

/**
 * Reads a `pain.001.001.09` (or `.03`) credit transfer file, strictly (well-formed UTF-8 XML, no
 * DOCTYPE) but without a schema: the fields the bank uses are checked against their ISO types
 * (Max35Text ids, amounts, currency codes); everything else is skipped. Pure.
 *
 * @example
 * const reading = readPain001(xml, { maxTransactions: 10_000, maxPaymentInfos: 1_000 });
 * if (reading.ok) reading.message.paymentInfos[0]?.transactions[0]?.endToEndId;
 */
export function readPain001(xml: string, limits: Pain001Limits): Pain001Reading {
  const builder = createPain001Builder(limits);
  try {
    parse(xml, builder);
    return { ok: true, message: builder.finish() };
  } catch (error) {
    if (!(error instanceof Pain001Problem)) throw error;
    const msgId = builder.msgId();
    const problem = error.message.slice(0, MAX_PROBLEM_CHARS);
    return msgId === undefined ? { ok: false, problem } : { ok: false, problem, msgId };
  }
}

interface Builder {
  root(local: string, uri: string): void;
  open(path: string): void;
  leaf(path: string, text: string, attributes: Record<string, string>): void;
  close(path: string): void;
  msgId(): string | undefined;
  finish(): Pain001;
}

function parse(xml: string, builder: Builder): void {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: { name: string; text: string; leaf: boolean; attributes: Record<string, string> }[] =
    [];
  const path = () => stack.map((frame) => frame.name).join('/');
  parser.on('error', (error) => {
    throw new Pain001Problem(`not well-formed XML: ${error.message}`);
  });
  parser.on('doctype', () => {
    throw new Pain001Problem('a DOCTYPE is not allowed');
  });
  parser.on('opentag', (tag) => {
    if (stack.length === 0) builder.root(tag.local, tag.uri);
    if (stack.length >= MAX_DEPTH) throw new Pain001Problem(`nested deeper than ${MAX_DEPTH}`);
    const parent = stack.at(-1);
    if (parent !== undefined) parent.leaf = false;
    const attributes: Record<string, string> = {};
    for (const attribute of Object.values(tag.attributes)) {
      if (attribute.prefix === '') attributes[attribute.local] = attribute.value;
    }
    stack.push({ name: tag.local, text: '', leaf: true, attributes });
    builder.open(path());
  });
  const addText = (text: string) => {
    const frame = stack.at(-1);
    if (frame === undefined || !frame.leaf) return;
    if (frame.text.length + text.length > MAX_TEXT_CHARS) {
      throw new Pain001Problem(`text of ${frame.name} longer than ${MAX_TEXT_CHARS} characters`);
    }
    frame.text += text;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => {
    const here = path();
    const frame = stack.pop();
    if (frame === undefined) return;
    if (frame.leaf) builder.leaf(here, frame.text, frame.attributes);
    builder.close(here);
  });
  parser.write(xml);
  parser.close();
}

const INITN = 'Document/CstmrCdtTrfInitn';
const GRP = `${INITN}/GrpHdr`;
const PMT = `${INITN}/PmtInf`;
const TX = `${PMT}/CdtTrfTxInf`;

function createPain001Builder(limits: Pain001Limits): Builder {
  let msgNmId: Pain001Name | undefined;
  const header: { msgId?: string; creDtTm?: string; nbOfTxs?: string; ctrlSum?: string } = {};
  const paymentInfos: PaymentInfo[] = [];
  let transactions = 0;
  let pmt: Partial<PaymentInfo> & { transactions: CreditTransfer[] } = { transactions: [] };
  let tx: Partial<CreditTransfer> = {};

  const pmtLeaf: Record<string, (text: string) => void> = {
    PmtInfId: (text) => {
      pmt.pmtInfId = field(text, max35, 'PmtInfId');
    },
    NbOfTxs: (text) => {
      pmt.nbOfTxs = field(text.trim(), max15Numeric, 'PmtInf/NbOfTxs');
    },
    CtrlSum: (text) => {
      pmt.ctrlSum = field(text.trim(), decimalNumber, 'PmtInf/CtrlSum');
    },
    ReqdExctnDt: (text) => {
      pmt.requestedExecutionDate = field(text.trim(), isoDate, 'ReqdExctnDt').slice(0, 10);
    },
    'ReqdExctnDt/Dt': (text) => pmtLeaf.ReqdExctnDt?.(text),
    'ReqdExctnDt/DtTm': (text) => pmtLeaf.ReqdExctnDt?.(text),
    'Dbtr/Nm': (text) => {
      pmt.debtorName = field(text, max140, 'Dbtr/Nm');
    },
    'DbtrAcct/Id/IBAN': (text) => {
      pmt.debtorAccount = { scheme: 'IBAN', id: field(text.trim(), ibanShape, 'DbtrAcct IBAN') };
    },
    'DbtrAcct/Id/Othr/Id': (text) => {
      pmt.debtorAccount = { scheme: 'Othr', id: field(text, /^.{1,34}$/su, 'DbtrAcct Id') };
    },
  };
  const txLeaf: Record<string, (text: string, attributes: Record<string, string>) => void> = {
    'PmtId/InstrId': (text) => {
      tx.instrId = field(text, max35, 'InstrId');
    },
    'PmtId/EndToEndId': (text) => {
      tx.endToEndId = field(text, max35, 'EndToEndId');
    },
    'Amt/InstdAmt': (text, attributes) => {
      tx.amount = field(text.trim(), instructedAmount, 'InstdAmt');
      tx.currency = field(attributes.Ccy ?? '', currencyCode, 'InstdAmt/@Ccy');
    },
    'Cdtr/Nm': (text) => {
      tx.creditorName = field(text, max140, 'Cdtr/Nm');
    },
    'CdtrAcct/Id/IBAN': (text) => {
      tx.creditorAccount = { scheme: 'IBAN', id: field(text.trim(), ibanShape, 'CdtrAcct IBAN') };
    },
    'CdtrAcct/Id/Othr/Id': (text) => {
      tx.creditorAccount = { scheme: 'Othr', id: field(text, /^.{1,34}$/su, 'CdtrAcct Id') };
    },
  };

  return {
    root(local, uri) {
      const found = Object.entries(pain001Namespaces).find(([, namespace]) => namespace === uri);
      if (local !== 'Document' || found === undefined) {
        throw new Pain001Problem(`not a pain.001.001.09 or .03 Document (${uri.slice(0, 60)})`);
      }
      msgNmId = found[0] as Pain001Name;
    },
    open(path) {
      if (path === PMT) {
        if (paymentInfos.length >= limits.maxPaymentInfos) {
          throw new Pain001Problem(`more than ${limits.maxPaymentInfos} PmtInf`);
        }
        pmt = { transactions: [] };
      } else if (path === TX) {
        transactions += 1;
        if (transactions > limits.maxTransactions) {
          throw new Pain001Problem(`more than ${limits.maxTransactions} transactions`);
        }
        tx = {};
      }
    },
    leaf(path, text, attributes) {
      if (path.startsWith(`${TX}/`)) {
        txLeaf[path.slice(TX.length + 1)]?.(text, attributes);
      } else if (path.startsWith(`${PMT}/`)) {
        pmtLeaf[path.slice(PMT.length + 1)]?.(text);
      } else if (path === `${GRP}/MsgId`) {
        header.msgId = field(text, max35, 'MsgId');
      } else if (path === `${GRP}/CreDtTm`) {
        header.creDtTm = text.trim();
      } else if (path === `${GRP}/NbOfTxs`) {
        header.nbOfTxs = field(text.trim(), max15Numeric, 'GrpHdr/NbOfTxs');
      } else if (path === `${GRP}/CtrlSum`) {
        header.ctrlSum = field(text.trim(), decimalNumber, 'GrpHdr/CtrlSum');
      }
    },
    close(path) {
      if (path === TX) pmt.transactions.push(completeTransfer(tx));
      else if (path === PMT) paymentInfos.push(completePaymentInfo(pmt));
    },
    msgId: () => header.msgId,
    finish() {
      const { msgId, creDtTm, nbOfTxs, ctrlSum } = header;
      if (msgNmId === undefined || msgId === undefined || creDtTm === undefined) {
        throw new Pain001Problem('GrpHdr lacks MsgId or CreDtTm');
      }
      if (nbOfTxs === undefined) throw new Pain001Problem('GrpHdr lacks NbOfTxs');
      if (paymentInfos.length === 0) throw new Pain001Problem('no PmtInf');
      const message: Pain001 = { msgNmId, msgId, creDtTm, nbOfTxs, paymentInfos };
      if (ctrlSum !== undefined) message.ctrlSum = ctrlSum;
      return message;
    },
  };
}

function completeTransfer(tx: Partial<CreditTransfer>): CreditTransfer {
  const { endToEndId, amount, currency } = tx;
  if (endToEndId === undefined) throw new Pain001Problem('a CdtTrfTxInf lacks EndToEndId');
  if (amount === undefined || currency === undefined) {
    throw new Pain001Problem(`CdtTrfTxInf ${endToEndId} lacks InstdAmt`);
  }
  return { ...tx, endToEndId, amount, currency };
}

function completePaymentInfo(
  pmt: Partial<PaymentInfo> & { transactions: CreditTransfer[] },
): PaymentInfo {
  if (pmt.pmtInfId === undefined) throw new Pain001Problem('a PmtInf lacks PmtInfId');
  if (pmt.transactions.length === 0) {
    throw new Pain001Problem(`PmtInf ${pmt.pmtInfId} has no CdtTrfTxInf`);
  }
  return { ...pmt, pmtInfId: pmt.pmtInfId };
}
