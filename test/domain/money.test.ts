import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/domainError.js';
import {
  formatAmount,
  isKnownCurrency,
  MINOR_UNITS,
  minorUnitsOf,
  parseAmount,
} from '../../src/domain/money.js';

const currencies = Object.keys(MINOR_UNITS);
const MAX_AMOUNT_INTEGER_DIGITS = 13;

function decimalsOf(currency: string): number {
  const decimals = minorUnitsOf(currency);
  if (decimals === undefined) throw new Error(`test setup: ${currency} is not in the table`);
  return decimals;
}

function errorOf(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}

/** A valid amount string for `currency`: no leading zeros, not zero, within the limits. */
function validAmountText(currency: string): fc.Arbitrary<string> {
  const decimals = decimalsOf(currency);
  const integerPart = fc.oneof(
    fc.constant('0'),
    fc
      .tuple(
        fc.integer({ min: 1, max: 9 }),
        fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 12 }),
      )
      .map(([first, rest]) => `${first}${rest}`),
  );
  const fraction = fc.string({
    unit: fc.constantFrom(...'0123456789'),
    maxLength: decimals,
  });
  return fc
    .tuple(integerPart, fraction)
    .map(([int, frac]) => (frac === '' ? int : `${int}.${frac}`))
    .filter((text) => /[1-9]/.test(text));
}

describe('the minor-unit table', () => {
  // biome-ignore format: a table reads better packed
  it.each([
    ['KES', 2], ['UGX', 0], ['TZS', 2], ['RWF', 0], ['ETB', 2], ['NGN', 2], ['GHS', 2],
    ['ZAR', 2], ['XOF', 0], ['XAF', 0], ['MWK', 2], ['ZMW', 2], ['MZN', 2], ['USD', 2],
    ['EUR', 2], ['GBP', 2], ['INR', 2], ['PHP', 2], ['IDR', 2], ['BDT', 2], ['PKR', 2],
    ['NPR', 2], ['LKR', 2], ['MXN', 2], ['BRL', 2], ['COP', 2], ['PEN', 2], ['HTG', 2],
    ['JPY', 0], ['KRW', 0], ['CLP', 0], ['VND', 0], ['ISK', 0], ['BHD', 3], ['KWD', 3],
    ['OMR', 3], ['JOD', 3], ['TND', 3], ['LYD', 3], ['IQD', 3],
  ] as const)('gives %s %i decimals, as ISO 4217 does', (currency, decimals) => {
    expect(minorUnitsOf(currency)).toBe(decimals);
  });

  it('is frozen, so no caller can add or change a currency', () => {
    expect(Object.isFrozen(MINOR_UNITS)).toBe(true);
  });

  it('does not know a lower-case code, an unlisted code or an inherited property name', () => {
    expect(['kes', 'XXX', '', 'toString', '__proto__', 'constructor'].map(isKnownCurrency)).toEqual(
      [false, false, false, false, false, false],
    );
  });

  it('knows every currency it lists', () => {
    expect(currencies.every(isKnownCurrency)).toBe(true);
  });
});

