import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/simulator.js';
import { type SftpServer, sftpUnavailable, startSftpServer } from '../support/sftpServer.js';
import { FAST_DISPATCH, loadAndApproveBatch, waitUntilFinal } from './disbursement.js';
import {
  expectFileBankBooksAgree,
  expectStatementsClean,
  filesTakenByBank,
  registerFileBank,
  startFileBank,
} from './fileBank.js';
import { call, expectCall, startSuiteService, type TestService } from './support.js';

const unavailable = sftpUnavailable();
if (unavailable !== undefined) console.warn(`file bank e2e skipped: ${unavailable}`);

/**
 * A bank that takes no API calls, end to end: the ledger uploads pain.001 files to its SFTP
 * server (a real sshd), the simulator plays the bank on the served folder and answers with
 * pain.002 status reports, camt.054 notifications and a camt.053 statement, which the ledger
 * reads from the inbox, applies and reconciles.
 */
describe.skipIf(unavailable !== undefined)('a bank that takes payment files, over SFTP', () => {
  let server: SftpServer;
  let bank: RunningSimulator;
  let closeBank: () => Promise<void> = async () => {};
  let service: TestService;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    server = await startSftpServer();
    const started = await startFileBank(server, {
      rejectRate: 0.05,
      seed: 13,
      statementAfterMs: 1_000,
    });
    bank = started.bank;
    closeBank = () => started.close();
    ({ service, cleanup } = await startSuiteService({ ...FAST_DISPATCH }));
    await registerFileBank(service, server, 250);
  }, 60_000);

  afterAll(async () => {
    await cleanup?.();
    await closeBank();
    await server?.close();
  });

  it('pays a batch from pain.002 reports and reconciles it from the statements', async () => {
    const batch = await loadAndApproveBatch(service, 600, 'files');
    await waitUntilFinal(service, batch, 120_000);
    const { paid, failed } = await expectFileBankBooksAgree(service, batch, bank.url);
    expect(paid).toBeGreaterThan(500);
    expect(failed).toBeGreaterThan(0);
    expect((await filesTakenByBank(server)).filter((name) => name.endsWith('.part'))).toEqual([]);

    // A notification (camt.054) per file, and a statement of the account (camt.053) once quiet.
    const files = await expectStatementsClean(service);
    expect(files.sent.every((file) => file.state === 'delivered')).toBe(true);
    expect(files.sent.reduce((sum, file) => sum + file.paymentCount, 0)).toBe(600);
    const kinds = new Set(files.received.map((file) => file.kind));
    expect(kinds).toEqual(new Set(['status_report', 'statement']));
  }, 180_000);

  // After the payments: bank-g shares bank-f's folders, and would read bank-f's answers.
  it('refuses a file connection that lacks its parts, and tests a good one live', async () => {
    const good = {
      name: 'Bank G',
      connector: 'iso20022-files',
      baseUrl: `sftp://127.0.0.1:${server.port}`,
      files: {
        username: server.username,
        hostKey: server.hostKey,
        debtor: { name: 'Ministry', account: '9000000001' },
      },
      credentials: { auth: { kind: 'ssh-password', password: server.password } },
      payerFa: 'account:9000000001@bank-g',
      currencies: ['KES'],
      faTypes: ['account'],
      callbackSecret: 'callback-secret-of-bank-g-0123456789',
    };
    const refusals: [string, Record<string, unknown>, string][] = [
      ['an https base URL', { baseUrl: 'https://bank-g.example' }, 'baseUrl'],
      ['no files', { files: undefined }, 'files'],
      ['a mapping', { profile: 'mpesa-b2c' }, 'mapping'],
      ['a bearer token', { credentials: { auth: { kind: 'bearer', token: 't' } } }, 'credentials'],
      ['a host key not SHA256', { files: { ...good.files, hostKey: 'MD5:aa' } }, 'hostKey'],
      ['a relative folder', { files: { ...good.files, outbox: 'outbox' } }, 'outbox'],
    ];
    for (const [what, change, path] of refusals) {
      const answer = await call(service, 'admin', 'PUT', '/v1/dfsps/bank-g', {
        ...good,
        ...change,
      });
      expect(answer.status, what).toBeGreaterThanOrEqual(400);
      expect(answer.status, what).toBeLessThan(500);
      expect(JSON.stringify(answer.body), what).toContain(path);
    }
    const sftpForHttp = { ...good, connector: 'g2p-connect', files: undefined };
    const refused = await call(service, 'admin', 'PUT', '/v1/dfsps/bank-g', sftpForHttp);
    expect(refused.status).toBe(422);
    await expectCall(service, 'admin', 'PUT', '/v1/dfsps/bank-g', 201, good);
    const tested = await expectCall<{ steps: { step: string; ok: boolean; detail: string }[] }>(
      service,
      'admin',
      'POST',
      '/v1/dfsps/bank-g/test',
      200,
    );
    expect(tested.steps).toEqual([
      { step: 'sftp_session', ok: true, detail: expect.stringContaining(server.hostKey) },
    ]);
    const view = await expectCall<{ files: { outbox: string }; credentials: { auth: string } }>(
      service,
      'admin',
      'GET',
      '/v1/dfsps/bank-g',
      200,
    );
    expect(view.files.outbox).toBe('/outbox');
    expect(view.credentials.auth).toBe('ssh-password');
    expect(JSON.stringify(view)).not.toContain(server.password);
    await expectCall(service, 'admin', 'POST', '/v1/dfsps/bank-g/suspend', 204, { reason: 'test' });
  });
});
