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
