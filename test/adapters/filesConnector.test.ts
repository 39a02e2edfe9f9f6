import { existsSync } from 'node:fs';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ulid } from 'ulid';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createFilesConnector,
  type FilesConnectorDeps,
  temporaryName,
} from '../../src/adapters/dfsp/iso20022/filesConnector.js';
import { withSftp } from '../../src/adapters/dfsp/iso20022/sftpSession.js';
import {
  createFileExchangeJournal,
  fileExchangeMigrations,
} from '../../src/adapters/postgres/fileExchangeJournal.js';
import { migrate } from '../../src/adapters/postgres/migrations.js';
import { createPgliteDatabase } from '../../src/adapters/postgres/pgliteDatabase.js';
import type { DisbursementGroup } from '../../src/application/dfspConnector.js';
import type { FileExchangeJournal } from '../../src/application/fileExchangeJournal.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { FileExchange } from '../../src/domain/dfspConnection.js';
import { type SftpServer, sftpUnavailable, startSftpServer } from '../support/sftpServer.js';
import { validateXml } from '../support/xsd.js';

const unavailable = sftpUnavailable();
if (unavailable !== undefined) console.warn(`SFTP connector tests skipped: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('iso20022-files connector over real SFTP', () => {
  let server: SftpServer;
  let db: SqlDatabase;
  let journal: FileExchangeJournal;
  let clockOffsetMs = 0;
  const now = () => Date.now() + clockOffsetMs;

  beforeAll(async () => {
    server = await startSftpServer();
    db = await createPgliteDatabase();
    await migrate(db, [fileExchangeMigrations]);
    journal = createFileExchangeJournal(db);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });
  beforeEach(() => {
    clockOffsetMs = 0;
  });

  const files = () =>
    FileExchange.parse({
      username: server.username,
      hostKey: server.hostKey,
      debtor: { name: 'Ministry of Social Protection', account: 'NL91ABNA0417164300' },
    });
  const connectorWith = (overrides: Partial<FilesConnectorDeps> = {}) =>
    createFilesConnector({
      dfspId: 'bank-f',
      baseUrl: `sftp://127.0.0.1:${server.port}`,
      files: files(),
      credentials: { auth: { kind: 'ssh-private-key', privateKey: server.privateKey } },
      journal,
      timeoutMs: 5_000,
      now,
      ...overrides,
    });
  const groupOf = (count: number, messageId = ulid()): DisbursementGroup => ({
    dfsp: { dfspId: 'bank-f', baseUrl: `sftp://127.0.0.1:${server.port}`, payerFa: 'x' },
    transactionId: ulid(),
    messageId,
    callbackUrl: 'http://127.0.0.1/unused',
    payments: Array.from({ length: count }, (_, index) => ({
      paymentId: ulid(),
      payeeFa: `account:10020030${index}@bank-f`,
      payeeName: `Payee ${index}`,
      amountMinor: 1_500n + BigInt(index),
      currency: 'EUR',
    })),
  });
  const outbox = () => readdir(path.join(server.root, 'outbox'));

  it('uploads a group as one valid pain.001 under its message id, renamed when whole', async () => {
    const group = groupOf(3);
    const outcome = await connectorWith().submit(group);
    expect(outcome).toEqual({ kind: 'accepted', messageId: group.messageId });
    const names = await outbox();
    expect(names).toContain(`${group.messageId}.xml`);
    expect(names.filter((name) => name.endsWith('.part'))).toEqual([]);
    const xml = await readFile(path.join(server.root, 'outbox', `${group.messageId}.xml`), 'utf8');
    expect(await validateXml(xml, 'pain.001.001.09')).toEqual({ valid: true, errors: [] });
    for (const payment of group.payments)
      expect(xml).toContain(`<EndToEndId>${payment.paymentId}<`);
    expect(xml).toContain('<CtrlSum>45.03</CtrlSum>');
    expect((await journal.sentFile('bank-f', group.messageId ?? ''))?.state).toBe('delivered');
  });

  it('never uploads the same message id twice, even after the bank took the file', async () => {
    const group = groupOf(2);
    const connector = connectorWith();
    await connector.submit(group);
    const uploaded = path.join(server.root, 'outbox', `${group.messageId}.xml`);
    await rename(uploaded, path.join(server.root, `taken-${group.messageId}.xml`));
    expect(await connector.submit(group)).toEqual({
      kind: 'accepted',
      messageId: group.messageId,
    });
    expect(existsSync(uploaded)).toBe(false);
  });

  it('logs in with a password too', async () => {
    const connector = connectorWith({
      credentials: { auth: { kind: 'ssh-password', password: server.password } },
    });
    expect((await connector.submit(groupOf(1))).kind).toBe('accepted');
  });

  it('probes the connection: logged in, host key as pinned, folders listed', async () => {
    expect(await connectorWith().probe()).toEqual({
      ok: true,
      detail: expect.stringContaining(`host key ${server.hostKey} as pinned; /outbox:`),
    });
    const wrong = connectorWith({
      credentials: { auth: { kind: 'ssh-password', password: 'no' } },
    });
    expect(await wrong.probe()).toMatchObject({ ok: false });
  });

  it('sends nothing to a server whose host key is not the pinned one', async () => {
    const group = groupOf(1);
    const pinned = { ...files(), hostKey: `SHA256:${'A'.repeat(43)}` };
    const outcome = await connectorWith({ files: pinned }).submit(group);
    expect(outcome).toMatchObject({ kind: 'unreachable' });
    expect(outcome.kind === 'unreachable' && outcome.reason).toContain('not the pinned');
    expect((await outbox()).some((name) => name.includes(group.messageId ?? '-'))).toBe(false);
    expect((await journal.sentFile('bank-f', group.messageId ?? ''))?.state).toBe('abandoned');
    const [report] = await connectorWith().queryStatus(group.dfsp, [
      group.payments[0]?.paymentId ?? '',
    ]);
    expect(report?.status).toBe('unknown_reference');
  });

  it('answers unreachable while the server is down, and sends once it is back', async () => {
    await server.stop();
    try {
      const outcome = await connectorWith().submit(groupOf(1));
      expect(outcome.kind).toBe('unreachable');
    } finally {
      await server.start();
    }
    expect((await connectorWith().submit(groupOf(1))).kind).toBe('accepted');
  });

  it('abandons a file whose sender died before renaming it: its payments never reached the bank', async () => {
    const group = groupOf(2);
    const messageId = group.messageId ?? '';
    const fileName = `${messageId}.xml`;
    // What a sender killed after writing the temporary file leaves behind.
    await journal.beginSending(
      { dfspId: 'bank-f', messageId, fileName, contentSha256: 'a'.repeat(64) },
      group.payments.map((payment) => payment.paymentId),
    );
    await writeFile(path.join(server.root, 'outbox', temporaryName(fileName)), '<Document>');
    const connector = connectorWith();
    const ids = group.payments.map((payment) => payment.paymentId);
    expect((await connector.queryStatus(group.dfsp, ids)).map((r) => r.status)).toEqual([
      'pending',
      'pending',
    ]);
    clockOffsetMs = 60_000;
    expect((await connector.queryStatus(group.dfsp, ids)).map((r) => r.status)).toEqual([
      'unknown_reference',
      'unknown_reference',
    ]);
    await withSftp(connector.target ?? fail(), (session) => connector.tidyOutbox(session));
    expect((await outbox()).filter((name) => name.includes(messageId))).toEqual([]);
  });

  it('finishes the rename of a whole file whose sender died renaming it', async () => {
    const group = groupOf(1);
    const messageId = group.messageId ?? '';
    const fileName = `${messageId}.xml`;
    await journal.beginSending(
      { dfspId: 'bank-f', messageId, fileName, contentSha256: 'b'.repeat(64) },
      group.payments.map((payment) => payment.paymentId),
    );
    await journal.advance('bank-f', messageId, 'preparing', 'renaming');
    await writeFile(path.join(server.root, 'outbox', temporaryName(fileName)), '<Document/>');
    clockOffsetMs = 60_000;
    const connector = connectorWith();
    const ids = group.payments.map((payment) => payment.paymentId);
    expect((await connector.queryStatus(group.dfsp, ids))[0]?.status).toBe('pending');
    expect(await outbox()).toContain(fileName);
    expect(await outbox()).not.toContain(temporaryName(fileName));
    expect((await journal.sentFile('bank-f', messageId))?.state).toBe('delivered');
  });

  it('a slow sender whose file was abandoned meanwhile never renames it', async () => {
    const group = groupOf(1);
    const slow = connectorWith({ renameDelayMs: 1_500 });
    const sending = slow.submit(group);
    const part = path.join(server.root, 'outbox', temporaryName(`${group.messageId}.xml`));
    while (!existsSync(part)) await new Promise((resolve) => setTimeout(resolve, 20));
    clockOffsetMs = 60_000;
    const ids = group.payments.map((payment) => payment.paymentId);
    expect((await connectorWith().queryStatus(group.dfsp, ids))[0]?.status).toBe(
      'unknown_reference',
    );
    expect((await sending).kind).toBe('unreachable');
    expect((await outbox()).filter((name) => name.includes(group.messageId ?? '-'))).toEqual([]);
  });

  it('answers unknown_reference for a payment in no file, unsendable for a payee it cannot carry', async () => {
    const group = groupOf(1);
    const [report] = await connectorWith().queryStatus(group.dfsp, [ulid()]);
    expect(report?.status).toBe('unknown_reference');
    const bad = { ...group, payments: [{ ...group.payments[0], payeeFa: 'iban:DE00@bank-f' }] };
    const outcome = await connectorWith().submit(bad as DisbursementGroup);
    expect(outcome.kind).toBe('unsendable');
  });
});

function fail(): never {
  throw new Error('no SFTP target');
}
