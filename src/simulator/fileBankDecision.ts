import { type PaymentPlan, pickReason } from './callbackPlan.js';
import type { TakenPayment } from './fileBankJournal.js';
import { decimalUnits } from './isoDecimal.js';
import type { AccountId, CreditTransfer, Pain001 } from './pain001.js';
import { amountMinorIn } from './statement.js';

/**
 * The status reasons the file bank gives (ISO 20022 ExternalStatusReason1Code):
 *   group: DU01 duplicate MsgId, AM18 NbOfTxs wrong, AM10 CtrlSum wrong, FF01 unreadable file;
 *   transaction: DU04 EndToEndId already paid (or to be paid), AM03 currency not served,
 *   AM12 amount zero or finer than the currency's minor unit, AC01 creditor account missing or
 *   an IBAN failing its check digits, AM04 funding account short, and at `rejectRate` one of
 *   AC04 (closed), AC01 (incorrect), AC06 (blocked) account.
 */
export type GroupVerdict =
  | { status: 'ACTC' }
  | { status: 'RJCT'; reason: 'DU01' | 'AM18' | 'AM10' | 'FF01'; info: string };

const randomReasons: readonly [RandomReason, ...RandomReason[]] = [
  { reason: 'AC04', info: 'creditor account closed (simulated)' },
  { reason: 'AC01', info: 'creditor account number incorrect (simulated)' },
  { reason: 'AC06', info: 'creditor account blocked (simulated)' },
];

interface RandomReason {
  reason: string;
  info: string;
}

/**
 * The group status of a pain.001: a MsgId received before is refused (DU01), then the counts and
 * control sums of GrpHdr and of each PmtInf are checked against the transactions (AM18, AM10).
 * Pure.
 *
 * @example groupVerdict(message, new Set([message.msgId])) // { status: 'RJCT', reason: 'DU01', … }
 */
export function groupVerdict(message: Pain001, msgIds: ReadonlySet<string>): GroupVerdict {
  if (msgIds.has(message.msgId)) {
    return { status: 'RJCT', reason: 'DU01', info: 'MsgId received before' };
  }
  const all = message.paymentInfos.flatMap((pmt) => pmt.transactions);
  const counts = [
    { where: 'GrpHdr', nbOfTxs: message.nbOfTxs, ctrlSum: message.ctrlSum, transactions: all },
    ...message.paymentInfos.map((pmt) => ({ where: `PmtInf ${pmt.pmtInfId}`, ...pmt })),
  ];
  for (const { where, nbOfTxs, transactions } of counts) {
    if (nbOfTxs !== undefined && BigInt(nbOfTxs) !== BigInt(transactions.length)) {
      const info = `${where} NbOfTxs ${nbOfTxs}, transactions ${transactions.length}`;
      return { status: 'RJCT', reason: 'AM18', info };
    }
  }
  for (const { where, ctrlSum, transactions } of counts) {
    if (ctrlSum === undefined) continue;
    let sum = 0n;
    for (const tx of transactions) sum += decimalUnits(tx.amount) ?? 0n;
    if (decimalUnits(ctrlSum) !== sum) {
      return { status: 'RJCT', reason: 'AM10', info: `${where} CtrlSum ${ctrlSum} is not the sum` };
    }
  }
  return { status: 'ACTC' };
}

/** What deciding an accepted file's payments reads of the bank. */
export interface PaymentBooks {
  endToEndIds: ReadonlySet<string>;
  committedMinor: ReadonlyMap<string, bigint>;
  /** The funding account's balance at start, a decimal read in each currency. */
  openingBalance: string;
}

/**
 * Every transaction's final status, decided at pickup in file order: DU04 when its EndToEndId is
 * paid or to be paid already (this file's earlier ones included), then AM03, AM12, AC01, then
 * AM04 when the funding account cannot cover it, then the plan's random rejection; otherwise
 * ACSC. `plans` has one plan per transaction (`planPayment`, drawn in file order). Pure.
 */
export function decidePayments(
  message: Pain001,
  books: PaymentBooks,
  plans: readonly Pick<PaymentPlan, 'rejected' | 'reasonDraw'>[],
): TakenPayment[] {
  const accepted = new Set<string>();
  const committed = new Map(books.committedMinor);
  const decided: TakenPayment[] = [];
  let index = 0;
  for (const pmt of message.paymentInfos) {
    for (const tx of pmt.transactions) {
      const plan = plans[index] ?? { rejected: false, reasonDraw: 0 };
      index += 1;
      const base: TakenPayment = { pmtInfId: pmt.pmtInfId, ...tx, status: 'ACSC' };
      if (pmt.debtorAccount !== undefined) base.debtorAccount = pmt.debtorAccount;
      if (pmt.requestedExecutionDate !== undefined) {
        base.requestedExecutionDate = pmt.requestedExecutionDate;
      }
      const seen = books.endToEndIds.has(tx.endToEndId) || accepted.has(tx.endToEndId);
      const minor = amountMinorIn(tx.amount, tx.currency);
      const rejection = seen
        ? { reason: 'DU04', info: 'EndToEndId paid before' }
        : rejectionOf(tx, minor, (committed.get(tx.currency) ?? 0n) + (minor ?? 0n), books, plan);
      if (rejection !== null) {
        decided.push({ ...base, status: 'RJCT', ...rejection });
        continue;
      }
      accepted.add(tx.endToEndId);
      committed.set(tx.currency, (committed.get(tx.currency) ?? 0n) + (minor ?? 0n));
      decided.push(base);
    }
  }
  return decided;
}

function rejectionOf(
  tx: CreditTransfer,
  minor: bigint | undefined,
  committedAfterMinor: bigint,
  books: PaymentBooks,
  plan: Pick<PaymentPlan, 'rejected' | 'reasonDraw'>,
): RandomReason | null {
  if (amountMinorIn('0', tx.currency) === undefined) {
    return { reason: 'AM03', info: `currency ${tx.currency} not served` };
  }
  if (minor === undefined || minor === 0n) {
    return { reason: 'AM12', info: `amount ${tx.amount} not payable in ${tx.currency}` };
  }
  if (!accountValid(tx.creditorAccount)) {
    return { reason: 'AC01', info: 'creditor account missing or invalid' };
  }
  if (committedAfterMinor > (amountMinorIn(books.openingBalance, tx.currency) ?? 0n)) {
    return { reason: 'AM04', info: 'insufficient funds in the funding account' };
  }
  return plan.rejected ? pickReason(randomReasons, plan.reasonDraw) : null;
}

/** An IBAN must pass its ISO 13616 check digits (mod 97); any other account id is taken. */
export function accountValid(account: AccountId | undefined): boolean {
  if (account === undefined) return false;
  if (account.scheme !== 'IBAN') return true;
  const moved = account.id.slice(4) + account.id.slice(0, 4);
  let remainder = 0;
  for (const char of moved.toUpperCase()) {
    const digits = /[0-9]/.test(char) ? char : String(char.charCodeAt(0) - 55);
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}
