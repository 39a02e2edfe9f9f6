import { createHash } from 'node:crypto';
import { minorUnitsOf } from '../domain/money.js';
import type { LedgerEntry } from './referenceBook.js';
import type { InjectionName, SimulatedStatement, StatementLine } from './simulatedStatement.js';
import { applyInjections } from './statementInjections.js';

/** Most lines one statement lists: the ledger's statement parsers refuse more by default. */
export const MAX_STATEMENT_LINES = 200_000;
/** Longest account id: camt.053 `Othr/Id` is Max34Text (MT940 `:25:` allows 35). */
const MAX_ACCOUNT_ID_CHARS = 34;
const MAX_NARRATIVE_CHARS = 140;

/** Which statement to draw up. */
export interface StatementRequest {
  /** The period [from, to); an absent bound is open. */
  from?: Date;
  to?: Date;
  /** Needed only when the ledger holds payments in several currencies. */
  currency?: string;
  inject: readonly InjectionName[];
}

/** What the simulator knows besides its ledger. */
export interface StatementContext {
  dfspId: string;
  /** The funding account's balance at start-up, a decimal read in the statement's currency. */
  openingBalance: string;
  startedAt: Date;
  createdAt: Date;
  /** A fresh id the ledger never issued (for `unknown-line`). */
  unknownReference: string;
}

export type StatementResult =
  | { ok: true; statement: SimulatedStatement }
  | { ok: false; message: string };

/**
 * The statement of the funding account for one currency over [from, to): every payment a debit,
 * in payment order, then what `inject` adds. Opening = start-up balance − payments before
 * `from`; closing = opening + credits − debits listed. Pure: the clock and the fresh reference
 * come in `context`. Refuses (ok: false) what it cannot state exactly.
 *
 * @example
 * buildStatement(book.ledger(), { inject: ['omission'] }, context);
 * // { ok: true,
 * //   statement: { lines: [… without the 3rd payment], injected: { omission: '01J…' } } }
 */
export function buildStatement(
  ledger: readonly LedgerEntry[],
  request: StatementRequest,
  context: StatementContext,
): StatementResult {
  const currency = request.currency ?? soleCurrency(ledger);
  if (currency === undefined) {
    const held = [...new Set(ledger.map((entry) => entry.currency))].slice(0, 10);
    return {
      ok: false,
      message:
        held.length === 0
          ? 'currency is needed: no payment yet to tell it from'
          : `currency is needed: the ledger holds ${held.join(', ')}`,
    };
  }
  const decimals = minorUnitsOf(currency);
  if (decimals === undefined) return { ok: false, message: `currency ${currency} is not known` };
  const startMinor = decimalToMinor(context.openingBalance, decimals);
  if (startMinor === undefined) {
    return { ok: false, message: `opening balance cannot be stated in ${currency}` };
  }

  const fromMs = request.from?.getTime();
  const toMs = request.to?.getTime();
  let beforeMinor = 0n;
  const paid: StatementLine[] = [];
  const payers = new Set<string>();
  for (const [index, entry] of ledger.entries()) {
    if (entry.currency !== currency) continue;
    payers.add(entry.payer_fa);
    const paidAtMs = Date.parse(entry.paid_at);
    if (toMs !== undefined && paidAtMs >= toMs) continue;
    const amountMinor = decimalToMinor(entry.amount, decimals);
    if (amountMinor === undefined) {
      return {
        ok: false,
        message:
          `amount ${entry.amount} of ${entry.reference_id.slice(0, 40)} ` +
          `is not exact in ${currency}`,
      };
    }
    if (fromMs !== undefined && paidAtMs < fromMs) {
      beforeMinor += amountMinor;
      continue;
    }
    if (paid.length === MAX_STATEMENT_LINES) {
      return { ok: false, message: `more than ${MAX_STATEMENT_LINES} lines: narrow from/to` };
    }
    paid.push(lineOf(entry, amountMinor, index));
  }

  const from = (request.from ?? context.startedAt).toISOString();
  const to = (request.to ?? context.createdAt).toISOString();
  const oneMajorUnitMinor = 10n ** BigInt(decimals);
  const injection = applyInjections(paid, request.inject, {
    unknownReference: context.unknownReference,
    unknownPayeeFa: `unknown@${context.dfspId}`,
    bookedAtWhenEmpty: request.from?.toISOString() ?? lastInstantBefore(request.to, context),
    oneMajorUnitMinor,
  });
  if (!injection.ok) return injection;

  const openingMinor = startMinor - beforeMinor;
  let closingMinor = openingMinor + injection.closingShiftMinor;
  for (const line of injection.lines) {
    closingMinor += line.direction === 'credit' ? line.amountMinor : -line.amountMinor;
  }
  const [payer] = payers;
  const accountId =
    payers.size === 1 && payer !== undefined && payer.length <= MAX_ACCOUNT_ID_CHARS
      ? payer
      : `${context.dfspId}-${currency}`.slice(-MAX_ACCOUNT_ID_CHARS);
  const lastMs = Math.max(Date.parse(from), Date.parse(to) - 1);
  const body = {
    accountId,
    currency,
    from,
    to,
    openingOn: from.slice(0, 10),
    closingOn: new Date(lastMs).toISOString().slice(0, 10),
    openingMinor,
    closingMinor,
    lines: injection.lines,
  };
  return {
    ok: true,
    statement: {
      id: statementId(body),
      createdAt: context.createdAt.toISOString(),
      ...body,
      injected: injection.injected,
    },
  };
}

