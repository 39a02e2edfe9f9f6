import { z } from 'zod';
import { isKnownCurrency } from '../domain/money.js';
import type { InjectionName } from './simulatedStatement.js';
import { type StatementFormat, statementFormats } from './statementFormats.js';
import { parseInjections } from './statementInjections.js';

/** A validated `GET /statements` query. */
export interface StatementQuery {
  format: StatementFormat;
  from?: Date;
  to?: Date;
  currency?: string;
  inject: InjectionName[];
}

// A date (UTC midnight) or a date-time with a zone: never a local time.
const isoInstant = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

const instant = (name: string) =>
  z
    .string()
    .max(40)
    .regex(isoInstant, `${name} must be an ISO 8601 instant, e.g. 2026-11-28T00:00:00Z`)
    .transform((text) => new Date(text))
    .refine((date) => !Number.isNaN(date.getTime()), `${name} is not a real instant`);

const querySchema = z.object({
  from: instant('from').optional(),
  to: instant('to').optional(),
  format: z
    .enum(statementFormats, { error: `format must be one of ${statementFormats.join(', ')}` })
    .default('csv'),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code')
    .refine(isKnownCurrency, 'currency is not one the ledger knows')
    .optional(),
  inject: z
    .string()
    .optional()
    .transform((text, ctx) => {
      const parsed = parseInjections(text);
      if (parsed.ok) return parsed.value;
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    }),
});

/**
 * Reads the query of `GET /statements?from&to&format&currency&inject` (an empty parameter is
 * an absent one). The message of a refusal names the parameter.
 *
 * @example
 * parseStatementQuery({ format: 'mt940', from: '2026-11-28', inject: 'omission' });
 * // { ok: true, value: { format: 'mt940', from: 2026-11-28T00:00:00.000Z, inject: ['omission'] } }
 */
export function parseStatementQuery(
  params: Readonly<Record<string, string>>,
): { ok: true; value: StatementQuery } | { ok: false; message: string } {
  const given = Object.fromEntries(Object.entries(params).filter(([, value]) => value !== ''));
  const parsed = querySchema.safeParse(given);
  if (!parsed.success) {
    return { ok: false, message: parsed.error.issues.map((issue) => issue.message).join('; ') };
  }
  const { from, to, currency, format, inject } = parsed.data;
  if (from !== undefined && to !== undefined && from.getTime() >= to.getTime()) {
    return { ok: false, message: 'from must be before to' };
  }
  if (format === 'csv' && inject.includes('balance-break')) {
    return {
      ok: false,
      message: 'inject=balance-break needs a format with balances (mt940, camt053)',
    };
  }
  const query: StatementQuery = { format, inject };
  if (from !== undefined) query.from = from;
  if (to !== undefined) query.to = to;
  if (currency !== undefined) query.currency = currency;
  return { ok: true, value: query };
}
