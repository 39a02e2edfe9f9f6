import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { SaxesParser } from 'saxes';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/simulator/cliArgs.js';
import type { SimulatorOptions } from '../../src/simulator/options.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator.js';

const secret = 'test-secret-0123456789abcdef';
const payerFa = 'account:9000000001@bank-a';
const camtNamespace = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02';
const ulidShape = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Payment ids as the ledger issues them (ULIDs). */
const ids = Array.from({ length: 9 }, (_, i) => `01JDQ0X4S3J7M2W8Y5K6Z1R9T${i}`);
const id = (i: number) => ids[i] ?? '';

// --- a simulator on a clock the test moves, and a receiver that ACKs its callbacks ------------

async function startReceiver(): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Hono();
  app.post('/on-disburse', (c) => c.json({ message: { ack_status: 'ACK' } }));
  const server: Server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver not on TCP');
  return {
    url: `http://127.0.0.1:${address.port}/on-disburse`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

interface Harness {
  simulator: RunningSimulator;
  /** Sets the simulator's clock. */
  at(iso: string): void;
}

async function setup(options: Partial<SimulatorOptions> = {}): Promise<Harness> {
  const receiver = await startReceiver();
  closers.push(receiver.close);
  let clock = new Date('2026-11-27T08:00:00Z');
  const simulator = await startSimulator(
    { dfspId: 'bank-a', callbackUrl: receiver.url, secret, seed: 1, ...options },
    { now: () => clock },
  );
  closers.push(simulator.close);
  return { simulator, at: (iso) => (clock = new Date(iso)) };
}

interface Item {
  reference_id: string;
  amount: string;
  currency?: string;
  payee_name?: string;
}

/** Pays `items` in one /disburse and waits until the simulator's ledger holds them all. */
async function pay(simulator: RunningSimulator, items: readonly Item[]): Promise<void> {
  const before = simulator.ledger().length;
  const response = await fetch(`${simulator.url}/disburse`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      header: {
        version: '1.0.0',
        message_id: `msg-${items[0]?.reference_id}`,
        message_ts: new Date().toISOString(),
        action: 'disburse',
        sender_id: 'g2p-ledger',
        total_count: items.length,
      },
      message: {
        transaction_id: `tx-${items[0]?.reference_id}`,
        disbursements: items.map((item, i) => ({
          reference_id: item.reference_id,
          payer_fa: payerFa,
          payee_fa: `token:${1000 + i}@bank-a`,
          amount: item.amount,
          currency_code: item.currency ?? 'KES',
          payee_name: item.payee_name ?? 'Joe John',
        })),
      },
    }),
  });
  expect(response.status).toBe(200);
  const until = Date.now() + 3_000;
  while (simulator.ledger().length < before + items.length) {
    if (Date.now() > until) throw new Error('payments not booked before deadline');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Fetched {
  status: number;
  contentType: string;
  injected: Record<string, string | null>;
  text: string;
}

async function statement(simulator: RunningSimulator, query: string): Promise<Fetched> {
  const response = await fetch(`${simulator.url}/statements?${query}`);
  const header = response.headers.get('x-injected');
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    injected: header === null ? {} : (JSON.parse(header) as Record<string, string | null>),
    text: await response.text(),
  };
}

/** Three KES payments on 2026-11-28: 12.50, 10.00 and 7.25. */
async function threePaid(options: Partial<SimulatorOptions> = {}): Promise<Harness> {
  const harness = await setup(options);
  harness.at('2026-11-28T09:30:00Z');
  await pay(harness.simulator, [
    { reference_id: id(0), amount: '12.5', payee_name: 'Ada "A", & <Co>' },
    { reference_id: id(1), amount: '10.00' },
    { reference_id: id(2), amount: '7.25' },
  ]);
  return harness;
}

// --- independent readers of the three formats -------------------------------------------------

/** RFC 4180 records (quoted fields may hold commas, quotes and line ends). */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charAt(i);
    if (quoted) {
      if (char === '"' && text.charAt(i + 1) === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += char;
  }
  expect(field).toBe(''); // the text ends with a line end
  return records;
}

interface Mt940 {
  tags: [tag: string, value: string][];
  entries: { valueDate: string; entryDate: string; mark: string; amount: string; ref: string }[];
  opening: { mark: string; date: string; currency: string; amount: string };
  closing: { mark: string; date: string; currency: string; amount: string };
  narratives: string[][];
}

