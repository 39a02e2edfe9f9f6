import type { ParsedStatement } from '../domain/statement.js';
import type { SignatureCheck, SignatureRefusal } from './dfspRequestAuthentication.js';

/**
 * Why a statement body was not read into statements; each is a 4xx (`busy`: a 503) that records
 * nothing.
 */
export type StatementRefusal =
  | { readonly kind: 'unsigned'; readonly reason: SignatureRefusal }
  | { readonly kind: 'busy'; readonly message: string }
  | { readonly kind: 'too_large'; readonly message: string }
  | { readonly kind: 'invalid'; readonly message: string; readonly location: string }
  | { readonly kind: 'unsupported_type'; readonly message: string };

/**
 * A file read: its statements in file order (at least one; a CSV file holds one, an MT940 file
 * or camt message one or more) and the SHA-256 of its exact bytes, from which each statement's
 * id derives.
 */
export type StatementRead =
  | {
      readonly ok: true;
      readonly statements: readonly [ParsedStatement, ...ParsedStatement[]];
      readonly contentSha256: string;
    }
  | { readonly ok: false; readonly refusal: StatementRefusal };

/**
 * Reads a DFSP statement file from a request body (or an inbox): hashed (the file's identity),
 * checked against the sender's signature when one is being checked, its format taken from the
 * media type or detected from its content, and parsed within the readers' limits. A signed body
 * is parsed only once its signature holds. A reader bounds how many files it reads at once
 * (`busy` beyond).
 *
 * @example
 * const read = await statements.read({ contentType, body, signature: check });
 * if (!read.ok) return refuse(read.refusal);
 * await commands.importStatements(dfspId, read, context);
 */
export interface StatementReader {
  /** The largest body a statement file may have, in bytes. */
  readonly maxBytes: number;
  read(input: {
    readonly contentType: string | undefined;
    readonly body: ReadableStream<Uint8Array>;
    readonly signature?: SignatureCheck;
  }): Promise<StatementRead>;
}
