import { describe, expect, test } from 'vitest';
import { parseCsvStatement } from '../../src/adapters/statements/csvStatement.js';
import {
  DEFAULT_STATEMENT_LIMITS,
  StatementFormatError,
} from '../../src/adapters/statements/statementInput.js';

const PAYMENT_1 = '01JD4X7K2M3N4P5Q6R7S8T9V0W';
const PAYMENT_2 = '01JD4X7K2M3N4P5Q6R7S8T9V0X';
const MiB = 1024 * 1024;

async function* of(text: string | Uint8Array): AsyncGenerator<Uint8Array> {
  yield typeof text === 'string' ? Buffer.from(text) : text;
}

async function* inChunks(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function failure(parsing: Promise<unknown>): Promise<StatementFormatError> {
  const error = await parsing.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(StatementFormatError);
  return error as StatementFormatError;
}

const statement = [
  'Payee_FA,Narrative,Type,Amount,Currency,Reference_ID,Booked_At,Reversal',
  `token:4711,Malipo ya Novemba — Nairobi ✓,debit,1500.00,KES,${PAYMENT_1},2026-11-28,false`,
  `token:4712,,C,250.5,KES,${PAYMENT_2},2026-11-29T09:30:00+03:00,true`,
  '',
].join('\n');

describe('CSV statements', () => {
  test(
    'columns are found by name, ' + 'in any order and any case; other columns are ignored',
    async () => {
      const parsed = await parseCsvStatement(of(statement));

      expect(parsed).toEqual({
        format: 'csv',
        from: '2026-11-28',
        to: '2026-11-29',
        lines: [
          {
            lineNumber: 1,
            reference: PAYMENT_1,
            amountMinor: 150000n,
            currency: 'KES',
            direction: 'debit',
            reversal: false,
            bookedOn: '2026-11-28',
            narrative: 'Malipo ya Novemba — Nairobi ✓',
          },
          {
            lineNumber: 2,
            reference: PAYMENT_2,
            amountMinor: 25050n,
            currency: 'KES',
            direction: 'credit',
            reversal: true,
            bookedOn: '2026-11-29',
          },
        ],
        notices: [],
      });
    },
  );

  test('chunks of 1 and 7 bytes, cutting characters in half, parse the same', async () => {
    const whole = await parseCsvStatement(of(statement));

    expect(await parseCsvStatement(inChunks(statement, 1))).toEqual(whole);
    expect(await parseCsvStatement(inChunks(statement, 7))).toEqual(whole);
  });

  test('only the required columns: a debit, not reversed, without date or narrative', async () => {
    const parsed = await parseCsvStatement(of(`reference_id,amount,currency\n${PAYMENT_1},10,KES`));

    expect(parsed).toEqual({
      format: 'csv',
      lines: [
        {
          lineNumber: 1,
          reference: PAYMENT_1,
          amountMinor: 1000n,
          currency: 'KES',
          direction: 'debit',
          reversal: false,
        },
      ],
      notices: [],
    });
  });

  test('type takes debit, credit, D and C in any case; paid_at gives the date', async () => {
    const parsed = await parseCsvStatement(
      of(
        [
          'reference_id,amount,currency,type,paid_at',
          'a,1,KES,D,2026-11-01',
          'b,1,KES,Credit,2026-11-02T23:59:59Z',
          'c,1,KES,c,2026-11-03 08:00',
          'd,1,KES,DEBIT,',
        ].join('\r\n'),
      ),
    );

    expect(parsed.lines.map((line) => [line.direction, line.bookedOn])).toEqual([
      ['debit', '2026-11-01'],
      ['credit', '2026-11-02'],
      ['credit', '2026-11-03'],
      ['debit', undefined],
    ]);
    expect(parsed).toMatchObject({ from: '2026-11-01', to: '2026-11-03' });
  });

  test('an empty reference_id is no reference', async () => {
    const parsed = await parseCsvStatement(of('reference_id,amount,currency\n,5.00,KES\n'));

    expect(parsed.lines[0]?.reference).toBeNull();
  });

  test(
    'quoted fields hold commas, ' + 'doubled quotes and line breaks; comma decimals are read',
    async () => {
      const text = [
        'reference_id,amount,currency,narrative',
        `${PAYMENT_1},"1500,5",KES,"Refund, ""November"" cycle"`,
        `${PAYMENT_2},2.00,KES,"first line`,
        'second line"',
        'c,3.00,KES,third',
      ].join('\n');

      const parsed = await parseCsvStatement(of(text));

      expect(parsed.lines.map((line) => [line.amountMinor, line.narrative])).toEqual([
        [150050n, 'Refund, "November" cycle'],
        [200n, 'first line\nsecond line'],
        [300n, 'third'],
      ]);
    },
  );

  test('an error after a record spanning lines names the line it is on', async () => {
    const text = 'reference_id,amount,currency,narrative\na,1,KES,"one\ntwo"\nb,-1,KES,x\n';

    const error = await failure(parseCsvStatement(of(text)));

    expect(error.location).toBe('line 4, column amount');
  });

  test('blank and whitespace-only lines, a BOM and CRLF endings are ignored', async () => {
    const text = '\uFEFFreference_id,amount,currency\r\n\r\na,1,KES\r\n , ,\r\n\r\n\r\n';

    const parsed = await parseCsvStatement(of(text));

    expect(parsed.lines).toHaveLength(1);
  });

  test('a header alone is a statement without lines', async () => {
    expect(await parseCsvStatement(of('reference_id,amount,currency\n'))).toEqual({
      format: 'csv',
      lines: [],
      notices: [],
    });
  });

  test('a long narrative is cut to 500 characters', async () => {
    const text = `reference_id,amount,currency,narrative\na,1,KES,${'n'.repeat(700)}\n`;

    const parsed = await parseCsvStatement(of(text));

    expect(parsed.lines[0]?.narrative).toHaveLength(500);
  });
});

describe('CSV statements refused', () => {
  test.each([
    ['an empty body', '', 'body', 'no header row'],
    [
      'a missing required column',
      'reference_id,currency\na,KES\n',
      'line 1, column amount',
      'required column missing',
    ],
    [
      'a column named twice',
      'reference_id,amount,Amount,currency\n',
      'line 1, column amount',
      'column named twice',
    ],
    [
      'a negative amount',
      'reference_id,amount,currency\na,1,KES\nb,-5.00,KES\n',
      'line 3, column amount',
      'negative amount',
    ],
    [
      'a zero amount',
      'reference_id,amount,currency\na,0.00,KES\n',
      'line 2, column amount',
      'amount is zero',
    ],
    [
      'more decimals than the currency has',
      'reference_id,amount,currency\na,1.005,KES\n',
      'line 2, column amount',
      'KES has 2 decimals',
    ],
    [
      'decimals in a currency without them',
      'reference_id,amount,currency\na,"1500,5",JPY\n',
      'line 2, column amount',
      'JPY has 0 decimals',
    ],
    [
      'thousands separators',
      'reference_id,amount,currency\na,"1,500.00",KES\n',
      'line 2, column amount',
      'not a decimal number',
    ],
    [
      'an unknown currency',
      'reference_id,amount,currency\na,1,XYZ\n',
      'line 2, column currency',
      'unknown currency "XYZ"',
    ],
    [
      'an unknown type',
      'reference_id,amount,currency,type\na,1,KES,refund\n',
      'line 2, column type',
      '"refund" is not debit, credit, D or C',
    ],
    [
      'an unknown reversal flag',
      'reference_id,amount,currency,reversal\na,1,KES,yes\n',
      'line 2, column reversal',
      '"yes" is not true or false',
    ],
    [
      'a date that is no calendar day',
      'reference_id,amount,currency,booked_at\na,1,KES,2026-02-30\n',
      'line 2, column booked_at',
      'is not an ISO date',
    ],
    [
      'a date not in ISO form',
      'reference_id,amount,currency,paid_at\na,1,KES,28/11/2026\n',
      'line 2, column paid_at',
      'is not an ISO date',
    ],
    [
      'a record with more fields than the header',
      'reference_id,amount,currency\na,1,KES,extra\n',
      'line 2',
      'has 4 fields, the header has 3',
    ],
    [
      'a quoted field never closed',
      'reference_id,amount,currency,narrative\na,1,KES,"open\nmore\n',
      'line 3, column narrative',
      'the body ends inside a quoted field',
    ],
    [
      'a quote inside an unquoted field',
      'reference_id,amount,currency,narrative\na,1,KES,say "hi"\n',
      'line 2, column narrative',
      'a quote inside an unquoted field',
    ],
    [
      'text after a closing quote',
      'reference_id,amount,currency,narrative\na,1,KES,"say "hi"\n',
      'line 2, column narrative',
      'text after a closing quote',
    ],
  ])('%s', async (_, text, location, message) => {
    const error = await failure(parseCsvStatement(of(text)));

    expect(error.location).toBe(location);
    expect(error.message).toContain(message);
    expect(error.tooLarge).toBe(false);
  });

  test('binary garbage (NUL, invalid UTF-8) is a format error, not a crash', async () => {
    let seed = 0x5eed;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed >>> 16;
    };
    const garbage = Uint8Array.from({ length: 4096 }, (_, at) => (at % 97 === 0 ? 0 : random()));
    garbage.set([0xff, 0xfe, 0x00, 0xc3], 10);

    const error = await failure(parseCsvStatement(of(garbage)));

    expect(error.tooLarge).toBe(false);
  });

  test('text that is no CSV statement names what is missing', async () => {
    const error = await failure(parseCsvStatement(of('%PDF-1.7 not a statement\n')));

    expect(error.message).toContain('required column missing');
  });

  test('a body over maxBytes is refused after reading just past the limit', async () => {
    const row = `${PAYMENT_1},1.00,KES,`.padEnd(255, 'x');
    const chunk = Buffer.from(`${row}\n`.repeat(MiB / 256));
    let pulled = 0;
    async function* hundredMiB(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('reference_id,amount,currency,narrative\n');
      for (let i = 0; i < 100; i += 1) {
        pulled += 1;
        yield chunk;
      }
    }

    const error = await failure(
      parseCsvStatement(hundredMiB(), { ...DEFAULT_STATEMENT_LIMITS, maxBytes: 3 * MiB }),
    );

    expect(error).toMatchObject({ location: 'body', tooLarge: true });
    expect(pulled).toBe(3);
  });

  test('an error early in a large body stops reading it', async () => {
    const chunk = Buffer.from(`${PAYMENT_1},1.00,KES,x\n`.repeat(27_000));
    let pulled = 0;
    async function* hundredMiB(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('reference_id,amount,currency,narrative\na,-1,KES,x\n');
      for (let i = 0; i < 100; i += 1) {
        pulled += 1;
        yield chunk;
      }
    }

    const error = await failure(parseCsvStatement(hundredMiB()));

    expect(error.location).toBe('line 2, column amount');
    expect(pulled).toBeLessThanOrEqual(1);
  });

  test('a line over maxLineLength is refused as too large', async () => {
    const text = `reference_id,amount,currency,narrative\na,1,KES,${'x'.repeat(200)}\n`;

    const error = await failure(
      parseCsvStatement(of(text), { ...DEFAULT_STATEMENT_LIMITS, maxLineLength: 100 }),
    );

    expect(error).toMatchObject({ location: 'line 2', tooLarge: true });
  });

  test('a quoted field spanning lines past maxLineLength is refused as too large', async () => {
    const text = `reference_id,amount,currency,narrative\na,1,KES,"${'x\n'.repeat(80)}"\n`;

    const error = await failure(
      parseCsvStatement(of(text), { ...DEFAULT_STATEMENT_LIMITS, maxLineLength: 100 }),
    );

    expect(error.tooLarge).toBe(true);
    expect(error.location).toMatch(/^line \d+/);
  });

  test('more statement lines than maxLines is refused as too large', async () => {
    const text = `reference_id,amount,currency\n${'a,1,KES\n'.repeat(4)}`;

    const error = await failure(
      parseCsvStatement(of(text), { ...DEFAULT_STATEMENT_LIMITS, maxLines: 3 }),
    );

    expect(error).toMatchObject({ location: 'line 5', tooLarge: true });
  });
});