function readMt940(text: string): Mt940 {
  expect(text.endsWith('\r\n')).toBe(true);
  expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
  const tags: [string, string][] = [];
  const narratives: string[][] = [];
  for (const line of text.slice(0, -2).split('\r\n')) {
    const tag = /^:(\d\d[A-Z]?):(.*)$/.exec(line);
    if (tag?.[1] !== undefined && tag[2] !== undefined) {
      tags.push([tag[1], tag[2]]);
      if (tag[1] === '86') narratives.push([tag[2]]);
    } else {
      expect(tags.at(-1)?.[0]).toBe('86'); // only a narrative continues on further lines
      narratives.at(-1)?.push(line);
    }
  }
  const balance = (value: string | undefined) => {
    const match = /^([CD])(\d{6})([A-Z]{3})(\d+,\d*)$/.exec(value ?? '');
    if (match === null) throw new Error(`not a balance: ${value}`);
    const [, mark = '', date = '', currency = '', amount = ''] = match;
    return { mark, date, currency, amount };
  };
  const entries = tags
    .filter(([tag]) => tag === '61')
    .map(([, value]) => {
      const match = /^(\d{6})(\d{4})(RD|RC|D|C)(\d+,\d*)NTRF(.+?)\/\/(.{1,16})$/.exec(value);
      if (match === null) throw new Error(`not a :61: ${value}`);
      const [, valueDate = '', entryDate = '', mark = '', amount = '', ref = ''] = match;
      return { valueDate, entryDate, mark, amount, ref };
    });
  return {
    tags,
    entries,
    opening: balance(tags.find(([tag]) => tag === '60F')?.[1]),
    closing: balance(tags.find(([tag]) => tag === '62F')?.[1]),
    narratives,
  };
}

/** `1234,50` as minor units with `decimals`. */
function commaMinor(amount: string, decimals: number): bigint {
  const [integer = '', fraction = ''] = amount.split(',');
  expect(fraction).toHaveLength(decimals);
  return BigInt(integer + fraction);
}

/** Signed MT940 balance in minor units. */
const signedMinor = (balance: Mt940['opening'], decimals: number) =>
  (balance.mark === 'D' ? -1n : 1n) * commaMinor(balance.amount, decimals);

interface XmlNode {
  name: string;
  uri: string;
  attributes: Record<string, string>;
  children: XmlNode[];
  text: string;
}

