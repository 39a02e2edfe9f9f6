import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorOptions } from '../../src/simulator/options.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator.js';
import { validateXml } from '../support/xsd.js';

/** The simulated bank's funding account (a valid IBAN) and two creditors' accounts. */
const FUNDING_IBAN = 'DE89370400440532013000';
const GOOD_IBAN = 'GB82WEST12345698765432';
/** Check digits off by one: fails mod 97. */
const BAD_IBAN = 'GB83WEST12345698765432';

interface Payment {
  id: string;
  amount: string;
  currency?: string;
  iban?: string;
  account?: string;
  name?: string;
}

interface FileSpec {
  msgId: string;
  payments: readonly Payment[];
  nbOfTxs?: string;
  ctrlSum?: string;
}

/** A pain.001.001.09 written by hand, the way a ledger would send one (one PmtInf). */
function pain001(spec: FileSpec): string {
  const sum = spec.payments.reduce((total, p) => total + BigInt(p.amount.replace('.', '')), 0n);
  const ctrlSum = spec.ctrlSum ?? `${sum / 100n}.${String(sum % 100n).padStart(2, '0')}`;
  const nbOfTxs = spec.nbOfTxs ?? String(spec.payments.length);
  const transactions = spec.payments.map((p) =>
    [
      '      <CdtTrfTxInf>',
      `        <PmtId><InstrId>${p.id}</InstrId><EndToEndId>${p.id}</EndToEndId></PmtId>`,
      `        <Amt><InstdAmt Ccy="${p.currency ?? 'EUR'}">${p.amount}</InstdAmt></Amt>`,
      `        <Cdtr><Nm>${p.name ?? 'Amina Otieno'}</Nm></Cdtr>`,
      p.account === undefined
        ? `        <CdtrAcct><Id><IBAN>${p.iban ?? GOOD_IBAN}</IBAN></Id></CdtrAcct>`
        : `        <CdtrAcct><Id><Othr><Id>${p.account}</Id></Othr></Id></CdtrAcct>`,
      '        <RmtInf><Ustrd>Cash transfer</Ustrd></RmtInf>',
      '      </CdtTrfTxInf>',
    ].join('\n'),
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>${spec.msgId}</MsgId>
      <CreDtTm>2026-03-02T09:00:00Z</CreDtTm>
      <NbOfTxs>${nbOfTxs}</NbOfTxs>
      <CtrlSum>${ctrlSum}</CtrlSum>
      <InitgPty><Nm>Social Protection Programme</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>${spec.msgId}-P1</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <NbOfTxs>${nbOfTxs}</NbOfTxs>
      <CtrlSum>${ctrlSum}</CtrlSum>
      <ReqdExctnDt><Dt>2026-03-02</Dt></ReqdExctnDt>
      <Dbtr><Nm>Social Protection Programme</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>${FUNDING_IBAN}</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><BICFI>COBADEFFXXX</BICFI></FinInstnId></DbtrAgt>
${transactions.join('\n')}
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
`;
}

interface Exchange {
  dir: string;
  root: string;
  stateFile: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function exchange(): Promise<Exchange> {
  const dir = await mkdtemp(join(tmpdir(), 'file-bank-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const root = join(dir, 'sftp');
  await mkdir(join(root, 'outbox'), { recursive: true });
  await mkdir(join(root, 'inbox'), { recursive: true });
  return { dir, root, stateFile: join(dir, 'bank-state', 'journal.jsonl') };
}

async function bank(ex: Exchange, options: Partial<SimulatorOptions> = {}) {
  const simulator = await startSimulator({
    protocol: 'iso20022-files',
    dfspId: 'bank-files',
    filesRoot: ex.root,
    filesStateFile: ex.stateFile,
    filesPollMs: 20,
    statementAfterMs: 60_000,
    openingBalance: '1000000.00',
    ...options,
  });
  cleanups.push(() => simulator.close());
  return simulator;
}

/** Uploads as the ledger does: a temporary name, then a rename once whole. */
async function upload(ex: Exchange, name: string, xml: string): Promise<void> {
  const temporary = join(ex.root, 'outbox', `.${name}.part`);
  await writeFile(temporary, xml);
  await rename(temporary, join(ex.root, 'outbox', name));
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function inboxNames(ex: Exchange): Promise<string[]> {
  return (await readdir(join(ex.root, 'inbox'))).sort();
}

/** The answer `name` once it is in the inbox. */
function answer(ex: Exchange, name: string, timeoutMs?: number): Promise<string> {
  return waitFor(
    name,
    async () => {
      try {
        return await readFile(join(ex.root, 'inbox', name), 'utf8');
      } catch {
        return undefined;
      }
    },
    timeoutMs,
  );
}

function texts(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}(?: [^>]*)?>([^<]*)</${tag}>`, 'g'))].map(
    (match) => match[1] ?? '',
  );
}

