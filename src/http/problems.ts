import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { WrongExpectedRevisionError } from '../application/eventStore.js';
import { DomainError } from '../domain/domainError.js';

/** Where every problem type URI starts; the code follows (`…/problems/amount_too_precise`). */
export const PROBLEM_TYPE_BASE = 'https://g2p-ledger.dev/problems/';

/** The media type of every error answer (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The most `errors` entries one problem lists; the detail says how many more there were. */
export const MAX_PROBLEM_ERRORS = 1_000;

/** One offending field: `payments[3].amount`, `declaredTotal`, `limit`. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** An RFC 9457 problem as this API answers it. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: ContentfulStatusCode;
  readonly detail: string;
  readonly errors?: readonly FieldError[];
}

/**
 * The one table from domain error codes to HTTP statuses. Codes not listed: `*_not_found` is
 * 404, anything else 422 (the request was understood and well-formed, the ledger refused it).
 */
const STATUS_BY_CODE: ReadonlyMap<string, ContentfulStatusCode> = new Map<
  string,
  ContentfulStatusCode
>([
  // Malformed input.
  ['amount_not_a_string', 400],
  ['amount_malformed', 400],
  ['amount_too_precise', 400],
  ['amount_too_large', 400],
  ['amount_not_positive', 400],
  ['unknown_currency', 400],
  ['fa_malformed', 400],
  ['invalid_count', 400],
  ['duplicate_reference', 400],
  ['chunk_size', 400],
  ['invalid_rules', 400],
  ['invalid_cursor', 400],
  ['invalid_as_of', 400],
  ['invalid_mapping', 400],
  ['unknown_profile', 400],
  ['evidence_required', 400],
  // A principal who may not do this to this batch.
  ['four_eyes', 403],
  // The state of the ledger does not allow it.
  ['batch_exists', 409],
  ['preview_unavailable', 409],
  ['payment_not_in_doubt', 409],
  ['resolution_mismatch', 409],
  ['reference_conflict', 409],
  ['batch_not_open', 409],
  ['batch_not_submitted', 409],
  ['batch_finished', 409],
  ['declared_below_received', 409],
  ['id_mapper_url_refused', 400],
  ['invalid_credentials', 400],
  ['payment_already_sent', 409],
  ['payment_not_failed', 409],
  ['beneficiary_erased', 409],
  ['concurrent_modification', 409],
  // Understood, well-formed, and refused by a business rule.
  ['control_totals_mismatch', 422],
  ['declared_count_exceeded', 422],
]);

/**
 * An error that is already a problem: thrown by HTTP code for refusals that are not the
 * domain's (a feature this deployment lacks), answered as is.
 */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';

  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

/**
 * The HTTP status for a domain error code.
 *
 * @example
 * statusForDomainCode('four_eyes'); // 403
 * statusForDomainCode('dfsp_not_found'); // 404
 * statusForDomainCode('something_new'); // 422
 */
export function statusForDomainCode(code: string): ContentfulStatusCode {
  const listed = STATUS_BY_CODE.get(code);
  if (listed !== undefined) return listed;
  return code.endsWith('_not_found') ? 404 : 422;
}

/**
 * A problem of a stable `code`; the title is the code in words (`batch_not_open` → "Batch not
 * open"), the same for every problem of that type.
 *
 * @example
 * problem('unauthorized', 401, 'send Authorization: Bearer <token>');
 */
export function problem(
  code: string,
  status: ContentfulStatusCode,
  detail: string,
  errors?: readonly FieldError[],
): Problem {
  const words = code.replaceAll('_', ' ');
  const title = words.charAt(0).toUpperCase() + words.slice(1);
  return {
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title,
    status,
    detail,
    ...(errors === undefined || errors.length === 0 ? {} : { errors }),
  };
}

/**
 * The problem for a domain refusal: its code's status, its message as the detail, and the
 * fields it names (every entry of `problems`, or else its `path`).
 */
export function problemFromDomainError(error: DomainError): Problem {
  const fields =
    error.problems.length > 0
      ? error.problems.map((entry) => ({ path: formatPath(entry.path), message: entry.message }))
      : error.path.length > 0
        ? [{ path: formatPath(error.path), message: error.message }]
        : [];
  return problem(error.code, statusForDomainCode(error.code), error.message, cap(fields));
}

/**
 * The 400 problem for a request that failed its schema: every issue with the field it names.
 * An unknown field is listed under its own path. `part` says what was checked ("request body",
 * "query", "path").
 */
export function problemFromZodError(error: ZodError, part: string): Problem {
  const fields: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        fields.push({ path: formatPath([...issue.path, key]), message: 'unknown field' });
      }
    } else {
      fields.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  const listed = cap(fields);
  const more = fields.length - listed.length;
  const detail =
    `the ${part} has ${fields.length} problem${fields.length === 1 ? '' : 's'}` +
    (more > 0 ? ` (the first ${listed.length} are listed)` : '');
  return problem('validation_failed', 400, detail, listed);
}

/**
 * Maps what a handler threw to a problem: domain refusals and conflicting writes to their
 * statuses; anything else to `undefined` (an unexpected error the caller logs and answers 500).
 */
export function problemFromError(error: unknown): Problem | undefined {
  if (error instanceof ProblemError) return error.problem;
  if (error instanceof DomainError) return problemFromDomainError(error);
  if (error instanceof WrongExpectedRevisionError) {
    return problem(
      'concurrent_modification',
      409,
      'another request changed the same record at the same time; retry the request',
    );
  }
  return undefined;
}

/**
 * Formats a field path the one way this API shows it: `payments[3].amount`,
 * `rules[0].when.minAmount`, `attributes["needs review"]`; the whole body is `(root)`.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'symbol') text += `[${String(key)}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text === '' ? '(root)' : text;
}

/** Answers a problem as `application/problem+json`, keeping headers already set on `c`. */
export function respondProblem(c: Context, body: Problem, headers?: Record<string, string>) {
  return c.json(body, body.status, { ...headers, 'content-type': PROBLEM_CONTENT_TYPE });
}

function cap(fields: readonly FieldError[]): readonly FieldError[] {
  return fields.length > MAX_PROBLEM_ERRORS ? fields.slice(0, MAX_PROBLEM_ERRORS) : fields;
}
