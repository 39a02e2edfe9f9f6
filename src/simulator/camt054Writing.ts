import type { TakenPayment } from './fileBankJournal.js';
import type { ReportHeader } from './pain002Writing.js';
import type { StatementLine } from './simulatedStatement.js';
import { amountMinorIn, bankReferenceOf } from './statement.js';
import { camtEntry, indent, xmlText } from './statementCamt053.js';

export const CAMT054_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.08';
const MAX_NARRATIVE_CHARS = 140;

/** A booked payment and its index in the bank's ledger (which numbers its `AcctSvcrRef`). */
export interface BookedPayment {
  payment: TakenPayment;
  ledgerIndex: number;
}

function lineOf({ payment, ledgerIndex }: BookedPayment, bookedAt: string): StatementLine {
  const amountMinor = amountMinorIn(payment.amount, payment.currency);
  if (amountMinor === undefined) {
    throw new Error(`camt.054 of ${payment.endToEndId}: amount not exact in ${payment.currency}`);
  }
  const payeeFa = payment.creditorAccount?.id ?? '';
  const line: StatementLine = {
    reference: payment.endToEndId,
    amountMinor,
    direction: 'debit',
    reversal: false,
    bookedAt,
    payeeFa,
    narrative: `${payeeFa} ${payment.creditorName ?? ''}`.trim().slice(0, MAX_NARRATIVE_CHARS),
    bankReference: bankReferenceOf(ledgerIndex),
  };
  if (payment.creditorName !== undefined) line.payeeName = payment.creditorName;
  return line;
}

function accountId(payment: TakenPayment, fallback: string): string {
  const account = payment.debtorAccount;
  if (account?.scheme === 'IBAN') return `<IBAN>${xmlText(account.id)}</IBAN>`;
  return `<Othr><Id>${xmlText(account?.id ?? fallback)}</Id></Othr>`;
}

/**
 * The debit notification of one file's booked payments, `camt.054.001.08`: one `Ntfctn` per
 * funding account debited (a file names one as a rule), one `Ntry` per payment (not batch
 * booked), each with `NtryDtls/TxDtls/Refs/EndToEndId` the payment id and its amount exact in
 * its currency. `AcctSvcrRef` is the one the camt.053 statement gives the same payment.
 *
 * @example
 * camt054Notification(booked, settledAt, { msgId: 'NTF000001', createdAt: settledAt }, 'FUND');
 */
export function camt054Notification(
  booked: readonly BookedPayment[],
  bookedAt: string,
  header: ReportHeader,
  defaultAccount: string,
): string {
  const byAccount = new Map<string, BookedPayment[]>();
  for (const item of booked) {
    const key = accountId(item.payment, defaultAccount);
    byAccount.set(key, [...(byAccount.get(key) ?? []), item]);
  }
  const notifications: string[] = [];
  let number = 0;
  for (const [account, items] of byAccount) {
    number += 1;
    const currencies = new Set(items.map((item) => item.payment.currency));
    const [currency] = currencies;
    const ccy = currencies.size === 1 && currency !== undefined ? `<Ccy>${currency}</Ccy>` : '';
    notifications.push(
      '<Ntfctn>',
      `  <Id>${xmlText(`${header.msgId}-${number}`)}</Id>`,
      `  <CreDtTm>${header.createdAt}</CreDtTm>`,
      `  <Acct><Id>${account}</Id>${ccy}</Acct>`,
      ...indent(
        1,
        items.flatMap((item) => camtEntry(lineOf(item, bookedAt), item.payment.currency, '001.08')),
      ),
      '</Ntfctn>',
    );
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Document xmlns="${CAMT054_NAMESPACE}">`,
    '  <BkToCstmrDbtCdtNtfctn>',
    '    <GrpHdr>',
    `      <MsgId>${xmlText(header.msgId)}</MsgId>`,
    `      <CreDtTm>${header.createdAt}</CreDtTm>`,
    '    </GrpHdr>',
    ...indent(2, notifications),
    '  </BkToCstmrDbtCdtNtfctn>',
    '</Document>',
    '',
  ].join('\n');
}
