import { formatAmount } from '../domain/money.js';
import type { SimulatedStatement, StatementLine } from './simulatedStatement.js';

/** Longest `:86:` line, and most of them (SWIFT: 6 lines of 65 characters). */
const NARRATIVE_LINE_CHARS = 65;
const NARRATIVE_MAX_LINES = 6;
/** Longest customer reference the ledger reads from `:61:` (SWIFT's own limit is 16). */
export const MAX_MT940_REFERENCE_CHARS = 35;

/**
 * Why `reference` cannot be the customer reference of an MT940 `:61:`, or null when it can:
 * 1–35 characters, no space, no `//` (which starts the bank reference), not ending in `/`.
 */
export function mt940ReferenceProblem(reference: string): string | null {
  if (reference.length === 0 || reference.length > MAX_MT940_REFERENCE_CHARS) {
    return `1 to ${MAX_MT940_REFERENCE_CHARS} characters`;
  }
  if (/\s/.test(reference) || reference.includes('//') || reference.endsWith('/')) {
    return 'no space, no "//" and no trailing "/"';
  }
  return null;
}

/** `1234,50`; JPY `1500,`. */
function mt940Amount(amountMinor: bigint, currency: string): string {
  const text = formatAmount(amountMinor, currency);
  return text.includes('.') ? text.replace('.', ',') : `${text},`;
}

/** `2026-11-28…` → `261128`. */
function yymmdd(isoDate: string): string {
  return `${isoDate.slice(2, 4)}${isoDate.slice(5, 7)}${isoDate.slice(8, 10)}`;
}

function balance(amountMinor: bigint, on: string, currency: string): string {
  const mark = amountMinor < 0n ? 'D' : 'C';
  const magnitude = amountMinor < 0n ? -amountMinor : amountMinor;
  return `${mark}${yymmdd(on)}${currency}${mt940Amount(magnitude, currency)}`;
}

/** `D` a debit, `C` a credit; a reversal `RD` (of a debit: money back) or `RC`. */
function mark(line: StatementLine): string {
  if (!line.reversal) return line.direction === 'debit' ? 'D' : 'C';
  return line.direction === 'credit' ? 'RD' : 'RC';
}

/**
 * Narrative text as `:86:` lines of at most 65 characters; a continuation never starts with
 * `:` or `-`, which a reader would take for a tag or the end of the message.
 */
function narrativeLines(text: string): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > 0 && lines.length < NARRATIVE_MAX_LINES) {
    let cut = Math.min(rest.length, NARRATIVE_LINE_CHARS);
    while (cut > 1 && cut < rest.length && /[:-]/.test(rest.charAt(cut))) cut -= 1;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  return lines;
}

/**
 * The statement as SWIFT MT940 text: plain tags, CRLF line ends, no block wrapper. Customer
 * reference of each `:61:` is the payment's reference; amounts have a decimal comma.
 *
 * @example
 * statementMt940(statement);
 * // :20:ST3F0A9C41B2D7E8
 * // :25:account:1@treasury
 * // :28C:00001/001
 * // :60F:C261128KES1000000000,00
 * // :61:2611281128D10,00NTRF01JDQ0X4S3J7M2W8Y5K6Z1R9T0VB//SIM00000001
 * // :86:token:1@bank-a Joe John
 * // :62F:C261128KES999999990,00
 */
export function statementMt940(statement: SimulatedStatement): string {
  const { currency } = statement;
  const lines = [
    `:20:${statement.id}`,
    `:25:${statement.accountId}`,
    ':28C:00001/001',
    `:60F:${balance(statement.openingMinor, statement.openingOn, currency)}`,
  ];
  for (const line of statement.lines) {
    const booked = yymmdd(line.bookedAt);
    lines.push(
      `:61:${booked}${booked.slice(2)}${mark(line)}${mt940Amount(line.amountMinor, currency)}` +
        `NTRF${line.reference}//${line.bankReference}`,
    );
    const [first = '', ...more] = narrativeLines(line.narrative);
    lines.push(`:86:${first}`, ...more);
  }
  lines.push(`:62F:${balance(statement.closingMinor, statement.closingOn, currency)}`);
  return `${lines.join('\r\n')}\r\n`;
}
