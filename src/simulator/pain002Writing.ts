import type { TakenPayment, TakenRecord } from './fileBankJournal.js';
import { indent, xmlText } from './statementCamt053.js';

export const PAIN002_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.10';
/** Max105Text: the longest `AddtlInf`. */
const MAX_INFO_CHARS = 105;

/** What a report says of itself. */
export interface ReportHeader {
  /** `GrpHdr/MsgId`, at most 35 characters, unique per report. */
  msgId: string;
  /** ISO 8601 instant. */
  createdAt: string;
}

function reason(code: string | undefined, info: string | undefined): string[] {
  if (code === undefined) return [];
  const additional =
    info === undefined ? '' : `<AddtlInf>${xmlText(info.slice(0, MAX_INFO_CHARS))}</AddtlInf>`;
  return [`<StsRsnInf><Rsn><Cd>${xmlText(code)}</Cd></Rsn>${additional}</StsRsnInf>`];
}

function originalGroup(record: TakenRecord, groupStatus: string, reasonLines: string[]): string[] {
  const { original } = record;
  return [
    '<OrgnlGrpInfAndSts>',
    `  <OrgnlMsgId>${xmlText(original.msgId)}</OrgnlMsgId>`,
    `  <OrgnlMsgNmId>${xmlText(original.msgNmId)}</OrgnlMsgNmId>`,
    ...(original.nbOfTxs === undefined
      ? []
      : [`  <OrgnlNbOfTxs>${original.nbOfTxs}</OrgnlNbOfTxs>`]),
    ...(original.ctrlSum === undefined
      ? []
      : [`  <OrgnlCtrlSum>${original.ctrlSum}</OrgnlCtrlSum>`]),
    `  <GrpSts>${groupStatus}</GrpSts>`,
    ...indent(1, reasonLines),
    '</OrgnlGrpInfAndSts>',
  ];
}

function document(header: ReportHeader, body: string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Document xmlns="${PAIN002_NAMESPACE}">`,
    '  <CstmrPmtStsRpt>',
    '    <GrpHdr>',
    `      <MsgId>${xmlText(header.msgId)}</MsgId>`,
    `      <CreDtTm>${header.createdAt}</CreDtTm>`,
    '    </GrpHdr>',
    ...indent(2, body),
    '  </CstmrPmtStsRpt>',
    '</Document>',
    '',
  ].join('\n');
}

/**
 * The bank's first answer to a file, a `pain.002.001.10` with the group status alone: `ACTC`
 * (accepted for processing, every transaction to be told later) or `RJCT` with its reason
 * (DU01, AM18, AM10, FF01) and nothing paid.
 *
 * @example
 * pain002Acknowledgement(record, { msgId: 'PSR000001-01', createdAt: record.at });
 * // …<OrgnlGrpInfAndSts><OrgnlMsgId>MSG-1</OrgnlMsgId>…<GrpSts>ACTC</GrpSts>…
 */
export function pain002Acknowledgement(record: TakenRecord, header: ReportHeader): string {
  const { group } = record;
  return document(header, originalGroup(record, group.status, reason(group.reason, group.info)));
}

/** `ACSC` when every payment is, `RJCT` when none is, `PART` otherwise. */
export function finalGroupStatus(payments: readonly TakenPayment[]): 'ACSC' | 'RJCT' | 'PART' {
  const settled = payments.filter((payment) => payment.status === 'ACSC').length;
  return settled === payments.length ? 'ACSC' : settled === 0 ? 'RJCT' : 'PART';
}

function account(tag: 'CdtrAcct', id: TakenPayment['creditorAccount']): string[] {
  if (id === undefined) return [];
  const inner =
    id.scheme === 'IBAN'
      ? `<IBAN>${xmlText(id.id)}</IBAN>`
      : `<Othr><Id>${xmlText(id.id)}</Id></Othr>`;
  return [`<${tag}><Id>${inner}</Id></${tag}>`];
}

function transaction(payment: TakenPayment, at: string): string[] {
  return [
    '<TxInfAndSts>',
    ...(payment.instrId === undefined
      ? []
      : [`  <OrgnlInstrId>${xmlText(payment.instrId)}</OrgnlInstrId>`]),
    `  <OrgnlEndToEndId>${xmlText(payment.endToEndId)}</OrgnlEndToEndId>`,
    `  <TxSts>${payment.status}</TxSts>`,
    ...indent(1, reason(payment.reason, payment.info)),
    ...(payment.status === 'ACSC' ? [`  <AccptncDtTm>${at}</AccptncDtTm>`] : []),
    '  <OrgnlTxRef>',
    `    <Amt><InstdAmt Ccy="${xmlText(payment.currency)}">${payment.amount}</InstdAmt></Amt>`,
    ...(payment.requestedExecutionDate === undefined
      ? []
      : [`    <ReqdExctnDt><Dt>${payment.requestedExecutionDate}</Dt></ReqdExctnDt>`]),
    ...(payment.creditorName === undefined
      ? []
      : [`    <Cdtr><Pty><Nm>${xmlText(payment.creditorName)}</Nm></Pty></Cdtr>`]),
    ...indent(2, account('CdtrAcct', payment.creditorAccount)),
    '  </OrgnlTxRef>',
    '</TxInfAndSts>',
  ];
}

/** One slice of an accepted file's payments, and when they were booked. */
export interface OutcomeSlice {
  /** The payments this report tells, in file order. */
  payments: readonly TakenPayment[];
  /** ISO instant. */
  settledAt: string;
}

/**
 * A final status report, `pain.002.001.10`: the file's group status (`ACSC`, `PART` or `RJCT`
 * over all its payments) and, per `PmtInf`, each payment of `slice` with `ACSC` or `RJCT` and
 * its reason, its original amount, creditor and account (`OrgnlTxRef`).
 */
export function pain002Outcome(
  record: TakenRecord,
  slice: OutcomeSlice,
  header: ReportHeader,
): string {
  const groups = new Map<string, string[]>();
  for (const payment of slice.payments) {
    const lines = groups.get(payment.pmtInfId) ?? [];
    lines.push(...transaction(payment, slice.settledAt));
    groups.set(payment.pmtInfId, lines);
  }
  const body = originalGroup(record, finalGroupStatus(record.payments), []);
  for (const [pmtInfId, lines] of groups) {
    body.push(
      '<OrgnlPmtInfAndSts>',
      `  <OrgnlPmtInfId>${xmlText(pmtInfId)}</OrgnlPmtInfId>`,
      ...indent(1, lines),
      '</OrgnlPmtInfAndSts>',
    );
  }
  return document(header, body);
}
