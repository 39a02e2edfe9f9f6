import { formatAmount } from '../domain/money.js';
import type { SimulatedStatement, StatementLine } from './simulatedStatement.js';

/**
 * Statement CSV columns (header line first, RFC 4180 quoting, `\n` line ends):
 *   reference_id – the payment's reference (the ledger's payment id)
 *   amount       – positive, with the currency's decimals and `.` (`125.50`, JPY `1500`)
 *   currency     – ISO 4217 code
 *   type         – `debit` (a payment) or `credit` (money coming back)
 *   reversal     – `true` when the line reverses an earlier one, else `false`
 *   booked_at    – ISO 8601 UTC instant the DFSP booked it
 *   payee_fa     – payee financial address
 *   narrative    – free text: payee FA and name
 * CSV carries no balances.
 */
export const statementColumns = [
  'reference_id',
  'amount',
  'currency',
  'type',
  'reversal',
  'booked_at',
  'payee_fa',
  'narrative',
] as const;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function row(line: StatementLine, currency: string): string[] {
  return [
    line.reference,
    formatAmount(line.amountMinor, currency),
    currency,
    line.direction,
    String(line.reversal),
    line.bookedAt,
    line.payeeFa,
    line.narrative,
  ];
}

/**
 * The statement as CSV.
 *
 * @example
 * statementCsv(statement);
 * // reference_id,amount,currency,type,reversal,booked_at,payee_fa,narrative
 * // 01JDQ…,10.00,KES,debit,false,2026-11-28T10:00:00.000Z,token:1@bank-a,token:1@bank-a Joe John
 */
export function statementCsv(statement: SimulatedStatement): string {
  const lines = [statementColumns.join(',')];
  for (const line of statement.lines) {
    lines.push(row(line, statement.currency).map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}
