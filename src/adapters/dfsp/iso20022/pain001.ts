import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { DisbursementPayment, UnsendablePayment } from '../../../application/dfspConnector.js';
import { formatAmount, minorUnitsOf } from '../../../domain/money.js';
import { isBic, isIban } from './identifiers.js';
import { Iso20022Error } from './iso20022Error.js';
import { isoText } from './isoText.js';
import { type PayeeAccount, type PayeeAgent, payeeRouteOf } from './payeeAccount.js';

/** What one `pain.001.001.09` payment file says: one debtor account, one execution date. */
export interface Pain001Input {
  /** `GrpHdr/MsgId`: 1 to 35 characters, unique per file; `pain.002` answers name it. */
  readonly messageId: string;
  readonly createdAt: Date;
  /** `PmtInf/PmtInfId`: 1 to 35 characters. */
  readonly paymentInformationId: string;
  /** `ReqdExctnDt/Dt`, `YYYY-MM-DD`. */
  readonly requestedExecutionDate: string;
  readonly initiatingParty: { readonly name: string };
  readonly debtor: {
    readonly name: string;
    /** An IBAN, or the bank's own account number (`Othr/Id`, at most 34 characters). */
    readonly account: string;
    readonly agentBic?: string;
  };
  readonly payments: readonly DisbursementPayment[];
}

export const PAIN001_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09';
/** Most payments in one file; a larger group is split by the caller. */
export const MAX_PAIN001_PAYMENTS = 10_000;
/** `Cdtr/Nm` of a payment without `payeeName` (many banks refuse a creditor without a name). */
export const CREDITOR_NAME_PLACEHOLDER = 'NOTPROVIDED';

const MAX_ID_CHARS = 35;
const MAX_NAME_CHARS = 140;
const MAX_REMITTANCE_CHARS = 140;
/** `ActiveOrHistoricCurrencyAndAmount` and `DecimalNumber` allow 18 digits in all. */
const MAX_TOTAL_DIGITS = 18;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Why `payment` cannot go in a `pain.001` file, or `undefined` if it can: a payment id that is
 * no `Max35Text` (`payment_id_invalid`), a currency the ledger does not know
 * (`unknown_currency`), an amount not above zero (`amount_not_positive`) or of more than 18
 * digits (`amount_too_large`), a payee address `pain.001` cannot carry (`fa_malformed`,
 * `fa_not_iban`, `fa_id_too_long`; see `payeeRouteOf`). The connector reports these as
 * `unsendable` and sends the rest.
 *
 * @example
 * pain001Problem({ ...payment, payeeFa: 'iban:DE00123@bank-a' });
 * // { paymentId: '01J…', code: 'fa_not_iban', message: 'an "iban:" address must carry a valid IBAN' }
 */
export function pain001Problem(payment: DisbursementPayment): UnsendablePayment | undefined {
  const { paymentId } = payment;
  const problem = (code: string, message: string) => ({ paymentId, code, message });
  if (
    paymentId.length === 0 ||
    paymentId.length > MAX_ID_CHARS ||
    isoText(paymentId, MAX_ID_CHARS) !== paymentId
  ) {
    return problem(
      'payment_id_invalid',
      `a payment id must be 1 to ${MAX_ID_CHARS} plain characters`,
    );
  }
  if (minorUnitsOf(payment.currency) === undefined) {
    return problem('unknown_currency', `unknown currency ${JSON.stringify(payment.currency)}`);
  }
  if (payment.amountMinor <= 0n) return problem('amount_not_positive', 'amount must be above zero');
  if (payment.amountMinor.toString().length > MAX_TOTAL_DIGITS) {
    return problem('amount_too_large', `pain.001 amounts have at most ${MAX_TOTAL_DIGITS} digits`);
  }
  const route = payeeRouteOf(payment.payeeFa);
  return 'code' in route ? problem(route.code, route.message) : undefined;
}

