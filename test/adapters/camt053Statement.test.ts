import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseCamtStatements } from '../../src/adapters/statements/camtStatement.js';
import {
  DEFAULT_STATEMENT_LIMITS,
  StatementFormatError,
  type StatementLimits,
} from '../../src/adapters/statements/statementInput.js';
import type { ParsedStatement } from '../../src/domain/statement.js';

/** The one statement of a document. */
async function parseCamt053Statement(input: AsyncIterable<Uint8Array>, limits?: StatementLimits) {
  const statements = await parseCamtStatements(input, limits);
  expect(statements).toHaveLength(1);
  return statements[0] as ParsedStatement;
}

const CAMT053_02 = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02';
const CAMT053_08 = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';

/** A day's statement of a KES funding account, as a Kenyan DFSP would send it (camt.053.001.02). */
const kesStatement = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="${CAMT053_02}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrStmt>
    <GrpHdr>
      <MsgId>STMT-20261128-0001</MsgId>
      <CreDtTm>2026-11-28T18:00:00+03:00</CreDtTm>
    </GrpHdr>
    <Stmt>
      <Id>KE-FUND-20261128</Id>
      <ElctrncSeqNb>331</ElctrncSeqNb>
      <CreDtTm>2026-11-28T18:00:00+03:00</CreDtTm>
      <FrToDt>
        <FrDtTm>2026-11-28T00:00:00+03:00</FrDtTm>
        <ToDtTm>2026-11-28T23:59:59+03:00</ToDtTm>
      </FrToDt>
      <Acct>
        <Id><IBAN>KE8910000012345678901234</IBAN></Id>
        <Ccy>KES</Ccy>
        <Svcr><FinInstnId><BIC>KCBLKENX</BIC></FinInstnId></Svcr>
      </Acct>
      <Bal>
        <Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="KES">1000000.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2026-11-28</Dt></Dt>
      </Bal>
      <Bal>
        <Tp><CdOrPrtry><Cd>ITBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="KES">999999.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2026-11-28</Dt></Dt>
      </Bal>
      <Bal>
        <Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="KES">1046899.50</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2026-11-28</Dt></Dt>
      </Bal>
      <TxsSummry><TtlNtries><NbOfNtries>5</NbOfNtries></TtlNtries></TxsSummry>
      <Ntry>
        <NtryRef>1</NtryRef>
        <Amt Ccy="KES">1500.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-11-28</Dt></BookgDt>
        <ValDt><Dt>2026-11-28</Dt></ValDt>
        <BkTxCd><Prtry><Cd>NMSC</Cd></Prtry></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs><MsgId>B-77</MsgId><EndToEndId>PAY-01</EndToEndId></Refs>
            <RmtInf><Ustrd>Malipo ya Wanjirũ — Nairobi</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
        <AddtlNtryInf>G2P CASH TRANSFER</AddtlNtryInf>
      </Ntry>
      <Ntry>
        <NtryRef>2</NtryRef>
        <Amt Ccy="KES">2500.50</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-11-28</Dt></BookgDt>
        <AmtDtls><TxAmt><Amt Ccy="KES">9.99</Amt></TxAmt></AmtDtls>
        <Chrgs><Amt Ccy="KES">30.00</Amt></Chrgs>
        <NtryDtls>
          <TxDtls>
            <Refs><EndToEndId>PAY-02</EndToEndId></Refs>
          </TxDtls>
        </NtryDtls>
        <AddtlNtryInf>G2P CASH TRANSFER</AddtlNtryInf>
      </Ntry>
      <Ntry>
        <NtryRef>3</NtryRef>
        <Amt Ccy="KES">600.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-11-28</Dt></BookgDt>
        <NtryDtls>
          <Btch><NbOfTxs>3</NbOfTxs></Btch>
          <TxDtls>
            <Refs><EndToEndId>PAY-03</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="KES">100.00</Amt></TxAmt></AmtDtls>
          </TxDtls>
          <TxDtls>
            <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="KES">200.00</Amt></TxAmt></AmtDtls>
            <RmtInf><Ustrd>no reference</Ustrd></RmtInf>
          </TxDtls>
          <TxDtls>
            <Refs><EndToEndId>PAY-05</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="KES">300.00</Amt></TxAmt></AmtDtls>
          </TxDtls>
        </NtryDtls>
        <AddtlNtryInf>BATCH 2026-11-28/7</AddtlNtryInf>
      </Ntry>
      <Ntry>
        <NtryRef>4</NtryRef>
        <Amt Ccy="KES">1500.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <RvslInd>true</RvslInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-11-28</Dt></BookgDt>
        <NtryDtls>
          <TxDtls><Refs><EndToEndId>PAY-01</EndToEndId></Refs></TxDtls>
        </NtryDtls>
        <AddtlNtryInf>RETURN: ACCOUNT CLOSED</AddtlNtryInf>
      </Ntry>
      <Ntry>
        <Amt Ccy="KES">50000.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-11-28</Dt></BookgDt>
        <AddtlNtryInf>FUNDING FROM TREASURY &amp; PARTNERS</AddtlNtryInf>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
