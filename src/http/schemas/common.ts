import { z } from '@hono/zod-openapi';
import { PROBLEM_CONTENT_TYPE } from '../problems.js';

/**
 * Building blocks of the HTTP API v1 schemas: ids, money, problems, pages. Every string has a
 * length limit and every array a size limit; every object is strict (an unknown field is a 400).
 */

/** A business id (batch, payment): a ULID as the ledger draws them. */
export const UlidSchema = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID (26 characters, Crockford base 32)')
  .openapi({ example: '01JB4Z6Q0X8Y7W3V2T1S0R9P8N' });

/** A DFSP id: lower-case letters, digits and `-`, up to 63 characters. */
export const DfspIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and "-", at most 63')
  .openapi({ example: 'bank-a' });

/** An ISO 4217 currency code. */
export const CurrencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "KES"')
  .openapi({ example: 'KES' });

/**
 * An amount at the API: a plain decimal string, never a JSON number (a number would lose
 * exactness). The shape is checked here; the currency's decimals, leading zeros and the upper
 * bound are checked by the domain, which names the same field.
 */
export const AmountSchema = z
  .string({ error: 'must be a decimal string such as "10.50", not a JSON number' })
  .max(32, 'must be at most 32 characters')
  .regex(/^\d+(\.\d+)?$/, 'must be a plain decimal string such as "10.50"')
  .openapi({ example: '1250.50' });

/** An ISO-8601 instant with an offset. */
export const InstantSchema = z.iso
  .datetime({ offset: true, error: 'must be an ISO-8601 instant such as 2026-11-28T10:00:00Z' })
  .openapi({ example: '2026-11-28T10:00:00Z' });

/** A financial address `type:id@provider`; parsed by the domain. */
export const FinancialAddressSchema = z
  .string()
  .min(1)
  .max(160)
  .openapi({ example: 'account:100200300@bank-a' });

/**
 * Free-form attributes of a payment that routing rules can match (`{"disability": "yes"}`): at
 * most 10, keys up to 64 and values up to 100 characters, so that 1,000 payments fit the
 * payments route's body limit.
 */
export const AttributesSchema = z
  .record(
    z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'keys are 1 to 64 letters, digits or "._-"'),
    z.string().max(100, 'values are at most 100 characters'),
  )
  .refine((value) => Object.keys(value).length <= 10, 'at most 10 attributes')
  .openapi({ example: { disability: 'yes' } });

/** An optional free-text reason (cancel, suspend). */
export const ReasonBodySchema = z
  .strictObject({ reason: z.string().min(1).max(500).optional() })
  .openapi('Reason');

/** `limit` and `cursor` of a list. */
export const pageQueryShape = {
  limit: z.coerce
    .number({ error: 'must be an integer from 1 to 500' })
    .int('must be an integer from 1 to 500')
    .min(1, 'must be an integer from 1 to 500')
    .max(500, 'must be an integer from 1 to 500')
    .optional()
    .openapi({ example: 100, description: '1 to 500; default 100' }),
  cursor: z
    .string()
    .min(1)
    .max(500)
    .optional()
    .openapi({ description: 'the `nextCursor` of the previous page' }),
};

/** A page of a list: its items and the cursor of the next page (null on the last). */
export function pageOf<Item extends z.ZodType>(item: Item) {
  return z.object({
    items: z.array(item).readonly(),
    nextCursor: z.string().nullable().openapi({ description: 'opaque; null on the last page' }),
  });
}

/** An RFC 9457 problem, as every error answer carries it. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'https://g2p-ledger.dev/problems/amount_too_precise' }),
    title: z.string().openapi({ example: 'Amount too precise' }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string(),
    errors: z
      .array(
        z.object({
          path: z.string().openapi({ example: 'payments[3].amount' }),
          message: z.string(),
        }),
      )
      .optional(),
  })
  .openapi('Problem');

const PROBLEM_DESCRIPTIONS = {
  400: 'Malformed request: the problem names every offending field',
  401: 'Missing or unknown bearer token',
  403: 'The principal lacks the role, or may not do this (four eyes)',
  404: 'No such resource',
  409: 'Conflicts with the state of the ledger or an earlier request with the same id',
  413: 'Request body too large',
  415: 'Request body is not application/json',
  422: 'Refused by a business rule',
  500: 'Unexpected error',
  501: 'Not available in this deployment',
} as const;
type ProblemStatus = keyof typeof PROBLEM_DESCRIPTIONS;

/**
 * The documented error answers of a route: the given statuses plus those of every authenticated
 * route (401, 403, 500).
 *
 * @example
 * responses: { 200: …, ...problemResponses(400, 404) }
 */
export function problemResponses<const Status extends ProblemStatus>(...statuses: Status[]) {
  const all = [...new Set<ProblemStatus>([...statuses, 401, 403, 500])].sort((a, b) => a - b);
  return Object.fromEntries(
    all.map((status) => [
      status,
      {
        description: PROBLEM_DESCRIPTIONS[status],
        content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
      },
    ]),
  ) as Record<Status | 401 | 403 | 500, ProblemResponse>;
}

interface ProblemResponse {
  readonly description: string;
  readonly content: {
    readonly 'application/problem+json': { readonly schema: typeof ProblemSchema };
  };
}

/** The security requirement of every authenticated route. */
export const BEARER_SECURITY = [{ bearerAuth: [] }];