/**
 * One `pain.001.001.09` customer credit transfer initiation: a group header and one payment
 * information block debiting `debtor.account` on `requestedExecutionDate`, with one
 * `CdtTrfTxInf` per payment (`InstrId` and `EndToEndId` both the payment id, so a `pain.002` or
 * `camt.054` line leads back to it). Amounts are exact decimals of the currency's minor units
 * (`JPY 1500`, `BHD 1.005`); each transaction carries its own currency and `CtrlSum` is the
 * plain decimal sum of all amounts, as the standard defines it even across currencies. Names are
 * cleaned and cut to 140 characters (`isoText`); a payee without a name is `NOTPROVIDED`;
 * `note` and `purpose` become one `RmtInf/Ustrd` of at most 140 characters. Batch booking is off
 * (`BtchBookg false`), so the statement shows one debit per payment; charges are `SLEV`.
 *
 * Throws `Iso20022Error` `invalid_input` for input the schema cannot carry (an id over 35
 * characters, no payment or more than 10,000, a payment id twice, a bad date, BIC or debtor
 * account), and `unsendable_payment`, naming the first such payment, where `pain001Problem`
 * finds one. Every document it returns validates against the official XSD.
 *
 * @example
 * const xml = buildPain001({
 *   messageId: 'MSG-01J5…', createdAt: new Date(), paymentInformationId: 'PMT-01J5…',
 *   requestedExecutionDate: '2025-03-01', initiatingParty: { name: 'Cash Transfer Programme' },
 *   debtor: { name: 'Ministry of Social Protection', account: 'KE123', agentBic: 'KCBLKENX' },
 *   payments: [{ paymentId: '01J5…', payeeFa: 'account:100200300@bank-a', amountMinor: 150000n, currency: 'KES' }],
 * });
 */
export function buildPain001(input: Pain001Input): string {
  checkInput(input);
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const initiation = doc.ele(PAIN001_NAMESPACE, 'Document').ele('CstmrCdtTrfInitn');
  const numberOfTransactions = String(input.payments.length);
  const controlSum = decimalSum(input.payments);
  const header = initiation.ele('GrpHdr');
  header.ele('MsgId').txt(input.messageId);
  header.ele('CreDtTm').txt(isoDateTime(input.createdAt));
  header.ele('NbOfTxs').txt(numberOfTransactions);
  header.ele('CtrlSum').txt(controlSum);
  header
    .ele('InitgPty')
    .ele('Nm')
    .txt(requiredName(input.initiatingParty.name, 'initiatingParty.name'));

  const block = initiation.ele('PmtInf');
  block.ele('PmtInfId').txt(input.paymentInformationId);
  block.ele('PmtMtd').txt('TRF');
  block.ele('BtchBookg').txt('false');
  block.ele('NbOfTxs').txt(numberOfTransactions);
  block.ele('CtrlSum').txt(controlSum);
  block.ele('ReqdExctnDt').ele('Dt').txt(input.requestedExecutionDate);
  block.ele('Dbtr').ele('Nm').txt(requiredName(input.debtor.name, 'debtor.name'));
  const debtorAccount = input.debtor.account.toUpperCase();
  appendAccount(
    block.ele('DbtrAcct'),
    isIban(debtorAccount)
      ? { kind: 'iban', iban: debtorAccount }
      : { kind: 'other', id: input.debtor.account },
  );
  const debtorAgent = block.ele('DbtrAgt').ele('FinInstnId');
  if (input.debtor.agentBic === undefined) debtorAgent.ele('Othr').ele('Id').txt('NOTPROVIDED');
  else debtorAgent.ele('BICFI').txt(input.debtor.agentBic);
  block.ele('ChrgBr').txt('SLEV');
  for (const payment of input.payments) appendTransaction(block, payment);
  return doc.end({ prettyPrint: true });
}

function appendTransaction(block: XMLBuilder, payment: DisbursementPayment): void {
  const route = payeeRouteOf(payment.payeeFa);
  // checkInput has refused every payment with a problem.
  if ('code' in route)
    throw new Iso20022Error('unsendable_payment', 'payments', route.message, payment.paymentId);
  const transaction = block.ele('CdtTrfTxInf');
  const id = transaction.ele('PmtId');
  id.ele('InstrId').txt(payment.paymentId);
  id.ele('EndToEndId').txt(payment.paymentId);
  transaction
    .ele('Amt')
    .ele('InstdAmt', { Ccy: payment.currency })
    .txt(formatAmount(payment.amountMinor, payment.currency));
  if (route.agent !== undefined) appendAgent(transaction.ele('CdtrAgt'), route.agent);
  const name = isoText(payment.payeeName ?? '', MAX_NAME_CHARS);
  transaction
    .ele('Cdtr')
    .ele('Nm')
    .txt(name === '' ? CREDITOR_NAME_PLACEHOLDER : name);
  appendAccount(transaction.ele('CdtrAcct'), route.account);
  const remittance = isoText(
    [payment.note, payment.purpose].filter((part) => part !== undefined).join(' / '),
    MAX_REMITTANCE_CHARS,
  );
  if (remittance !== '') transaction.ele('RmtInf').ele('Ustrd').txt(remittance);
}

