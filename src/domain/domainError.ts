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
  ) {
    super(message);
  }
}
