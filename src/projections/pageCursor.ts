import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../application/readModels.js';
import { DomainError } from '../domain/domainError.js';

const MAX_CURSOR_CHARS = 200;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * A keyset cursor: the last key of a page and the list it belongs to, as base64url JSON. Opaque
 * to clients; the list name stops a batch cursor from being replayed on the payments list.
 *
 * @example
 * decodeCursor('payments', encodeCursor('payments', paymentId)); // paymentId
 */
export function encodeCursor(list: string, lastKey: string): string {
  return Buffer.from(JSON.stringify([list, lastKey])).toString('base64url');
}

/**
 * The last key a cursor of `list` carries. Throws `DomainError('invalid_cursor')` for anything
 * {@link encodeCursor} did not produce for that list.
 */
export function decodeCursor(list: string, cursor: string): string {
  const invalid = () =>
    new DomainError('invalid_cursor', 'cursor is not one this API issued', ['cursor']);
  if (cursor.length > MAX_CURSOR_CHARS || !BASE64URL.test(cursor)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw invalid();
  const [kind, lastKey] = decoded;
  if (kind !== list || typeof lastKey !== 'string') throw invalid();
  // One spelling per cursor: base64url decoding forgives trailing bits that were never issued.
  if (encodeCursor(list, lastKey) !== cursor) throw invalid();
  return lastKey;
}

/** The page size to read: `limit`, or the default; anything but an integer 1–500 is a bug. */
export function pageSize(limit: number | undefined): number {
  const size = limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${size}`);
  }
  return size;
}

/**
 * A page from rows read with one more than `size`: the extra row only says there is a next page.
 */
export function toPage<Row, Item>(
  list: string,
  rows: readonly Row[],
  size: number,
  keyOf: (row: Row) => string,
  toItem: (row: Row) => Item,
): { readonly items: Item[]; readonly nextCursor: string | null } {
  const pageRows = rows.slice(0, size);
  const last = pageRows[pageRows.length - 1];
  const more = rows.length > size && last !== undefined;
  return {
    items: pageRows.map(toItem),
    nextCursor: more ? encodeCursor(list, keyOf(last)) : null,
  };
}
