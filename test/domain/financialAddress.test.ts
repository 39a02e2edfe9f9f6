import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/domainError.js';
import { maskFinancialAddress, parseFinancialAddress } from '../../src/domain/financialAddress.js';

function errorOf(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}

const chars = (alphabet: string) => fc.constantFrom(...alphabet);
const lower = 'abcdefghijklmnopqrstuvwxyz0123456789';
const typeArb = fc.string({ unit: chars(`${lower}-`), minLength: 1, maxLength: 32 });
const idArb = fc.string({
  unit: chars(`${lower}ABCDEFGHIJKLMNOPQRSTUVWXYZ._+-`),
  minLength: 1,
  maxLength: 64,
});
const labelArb = fc.string({ unit: chars(lower), minLength: 1, maxLength: 10 });
const providerArb = fc
  .array(labelArb, { minLength: 1, maxLength: 4 })
  .map((labels) => labels.join('.'))
  .filter((provider) => provider.length <= 64);

describe('parseFinancialAddress', () => {
  it.each([
    ['account:12345@national-bank', 'account', '12345', 'national-bank'],
    ['mobile:12345@mobile-pymt', 'mobile', '12345', 'mobile-pymt'],
    ['token:12345@gtbank', 'token', '12345', 'gtbank'],
    ['account:12345@abcd0000001.ifsc.pymt-rail', 'account', '12345', 'abcd0000001.ifsc.pymt-rail'],
    ['voucher:12345@food.coupon-network', 'voucher', '12345', 'food.coupon-network'],
    ['mobile:+254700000001@mpesa', 'mobile', '+254700000001', 'mpesa'],
    ['account:100200300@bank-a', 'account', '100200300', 'bank-a'],
    ['bank-account:AB_12.34-x@b1', 'bank-account', 'AB_12.34-x', 'b1'],
  ])('splits %s into its type, id and provider', (text, type, id, provider) => {
    expect(parseFinancialAddress(text)).toEqual({
      type,
      id,
      provider,
      normalized: `${type}:${id}@${provider}`,
    });
  });

  it('lower-cases the type and the provider, which the spec makes case-insensitive', () => {
    const fa = parseFinancialAddress('Account:12345@National-Bank');
    expect([fa.type, fa.provider]).toEqual(['account', 'national-bank']);
  });

  it('keeps the case of the id, since the DFSP must receive it as it was issued', () => {
    expect(parseFinancialAddress('TOKEN:AbC123xYz@GTBank').normalized).toBe(
      'token:AbC123xYz@gtbank',
    );
  });

  it('accepts an address of exactly 160 characters', () => {
    const text = `${'t'.repeat(30)}:${'i'.repeat(64)}@${'p'.repeat(64)}`;
    expect(text.length).toBe(160);
    expect(parseFinancialAddress(text).normalized).toBe(text);
  });

  it.each([
    [undefined, 'is not a string'],
    [null, 'is not a string'],
    [12345, 'is not a string'],
    [{ type: 'account' }, 'is not a string'],
    ['', 'is empty'],
    ['12345@bank-a', 'has no type'],
    ['joeuser@national-bank', 'has no type (the spec allows it, the ledger does not)'],
    ['account:12345', 'has no provider'],
    ['account:12345@', 'has an empty provider'],
    [':12345@bank-a', 'has an empty type'],
    ['account:@bank-a', 'has an empty id'],
    ['account:12:345@bank-a', 'has two colons'],
    ['account:12345@bank@a', 'has two @'],
    ['account@bank:12345', 'has the @ before the colon'],
    ['account :12345@bank-a', 'has a space'],
    ['account:12345@bank-a ', 'has a trailing space'],
    ['account:123\t45@bank-a', 'has a tab'],
    ['account:12345@bank-a\n', 'has a trailing newline'],
    ['acc_ount:12345@bank-a', 'has an underscore in its type'],
    [`${'t'.repeat(33)}:12345@bank-a`, 'has a type of 33 characters'],
    ['account:12/345@bank-a', 'has a slash in its id'],
    ['account:12345é@bank-a', 'has a non-ASCII id'],
    [`account:${'1'.repeat(65)}@bank-a`, 'has an id of 65 characters'],
    ['account:12345@bank_a', 'has an underscore in its provider'],
    ['account:12345@.bank', 'has a provider starting with a dot'],
    ['account:12345@bank.', 'has a provider ending with a dot'],
    ['account:12345@-bank', 'has a provider starting with a hyphen'],
    ['account:12345@bank-', 'has a provider ending with a hyphen'],
    ['account:12345@bank..a', 'has an empty label in its provider'],
    [`account:12345@${'p'.repeat(65)}`, 'has a provider of 65 characters'],
    ['account:12345@ban\u212A', 'has a Kelvin sign that lower-cases to an ASCII k'],
    [`${'t'.repeat(31)}:${'i'.repeat(64)}@${'p'.repeat(64)}`, 'is 161 characters long'],
  ])('refuses %j, which %s, as fa_malformed', (text: unknown, _reason: string) => {
    expect(errorOf(() => parseFinancialAddress(text)).code).toBe('fa_malformed');
  });

  it('refuses a huge string on its length, before looking inside it', () => {
    expect(errorOf(() => parseFinancialAddress('x'.repeat(100_000))).message).toContain('160');
  });

  it('names the part that is wrong', () => {
    expect(errorOf(() => parseFinancialAddress('account:12345@-bank')).message).toMatch(/provider/);
  });

  it('does not repeat the address in its error message, since messages can reach logs', () => {
    expect(errorOf(() => parseFinancialAddress('account:98765432@bank_a')).message).not.toContain(
      '98765432',
    );
  });

  it('leaves the path empty for the caller to fill in', () => {
    expect(errorOf(() => parseFinancialAddress('nope')).path).toEqual([]);
  });

  it('parses every well-formed address back to its parts, lower-casing only type and provider', () => {
    fc.assert(
      fc.property(typeArb, idArb, providerArb, (type, id, provider) => {
        const text = `${type.toUpperCase()}:${id}@${provider.toUpperCase()}`;
        expect(parseFinancialAddress(text)).toEqual({
          type,
          id,
          provider,
          normalized: `${type}:${id}@${provider}`,
        });
      }),
    );
  });

  it('gives the same address when its normalized form is parsed again', () => {
    fc.assert(
      fc.property(typeArb, idArb, providerArb, (type, id, provider) => {
        const once = parseFinancialAddress(`${type}:${id}@${provider}`);
        expect(parseFinancialAddress(once.normalized)).toEqual(once);
      }),
    );
  });

  it('either parses an arbitrary string or throws fa_malformed, never anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseFinancialAddress(text);
        } catch (error) {
          expect(error instanceof DomainError && error.code === 'fa_malformed').toBe(true);
        }
      }),
    );
  });
});

describe('maskFinancialAddress', () => {
  it('keeps the type, the provider and the last 4 characters of the id', () => {
    expect(maskFinancialAddress(parseFinancialAddress('account:100200300@bank-a'))).toBe(
      'account:****0300@bank-a',
    );
  });

  it('masks an id shorter than 8 characters entirely', () => {
    expect(maskFinancialAddress(parseFinancialAddress('token:12345@gtbank'))).toBe(
      'token:****@gtbank',
    );
  });

  it('keeps the last 4 characters of an id of exactly 8', () => {
    expect(maskFinancialAddress(parseFinancialAddress('mobile:+2547001@mno'))).toBe(
      'mobile:****7001@mno',
    );
  });

  it('never shows the whole id', () => {
    fc.assert(
      fc.property(typeArb, idArb, providerArb, (type, id, provider) => {
        const masked = maskFinancialAddress(parseFinancialAddress(`${type}:${id}@${provider}`));
        expect(masked).not.toContain(`:${id}@`);
      }),
    );
  });
});
