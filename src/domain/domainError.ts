/** One thing wrong with a command, and where (a rule set can have several at once). */
export interface DomainProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * A rule of the domain refused something: a malformed amount, a batch whose totals do not
 * match, an approval by the submitter. `code` is stable and machine-readable (the HTTP layer maps
 * it to a status and a problem type); `path` names the offending field where there is one.
 *
 * @example
 * throw new DomainError('amount_too_precise', 'KES allows 2 decimals, got "1.005"', ['amount']);
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly code: string,
    message: string,
    readonly path: readonly (string | number)[] = [],
    /** Every problem found, where a command can have several (a rule set). */
    readonly problems: readonly DomainProblem[] = [],
  ) {
    super(message);
  }
}

/**
 * Runs `parse`, prefixing the path of a DomainError it throws: a field parser reports what is
 * wrong, the caller says where.
 *
 * @example
 * withPath(['payments', 3, 'amount'], () => parseAmount(text, 'KES'));
 */
export function withPath<T>(path: readonly (string | number)[], parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof DomainError) {
      throw new DomainError(error.code, error.message, [...path, ...error.path], error.problems);
    }
    throw error;
  }
}
