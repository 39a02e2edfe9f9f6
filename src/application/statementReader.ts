import type { ParsedStatement } from '../domain/statement.js';
import type { SignatureCheck, SignatureRefusal } from './dfspRequestAuthentication.js';

/**
 * Why a statement body was not read into a statement; each is a 4xx (`busy`: a 503) that records
 * nothing.
 */
export type StatementRefusal =
  | { readonly kind: 'unsigned'; readonly reason: SignatureRefusal }
  | { readonly kind: 'busy'; readonly message: string }
  | { readonly kind: 'too_large'; readonly message: string }
  | { readonly kind: 'invalid'; readonly message: string; readonly location: string }
  | { readonly kind: 'unsupported_type'; readonly message: string };

export type StatementRead =
  | { readonly ok: true; readonly statement: ParsedStatement; readonly contentSha256: string }
  | { readonly ok: false; readonly refusal: StatementRefusal };

/**
 * Reads a DFSP statement from a request body: hashed (the statement's identity), checked against
 * the sender's signature when one is being checked, its format taken from the media type or
 * detected, and parsed within the readers' limits. A signed body is parsed only once its
 * signature holds. A reader bounds how many statements it reads at once (`busy` beyond).
 *
 * @example
 * const read = await statements.read({ contentType, body, signature: check });
 * if (!read.ok) return refuse(read.refusal);
 */
export interface StatementReader {
  /** The largest body a statement may have, in bytes. */
  readonly maxBytes: number;
  read(input: {
    readonly contentType: string | undefined;
    readonly body: ReadableStream<Uint8Array>;
    readonly signature?: SignatureCheck;
  }): Promise<StatementRead>;
}