/** A whole XML document as a tree, read by saxes (strict, namespace aware); throws if malformed. */
function readXml(text: string): XmlNode {
  const parser = new SaxesParser({ xmlns: true });
  const root: XmlNode = { name: '#document', uri: '', attributes: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  parser.on('opentag', (tag) => {
    const node: XmlNode = {
      name: tag.local,
      uri: tag.uri,
      attributes: Object.fromEntries(
        Object.values(tag.attributes).map((attribute) => [attribute.local, attribute.value]),
      ),
      children: [],
      text: '',
    };
    stack.at(-1)?.children.push(node);
    stack.push(node);
  });
  parser.on('text', (chars) => {
    const top = stack.at(-1);
    if (top !== undefined) top.text += chars;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.on('error', (error) => {
    throw error;
  });
  parser.write(text).close();
  const [document] = root.children;
  if (document === undefined) throw new Error('no root element');
  return document;
}

function child(node: XmlNode | undefined, path: string): XmlNode {
  let current = node;
  for (const name of path.split('/')) current = current?.children.find((c) => c.name === name);
  if (current === undefined) throw new Error(`no ${path}`);
  return current;
}

const textOf = (node: XmlNode, path: string) => child(node, path).text;
const childrenNamed = (node: XmlNode, name: string) => node.children.filter((c) => c.name === name);

/** The camt.053 facts the ledger reads. */
function readCamt(text: string) {
  const document = readXml(text);
  expect(document.name).toBe('Document');
  expect(document.uri).toBe(camtNamespace);
  const stmt = child(document, 'BkToCstmrStmt/Stmt');
  const balance = (code: string) => {
    const bal = childrenNamed(stmt, 'Bal').find((b) => textOf(b, 'Tp/CdOrPrtry/Cd') === code);
    if (bal === undefined) throw new Error(`no ${code}`);
    const amount = child(bal, 'Amt');
    return {
      signed: `${textOf(bal, 'CdtDbtInd') === 'DBIT' ? '-' : ''}${amount.text}`,
      currency: amount.attributes.Ccy,
      on: textOf(bal, 'Dt/Dt'),
    };
  };
  return {
    msgId: textOf(document, 'BkToCstmrStmt/GrpHdr/MsgId'),
    id: textOf(stmt, 'Id'),
    from: textOf(stmt, 'FrToDt/FrDtTm'),
    to: textOf(stmt, 'FrToDt/ToDtTm'),
    account: textOf(stmt, 'Acct/Id/Othr/Id'),
    currency: textOf(stmt, 'Acct/Ccy'),
    opening: balance('OPBD'),
    closing: balance('CLBD'),
    entries: childrenNamed(stmt, 'Ntry').map((ntry) => ({
      amount: textOf(ntry, 'Amt'),
      currency: child(ntry, 'Amt').attributes.Ccy,
      cdtDbt: textOf(ntry, 'CdtDbtInd'),
      reversal: textOf(ntry, 'RvslInd'),
      status: textOf(ntry, 'Sts'),
      booked: textOf(ntry, 'BookgDt/Dt'),
      value: textOf(ntry, 'ValDt/Dt'),
      endToEndId: textOf(ntry, 'NtryDtls/TxDtls/Refs/EndToEndId'),
      txAmount: textOf(ntry, 'NtryDtls/TxDtls/AmtDtls/TxAmt/Amt'),
      creditor: textOf(ntry, 'NtryDtls/TxDtls/RltdPties/Cdtr/Nm'),
      remittance: textOf(ntry, 'NtryDtls/TxDtls/RmtInf/Ustrd'),
    })),
  };
}

/** `-12.50` / `12.50` as signed minor units with `decimals`. */
function dotMinor(amount: string, decimals: number): bigint {
  const negative = amount.startsWith('-');
  const [integer = '', fraction = ''] = amount.replace('-', '').split('.');
  expect(fraction).toHaveLength(decimals);
  return (negative ? -1n : 1n) * BigInt(integer + fraction);
}

/** opening + credits − debits, from camt.053 entries. */
function camtMovement(entries: ReturnType<typeof readCamt>['entries'], decimals: number): bigint {
  return entries.reduce(
    (sum, e) => sum + (e.cdtDbt === 'CRDT' ? 1n : -1n) * dotMinor(e.amount, decimals),
    0n,
  );
}

const csvHeader = ['reference_id', 'amount', 'currency', 'type', 'reversal', 'booked_at'];

// --- the formats -----------------------------------------------------------------------------

describe('DFSP simulator statements: formats', () => {
  it(
    'states every payment as a CSV debit with ' + 'the currency decimals and RFC 4180 quoting',
    async () => {
      const { simulator } = await threePaid();
      const fetched = await statement(simulator, '');

      expect(fetched.status).toBe(200);
      expect(fetched.contentType).toBe('text/csv; charset=utf-8');
      expect(fetched.injected).toEqual({});
      const paidAt = '2026-11-28T09:30:00.000Z';
      expect(csvRecords(fetched.text)).toEqual([
        [...csvHeader, 'payee_fa', 'narrative'],
        [
          id(0),
          '12.50',
          'KES',
          'debit',
          'false',
          paidAt,
          'token:1000@bank-a',
          'token:1000@bank-a Ada "A", & <Co>',
        ],
        [id(1), '10.00', 'KES', 'debit', 'false', paidAt, 'token:1001@bank-a', expect.any(String)],
        [id(2), '7.25', 'KES', 'debit', 'false', paidAt, 'token:1002@bank-a', expect.any(String)],
      ]);
      expect(fetched.text).toContain(',"token:1000@bank-a Ada ""A"", & <Co>"\n');
      const explicit = await statement(simulator, 'format=csv&currency=KES');
      expect(explicit.text).toBe(fetched.text);
    },
  );

  it('writes MT940 with plain tags, CRLF line ends and balances that add up', async () => {
    const { simulator } = await threePaid({ openingBalance: '5000' });
    const fetched = await statement(simulator, 'format=mt940');

    expect(fetched.status).toBe(200);
    expect(fetched.contentType).toBe('text/plain; charset=utf-8');
    const mt940 = readMt940(fetched.text);
    expect(mt940.tags.map(([tag]) => tag)).toEqual([
      '20',
      '25',
      '28C',
      '60F',
      ...['61', '86', '61', '86', '61', '86'],
      '62F',
    ]);
    const reference = mt940.tags[0]?.[1] ?? '';
    expect(reference.length).toBeGreaterThan(0);
    expect(reference.length).toBeLessThanOrEqual(16);
    expect(mt940.tags[1]).toEqual(['25', payerFa]);
    expect(mt940.tags[2]).toEqual(['28C', '00001/001']);
    // No `from`: the period opens at start-up (2026-11-27) with the configured balance.
    expect(mt940.opening).toEqual({
      mark: 'C',
      date: '261127',
      currency: 'KES',
      amount: '5000,00',
    });
    expect(mt940.entries).toEqual([
      { valueDate: '261128', entryDate: '1128', mark: 'D', amount: '12,50', ref: id(0) },
      { valueDate: '261128', entryDate: '1128', mark: 'D', amount: '10,00', ref: id(1) },
      { valueDate: '261128', entryDate: '1128', mark: 'D', amount: '7,25', ref: id(2) },
    ]);
    expect(mt940.closing).toMatchObject({ mark: 'C', currency: 'KES', amount: '4970,25' });
    const debits = mt940.entries.reduce((sum, e) => sum + commaMinor(e.amount, 2), 0n);
    expect(signedMinor(mt940.opening, 2) - debits).toBe(signedMinor(mt940.closing, 2));
    expect(mt940.narratives[0]).toEqual(['token:1000@bank-a Ada "A", & <Co>']);

    // The same content gets the same statement reference.
    expect((await statement(simulator, 'format=mt940')).text).toBe(fetched.text);
  });

  it('marks an overdrawn balance D and wraps a long narrative in lines of at most 65', async () => {
    const { simulator, at } = await setup({ openingBalance: '10.00' });
    at('2026-11-28T10:00:00Z');
    // `token:1000@bank-a ` is 18 characters: the 66th, where a plain cut would fall, is `:`.
    const longName = `${'W'.repeat(47)}:-:${'Kamau-Otieno '.repeat(8)}`;
    await pay(simulator, [{ reference_id: id(0), amount: '25.00', payee_name: longName }]);
    const mt940 = readMt940((await statement(simulator, 'format=mt940&to=2026-11-29')).text);

    expect(mt940.closing).toEqual({ mark: 'D', date: '261128', currency: 'KES', amount: '15,00' });
    const [narrative = []] = mt940.narratives;
    expect(narrative.length).toBeGreaterThan(1);
    for (const line of narrative) expect(line.length).toBeLessThanOrEqual(65);
    for (const line of narrative.slice(1)) expect(line).not.toMatch(/^[:-]/);
    expect(narrative.join('')).toBe(`token:1000@bank-a ${longName}`.slice(0, 140));

    const camt = readCamt((await statement(simulator, 'format=camt053')).text);
    expect(camt.closing.signed).toBe('-15.00');
  });

  it('writes a well-formed camt.053 with EndToEndIds, escaped text and balances', async () => {
    const { simulator } = await threePaid();
    const fetched = await statement(
      simulator,
      'format=camt053&from=2026-11-28T00:00:00Z&to=2026-11-29T00:00:00Z',
    );

    expect(fetched.status).toBe(200);
    expect(fetched.contentType).toBe('application/xml');
    expect(fetched.text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    const camt = readCamt(fetched.text);
    expect(camt.id.length).toBeLessThanOrEqual(16);
    expect(camt.msgId).toBe(camt.id);
    expect(camt).toMatchObject({
      from: '2026-11-28T00:00:00.000Z',
      to: '2026-11-29T00:00:00.000Z',
      account: payerFa,
      currency: 'KES',
      opening: { signed: '1000000000.00', currency: 'KES', on: '2026-11-28' },
      closing: { signed: '999999970.25', currency: 'KES', on: '2026-11-28' },
    });
    expect(camt.entries.map((e) => [e.endToEndId, e.amount, e.txAmount, e.currency])).toEqual([
      [id(0), '12.50', '12.50', 'KES'],
      [id(1), '10.00', '10.00', 'KES'],
      [id(2), '7.25', '7.25', 'KES'],
    ]);
    for (const entry of camt.entries) {
      expect(entry).toMatchObject({
        cdtDbt: 'DBIT',
        reversal: 'false',
        status: 'BOOK',
        booked: '2026-11-28',
        value: '2026-11-28',
      });
    }
    expect(camt.entries[0]?.creditor).toBe('Ada "A", & <Co>');
    expect(camt.entries[0]?.remittance).toBe('token:1000@bank-a Ada "A", & <Co>');
    expect(fetched.text).toContain('Ada &quot;A&quot;, &amp; &lt;Co&gt;');
    expect(
      dotMinor(camt.opening.signed, 2) +
        camtMovement(camt.entries, 2) -
        dotMinor(camt.closing.signed, 2),
    ).toBe(0n);
  });

  it('states JPY without decimals: 1500 in CSV and camt.053, 1500, in MT940', async () => {
    const { simulator, at } = await setup();
    at('2026-11-28T10:00:00Z');
    await pay(simulator, [
      { reference_id: id(0), amount: '1500.00', currency: 'JPY' },
      { reference_id: id(1), amount: '20.00', currency: 'KES' },
    ]);

    const csv = csvRecords((await statement(simulator, 'currency=JPY')).text);
    expect(csv.slice(1).map((row) => row.slice(0, 3))).toEqual([[id(0), '1500', 'JPY']]);
    const mt940 = readMt940((await statement(simulator, 'format=mt940&currency=JPY')).text);
    expect(mt940.entries.map((e) => e.amount)).toEqual(['1500,']);
    expect(mt940.opening.amount).toBe('1000000000,');
    expect(mt940.closing).toMatchObject({ mark: 'C', currency: 'JPY', amount: '999998500,' });
    const camt = readCamt((await statement(simulator, 'format=camt053&currency=JPY')).text);
    expect(camt.entries.map((e) => [e.amount, e.currency])).toEqual([['1500', 'JPY']]);
    expect(camt.closing.signed).toBe('999998500');
    // Two currencies held: the statement must name one.
    expect((await statement(simulator, 'format=mt940')).status).toBe(422);
  });
});

// --- the period ------------------------------------------------------------------------------

describe('DFSP simulator statements: period', () => {
  it('lists payments booked in [from, to) and opens with what was paid before from', async () => {
    const { simulator, at } = await setup({ openingBalance: '1000.00' });
    at('2026-11-27T10:00:00Z');
    await pay(simulator, [{ reference_id: id(0), amount: '100.00' }]);
    at('2026-11-28T10:00:00Z');
    await pay(simulator, [
      { reference_id: id(1), amount: '20.00' },
      { reference_id: id(2), amount: '30.00' },
    ]);
    at('2026-11-29T00:00:00Z');
    await pay(simulator, [{ reference_id: id(3), amount: '40.00' }]);

    const day = 'from=2026-11-28T00:00:00Z&to=2026-11-29T00:00:00Z';
    const csv = csvRecords((await statement(simulator, day)).text);
    expect(csv.slice(1).map((row) => row[0])).toEqual([id(1), id(2)]);
    const mt940 = readMt940((await statement(simulator, `${day}&format=mt940`)).text);
    expect(mt940.entries.map((e) => e.ref)).toEqual([id(1), id(2)]);
    expect(mt940.opening).toEqual({ mark: 'C', date: '261128', currency: 'KES', amount: '900,00' });
    expect(mt940.closing).toEqual({ mark: 'C', date: '261128', currency: 'KES', amount: '850,00' });

    // The next day opens where this one closed, and its `to` is exclusive of nothing after.
    const next = readCamt(
      (await statement(simulator, 'format=camt053&from=2026-11-29T00:00:00Z')).text,
    );
    expect(next.opening.signed).toBe('850.00');
    expect(next.entries.map((e) => e.endToEndId)).toEqual([id(3)]);
    expect(next.closing.signed).toBe('810.00');

    const before = readMt940((await statement(simulator, 'format=mt940&to=2026-11-28')).text);
    expect(before.entries.map((e) => e.ref)).toEqual([id(0)]);
    expect(before.opening.amount).toBe('1000,00');
    expect(before.closing).toMatchObject({ date: '261127', amount: '900,00' });
  });

  it('states an empty period with equal opening and closing balances', async () => {
    const { simulator, at } = await setup();
    at('2026-11-28T10:00:00Z');
    await pay(simulator, [{ reference_id: id(0), amount: '5.00' }]);
    const mt940 = readMt940(
      (await statement(simulator, 'format=mt940&from=2026-12-01&to=2026-12-02')).text,
    );
    expect(mt940.entries).toEqual([]);
    expect(mt940.opening).toEqual({
      mark: 'C',
      date: '261201',
      currency: 'KES',
      amount: '999999995,00',
    });
    expect(mt940.closing).toEqual({ ...mt940.opening });
  });
});

// --- injections ------------------------------------------------------------------------------

describe('DFSP simulator statements: injections', () => {
  it('wrong-amount states the first paid reference 1 minor unit high', async () => {
    const { simulator } = await threePaid();
    const fetched = await statement(simulator, 'format=mt940&inject=wrong-amount');

    expect(fetched.injected).toEqual({ 'wrong-amount': id(0) });
    const mt940 = readMt940(fetched.text);
    expect(mt940.entries.map((e) => [e.ref, e.amount])).toEqual([
      [id(0), '12,51'],
      [id(1), '10,00'],
      [id(2), '7,25'],
    ]);
    expect(mt940.closing.amount).toBe('999999970,24');
  });

  it(
    'reversal appends money coming back for ' + 'the second paid reference in every format',
    async () => {
      const { simulator } = await threePaid();

      const csv = await statement(simulator, 'inject=reversal');
      expect(csv.injected).toEqual({ reversal: id(1) });
      expect(csvRecords(csv.text).at(-1)?.slice(0, 6)).toEqual([
        id(1),
        '10.00',
        'KES',
        'credit',
        'true',
        '2026-11-28T09:30:00.000Z',
      ]);
      const mt940 = readMt940((await statement(simulator, 'format=mt940&inject=reversal')).text);
      expect(mt940.entries.map((e) => [e.mark, e.ref])).toEqual([
        ['D', id(0)],
        ['D', id(1)],
        ['D', id(2)],
        ['RD', id(1)],
      ]);
      expect(mt940.closing.amount).toBe('999999980,25');
      const camt = readCamt((await statement(simulator, 'format=camt053&inject=reversal')).text);
      expect(camt.entries.at(-1)).toMatchObject({
        endToEndId: id(1),
        amount: '10.00',
        cdtDbt: 'CRDT',
        reversal: 'true',
      });
      expect(camt.closing.signed).toBe('999999980.25');
    },
  );

  it(
    'unknown-line appends a debit with a ' + 'ULID-shaped reference the ledger never issued',
    async () => {
      const { simulator } = await threePaid();
      const fetched = await statement(simulator, 'format=camt053&inject=unknown-line');

      const unknown = fetched.injected['unknown-line'] ?? '';
      expect(unknown).toMatch(ulidShape);
      expect(simulator.ledger().map((e) => e.reference_id)).not.toContain(unknown);
      const camt = readCamt(fetched.text);
      expect(camt.entries.map((e) => e.endToEndId)).toEqual([id(0), id(1), id(2), unknown]);
      expect(camt.entries.at(-1)).toMatchObject({ cdtDbt: 'DBIT', reversal: 'false' });
      expect(
        dotMinor(camt.opening.signed, 2) +
          camtMovement(camt.entries, 2) -
          dotMinor(camt.closing.signed, 2),
      ).toBe(0n);
    },
  );

  it('omission leaves out the third paid reference and balances without it', async () => {
    const { simulator } = await threePaid();
    const fetched = await statement(simulator, 'format=mt940&inject=omission');

    expect(fetched.injected).toEqual({ omission: id(2) });
    const mt940 = readMt940(fetched.text);
    expect(mt940.entries.map((e) => e.ref)).toEqual([id(0), id(1)]);
    expect(mt940.closing.amount).toBe('999999977,50');
  });

  it('balance-break makes the closing balance 1.00 off, lines untouched', async () => {
    const { simulator } = await threePaid();
    const clean = readCamt((await statement(simulator, 'format=camt053')).text);
    const fetched = await statement(simulator, 'format=camt053&inject=balance-break');

    expect(fetched.injected).toEqual({ 'balance-break': null });
    const broken = readCamt(fetched.text);
    expect(broken.entries).toEqual(clean.entries);
    expect(broken.opening).toEqual(clean.opening);
    expect(dotMinor(clean.closing.signed, 2) - dotMinor(broken.closing.signed, 2)).toBe(100n);
    const mt940 = readMt940((await statement(simulator, 'format=mt940&inject=balance-break')).text);
    expect(mt940.closing.amount).toBe('999999969,25');
  });

  it('applies several at once, each once, with balances that still add up', async () => {
    const { simulator, at } = await setup();
    at('2026-11-28T10:00:00Z');
    await pay(
      simulator,
      [0, 1, 2, 3].map((i) => ({ reference_id: id(i), amount: `${i + 1}.00` })),
    );
    const fetched = await statement(
      simulator,
      'format=camt053&inject=omission,unknown-line,reversal,wrong-amount,omission',
    );

    expect(fetched.status).toBe(200);
    const unknown = fetched.injected['unknown-line'] ?? '';
    expect(fetched.injected).toEqual({
      'wrong-amount': id(0),
      reversal: id(1),
      'unknown-line': unknown,
      omission: id(2),
    });
    const camt = readCamt(fetched.text);
    expect(camt.entries.map((e) => [e.endToEndId, e.cdtDbt, e.amount])).toEqual([
      [id(0), 'DBIT', '1.01'],
      [id(1), 'DBIT', '2.00'],
      [id(3), 'DBIT', '4.00'],
      [id(1), 'CRDT', '2.00'],
      [unknown, 'DBIT', '1.00'],
    ]);
    expect(
      dotMinor(camt.opening.signed, 2) +
        camtMovement(camt.entries, 2) -
        dotMinor(camt.closing.signed, 2),
    ).toBe(0n);
  });

  it('refuses an injection the period has too few payments for', async () => {
    const { simulator, at } = await setup();
    at('2026-11-28T10:00:00Z');
    await pay(simulator, [{ reference_id: id(0), amount: '1.00' }]);
    const fetched = await statement(simulator, 'format=mt940&inject=omission');
    expect(fetched.status).toBe(422);
    expect(JSON.parse(fetched.text)).toEqual({
      errors: [{ code: 'err.request.bad', message: expect.stringContaining('omission') }],
    });
  });
});

// --- refusals and the flag -------------------------------------------------------------------

describe('DFSP simulator statements: refusals', () => {
  it.each([
    ['format=xml', 'format'],
    ['inject=wrong-amount,typo', 'typo'],
    ['inject=balance-break', 'balance-break'],
    ['from=yesterday', 'from'],
    ['from=2026-11-28T10:00', 'from'],
    ['from=2026-11-29&to=2026-11-28', 'from must be before to'],
    ['currency=kes', 'currency'],
    ['currency=XXX', 'currency'],
  ])('answers 400 to %s', async (query, named) => {
    const { simulator } = await threePaid();
    const fetched = await statement(simulator, query);
    expect(fetched.status).toBe(400);
    const body = JSON.parse(fetched.text) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]?.code).toBe('err.request.bad');
    expect(body.errors[0]?.message).toContain(named);
  });

  it('asks for a currency before any payment, then states an empty one', async () => {
    const { simulator } = await setup();
    expect((await statement(simulator, 'format=mt940')).status).toBe(422);
    const mt940 = readMt940((await statement(simulator, 'format=mt940&currency=KES')).text);
    expect(mt940.tags[1]).toEqual(['25', 'bank-a-KES']);
    expect(mt940.closing).toEqual(mt940.opening);
  });

  it('takes --opening-balance on the command line', () => {
    const options = parseCliArgs(
      [
        '--dfsp-id',
        'bank-a',
        '--callback-url',
        'http://127.0.0.1:8080/cb',
        '--opening-balance',
        '2500000.00',
      ],
      { DFSP_SIMULATOR_SECRET: secret },
    );
    expect(options.openingBalance).toBe('2500000.00');
    expect(() =>
      parseCliArgs(
        ['--dfsp-id', 'b', '--callback-url', 'http://x.test/cb', '--opening-balance', '-1'],
        {
          DFSP_SIMULATOR_SECRET: secret,
        },
      ),
    ).toThrow();
  });
});
