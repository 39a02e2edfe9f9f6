import { DomainError } from './domainError.js';

/**
 * A G2P Connect financial address, `type:id@provider` (`cdpi_FinancialAddress`), split into its
 * parts. `type` and `provider` are lower-case; `id` keeps the case it was given (see
 * `parseFinancialAddress`); `normalized` is `type:id@provider` built from those parts, the form
 * to store, compare and send to a DFSP.
 *
 * @example
 * const fa: FinancialAddress = {
 *   type: 'account', id: '100200300', provider: 'bank-a', normalized: 'account:100200300@bank-a',
 * };
 */
export type FinancialAddress = {
  readonly type: string;
  readonly id: string;
  readonly provider: string;
  readonly normalized: string;
};

const MAX_LENGTH = 160;
// Checked case-insensitively on the raw text, and only then lower-cased: lower-casing first would
// let non-ASCII letters in (U+212A KELVIN SIGN lower-cases to an ASCII "k").
const TYPE = /^[a-z0-9-]{1,32}$/i;
const ID = /^[A-Za-z0-9._+-]{1,64}$/;
const PROVIDER = /^[a-z0-9.-]{1,64}$/i;
const PROVIDER_EDGE = /^[.-]|[.-]$/;
const WHITESPACE = /\s/;
const KEPT_ID_CHARS = 4;
const MIN_ID_LENGTH_TO_KEEP_TAIL = 8;

/**
 * Parses a financial address of the form `type:id@provider`, e.g. `account:12345@national-bank`,
 * `mobile:+254700000000@mpesa`, `account:12345@abcd0000001.ifsc.pymt-rail`. Rules: no whitespace,
 * at most 160 characters, exactly one `:` and then exactly one `@`; type `[a-z0-9-]{1,32}`; id
 * `[A-Za-z0-9._+-]{1,64}` (a mobile number may start with `+`); provider `[a-z0-9.-]{1,64}`, not
 * starting or ending with `.` or `-` and without `..`. The spec calls the address case-insensitive:
 * type and provider are lower-cased, but the id keeps its case, because it is the DFSP's own
 * opaque account, token or voucher code, and a DFSP that treats it case-sensitively must receive
 * it as the beneficiary registry gave it (lower-casing would lose that for good). Address forms
 * without a type (the spec's `joeuser@national-bank`) are refused. Throws `DomainError`
 * `fa_malformed` (path `[]`) naming the part that is wrong.
 *
 * The spec's own `format` regex, `^[a-zA-Z0-9.-]+@[a-zA-Z0-9.-]+$`, cannot match the `:` of its
 * own examples, so it is not used here.
 *
 * @example
 * parseFinancialAddress('Account:12345@National-Bank');
 * // { type: 'account', id: '12345', provider: 'national-bank',
 * //   normalized: 'account:12345@national-bank' }
 */
export function parseFinancialAddress(text: unknown): FinancialAddress {
  if (typeof text !== 'string') {
    throw malformed('a financial address must be a string such as "account:12345@bank-a"');
  }
  if (text.length > MAX_LENGTH) {
    throw malformed(`a financial address has at most ${MAX_LENGTH} characters, got ${text.length}`);
  }
  if (WHITESPACE.test(text)) {
    throw malformed('a financial address must not contain whitespace');
  }
  const [rawType, afterType, ...extraColons] = text.split(':');
  if (afterType === undefined || extraColons.length > 0 || rawType === undefined) {
    throw malformed(
      'a financial address must have exactly one ":" between its type and id, ' +
        'as in "account:12345@bank-a"',
    );
  }
  const [id, rawProvider, ...extraAts] = afterType.split('@');
  if (rawProvider === undefined || extraAts.length > 0 || id === undefined) {
    throw malformed(
      'a financial address must have exactly one "@" between its id and provider, ' +
        'as in "account:12345@bank-a"',
    );
  }
  if (!TYPE.test(rawType)) {
    throw malformed(
      'the type of a financial address must be 1 to 32 letters, digits or "-" ' +
        '(e.g. "account", "mobile")',
    );
  }
  if (!ID.test(id)) {
    throw malformed(
      'the id of a financial address must be 1 to 64 letters, digits, ".", "_", "+" or "-"',
    );
  }
  if (!PROVIDER.test(rawProvider)) {
    throw malformed(
      'the provider of a financial address must be 1 to 64 letters, digits, "." or "-"',
    );
  }
  if (PROVIDER_EDGE.test(rawProvider) || rawProvider.includes('..')) {
    throw malformed(
      'the provider of a financial address must not start or end with "." or "-", nor contain ".."',
    );
  }
  const type = rawType.toLowerCase();
  const provider = rawProvider.toLowerCase();
  return { type, id, provider, normalized: `${type}:${id}@${provider}` };
}

/**
 * Masks a financial address for logs, which never carry a full one: the id becomes `****`
 * followed by its last 4 characters. An id shorter than 8 characters is masked entirely, since
 * its last 4 would give most of it away. The mask has a fixed width, so it does not leak the id's
 * length either.
 *
 * @example
 * maskFinancialAddress(parseFinancialAddress('account:100200300@bank-a'));
 * // "account:****0300@bank-a"
 * maskFinancialAddress(parseFinancialAddress('token:12345@gtbank')); // "token:****@gtbank"
 */
export function maskFinancialAddress(fa: FinancialAddress): string {
  const tail = fa.id.length >= MIN_ID_LENGTH_TO_KEEP_TAIL ? fa.id.slice(-KEPT_ID_CHARS) : '';
  return `${fa.type}:****${tail}@${fa.provider}`;
}

function malformed(message: string): DomainError {
  return new DomainError('fa_malformed', message, []);
}
