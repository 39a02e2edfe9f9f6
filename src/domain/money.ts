import { DomainError } from './domainError.js';

/**
 * An exact amount of money: an integer count of the currency's minor units and its ISO 4217
 * code. Money never travels as a `number`; at the API it is a decimal string (see
 * `parseAmount` and `formatAmount`).
 *
 * @example
 * const tenShillings: Money = { amountMinor: 1000n, currency: 'KES' };
 */
export type Money = { readonly amountMinor: bigint; readonly currency: string };

/**
 * ISO 4217 minor units (decimals) of the currencies the ledger accepts, by upper-case alphabetic
 * code: every active currency of ISO 4217 "List One: Currency, fund and precious metal codes" as
 * published by SIX Financial Information, the standard's maintenance agency
 * (https://www.six-group.com/en/products-services/financial-information/data-standards.html),
 * including XCG (replacing ANG, 2025), ZWG (replacing ZWL, 2024), SLE and VED.
 *
 * Left out on purpose: codes withdrawn from the list (ANG, CUC, HRK, SLL, ZWL); fund codes
 * (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW), which are units of account, not money a DFSP
 * pays out; and the codes without minor units: precious metals (XAU, XAG, XPD, XPT), bond-market
 * and SDR units (XBA, XBB, XBC, XBD, XDR, XSU, XUA), the testing code XTS and "no currency" XXX.
 * Add or remove a currency here, and nowhere else.
 *
 * @example
 * MINOR_UNITS.KES; // 2
 * MINOR_UNITS.BHD; // 3
 */
// biome-ignore format: several currencies a line, in code order, read better than one a line
export const MINOR_UNITS: Readonly<Record<string, number>> = Object.freeze({
  AED: 2, AFN: 2, ALL: 2, AMD: 2, AOA: 2, ARS: 2, AUD: 2, AWG: 2, AZN: 2, BAM: 2,
  BBD: 2, BDT: 2, BGN: 2, BHD: 3, BIF: 0, BMD: 2, BND: 2, BOB: 2, BRL: 2, BSD: 2,
  BTN: 2, BWP: 2, BYN: 2, BZD: 2, CAD: 2, CDF: 2, CHF: 2, CLP: 0, CNY: 2, COP: 2,
  CRC: 2, CUP: 2, CVE: 2, CZK: 2, DJF: 0, DKK: 2, DOP: 2, DZD: 2, EGP: 2, ERN: 2,
  ETB: 2, EUR: 2, FJD: 2, FKP: 2, GBP: 2, GEL: 2, GHS: 2, GIP: 2, GMD: 2, GNF: 0,
  GTQ: 2, GYD: 2, HKD: 2, HNL: 2, HTG: 2, HUF: 2, IDR: 2, ILS: 2, INR: 2, IQD: 3,
  IRR: 2, ISK: 0, JMD: 2, JOD: 3, JPY: 0, KES: 2, KGS: 2, KHR: 2, KMF: 0, KPW: 2,
  KRW: 0, KWD: 3, KYD: 2, KZT: 2, LAK: 2, LBP: 2, LKR: 2, LRD: 2, LSL: 2, LYD: 3,
  MAD: 2, MDL: 2, MGA: 2, MKD: 2, MMK: 2, MNT: 2, MOP: 2, MRU: 2, MUR: 2, MVR: 2,
  MWK: 2, MXN: 2, MYR: 2, MZN: 2, NAD: 2, NGN: 2, NIO: 2, NOK: 2, NPR: 2, NZD: 2,
  OMR: 3, PAB: 2, PEN: 2, PGK: 2, PHP: 2, PKR: 2, PLN: 2, PYG: 0, QAR: 2, RON: 2,
  RSD: 2, RUB: 2, RWF: 0, SAR: 2, SBD: 2, SCR: 2, SDG: 2, SEK: 2, SGD: 2, SHP: 2,
  SLE: 2, SOS: 2, SRD: 2, SSP: 2, STN: 2, SVC: 2, SYP: 2, SZL: 2, THB: 2, TJS: 2,
  TMT: 2, TND: 3, TOP: 2, TRY: 2, TTD: 2, TWD: 2, TZS: 2, UAH: 2, UGX: 0, USD: 2,
  UYU: 2, UZS: 2, VED: 2, VES: 2, VND: 0, VUV: 0, WST: 2, XAF: 0, XCD: 2, XCG: 2,
  XOF: 0, XPF: 0, YER: 2, ZAR: 2, ZMW: 2, ZWG: 2,
});

/**
 * 10^13 major units or more is refused: beyond any G2P payment; at 3 decimals still fits an
 * int8.
 */
