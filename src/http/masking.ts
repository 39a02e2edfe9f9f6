import { maskFinancialAddress, parseFinancialAddress } from '../domain/financialAddress.js';
import { ERASED } from '../domain/personalData.js';

const MASK = '****';
const NAME_MASK = '***';
const KEPT_ID_CHARS = 4;
const MIN_ID_LENGTH_TO_KEEP_TAIL = 8;

// type:id@provider, as in parseFinancialAddress; `:` and `@` may arrive percent-encoded in paths.
const ADDRESS = /([A-Za-z0-9-]{1,32})(:|%3A)([^\s/@"'%]|%(?!40))+(@|%40)/gi;

/**
 * Masks the id of everything in free text that looks like a financial address
 * (`account:****@bank-a`), for log lines built from paths and error messages, which may carry
 * one the code did not expect.
 *
 * @example
 * maskAddresses('/v1/payments/account:100200300@bank-a'); // '/v1/payments/account:****@bank-a'
 */
export function maskAddresses(text: string): string {
  return text.replace(ADDRESS, '$1$2****$4');
}

/**
 * Masks a payee's financial address for a reader who may not see it whole (DESIGN.md, "Trust"):
 * as {@link maskFinancialAddress} does for logs. An erased one reads `[erased]` to everyone;
 * any other text that is no financial address is masked as free text, never shown unchanged.
 *
 * @example
 * maskPayeeFa('account:100200300@bank-a'); // 'account:****0300@bank-a'
 */
export function maskPayeeFa(text: string): string {
  if (text === ERASED) return text;
  try {
    return maskFinancialAddress(parseFinancialAddress(text));
  } catch {
    return maskAddresses(text) === text ? MASK : maskAddresses(text);
  }
}

/**
 * Masks a person's name: each word keeps its first letter, the rest becomes `***`, so the mask
 * does not give away a word's length.
 *
 * @example
 * maskName('Jane Doe'); // 'J*** D***'
 */
export function maskName(name: string): string {
  return name
    .split(/\s+/)
    .filter((word) => word !== '')
    .map((word) => `${Array.from(word)[0] ?? ''}${NAME_MASK}`)
    .join(' ');
}

/**
 * Masks an identifier (a beneficiary id may be a national id): `****` followed by its last 4
 * characters when it has at least 8, else `****` alone, as financial addresses are masked; an
 * erased one stays `[erased]`.
 *
 * @example
 * maskIdentifier('NID-19800101-0123'); // '****0123'
 */
export function maskIdentifier(id: string): string {
  if (id === ERASED) return id;
  return id.length >= MIN_ID_LENGTH_TO_KEEP_TAIL ? `${MASK}${id.slice(-KEPT_ID_CHARS)}` : MASK;
}