`;

const kesParsed: ParsedStatement = {
  format: 'camt053',
  statementRef: 'KE-FUND-20261128',
  accountId: 'KE8910000012345678901234',
  // FrToDt with an offset is kept as the instant it names (intraday statements of one day).
  from: '2026-11-27T21:00:00.000Z',
  to: '2026-11-28T20:59:59.000Z',
  opening: { amountMinor: 100000000n, currency: 'KES', on: '2026-11-28' },
  closing: { amountMinor: 104689950n, currency: 'KES', on: '2026-11-28' },
  lines: [
    {
      lineNumber: 1,
      reference: 'PAY-01',
      amountMinor: 150000n,
      currency: 'KES',
      direction: 'debit',
      reversal: false,
      bookedOn: '2026-11-28',
      narrative: 'Malipo ya Wanjirũ — Nairobi',
    },
    {
      lineNumber: 2,
      reference: 'PAY-02',
      amountMinor: 250050n,
      currency: 'KES',
      direction: 'debit',
      reversal: false,
      bookedOn: '2026-11-28',
      narrative: 'G2P CASH TRANSFER',
    },
    ...[
      ['PAY-03', 10000n, 'BATCH 2026-11-28/7'],
      [null, 20000n, 'no reference'],
      ['PAY-05', 30000n, 'BATCH 2026-11-28/7'],
    ].map(([reference, amountMinor, narrative], index) => ({
      lineNumber: 3 + index,
      reference: reference as string | null,
      amountMinor: amountMinor as bigint,
      currency: 'KES',
      direction: 'debit' as const,
      reversal: false,
      bookedOn: '2026-11-28',
      narrative: narrative as string,
    })),
    {
      lineNumber: 6,
      reference: 'PAY-01',
      amountMinor: 150000n,
      currency: 'KES',
      direction: 'credit',
      reversal: true,
      bookedOn: '2026-11-28',
      narrative: 'RETURN: ACCOUNT CLOSED',
    },
    {
      lineNumber: 7,
      reference: null,
      amountMinor: 5000000n,
      currency: 'KES',
      direction: 'credit',
      reversal: false,
      bookedOn: '2026-11-28',
      narrative: 'FUNDING FROM TREASURY & PARTNERS',
    },
  ],
  notices: [],
};

/** Two unstructured remittance lines of one transaction, read as one narrative. */
const TWO_USTRD_LINES = '<camt:Ustrd>line one</camt:Ustrd><camt:Ustrd>line two</camt:Ustrd>';

/**
 * A JPY statement in camt.053.001.08 with prefixed element names, an overdrawn previous closing
 * balance (`PRCD`), a non-IBAN account, date-times, and the later versions' `TxDtls/Amt`.
 */
const jpyStatement = `<?xml version="1.0"?>
<camt:Document xmlns:camt="${CAMT053_08}">
  <camt:BkToCstmrStmt>
    <camt:GrpHdr><camt:MsgId>JP-1</camt:MsgId></camt:GrpHdr>
    <camt:Stmt>
      <camt:Id>JP-STMT-9</camt:Id>
      <camt:FrToDt>
        <camt:FrDtTm>2026-11-27T00:00:00+09:00</camt:FrDtTm>
        <camt:ToDtTm>2026-11-28T23:59:59+09:00</camt:ToDtTm>
      </camt:FrToDt>
      <camt:Acct>
        <camt:Id><camt:Othr><camt:Id>0012-345678</camt:Id></camt:Othr></camt:Id>
        <camt:Ccy>JPY</camt:Ccy>
      </camt:Acct>
      <camt:Bal>
        <camt:Tp><camt:CdOrPrtry><camt:Cd>PRCD</camt:Cd></camt:CdOrPrtry></camt:Tp>
        <camt:Amt Ccy="JPY">5000</camt:Amt>
        <camt:CdtDbtInd>DBIT</camt:CdtDbtInd>
        <camt:Dt><camt:DtTm>2026-11-26T23:59:59+09:00</camt:DtTm></camt:Dt>
      </camt:Bal>
      <camt:Bal>
        <camt:Tp><camt:CdOrPrtry><camt:Cd>CLBD</camt:Cd></camt:CdOrPrtry></camt:Tp>
        <camt:Amt Ccy="JPY">0</camt:Amt>
        <camt:CdtDbtInd>CRDT</camt:CdtDbtInd>
        <camt:Dt><camt:Dt>2026-11-28</camt:Dt></camt:Dt>
      </camt:Bal>
      <camt:Ntry>
        <camt:Amt Ccy="JPY">45000</camt:Amt>
        <camt:CdtDbtInd>DBIT</camt:CdtDbtInd>
        <camt:RvslInd>false</camt:RvslInd>
        <camt:Sts><camt:Cd>BOOK</camt:Cd></camt:Sts>
        <camt:BookgDt><camt:DtTm>2026-11-27T10:15:00+09:00</camt:DtTm></camt:BookgDt>
        <camt:NtryDtls>
          <camt:TxDtls>
            <camt:Refs><camt:EndToEndId>PAY-J1</camt:EndToEndId></camt:Refs>
            <camt:Amt Ccy="JPY">15000</camt:Amt>
            <camt:CdtDbtInd>DBIT</camt:CdtDbtInd>
          </camt:TxDtls>
        </camt:NtryDtls>
        <camt:NtryDtls>
          <camt:TxDtls>
            <camt:Refs><camt:EndToEndId>PAY-J2</camt:EndToEndId></camt:Refs>
            <camt:Amt Ccy="JPY">30000</camt:Amt>
            <camt:RmtInf>${TWO_USTRD_LINES}</camt:RmtInf>
          </camt:TxDtls>
        </camt:NtryDtls>
      </camt:Ntry>
      <camt:Ntry>
        <camt:Amt Ccy="JPY">50000</camt:Amt>
        <camt:CdtDbtInd>CRDT</camt:CdtDbtInd>
        <camt:BookgDt><camt:Dt>2026-11-28</camt:Dt></camt:BookgDt>
      </camt:Ntry>
    </camt:Stmt>
  </camt:BkToCstmrStmt>