function appendAccount(parent: XMLBuilder, account: PayeeAccount): void {
  const id = parent.ele('Id');
  if (account.kind === 'iban') {
    id.ele('IBAN').txt(account.iban);
    return;
  }
  const other = id.ele('Othr');
  other.ele('Id').txt(account.id);
  if (account.scheme !== undefined) other.ele('SchmeNm').ele('Prtry').txt(account.scheme);
}

function appendAgent(parent: XMLBuilder, agent: PayeeAgent): void {
  const institution = parent.ele('FinInstnId');
  if (agent.kind === 'bic') institution.ele('BICFI').txt(agent.bic);
  else institution.ele('Othr').ele('Id').txt(agent.id);
}

function checkInput(input: Pain001Input): void {
  checkId(input.messageId, 'messageId');
  checkId(input.paymentInformationId, 'paymentInformationId');
  if (Number.isNaN(input.createdAt.getTime())) invalid('createdAt', 'not a valid date');
  if (!isCalendarDate(input.requestedExecutionDate)) {
    invalid('requestedExecutionDate', 'must be a calendar date YYYY-MM-DD');
  }
  const { account, agentBic } = input.debtor;
  if (!/^[A-Za-z0-9]{1,34}$/.test(account))
    invalid('debtor.account', 'must be 1 to 34 letters or digits');
  if (agentBic !== undefined && !isBic(agentBic)) invalid('debtor.agentBic', 'must be a BIC');
  const count = input.payments.length;
  if (count === 0 || count > MAX_PAIN001_PAYMENTS) {
    invalid('payments', `a file carries 1 to ${MAX_PAIN001_PAYMENTS} payments, got ${count}`);
  }
  const seen = new Set<string>();
  for (const payment of input.payments) {
    const problem = pain001Problem(payment);
    if (problem !== undefined) {
      throw new Iso20022Error(
        'unsendable_payment',
        'payments',
        `${problem.code}: ${problem.message}`,
        payment.paymentId,
      );
    }
    if (seen.has(payment.paymentId))
      invalid('payments', `payment id ${payment.paymentId} appears twice`);
    seen.add(payment.paymentId);
  }
  if (decimalSum(input.payments).replace(/\D/g, '').replace(/^0+/, '').length > MAX_TOTAL_DIGITS) {
    invalid('payments', `the control sum has more than ${MAX_TOTAL_DIGITS} digits`);
  }
}

function checkId(id: string, field: string): void {
  if (id.length === 0 || id.length > MAX_ID_CHARS || isoText(id, MAX_ID_CHARS) !== id) {
    invalid(field, `must be 1 to ${MAX_ID_CHARS} plain characters`);
  }
}

function requiredName(name: string, field: string): string {
  const text = isoText(name, MAX_NAME_CHARS);
  if (text === '') invalid(field, 'must not be empty');
  return text;
}

function invalid(field: string, message: string): never {
  throw new Iso20022Error('invalid_input', field, message);
}

function isCalendarDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (match === null) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** `2025-03-01T08:30:00Z`: UTC, whole seconds. */
function isoDateTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

/**
 * The exact decimal sum of the payments' amounts, each read in its currency's minor units and
 * brought to the largest number of decimals among them (`10.50` KES + `1.005` BHD = `11.505`).
 */
function decimalSum(payments: readonly DisbursementPayment[]): string {
  let decimals = 0;
  for (const payment of payments)
    decimals = Math.max(decimals, minorUnitsOf(payment.currency) ?? 0);
  let total = 0n;
  for (const payment of payments) {
    const own = minorUnitsOf(payment.currency) ?? 0;
    total += payment.amountMinor * 10n ** BigInt(decimals - own);
  }
  if (decimals === 0) return total.toString();
  const digits = total.toString().padStart(decimals + 1, '0');
  return `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}