/** Each TxInfAndSts as `{ id, status, reason }`. */
function transactionStatuses(xml: string) {
  return [...xml.matchAll(/<TxInfAndSts>([\s\S]*?)<\/TxInfAndSts>/g)].map(([, block = '']) => ({
    id: texts(block, 'OrgnlEndToEndId')[0],
    status: texts(block, 'TxSts')[0],
    reason: texts(block, 'Cd')[0],
  }));
}

async function expectValid(xml: string, schema: Parameters<typeof validateXml>[1]) {
  const { errors } = await validateXml(xml, schema);
  expect(errors).toEqual([]);
}

async function ledgerOf(simulator: RunningSimulator) {
  const response = await fetch(`${simulator.url}/ledger`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { entries: { reference_id: string; amount: string }[] })
    .entries;
}

describe('iso20022-files simulator: a bank taking payment files', () => {
  it('the hand-written pain.001 of these tests is schema-valid', async () => {
    await expectValid(
      pain001({ msgId: 'M', payments: [{ id: 'P1', amount: '1.00' }] }),
      'pain.001.001.09',
    );
  });

  it('accepts a file, then reports each payment, notifies the debits and states the account', async () => {
    const ex = await exchange();
    const simulator = await bank(ex, { openingBalance: '1000.00', statementAfterMs: 300 });
    await upload(
      ex,
      'batch-1.xml',
      pain001({
        msgId: 'MSG-0001',
        payments: [
          { id: 'PAY-A', amount: '100.50' },
          { id: 'PAY-B', amount: '20.00', iban: BAD_IBAN },
          { id: 'PAY-C', amount: '5000.00' },
          { id: 'PAY-D', amount: '0.25', account: 'ACC-778899', name: 'Jo &amp; Co &lt;x&gt;' },
        ],
      }),
    );

    const ack = await answer(ex, 'pain002_MSG-0001_01.xml');
    await expectValid(ack, 'pain.002.001.10');
    expect(texts(ack, 'OrgnlMsgId')).toEqual(['MSG-0001']);
    expect(texts(ack, 'OrgnlMsgNmId')).toEqual(['pain.001.001.09']);
    expect(texts(ack, 'OrgnlNbOfTxs')).toEqual(['4']);
    expect(texts(ack, 'OrgnlCtrlSum')).toEqual(['5120.75']);
    expect(texts(ack, 'GrpSts')).toEqual(['ACTC']);

    const outcome = await answer(ex, 'pain002_MSG-0001_02.xml');
    await expectValid(outcome, 'pain.002.001.10');
    expect(texts(outcome, 'GrpSts')).toEqual(['PART']);
    expect(transactionStatuses(outcome)).toEqual([
      { id: 'PAY-A', status: 'ACSC', reason: undefined },
      { id: 'PAY-B', status: 'RJCT', reason: 'AC01' },
      { id: 'PAY-C', status: 'RJCT', reason: 'AM04' },
      { id: 'PAY-D', status: 'ACSC', reason: undefined },
    ]);
    expect(texts(outcome, 'InstdAmt')).toEqual(['100.50', '20.00', '5000.00', '0.25']);

    const notification = await answer(ex, 'camt054_MSG-0001.xml');
    await expectValid(notification, 'camt.054.001.08');
    expect(texts(notification, 'EndToEndId')).toEqual(['PAY-A', 'PAY-D']);
    expect(texts(notification, 'IBAN')).toEqual([FUNDING_IBAN]);
    expect(texts(notification, 'Amt')).toEqual(['100.50', '100.50', '0.25', '0.25']);

    expect(await readdir(join(ex.root, 'outbox'))).toEqual(['taken']);
    expect(await readdir(join(ex.root, 'outbox', 'taken'))).toEqual(['batch-1.xml']);
    expect((await ledgerOf(simulator)).map((e) => [e.reference_id, e.amount])).toEqual([
      ['PAY-A', '100.50'],
      ['PAY-D', '0.25'],
    ]);

    const statementName = await waitFor('a camt.053', async () =>
      (await inboxNames(ex)).find((name) => /^camt053_\d{8}_0001\.xml$/.test(name)),
    );
    const statement = await answer(ex, statementName);
    await expectValid(statement, 'camt.053.001.08');
    expect(texts(statement, 'EndToEndId')).toEqual(['PAY-A', 'PAY-D']);
    // Opening 1000.00, debits 100.75: closing 899.25.
    expect(texts(statement, 'Amt').filter((_, i) => i < 2)).toEqual(['1000.00', '899.25']);
    const health = await fetch(`${simulator.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', files_taken: 1, payments_paid: 2 });
  });

  it('refuses a file whose NbOfTxs or CtrlSum disagree with its transactions, paying nothing', async () => {
    const ex = await exchange();
    const simulator = await bank(ex);
    const payments = [
      { id: 'PAY-1', amount: '10.00' },
      { id: 'PAY-2', amount: '11.00' },
    ];
    await upload(ex, 'a.xml', pain001({ msgId: 'MSG-COUNT', payments, nbOfTxs: '3' }));
    await upload(ex, 'b.xml', pain001({ msgId: 'MSG-SUM', payments, ctrlSum: '21.01' }));

    const count = await answer(ex, 'pain002_MSG-COUNT_01.xml');
    const sum = await answer(ex, 'pain002_MSG-SUM_01.xml');
    for (const report of [count, sum]) {
      await expectValid(report, 'pain.002.001.10');
      expect(texts(report, 'GrpSts')).toEqual(['RJCT']);
    }
    expect(texts(count, 'Cd')).toEqual(['AM18']);
    expect(texts(sum, 'Cd')).toEqual(['AM10']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await inboxNames(ex)).toEqual(['pain002_MSG-COUNT_01.xml', 'pain002_MSG-SUM_01.xml']);
    expect(await ledgerOf(simulator)).toEqual([]);
  });

  it('refuses a MsgId it took before (DU01) and an EndToEndId it paid before (DU04)', async () => {
    const ex = await exchange();
    const simulator = await bank(ex);
    const first = pain001({ msgId: 'MSG-DUP', payments: [{ id: 'PAY-1', amount: '10.00' }] });
    await upload(ex, 'first.xml', first);
    await answer(ex, 'pain002_MSG-DUP_02.xml');
    await upload(ex, 'first.xml', first);

    const duplicate = await waitFor('the DU01 answer', async () =>
      (await inboxNames(ex)).find((name) => name.startsWith('pain002_MSG-DUP_DU01_')),
    );
    const refusal = await answer(ex, duplicate);
    await expectValid(refusal, 'pain.002.001.10');
    expect(texts(refusal, 'OrgnlMsgId')).toEqual(['MSG-DUP']);
    expect(texts(refusal, 'GrpSts')).toEqual(['RJCT']);
    expect(texts(refusal, 'Cd')).toEqual(['DU01']);
    expect((await readdir(join(ex.root, 'outbox', 'taken'))).sort()).toEqual([
      'first.2.xml',
      'first.xml',
    ]);

    await upload(
      ex,
      'again.xml',
      pain001({
        msgId: 'MSG-NEW',
        payments: [
          { id: 'PAY-1', amount: '10.00' },
          { id: 'PAY-2', amount: '12.00' },
          { id: 'PAY-2', amount: '12.00' },
        ],
      }),
    );
    const outcome = await answer(ex, 'pain002_MSG-NEW_02.xml');
    expect(transactionStatuses(outcome)).toEqual([
      { id: 'PAY-1', status: 'RJCT', reason: 'DU04' },
      { id: 'PAY-2', status: 'ACSC', reason: undefined },
      { id: 'PAY-2', status: 'RJCT', reason: 'DU04' },
    ]);
    expect((await ledgerOf(simulator)).map((e) => e.reference_id)).toEqual(['PAY-1', 'PAY-2']);
  });

  it('never reads a file still being written under a temporary name', async () => {
    const ex = await exchange();
    await bank(ex);
    const xml = pain001({ msgId: 'MSG-SLOW', payments: [{ id: 'PAY-1', amount: '1.00' }] });
    const half = xml.slice(0, xml.length / 2);
    await writeFile(join(ex.root, 'outbox', '.slow.xml.part'), half);
    await writeFile(join(ex.root, 'outbox', 'slow.xml.part'), half);
    await writeFile(join(ex.root, 'outbox', '.slow.xml'), half);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await inboxNames(ex)).toEqual([]);
    expect((await readdir(join(ex.root, 'outbox'))).sort()).toEqual([
      '.slow.xml',
      '.slow.xml.part',
      'slow.xml.part',
      'taken',
    ]);

    await writeFile(join(ex.root, 'outbox', '.slow.xml.part'), xml);
    await rename(join(ex.root, 'outbox', '.slow.xml.part'), join(ex.root, 'outbox', 'slow.xml'));
    expect(texts(await answer(ex, 'pain002_MSG-SLOW_01.xml'), 'GrpSts')).toEqual(['ACTC']);
  });

  it('takes a pain.001.001.03 as well, and says so in OrgnlMsgNmId', async () => {
    const ex = await exchange();
    await bank(ex);
    const xml = pain001({ msgId: 'MSG-03', payments: [{ id: 'PAY-1', amount: '2.00' }] })
      .replace('pain.001.001.09', 'pain.001.001.03')
      .replace(
        '<ReqdExctnDt><Dt>2026-03-02</Dt></ReqdExctnDt>',
        '<ReqdExctnDt>2026-03-02</ReqdExctnDt>',
      )
      .replace('<BICFI>', '<BIC>')
      .replace('</BICFI>', '</BIC>');
    await upload(ex, 'old.xml', xml);
    const outcome = await answer(ex, 'pain002_MSG-03_02.xml');
    await expectValid(outcome, 'pain.002.001.10');
    expect(texts(outcome, 'OrgnlMsgNmId')).toEqual(['pain.001.001.03']);
    expect(transactionStatuses(outcome)).toEqual([
      { id: 'PAY-1', status: 'ACSC', reason: undefined },
    ]);
  });

  it('answers an unreadable file FF01 under a name of its own', async () => {
    const ex = await exchange();
    await bank(ex);
    await upload(
      ex,
      'broken.xml',
      '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><Cstm',
    );
    const name = await waitFor('the FF01 answer', async () =>
      (await inboxNames(ex)).find((n) => n.startsWith('pain002_broken_FF01_')),
    );
    const report = await answer(ex, name);
    await expectValid(report, 'pain.002.001.10');
    expect(texts(report, 'Cd')).toEqual(['FF01']);
  });

  it('rejects at --reject-rate with account reasons', async () => {
    const ex = await exchange();
    const simulator = await bank(ex, { rejectRate: 1 });
    const payments = Array.from({ length: 6 }, (_, i) => ({ id: `PAY-${i}`, amount: '1.00' }));
    await upload(ex, 'r.xml', pain001({ msgId: 'MSG-R', payments }));
    const outcome = await answer(ex, 'pain002_MSG-R_02.xml');
    const statuses = transactionStatuses(outcome);
    expect(statuses.every((s) => s.status === 'RJCT')).toBe(true);
    for (const { reason } of statuses) expect(['AC04', 'AC01', 'AC06']).toContain(reason);
    expect(texts(outcome, 'GrpSts')).toEqual(['RJCT']);
    expect(await inboxNames(ex)).not.toContain('camt054_MSG-R.xml');
    expect(await ledgerOf(simulator)).toEqual([]);
  });

  it('gives each of 5,000 payments exactly one final status, over several reports', async () => {
    const ex = await exchange();
    const simulator = await bank(ex, { filesMaxReportTxs: 2_000 });
    const payments = Array.from({ length: 5_000 }, (_, i) => ({
      id: `PAY-${String(i).padStart(5, '0')}`,
      amount: `${(i % 90) + 10}.${String(i % 100).padStart(2, '0')}`,
    }));
    await upload(ex, 'big.xml', pain001({ msgId: 'MSG-BIG', payments }));
    const reports = await Promise.all(
      ['02', '03', '04'].map((part) => answer(ex, `pain002_MSG-BIG_${part}.xml`, 30_000)),
    );
    const told = reports.flatMap(transactionStatuses);
    expect(told.map((t) => t.id)).toEqual(payments.map((p) => p.id));
    expect(told.every((t) => t.status === 'ACSC')).toBe(true);
    for (const report of reports) await expectValid(report, 'pain.002.001.10');
    const notification = await answer(ex, 'camt054_MSG-BIG.xml');
    expect(texts(notification, 'EndToEndId')).toHaveLength(5_000);
    await expectValid(notification, 'camt.054.001.08');
    expect(await ledgerOf(simulator)).toHaveLength(5_000);
    expect(await inboxNames(ex)).not.toContain('pain002_MSG-BIG_05.xml');
  });

  it('survives an outbox that cannot be read for a while', async () => {
    const ex = await exchange();
    const simulator = await bank(ex);
    const outbox = join(ex.root, 'outbox');
    await rename(outbox, join(ex.dir, 'away'));
    await waitFor('a degraded health', async () => {
      const response = await fetch(`${simulator.url}/health`);
      return response.status === 503 ? true : undefined;
    });
    await rename(join(ex.dir, 'away'), outbox);
    await upload(
      ex,
      'later.xml',
      pain001({ msgId: 'MSG-L', payments: [{ id: 'P', amount: '1.00' }] }),
    );
    await answer(ex, 'pain002_MSG-L_02.xml');
    expect((await fetch(`${simulator.url}/health`)).status).toBe(200);
  });

  it('restarted on the same directory, pays nothing twice and still knows the MsgIds it took', async () => {
    const ex = await exchange();
    const first = await bank(ex);
    const file = pain001({ msgId: 'MSG-R1', payments: [{ id: 'PAY-1', amount: '7.00' }] });
    await upload(ex, 'r1.xml', file);
    await answer(ex, 'camt054_MSG-R1.xml');
    await first.close();

    const second = await bank(ex);
    expect((await ledgerOf(second)).map((e) => e.reference_id)).toEqual(['PAY-1']);
    await upload(ex, 'r1.xml', file);
    await waitFor('the DU01 answer', async () =>
      (await inboxNames(ex)).find((name) => name.startsWith('pain002_MSG-R1_DU01_')),
    );
    await upload(
      ex,
      'r2.xml',
      pain001({ msgId: 'MSG-R2', payments: [{ id: 'PAY-1', amount: '7.00' }] }),
    );
    const outcome = await answer(ex, 'pain002_MSG-R2_02.xml');
    expect(transactionStatuses(outcome)).toEqual([{ id: 'PAY-1', status: 'RJCT', reason: 'DU04' }]);
    expect((await ledgerOf(second)).map((e) => e.reference_id)).toEqual(['PAY-1']);
  });

  it('restarted after a crash before the move or mid-journal-line, finishes the move and decides nothing anew', async () => {
    const ex = await exchange();
    const first = await bank(ex);
    await upload(
      ex,
      'c.xml',
      pain001({ msgId: 'MSG-C', payments: [{ id: 'PAY-C', amount: '1.00' }] }),
    );
    await answer(ex, 'camt054_MSG-C.xml');
    await first.close();
    // As if the bank had died after journalling the file taken, before moving it, while
    // writing a line: the file back in the outbox, its `moved` record gone, a torn last line.
    await rename(join(ex.root, 'outbox', 'taken', 'c.xml'), join(ex.root, 'outbox', 'c.xml'));
    const lines = (await readFile(ex.stateFile, 'utf8')).split('\n');
    const kept = lines.filter((line) => !line.includes('"type":"moved"'));
    await writeFile(ex.stateFile, `${kept.join('\n')}{"type":"writ`);

    const second = await bank(ex);
    await waitFor('the move', async () =>
      (await readdir(join(ex.root, 'outbox'))).includes('c.xml') ? undefined : true,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await inboxNames(ex)).toEqual([
      'camt054_MSG-C.xml',
      'pain002_MSG-C_01.xml',
      'pain002_MSG-C_02.xml',
    ]);
    expect((await ledgerOf(second)).map((e) => e.reference_id)).toEqual(['PAY-C']);
  });

  it('killed between acceptance and booking, books the file once when started again', async () => {
    const ex = await exchange();
    const flags = ['--files-root', ex.root, '--files-state', ex.stateFile, '--files-poll-ms', '20'];
    const killed = await spawnBank([...flags, '--latency-ms', '1500']);
    const payments = [
      { id: 'PAY-K1', amount: '3.00' },
      { id: 'PAY-K2', amount: '4.00' },
    ];
    await upload(ex, 'k.xml', pain001({ msgId: 'MSG-K', payments }));
    await answer(ex, 'pain002_MSG-K_01.xml');
    killed.child.kill('SIGKILL');
    await new Promise((resolve) => killed.child.once('exit', resolve));
    expect(await inboxNames(ex)).toEqual(['pain002_MSG-K_01.xml']);

    const restarted = await spawnBank(flags);
    const outcome = await answer(ex, 'pain002_MSG-K_02.xml');
    expect(transactionStatuses(outcome).map((t) => t.status)).toEqual(['ACSC', 'ACSC']);
    await answer(ex, 'camt054_MSG-K.xml');
    const response = await fetch(`${restarted.url}/ledger`);
    const { entries } = (await response.json()) as { entries: { reference_id: string }[] };
    expect(entries.map((e) => e.reference_id)).toEqual(['PAY-K1', 'PAY-K2']);
    expect(await inboxNames(ex)).toEqual([
      'camt054_MSG-K.xml',
      'pain002_MSG-K_01.xml',
      'pain002_MSG-K_02.xml',
    ]);
    const journal = (await readFile(ex.stateFile, 'utf8')).trim().split('\n');
    expect(journal.filter((line) => line.includes('"type":"settled"'))).toHaveLength(1);
  });
});

/** The simulator in its own process, as `npm run simulator` runs it (from source). */
async function spawnBank(flags: readonly string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/simulator/main.ts',
      '--protocol',
      'iso20022-files',
      '--dfsp-id',
      'bank-files',
      '--port',
      '0',
      ...flags,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { url?: string; msg?: string };
        if (entry.msg === 'dfsp simulator listening' && entry.url) resolve(entry.url);
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { url, child };
}