</camt:Document>`;

async function* chunksOf(body: string | Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  for (let start = 0; start < bytes.length; start += size) {
    yield bytes.subarray(start, start + size);
  }
}

const parse = (body: string | Uint8Array, limits = DEFAULT_STATEMENT_LIMITS) =>
  parseCamt053Statement(chunksOf(body, 64 * 1024), limits);

async function refusal(promise: Promise<unknown>): Promise<StatementFormatError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(StatementFormatError);
  return outcome as StatementFormatError;
}

/** A camt.053.001.02 document of one statement holding `entries` (XML text). */
function documentOf(entries: string, version = CAMT053_02): string {
  const account = '<Acct><Id><IBAN>KE00</IBAN></Id><Ccy>KES</Ccy></Acct>';
  return (
    `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="${version}">` +
    `<BkToCstmrStmt><Stmt><Id>S</Id>${account}${entries}</Stmt></BkToCstmrStmt></Document>`
  );
}

function debitEntry(reference: string, amount: string): string {
  return (
    `<Ntry><Amt Ccy="KES">${amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd>` +
    '<BookgDt><Dt>2026-11-28</Dt></BookgDt>' +
    `<NtryDtls><TxDtls><Refs><EndToEndId>${reference}</EndToEndId></Refs></TxDtls></NtryDtls>` +
    '</Ntry>'
  );
}

describe('parseCamt053Statement', () => {
  it(
    'reads a camt.053.001.02 statement: ' + 'balances, debits, a batched entry, a reversal',
    async () => {
      expect(await parse(kesStatement)).toEqual(kesParsed);
    },
  );

  it(
    'reads a camt.053.001.08 statement with prefixed names, ' + 'JPY and several NtryDtls',
    async () => {
      expect(await parse(jpyStatement)).toEqual({
        format: 'camt053',
        statementRef: 'JP-STMT-9',
        accountId: '0012-345678',
        from: '2026-11-26T15:00:00.000Z',
        to: '2026-11-28T14:59:59.000Z',
        opening: { amountMinor: -5000n, currency: 'JPY', on: '2026-11-26' },
        closing: { amountMinor: 0n, currency: 'JPY', on: '2026-11-28' },
        lines: [
          {
            lineNumber: 1,
            reference: 'PAY-J1',
            amountMinor: 15000n,
            currency: 'JPY',
            direction: 'debit',
            reversal: false,
            bookedOn: '2026-11-27',
          },
          {
            lineNumber: 2,
            reference: 'PAY-J2',
            amountMinor: 30000n,
            currency: 'JPY',
            direction: 'debit',
            reversal: false,
            bookedOn: '2026-11-27',
            narrative: 'line one line two',
          },
          {
            lineNumber: 3,
            reference: null,
            amountMinor: 50000n,
            currency: 'JPY',
            direction: 'credit',
            reversal: false,
            bookedOn: '2026-11-28',
          },
        ],
        notices: [],
      } satisfies ParsedStatement);
    },
  );

  it.each([1, 13])('reads the same statements fed %i bytes at a time', async (size) => {
    expect(await parseCamt053Statement(chunksOf(kesStatement, size))).toEqual(kesParsed);
    expect(await parseCamt053Statement(chunksOf(jpyStatement, size))).toEqual(
      await parse(jpyStatement),
    );
  });

  it('accepts every camt.053 version from 02 to 13, and only those', async () => {
    for (const version of ['02', '04', '09', '13']) {
      const namespace = `urn:iso:std:iso:20022:tech:xsd:camt.053.001.${version}`;
      const parsed = await parse(documentOf(debitEntry('PAY-1', '1.00'), namespace));
      expect(parsed.lines).toHaveLength(1);
    }
    const error = await refusal(
      parse(documentOf('', 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.14')),
    );
    expect(error.location).toBe('Document');
  });

  it('keeps a narrative to 500 characters and reads a reversal written as 1', async () => {
    const entry =
      '<Ntry><Amt Ccy="KES">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>1</RvslInd>' +
      `<AddtlNtryInf>${'x'.repeat(900)}</AddtlNtryInf></Ntry>`;
    const [line] = (await parse(documentOf(entry))).lines;
    expect(line?.narrative).toHaveLength(500);
    expect(line?.reversal).toBe(true);
  });

  it('refuses a batched entry whose parts do not sum to it, naming the entry', async () => {
    const broken = kesStatement.replace(
      '<Amt Ccy="KES">300.00</Amt>',
      '<Amt Ccy="KES">290.00</Amt>',
    );
    const error = await refusal(parse(broken));
    expect(error.location).toBe('Stmt/Ntry[3]');
    expect(error.message).toContain('590.00 KES');
    expect(error.message).toContain('600.00 KES');
  });

  it('refuses a part of a batched entry without an amount, naming the part', async () => {
    const broken = kesStatement.replace(
      '<AmtDtls><TxAmt><Amt Ccy="KES">200.00</Amt></TxAmt></AmtDtls>',
      '',
    );
    const error = await refusal(parse(broken));
    expect(error.location).toBe('Stmt/Ntry[3]/NtryDtls[1]/TxDtls[2]');
  });

  it('refuses a single part whose amount is not the entry amount', async () => {
    const entry =
      '<Ntry><Amt Ccy="JPY">100</Amt><CdtDbtInd>DBIT</CdtDbtInd>' +
      '<NtryDtls><TxDtls><Amt Ccy="JPY">90</Amt></TxDtls></NtryDtls></Ntry>';
    const body = documentOf(entry, CAMT053_08).replace('<Ccy>KES</Ccy>', '<Ccy>JPY</Ccy>');
    expect((await refusal(parse(body))).location).toBe('Stmt/Ntry[1]');
  });

  it.each([
    ['a missing Ccy', '<Amt>1.00</Amt>', 'Stmt/Ntry[1]/Amt@Ccy'],
    ['an amount in another currency', '<Amt Ccy="USD">1.00</Amt>', 'Stmt/Ntry[1]/Amt'],
    ['too many decimals', '<Amt Ccy="KES">1.001</Amt>', 'Stmt/Ntry[1]/Amt'],
    ['a negative amount', '<Amt Ccy="KES">-1.00</Amt>', 'Stmt/Ntry[1]/Amt'],
  ])('refuses %s, saying where', async (_, amount, location) => {
    const entry = `<Ntry>${amount}<CdtDbtInd>DBIT</CdtDbtInd></Ntry>`;
    expect((await refusal(parse(documentOf(entry)))).location).toBe(location);
  });

  it.each([
    ['a direction', '<CdtDbtInd>DEBIT</CdtDbtInd>', 'Stmt/Ntry[1]/CdtDbtInd'],
    [
      'a booking date',
      '<CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2026-02-30</Dt></BookgDt>',
      'Stmt/Ntry[1]/BookgDt/Dt',
    ],
    [
      'a reversal flag',
      '<CdtDbtInd>DBIT</CdtDbtInd><RvslInd>yes</RvslInd>',
      'Stmt/Ntry[1]/RvslInd',
    ],
  ])('refuses an entry with a bad %s', async (_, fields, location) => {
    const entry = `<Ntry><Amt Ccy="KES">1.00</Amt>${fields}</Ntry>`;
    expect((await refusal(parse(documentOf(entry)))).location).toBe(location);
  });

  it('reads several statements in one document, each its own, naming the second Stmt[2]', async () => {
    const body = documentOf(debitEntry('PAY-1', '1.00')).replace(
      '</Stmt>',
      `</Stmt><Stmt><Id>S2</Id>${debitEntry('PAY-2', '2.00')}${debitEntry('PAY-3', '3.00')}</Stmt>`,
    );
    const statements = await parseCamtStatements(chunksOf(body, 64));
    expect(statements.map((statement) => [statement.statementRef, statement.lines.length])).toEqual(
      [
        ['S', 1],
        ['S2', 2],
      ],
    );
    const broken = body.replace('<Amt Ccy="KES">3.00</Amt>', '<Amt Ccy="KES">3.005</Amt>');
    expect((await refusal(parseCamtStatements(chunksOf(broken, 64)))).location).toBe(
      'Stmt[2]/Ntry[2]/Amt',
    );
  });

  it('reads a document declared in Latin-1 as Latin-1, with a notice', async () => {
    const latin1 = kesStatement
      .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
      .replace('FUNDING FROM TREASURY', 'FUNDING FROM TRÉSOR')
      .replace(/[^\t\n\r -\u00ff]/g, '?'); // what Latin-1 cannot hold
    const parsed = await parse(Buffer.from(latin1, 'latin1'));
    expect(parsed.lines.at(-1)?.narrative).toBe('FUNDING FROM TRÉSOR & PARTNERS');
    expect(parsed.notices).toEqual([
      { location: 'body', kind: 'decoded_as', message: 'read as declared: windows-1252' },
    ]);
  });

  it('refuses a document without a statement', async () => {
    const withoutStmt = '<BkToCstmrStmt><GrpHdr/></BkToCstmrStmt>';
    const body = `<Document xmlns="${CAMT053_02}">${withoutStmt}</Document>`;
    expect((await refusal(parse(body))).message).toContain('no Stmt');
  });

  it('refuses more entries than maxLines, as too large', async () => {
    const body = documentOf(debitEntry('P1', '1.00') + debitEntry('P2', '1.00'));
    const error = await refusal(parse(body, { ...DEFAULT_STATEMENT_LIMITS, maxLines: 1 }));
    expect(error).toMatchObject({ location: 'Stmt/Ntry[2]', tooLarge: true });
  });

  it('parses a 20,000-entry statement', async () => {
    const entries = Array.from({ length: 20_000 }, (_, n) => debitEntry(`PAY-${n}`, '10.00'));
    const body = documentOf(entries.join('\n'));
    const started = performance.now();
    const parsed = await parse(body);
    const elapsedMs = Math.round(performance.now() - started);
    console.info(`20,000 entries (${body.length} bytes) parsed in ${elapsedMs} ms`);
    expect(parsed.lines).toHaveLength(20_000);
    expect(parsed.lines.at(-1)).toMatchObject({ lineNumber: 20_000, reference: 'PAY-19999' });
  });
});

describe('parseCamt053Statement on hostile input', () => {
  it('refuses XML cut off in the middle of an element', async () => {
    const cut = kesStatement.slice(0, kesStatement.indexOf('<EndToEndId>PAY-02') + 15);
    const error = await refusal(parse(cut));
    expect(error.message).toContain('not well-formed XML');
  });

  it('refuses an entity bomb at its DOCTYPE, quickly and without expanding anything', async () => {
    const lol = Array.from(
      { length: 9 },
      (_, n) => `<!ENTITY lol${n + 1} "${`&lol${n};`.repeat(10)}">`,
    ).join('');
    const bomb =
      `<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY lol0 "lol">${lol}]>` +
      `<Document xmlns="${CAMT053_02}">&lol9;</Document>`;
    const heapBefore = process.memoryUsage().heapUsed;
    const error = await refusal(parse(bomb));
    expect(error.message).toContain('DOCTYPE');
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses an undeclared entity reference', async () => {
    const body = documentOf('').replace('<Id>S</Id>', '<Id>&lol9;</Id>');
    expect((await refusal(parse(body))).message).toContain('undefined entity');
  });

  it('refuses external entities without ever fetching them', async () => {
    let requests = 0;
    const server = createServer((_, response) => {
      requests += 1;
      response.end('<Id>leaked</Id>');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      for (const system of ['file:///etc/passwd', `http://127.0.0.1:${port}/entity`]) {
        const body =
          `<!DOCTYPE Document [<!ENTITY x SYSTEM "${system}">]>` +
          `<Document xmlns="${CAMT053_02}">` +
          '<BkToCstmrStmt><Stmt><Id>&x;</Id></Stmt></BkToCstmrStmt></Document>';
        const error = await refusal(parse(body));
        expect(error.message).toContain('DOCTYPE');
        expect(error.message).not.toContain('root:');
      }
      // A parameter entity pointing outside, with no DOCTYPE body to speak of.
      const body =
        `<!DOCTYPE Document SYSTEM "http://127.0.0.1:${port}/dtd">` +
        `<Document xmlns="${CAMT053_02}"/>`;
      expect((await refusal(parse(body))).message).toContain('DOCTYPE');
      expect(requests).toBe(0);
    } finally {
      server.close();
    }
  });

  it('stops reading a 100 MiB text at the text bound, after the first megabyte', async () => {
    let pulled = 0;
    async function* giantRemittance() {
      yield new TextEncoder().encode(documentOf('').split('</Stmt>')[0]);
      yield new TextEncoder().encode(
        '<Ntry><Amt Ccy="KES">1.00</Amt><NtryDtls><TxDtls><RmtInf><Ustrd>',
      );
      const megabyte = new Uint8Array(1024 * 1024).fill(0x41);
      for (pulled = 0; pulled < 100; pulled += 1) yield megabyte;
    }
    const error = await refusal(parseCamt053Statement(giantRemittance()));
    expect(error).toMatchObject({
      tooLarge: true,
      location: 'Stmt/Ntry[1]/NtryDtls[1]/TxDtls[1]/RmtInf/Ustrd',
    });
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it('stops reading 100 MiB of endless entries at maxBytes', async () => {
    let pulled = 0;
    const entries = debitEntry('PAY-X', '1.00');
    const megabyte = new TextEncoder().encode(
      entries.repeat(Math.floor((1024 * 1024) / entries.length)),
    );
    async function* endlessEntries() {
      yield new TextEncoder().encode(documentOf('').split('</Stmt>')[0]);
      for (pulled = 0; pulled < 100; pulled += 1) yield megabyte;
    }
    const limits = { ...DEFAULT_STATEMENT_LIMITS, maxBytes: 4 * 1024 * 1024 };
    const error = await refusal(parseCamt053Statement(endlessEntries(), limits));
    expect(error).toMatchObject({ tooLarge: true, location: 'body' });
    expect(pulled).toBeLessThanOrEqual(4);

    const fewLines = { ...DEFAULT_STATEMENT_LIMITS, maxLines: 1_000 };
    const tooMany = await refusal(parseCamt053Statement(endlessEntries(), fewLines));
    expect(tooMany).toMatchObject({ tooLarge: true, location: 'Stmt/Ntry[1001]' });
    expect(pulled).toBeLessThanOrEqual(1);
  });

  // Up to one 64 Ki-character slice is read before the bound is checked: these are larger.
  it.each([
    ['a giant comment', `<!--${'-x'.repeat(100_000)}-->`],
    [
      'a giant start tag',
      `<Ntry ${Array.from({ length: 30_000 }, (_, n) => `a${n}="v"`).join(' ')}/>`,
    ],
    [
      'a giant CDATA section',
      `<Ntry><AddtlNtryInf><![CDATA[${'x'.repeat(20_000)}]]></AddtlNtryInf></Ntry>`,
    ],
  ])('refuses %s as too large', async (_, markup) => {
    const error = await refusal(parse(documentOf(markup)));
    expect(error.tooLarge).toBe(true);
  });

  it('refuses a DOCTYPE too large to wait for as too large', async () => {
    const doctype = `<!DOCTYPE Document [${'<!-- x -->'.repeat(20_000)}]>`;
    const error = await refusal(
      parse(documentOf('').replace('?><Document', `?>${doctype}<Document`)),
    );
    expect(error.tooLarge).toBe(true);
  });

  it.each([
    ['random bytes', randomBytes(4096)],
    ['a PNG file', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
    [
      'UTF-8 with a lone continuation byte',
      new Uint8Array([...new TextEncoder().encode(documentOf('')).subarray(0, 120), 0x80]),
    ],
    [
      'NUL bytes',
      new TextEncoder().encode(documentOf('').replace('<Id>S</Id>', '<Id>S\u0000</Id>')),
    ],
    ['an empty body', new Uint8Array()],
  ])('refuses %s', async (_, bytes) => {
    const error = await refusal(parse(bytes));
    expect(error.tooLarge).toBe(false);
  });

  it('refuses nesting deeper than maxDepth', async () => {
    const nested = `${'<X>'.repeat(40)}${'</X>'.repeat(40)}`;
    const error = await refusal(parse(documentOf(nested)));
    expect(error.tooLarge).toBe(true);
    expect(error.message).toContain('deeper than 32');
    const shallow = { ...DEFAULT_STATEMENT_LIMITS, maxDepth: 6 };
    expect((await refusal(parse(kesStatement, shallow))).tooLarge).toBe(true);
  });

  it.each([
    [
      'a camt.052 namespace around a camt.053 statement',
      kesStatement.replace(CAMT053_02, 'urn:iso:std:iso:20022:tech:xsd:camt.052.001.02'),
      'not a camt.052',
    ],
    [
      'a pain.002 status report',
      '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">' +
        '<CstmrPmtStsRpt/></Document>',
      'pain.002.001.03 is a payment status report, not a statement',
    ],
    [
      'an un-namespaced Document',
      kesStatement.replace(` xmlns="${CAMT053_02}"`, ''),
      'another namespace',
    ],
    [
      'an HTML page',
      '<html><head><title>502</title></head><body>Bad gateway</body></html>',
      '"html"',
    ],
    ['an HTML5 page', '<!DOCTYPE html><html><body>Bad gateway</body></html>', 'DOCTYPE'],
    [
      'a pain.001 message',
      '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">' +
        '<CstmrCdtTrfInitn/></Document>',
      'pain.001.001.09',
    ],
    [
      'a document declared in UTF-16',
      kesStatement.replace('encoding="UTF-8"', 'encoding="UTF-16"'),
      'is not read',
    ],
  ])('refuses %s', async (_, body, reason) => {
    expect((await refusal(parse(body))).message).toContain(reason);
  });

  it('refuses the wrong element under Document', async () => {
    const body = `<Document xmlns="${CAMT053_02}"><BkToCstmrDbtCdtNtfctn/></Document>`;
    expect((await refusal(parse(body))).location).toBe('Document/BkToCstmrDbtCdtNtfctn');
  });
});
