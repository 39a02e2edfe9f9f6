import type { LedgerEntry } from './referenceBook.js';

/**
 * Statement CSV columns (RFC 4180, `\n` line ends, header line first):
 *   reference_id – the payment's reference (the ledger's payment id)
 *   amount       – decimal string as instructed, e.g. `125.50`
 *   currency     – ISO 4217 code
 *   payee_fa     – payee financial address
 *   paid_at      – ISO 8601 UTC instant the DFSP paid it
 * One line per paid reference with `from <= paid_at < to`, in payment order.
 */
export const statementColumns = [
  'reference_id',
  'amount',
  'currency',
  'payee_fa',
  'paid_at',
] as const;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The statement of `entries` paid in [from, to); an absent bound is open. */
export function statementCsv(entries: readonly LedgerEntry[], from?: Date, to?: Date): string {
  const lines = [statementColumns.join(',')];
  for (const entry of entries) {
    const paidAt = Date.parse(entry.paid_at);
    if (from !== undefined && paidAt < from.getTime()) continue;
    if (to !== undefined && paidAt >= to.getTime()) continue;
    lines.push(statementColumns.map((column) => csvField(entry[column])).join(','));
  }
  return `${lines.join('\n')}\n`;
}
