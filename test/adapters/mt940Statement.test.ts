import { describe, expect, test } from 'vitest';
import { parseMt940Statements } from '../../src/adapters/statements/mt940Statement.js';
import {
  DEFAULT_STATEMENT_LIMITS,
  StatementFormatError,
  type StatementLimits,
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

/** The one statement of a file. */
async function parseMt940Statement(input: AsyncIterable<Uint8Array>, limits?: StatementLimits) {
  const statements = await parseMt940Statements(input, limits);
  expect(statements).toHaveLength(1);
  return statements[0] as (typeof statements)[number];
}

async function failure(parsing: Promise<unknown>): Promise<StatementFormatError> {
  const error = await parsing.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(StatementFormatError);
  return error as StatementFormatError;
}

/** Fields as lines: `body(':20:X', ':25:Y')`. */
const body = (...fields: string[]) => `${fields.join('\n')}\n`;

const head = [':20:STMT-2026-11-28', ':25:KE12BANK0000123456', ':28C:42/1'];
const fields = [
  ...head,
  ':60F:C261127KES1000000,00',
  `:61:2611281128D1500,NTRF${PAYMENT_1}//BK-778201`,
  ':86:G2P November cycle',
  'batch-7 of programme cash-transfer',
  'beneficiary token:4711',
  `:61:261128D2500,5NTRF${PAYMENT_2}`,
  `:61:261128RD1500,NTRF${PAYMENT_1}//BK-778950`,
  ':86:Returned: account closed',
  ':61:261128C0,05NMSCNONREF',
  ':61:261129RC1234567,89NTRFREFUND-4711',
  ':62F:D261129KES237068,34',
  ':64:D261129KES237068,34',
];
const statement = body(...fields);

const expected = {
  format: 'mt940',
  statementRef: 'STMT-2026-11-28',
  accountId: 'KE12BANK0000123456',
  from: '2026-11-28',
  to: '2026-11-29',
  opening: { amountMinor: 100000000n, currency: 'KES', on: '2026-11-27' },
  closing: { amountMinor: -23706834n, currency: 'KES', on: '2026-11-29' },
  lines: [
    {
      lineNumber: 1,
      reference: PAYMENT_1,
      amountMinor: 150000n,
      currency: 'KES',
      direction: 'debit',
      reversal: false,
      bookedOn: '2026-11-28',
      narrative: 'G2P November cycle\nbatch-7 of programme cash-transfer\nbeneficiary token:4711',
    },
    {
      lineNumber: 2,
      reference: PAYMENT_2,
      amountMinor: 250050n,
      currency: 'KES',
      direction: 'debit',
      reversal: false,
      bookedOn: '2026-11-28',
    },
    {
      lineNumber: 3,
      reference: PAYMENT_1,
      amountMinor: 150000n,
      currency: 'KES',
      direction: 'credit',
      reversal: true,
      bookedOn: '2026-11-28',
      narrative: 'Returned: account closed',
    },
    {
      lineNumber: 4,
      reference: null,
      amountMinor: 5n,
      currency: 'KES',
      direction: 'credit',
      reversal: false,
      bookedOn: '2026-11-28',
    },
    {
      lineNumber: 5,
      reference: 'REFUND-4711',
      amountMinor: 123456789n,
      currency: 'KES',
      direction: 'debit',
      reversal: true,
      bookedOn: '2026-11-29',
    },
  ],
  notices: [],
};

/** A statement around `lines` (`:61:`/`:86:` fields) in `currency`. */
const around = (currency: string, ...lines: string[]) =>
  body(...head, `:60F:C261127${currency}1000,`, ...lines, `:62F:C261129${currency}1000,`);

describe('MT940 statements', () => {
  test(
    'several :61: of one day, multi-line :86:, ' +
      'comma decimals, RD/RC, NONREF and signed balances',
    async () => {
      expect(await parseMt940Statement(of(statement))).toEqual(expected);
    },
  );

  test('chunks of 1 and 7 bytes and CRLF endings parse the same', async () => {
    expect(await parseMt940Statement(inChunks(statement, 1))).toEqual(expected);
    expect(await parseMt940Statement(inChunks(statement.replaceAll('\n', '\r\n'), 7))).toEqual(
      expected,
    );
  });

  test(
    'a statement in a SWIFT message {1:}{2:}{3:}{4: ' + '… -}{5:} reads as the plain one',
    async () => {
      const message = [
        '{1:F01BANKKENAAXXX0000000000}' +
          '{2:O9401200261129BANKKENAAXXX00000000002611291200N}' +
          '{3:{108:STMT42}}{4:',
        ...fields,
        '-}{5:{CHK:123456789ABC}}',
        '',
      ].join('\r\n');

      expect(await parseMt940Statement(of(message))).toEqual(expected);
    },
  );

  test('the first field may follow {4: on its line; a plain statement may end with -', async () => {
    const [first = '', ...rest] = fields;
    const headers = '{1:F01BANKKENAAXXX0000000000}{2:I940BANKKENAXXXXN}';
    const message = `${headers}{4:${first}\n${body(...rest)}-}\n`;

    expect(await parseMt940Statement(of(message))).toEqual(expected);
    expect(await parseMt940Statement(of(`${statement}-\n\n`))).toEqual(expected);
  });

  test('JPY, without decimals, takes 1500, as 1500', async () => {
    const parsed = await parseMt940Statement(
      of(around('JPY', ':61:261128D1500,NTRFA', ':61:261128D2,NTRFB')),
    );

    expect(parsed.lines.map((line) => [line.amountMinor, line.currency])).toEqual([
      [1500n, 'JPY'],
      [2n, 'JPY'],
    ]);
    expect(parsed.opening).toEqual({ amountMinor: 1000n, currency: 'JPY', on: '2026-11-27' });
  });

  test('a funds code after the mark is skipped', async () => {
    const parsed = await parseMt940Statement(of(around('KES', ':61:261128DS100,NTRFREF1')));

    expect(parsed.lines[0]).toMatchObject({ direction: 'debit', amountMinor: 10000n });
  });

  test('supplementary details on the :61: next line stay out of the reference', async () => {
    const parsed = await parseMt940Statement(
      of(around('KES', `:61:261128D100,NTRF${PAYMENT_1}//BANK1`, 'PAYEE JANE WANJIKU')),
    );

    expect(parsed.lines[0]?.reference).toBe(PAYMENT_1);
    expect(parsed.lines[0]?.narrative).toBeUndefined();
  });

  test('an entry date across the new year falls in the next year', async () => {
    const parsed = await parseMt940Statement(of(around('KES', ':61:2612310102D100,NTRFREF1')));

    expect(parsed.lines[0]?.bookedOn).toBe('2027-01-02');
  });

  test('a :86: that follows no :61: is statement information and ignored', async () => {
    const parsed = await parseMt940Statement(
      of(`${around('KES', ':61:261128D100,NTRFREF1')}:86:Statement of the funding account\n`),
    );

    expect(parsed.lines[0]?.narrative).toBeUndefined();
  });

  test('a narrative is cut to 500 characters', async () => {
    const long = Array.from({ length: 12 }, () => 'n'.repeat(65));
    const parsed = await parseMt940Statement(
      of(around('KES', ':61:261128D100,NTRFREF1', `:86:${long[0]}`, ...long.slice(1))),
    );

    expect(parsed.lines[0]?.narrative).toHaveLength(500);
  });

  test('a statement without lines has balances and no period', async () => {
    const parsed = await parseMt940Statement(of(around('KES')));

    expect(parsed.lines).toEqual([]);
    expect(parsed.from).toBeUndefined();
    expect(parsed.closing?.amountMinor).toBe(100000n);
  });
});

describe('MT940 statements refused', () => {
  test.each([
    ['an empty body', '', 'body', 'no MT940 statement'],
    [
      'a statement of a :20: alone after text',
      'Statement of account\n:20:X\n',
      'line 2, field :20:',
      'no opening balance',
    ],
    [
      'a line starting with : that is no tag',
      body(...head, ':X:22Kontoinhaber'),
      'line 4',
      'expected a tag',
    ],
    [
      'a :61: before the opening balance',
      body(':20:X', ':61:261128D100,NTRFREF1'),
      'line 2, field :61:',
      'outside :60F: … :62F:',
    ],
    [
      'a :61: after the closing balance',
      body(':20:X', ':60F:C261127KES1,', ':62F:C261127KES1,', ':61:261128D100,NTRFREF1'),
      'line 4, field :61:',
      'outside :60F: … :62F:',
    ],
    [
      'a statement cut off before its closing balance',
      body(':20:X', ':60F:C261127KES1,', ':61:261128D100,NTRFREF1'),
      'line 1, field :20:',
      'no closing balance',
    ],
    [
      'a second statement (:20:) without balances',
      `${around('KES')}:20:STMT-2\n`,
      'line 6, field :20:',
      'no opening balance',
    ],
    [
      'a second statement after a - line, without balances',
      `${around('KES')}-\n:20:STMT-2\n`,
      'line 7, field :20:',
      'no opening balance',
    ],
    [
      'a SWIFT header without block 4, and no statement',
      '{1:F01BANKKENAAXXX0000000000}{2:I940BANKKENAXXXXN}\n',
      'body',
      'no MT940 statement',
    ],
    [
      'a balance without a currency',
      body(':20:X', ':60F:C2611271000,'),
      'line 2, field :60F:',
      'not a balance',
    ],
    [
      'a balance in an unknown currency',
      body(':20:X', ':60F:C261127XYZ1000,'),
      'line 2, field :60F:',
      'unknown currency XYZ',
    ],
    [
      'a closing balance in another currency',
      body(':20:X', ':60F:C261127KES1,', ':62F:C261127UGX1,'),
      'line 3, field :62F:',
      'another currency',
    ],
    [
      'a balance continued on another line',
      body(':20:X', ':60F:C261127KES1,', 'more'),
      'line 2, field :60F:',
      'continues on the next line',
    ],
    [
      'a statement line that does not follow the grammar',
      around('KES', ':61:261128X100,NTRFREF1'),
      'line 5, field :61:',
      'not a statement line',
    ],
    [
      'a statement line with a point as decimal mark',
      around('KES', ':61:261128D100.50NTRFREF1'),
      'line 5, field :61:',
      'not a statement line',
    ],
    [
      'decimals in a currency without them',
      around('JPY', ':61:261128D1500,5NTRFREF1'),
      'line 5, field :61:',
      'JPY has 0 decimals',
    ],
    [
      'a zero amount',
      around('KES', ':61:261128D0,NTRFREF1'),
      'line 5, field :61:',
      'amount is zero',
    ],
    [
      'a value date that is no day',
      around('KES', ':61:261332D1,NTRFREF1'),
      'line 5, field :61:',
      'not a date',
    ],
  ])('%s', async (_, text, location, message) => {
    const error = await failure(parseMt940Statement(of(text)));

    expect(error.location).toBe(location);
    expect(error.message).toContain(message);
    expect(error.tooLarge).toBe(false);
  });

  test('a 35-character customer reference is taken whole', async () => {
    const reference = 'R'.repeat(35);
    const parsed = await parseMt940Statement(of(around('KES', `:61:261128D1,NTRF${reference}//B`)));

    expect(parsed.lines[0]?.reference).toBe(reference);
  });

  test('binary garbage (NUL, invalid UTF-8) is a format error, not a crash', async () => {
    let seed = 0x940;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed >>> 16;
    };
    const garbage = Uint8Array.from({ length: 4096 }, (_, at) => (at % 89 === 0 ? 0 : random()));
    garbage.set([0x3a, 0x32, 0x30, 0x3a, 0xff, 0x00], 0);

    const error = await failure(parseMt940Statement(of(garbage)));

    expect(error.tooLarge).toBe(false);
  });

  test('a NUL inside an otherwise valid statement is refused', async () => {
    const error = await failure(parseMt940Statement(of(statement.replace('G2P', 'G\u00002P'))));

    expect(error.location).toBe('line 6');
  });

  test('a body over maxBytes is refused after reading just past the limit', async () => {
    // 256 bytes: one statement line and its narrative.
    const entry = `:61:261128D1,00NTRF${PAYMENT_1}\n:86:`.padEnd(255, 'x');
    const chunk = Buffer.from(`${entry}\n`.repeat(MiB / 256));
    let pulled = 0;
    async function* hundredMiB(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(body(...head, ':60F:C261127KES1000000,00'));
      for (let i = 0; i < 100; i += 1) {
        pulled += 1;
        yield chunk;
      }
    }

    const error = await failure(
      parseMt940Statement(hundredMiB(), { ...DEFAULT_STATEMENT_LIMITS, maxBytes: 3 * MiB }),
    );

    expect(error).toMatchObject({ location: 'body', tooLarge: true });
    expect(pulled).toBe(3);
  });

  test('a line over maxLineLength is refused as too large', async () => {
    const text = around('KES', ':61:261128D1,NTRFREF1', `:86:${'x'.repeat(200)}`);

    const error = await failure(
      parseMt940Statement(of(text), { ...DEFAULT_STATEMENT_LIMITS, maxLineLength: 100 }),
    );

    expect(error).toMatchObject({ location: 'line 6', tooLarge: true });
  });

  test('a :86: of many lines past maxLineLength in all is refused as too large', async () => {
    const text = around(
      'KES',
      ':61:261128D1,NTRFREF1',
      ':86:start',
      ...Array(30).fill('x'.repeat(60)),
    );

    const error = await failure(
      parseMt940Statement(of(text), { ...DEFAULT_STATEMENT_LIMITS, maxLineLength: 1000 }),
    );

    expect(error).toMatchObject({ location: 'line 6, field :86:', tooLarge: true });
  });

  test('more statement lines than maxLines is refused as too large', async () => {
    const text = around('KES', ...Array(4).fill(':61:261128D1,NTRFREF1'));

    const error = await failure(
      parseMt940Statement(of(text), { ...DEFAULT_STATEMENT_LIMITS, maxLines: 3 }),
    );

    expect(error).toMatchObject({ location: 'line 8, field :61:', tooLarge: true });
  });
});