const MAX_INTEGER_DIGITS = 13;
/** Quoted input is cut to this length in error messages, so a huge body cannot bloat a log line. */
const MAX_QUOTED_CHARS = 40;
const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * The number of decimals (ISO 4217 minor units) of `currency`, or `undefined` if the ledger does
 * not know it. Codes are matched exactly: `kes` is not `KES`.
 *
 * @example
 * minorUnitsOf('JPY'); // 0
 * minorUnitsOf('XXX'); // undefined
 */
export function minorUnitsOf(currency: string): number | undefined {
  return Object.hasOwn(MINOR_UNITS, currency) ? MINOR_UNITS[currency] : undefined;
}

/**
 * Whether the ledger knows `currency` (an upper-case ISO 4217 code listed in `MINOR_UNITS`).
 *
 * @example
 * isKnownCurrency('KES'); // true
 * isKnownCurrency('toString'); // false
 */
export function isKnownCurrency(currency: string): boolean {
  return minorUnitsOf(currency) !== undefined;
}

/**
 * Parses an API amount (a plain decimal string) into minor units of `currency`. Accepted: digits,
 * optionally a point and digits (`"10"`, `"10.5"`, `"10.50"`, `"0.50"`), at most 13 integer
 * digits and at most the currency's decimals; fewer decimals are padded. Leading zeros are
 * refused (`"007.50"` is `amount_malformed`; `"0.50"` is fine) so that every accepted amount has
 * one spelling, `formatAmount` of the result. Throws `DomainError` with path `[]` and code
 * `amount_not_a_string`, `unknown_currency`, `amount_malformed`, `amount_too_precise`,
 * `amount_too_large` or `amount_not_positive`.
 *
 * @example
 * parseAmount('10.5', 'KES'); // 1050n
 * parseAmount('1500', 'JPY'); // 1500n
 * parseAmount('1.005', 'KES'); // throws amount_too_precise: KES allows 2 decimals, got "1.005"
 */
export function parseAmount(text: unknown, currency: string): bigint {
  if (typeof text !== 'string') {
    throw new DomainError(
      'amount_not_a_string',
      `amount must be a decimal string such as "10.50", got ${describeType(text)}`,
      [],
    );
  }
  const decimals = requireMinorUnits(currency);
  const match = PLAIN_DECIMAL.exec(text);
  const integerDigits = match?.[1];
  if (match === null || integerDigits === undefined) {
    throw new DomainError(
      'amount_malformed',
      'amount must be a plain decimal string such as "10.50" ' +
        '(digits, optionally a point and digits; no sign, spaces or exponent), ' +
        `got ${quote(text)}`,
      [],
    );
  }
  if (integerDigits.length > 1 && integerDigits.startsWith('0')) {
    throw new DomainError(
      'amount_malformed',
      `amount must not have leading zeros, got ${quote(text)}`,
      [],
    );
  }
  const fractionDigits = match[2] ?? '';
  if (fractionDigits.length > decimals) {
    throw new DomainError(
      'amount_too_precise',
      `${currency} allows ${decimals} decimal${decimals === 1 ? '' : 's'}, got ${quote(text)}`,
      [],
    );
  }
  if (integerDigits.length > MAX_INTEGER_DIGITS) {
    throw new DomainError(
      'amount_too_large',
      `amount allows at most ${MAX_INTEGER_DIGITS} digits before the decimal point, ` +
        `got ${integerDigits.length}`,
      [],
    );
  }
  const amountMinor = BigInt(integerDigits + fractionDigits.padEnd(decimals, '0'));
  if (amountMinor === 0n) {
    throw new DomainError(
      'amount_not_positive',
      `amount must be greater than zero, got ${quote(text)}`,
      [],
    );
  }
  return amountMinor;
}

/**
 * Formats minor units of `currency` as a decimal string with exactly the currency's decimals; a
 * negative amount (a reconciliation difference) gets a leading `-`. Throws `DomainError`
 * `unknown_currency` for a currency the ledger does not know.
 *
 * @example
 * formatAmount(1050n, 'KES'); // "10.50"
 * formatAmount(1n, 'BHD'); // "0.001"
 * formatAmount(-5n, 'KES'); // "-0.05"
 */
export function formatAmount(amountMinor: bigint, currency: string): string {
  const decimals = requireMinorUnits(currency);
  const sign = amountMinor < 0n ? '-' : '';
  const digits = (amountMinor < 0n ? -amountMinor : amountMinor).toString();
  if (decimals === 0) return sign + digits;
  const padded = digits.padStart(decimals + 1, '0');
  return `${sign}${padded.slice(0, -decimals)}.${padded.slice(-decimals)}`;
}

function requireMinorUnits(currency: string): number {
  const decimals = minorUnitsOf(currency);
  if (decimals === undefined) {
    throw new DomainError('unknown_currency', `unknown currency ${quote(currency)}`, []);
  }
  return decimals;
}

function quote(text: string): string {
  const shown = text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
  return JSON.stringify(shown);
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