function soleCurrency(ledger: readonly LedgerEntry[]): string | undefined {
  const first = ledger[0]?.currency;
  return ledger.every((entry) => entry.currency === first) ? first : undefined;
}

function lineOf(entry: LedgerEntry, amountMinor: bigint, index: number): StatementLine {
  const line: StatementLine = {
    reference: entry.reference_id,
    amountMinor,
    direction: 'debit',
    reversal: false,
    bookedAt: entry.paid_at,
    payeeFa: entry.payee_fa,
    narrative: oneLine(`${entry.payee_fa} ${entry.payee_name ?? ''}`).slice(0, MAX_NARRATIVE_CHARS),
    bankReference: bankReferenceOf(index),
  };
  if (entry.payee_name !== undefined) line.payeeName = entry.payee_name;
  return line;
}

/** The DFSP's own reference of the ledger's `index`th payment (from 0): `SIM00000001`, … */
export function bankReferenceOf(index: number): string {
  return `SIM${String(index + 1).padStart(8, '0')}`;
}

/** Control characters and runs of white space as one space, trimmed. */
function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the target
  return text.replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, ' ').trim();
}

function lastInstantBefore(to: Date | undefined, context: StatementContext): string {
  return to === undefined
    ? context.createdAt.toISOString()
    : new Date(to.getTime() - 1).toISOString();
}

/**
 * A decimal string (`10.5`, `1500.00`) as minor units of a currency with `decimals`, or
 * undefined when it is not one or needs more decimals than the currency has (`1.005` in KES).
 * Unlike `parseAmount`, zero decimals beyond the currency's are accepted: the ledger sends JPY
 * 1500 as `1500.00`.
 */
export function decimalToMinor(text: string, decimals: number): bigint | undefined {
  const match = /^(\d{1,16})(?:\.(\d{1,6}))?$/.exec(text);
  const [, integer, fraction = ''] = match ?? [];
  if (integer === undefined || !/^0*$/.test(fraction.slice(decimals))) return undefined;
  return BigInt(integer + fraction.slice(0, decimals).padEnd(decimals, '0'));
}

/**
 * A decimal amount as minor units of `currency`, or undefined when the currency is not known or
 * the amount is not exact in it (see `decimalToMinor`).
 *
 * @example amountMinorIn('10.50', 'KES') // 1050n; amountMinorIn('1.005', 'KES') // undefined
 */
export function amountMinorIn(amount: string, currency: string): bigint | undefined {
  const decimals = minorUnitsOf(currency);
  return decimals === undefined ? undefined : decimalToMinor(amount, decimals);
}

/** `ST` and 14 hex digits of the content's hash: the same statement gets the same id. */
function statementId(body: Omit<SimulatedStatement, 'id' | 'createdAt' | 'injected'>): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([body.accountId, body.currency, body.from, body.to]));
  hash.update(`${body.openingMinor}|${body.closingMinor}`);
  for (const line of body.lines) {
    hash.update(
      `|${line.reference}:${line.amountMinor}:${line.direction}:${line.reversal}:${line.bookedAt}`,
    );
  }
  return `ST${hash.digest('hex').slice(0, 14).toUpperCase()}`;
}