describe('MT940 files as banks write them', () => {
  const day = (ref: string, ...lines: string[]) =>
    body(
      `:20:${ref}`,
      ':25:NL69INGB0123456789',
      ':28:1',
      ':60F:C240301EUR100,',
      ...lines,
      ':62F:C240301EUR100,',
    );

  test('several statements in one file, each its own, bank lines between them skipped', async () => {
    const file = `ABNANL2A\n940\nABNANL2A\n${day('D1', ':61:240301D1,NTRFA')}-\nABNANL2A\n940\n${day('D2')}-\n`;

    const statements = await parseMt940Statements(of(file));

    expect(statements.map((s) => [s.statementRef, s.lines.length])).toEqual([
      ['D1', 1],
      ['D2', 0],
    ]);
    expect(statements.map((s) => s.notices.map((n) => [n.location, n.kind]))).toEqual([
      [['lines 1-3', 'leading_lines_skipped']],
      [['lines 11-12', 'leading_lines_skipped']],
    ]);
  });

  test('SWIFT blocks each on their own line, an SOH byte and an ETX byte', async () => {
    const file = `\u0001{1:F01INGBNL2AXXX0000000000}\n{2:O940INGBNL2AXXXXN}\n{4:\n${day('S', ':61:240301C5,NTRFA')}-}\u0003\n{5:{CHK:1}}\n`;

    const [statement] = await parseMt940Statements(of(file));

    expect(statement?.lines).toHaveLength(1);
    expect(statement?.notices).toEqual([]);
  });

  test('unknown fields (:NS:) are kept unread and named in a notice', async () => {
    const [statement] = await parseMt940Statements(of(day('N', ':NS:22Kontoinhaber', '23Giro')));

    expect(statement?.notices).toEqual([
      { location: 'line 5, field :NS:', kind: 'unknown_tag', message: 'field :NS: is not read' },
    ]);
  });

  test.each([
    ['NMSC and nothing after it', ':61:240301DR2,94NMSC', 'no customer reference'],
    ['nothing before //', ':61:240301D2,94NTRF//BANK1', 'no customer reference'],
    ['a reference over 35 characters', `:61:240301D2,94NTRF${'R'.repeat(36)}`, 'longer than 35'],
  ])('a line with %s has no reference, with a notice', async (_, line, message) => {
    const [statement] = await parseMt940Statements(of(day('R', line)));

    expect(statement?.lines[0]).toMatchObject({ reference: null, amountMinor: 294n });
    expect(statement?.notices[0]?.message).toContain(message);
  });

  test('a German :86: gives the narrative and the SEPA end-to-end reference', async () => {
    const narrative = [
      `:86:166?00GUTSCHRIFT?20EREF+${PAYMENT_1}?21SVWZ+Rech`,
      'nung 4711?32Muster GmbH',
    ];
    const [statement] = await parseMt940Statements(
      of(day('G', ':61:240301CR15,NTRFNONREF', ...narrative)),
    );

    expect(statement?.lines[0]).toMatchObject({
      reference: PAYMENT_1,
      narrative: 'GUTSCHRIFT / Rechnung 4711 / Muster GmbH',
    });
  });

  test('30 February is read as the last day of February, with a notice', async () => {
    const [statement] = await parseMt940Statements(of(day('F', ':61:2402300229C0,12N032NONREF')));

    expect(statement?.lines[0]?.bookedOn).toBe('2024-02-29');
    expect(statement?.notices).toEqual([
      {
        location: 'line 5, field :61:',
        kind: 'impossible_date',
        message: '240230 is no calendar day: read as 2024-02-29',
      },
    ]);
  });

  test.each([
    ['500', 50000n],
    ['500,', 50000n],
    ['8,850', 885n],
    ['0008,85', 885n],
  ])('the amount %s reads as %s minor units of EUR', async (amount, minor) => {
    const [statement] = await parseMt940Statements(of(day('A', `:61:240301D${amount}NTRFA`)));

    expect(statement?.lines[0]?.amountMinor).toBe(minor);
  });

  test('an amount of 8,855 EUR is refused naming its line', async () => {
    const error = await failure(parseMt940Statements(of(day('A', ':61:240301D8,855NTRFA'))));

    expect(error).toMatchObject({ location: 'line 5, field :61:' });
    expect(error.message).toContain('EUR has 2 decimals');
  });

  test('Latin-1 text is read as windows-1252, or as the charset declared', async () => {
    const latin2 = Buffer.from(day('L', ':61:240301D1,NTRFA', ':86:?ódka'), 'latin1');
    latin2[latin2.indexOf(':86:') + 4] = 0xa3; // Ł in ISO-8859-2

    const [guessed] = await parseMt940Statements(of(latin2));
    const [declared] = await parseMt940Statements(of(latin2), undefined, 'ISO-8859-2');

    expect(guessed?.notices.map((notice) => notice.message)).toEqual([
      'not UTF-8: read as windows-1252',
    ]);
    expect(declared?.lines[0]?.narrative).toBe('Łódka');
  });
});