describe('parseAmount', () => {
  it.each([
    ['10.5', 'KES', 1050n],
    ['10', 'KES', 1000n],
    ['10.50', 'KES', 1050n],
    ['0.01', 'KES', 1n],
    ['0.5', 'KES', 50n],
    ['1500', 'JPY', 1500n],
    ['1', 'UGX', 1n],
    ['0.001', 'BHD', 1n],
    ['1.5', 'KWD', 1500n],
    ['9999999999999.99', 'KES', 999999999999999n],
    ['9999999999999', 'VND', 9999999999999n],
    ['9999999999999.999', 'IQD', 9999999999999999n],
  ] as const)('reads "%s" %s as %s minor units', (text, currency, expected) => {
    expect(parseAmount(text, currency)).toBe(expected);
  });

  it.each([
    { text: 10, code: 'amount_not_a_string' },
    { text: 10n, code: 'amount_not_a_string' },
    { text: null, code: 'amount_not_a_string' },
    { text: undefined, code: 'amount_not_a_string' },
    { text: { value: '10' }, code: 'amount_not_a_string' },
    { text: ['10'], code: 'amount_not_a_string' },
    { text: '', code: 'amount_malformed' },
    { text: 'abc', code: 'amount_malformed' },
    { text: '1e5', code: 'amount_malformed' },
    { text: '1E5', code: 'amount_malformed' },
    { text: '-5', code: 'amount_malformed' },
    { text: '-0.01', code: 'amount_malformed' },
    { text: '+5', code: 'amount_malformed' },
    { text: ' 5', code: 'amount_malformed' },
    { text: '5 ', code: 'amount_malformed' },
    { text: '5\n', code: 'amount_malformed' },
    { text: '1 000', code: 'amount_malformed' },
    { text: '1,000.00', code: 'amount_malformed' },
    { text: '10,50', code: 'amount_malformed' },
    { text: '0x10', code: 'amount_malformed' },
    { text: '1.', code: 'amount_malformed' },
    { text: '.5', code: 'amount_malformed' },
    { text: '1.2.3', code: 'amount_malformed' },
    { text: 'Infinity', code: 'amount_malformed' },
    { text: 'NaN', code: 'amount_malformed' },
    { text: '١٠', code: 'amount_malformed' },
    { text: '007.50', code: 'amount_malformed' },
    { text: '00', code: 'amount_malformed' },
    { text: '0', code: 'amount_not_positive' },
    { text: '0.00', code: 'amount_not_positive' },
    { text: '0.0', code: 'amount_not_positive' },
    { text: '1.005', code: 'amount_too_precise' },
    { text: '0.001', code: 'amount_too_precise' },
    { text: '10000000000000', code: 'amount_too_large' },
    { text: '12345678901234.5', code: 'amount_too_large' },
  ])('refuses $text in KES with $code', ({ text, code }) => {
    expect(errorOf(() => parseAmount(text, 'KES')).code).toBe(code);
  });

  it('refuses a fraction of a zero-decimal currency as too precise', () => {
    expect(errorOf(() => parseAmount('1.5', 'JPY')).code).toBe('amount_too_precise');
  });

  it('refuses even a zero fraction of a zero-decimal currency, since no decimals are allowed', () => {
    expect(errorOf(() => parseAmount('1.0', 'JPY')).code).toBe('amount_too_precise');
  });

  it('refuses an amount in a currency it does not know', () => {
    expect(errorOf(() => parseAmount('10.00', 'XYZ')).code).toBe('unknown_currency');
  });

  it('names the currency, its decimals and the input when an amount is too precise', () => {
    expect(errorOf(() => parseAmount('1.005', 'KES')).message).toBe(
      'KES allows 2 decimals, got "1.005"',
    );
  });

  it('leaves the path empty for the caller to fill in', () => {
    expect(errorOf(() => parseAmount('abc', 'KES')).path).toEqual([]);
  });

  it('quotes at most 40 characters of a huge input in its message', () => {
    const message = errorOf(() => parseAmount('x'.repeat(100_000), 'KES')).message;
    expect(message.length).toBeLessThan(200);
  });

  it('says what type it got when the amount is not a string', () => {
    expect(errorOf(() => parseAmount(10.5, 'KES')).message).toContain('got a number');
  });

  it(`keeps the amount limit at ${MAX_AMOUNT_INTEGER_DIGITS} integer digits`, () => {
    expect(parseAmount('9'.repeat(MAX_AMOUNT_INTEGER_DIGITS), 'JPY')).toBe(10n ** 13n - 1n);
    expect(
      errorOf(() => parseAmount(`1${'0'.repeat(MAX_AMOUNT_INTEGER_DIGITS)}`, 'JPY')).code,
    ).toBe('amount_too_large');
  });

  it('gives back every amount formatAmount wrote, in every currency', () => {
    const currencyAndAmount = fc.constantFrom(...currencies).chain((currency) => {
      const largestMinor = 10n ** BigInt(MAX_AMOUNT_INTEGER_DIGITS + decimalsOf(currency)) - 1n;
      return fc.tuple(fc.constant(currency), fc.bigInt({ min: 1n, max: largestMinor }));
    });
    fc.assert(
      fc.property(currencyAndAmount, ([currency, amountMinor]) => {
        expect(parseAmount(formatAmount(amountMinor, currency), currency)).toBe(amountMinor);
      }),
    );
  });

  it('gives back every small amount formatAmount wrote, down to one minor unit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...currencies),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        (currency, amountMinor) => {
          expect(parseAmount(formatAmount(amountMinor, currency), currency)).toBe(amountMinor);
        },
      ),
    );
  });

  it('reads every valid string so that formatting it back only pads its decimals', () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(...currencies)
          .chain((currency) => fc.tuple(fc.constant(currency), validAmountText(currency))),
        ([currency, text]) => {
          const decimals = decimalsOf(currency);
          const [int, frac = ''] = text.split('.');
          const padded = decimals === 0 ? text : `${int}.${frac.padEnd(decimals, '0')}`;
          expect(formatAmount(parseAmount(text, currency), currency)).toBe(padded);
        },
      ),
    );
  });

  it('never accepts more decimals than the currency allows', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...currencies),
        fc.bigInt({ min: 0n, max: 10n ** 13n - 1n }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 9 }),
        (currency, major, extraDigits, lastDigit) => {
          const fraction = `${'0'.repeat(decimalsOf(currency) + extraDigits - 1)}${lastDigit}`;
          const text = `${major}.${fraction}`;
          expect(errorOf(() => parseAmount(text, currency)).code).toBe('amount_too_precise');
        },
      ),
    );
  });
});

describe('formatAmount', () => {
  it.each([
    [1050n, 'KES', '10.50'],
    [1n, 'KES', '0.01'],
    [0n, 'KES', '0.00'],
    [1500n, 'JPY', '1500'],
    [1n, 'BHD', '0.001'],
    [1000n, 'BHD', '1.000'],
    [999999999999999n, 'KES', '9999999999999.99'],
    [-5n, 'KES', '-0.05'],
    [-1050n, 'KES', '-10.50'],
    [-1500n, 'JPY', '-1500'],
    [-1n, 'KWD', '-0.001'],
  ] as const)('writes %s minor units of %s as "%s"', (amountMinor, currency, expected) => {
    expect(formatAmount(amountMinor, currency)).toBe(expected);
  });

  it('refuses a currency it does not know', () => {
    expect(errorOf(() => formatAmount(100n, 'XYZ')).code).toBe('unknown_currency');
  });

  it('writes a negative amount as the positive one with a leading minus', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...currencies),
        fc.bigInt({ min: 1n, max: 10n ** 16n }),
        (currency, amountMinor) => {
          expect(formatAmount(-amountMinor, currency)).toBe(
            `-${formatAmount(amountMinor, currency)}`,
          );
        },
      ),
    );
  });

  it('always writes exactly the currency’s decimals', () => {
    fc.assert(
      fc.property(fc.constantFrom(...currencies), fc.bigInt(), (currency, amountMinor) => {
        const decimals = decimalsOf(currency);
        const [, fraction] = formatAmount(amountMinor, currency).split('.');
        expect(fraction?.length ?? 0).toBe(decimals);
      }),
    );
  });
});
