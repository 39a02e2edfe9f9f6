/**
 * A statement that cannot be read: not the format, malformed, or beyond a limit. `location`
 * names where (`line 12`, `Document/BkToCstmrStmt/Stmt/Ntry[3]/Amt`, `body`); the message never
 * quotes more than a few characters of the input.
 */
export class StatementFormatError extends Error {
  override readonly name = 'StatementFormatError';

  constructor(
    readonly location: string,
    message: string,
    /** True when a limit was passed (the HTTP layer answers 413 rather than 400). */
    readonly tooLarge = false,
  ) {
    super(`${location}: ${message}`);
  }
}
