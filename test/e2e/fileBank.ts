import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator.js';
import type { SftpServer } from '../support/sftpServer.js';
import { type LoadedBatch, paymentsOfBatch, simulatorLedger } from './disbursement.js';
import { eventually, expectCall, type Reachable } from './support.js';

/**
 * A programme paying through a bank that takes files: `bank-f`, registered with the
 * `iso20022-files` connector on a real sshd (the simulator plays the bank on its folder), every
 * payment routed to it.
 */
export const FILE_BANK = 'bank-f';

/** Registers bank-f on `server` (private-key login, host key pinned) and routes everything to it. */
export async function registerFileBank(
  service: Reachable,
  server: SftpServer,
  maxBatchSize = 1_000,
): Promise<void> {
  await expectCall(service, 'admin', 'PUT', `/v1/dfsps/${FILE_BANK}`, 201, {
    name: 'Bank F (payment files)',
    connector: 'iso20022-files',
    baseUrl: `sftp://127.0.0.1:${server.port}`,
    files: {
      username: server.username,
      hostKey: server.hostKey,
      pollIntervalMs: 200,
      debtor: { name: 'Ministry of Social Protection', account: '9000000001' },
    },
    credentials: { auth: { kind: 'ssh-private-key', privateKey: server.privateKey } },
    payerFa: `account:9000000001@${FILE_BANK}`,
    currencies: ['KES'],
    faTypes: ['account'],
    maxBatchSize,
    callbackSecret: 'callback-secret-of-bank-f-0123456789',
  });
  await expectCall(service, 'admin', 'PUT', '/v1/routing-rules', 200, {
    rules: [{ id: 'all-to-bank-f', when: {}, route: [{ dfspId: FILE_BANK, weight: 1 }] }],
  });
}

/**
 * The money checks for the file bank: what the bank's books say it paid is exactly what the
 * ledger holds as succeeded (none paid twice, none missing), every failure has a reason, and
 * every payment paid was reconciled (`matched`) from the bank's statements.
 */
export async function expectFileBankBooksAgree(
  service: Reachable,
  batch: LoadedBatch,
  bankUrl: string,
): Promise<{ readonly paid: number; readonly failed: number }> {
  const paidByBank = new Map<string, string>();
  for (const entry of await simulatorLedger(bankUrl)) {
    expect(paidByBank.has(entry.reference_id), `${entry.reference_id} paid twice`).toBe(false);
    paidByBank.set(entry.reference_id, entry.amount);
  }
  let reconciled = 0;
  await eventually(
    async () => {
      const payments = await paymentsOfBatch(service, batch.batchId);
      const rows = [...payments.values()] as unknown as {
        paymentId: string;
        status: string;
        statusReason: string | null;
        reconciliation: string;
      }[];
      reconciled = rows.filter((row) => row.reconciliation === 'matched').length;
      return reconciled === paidByBank.size;
    },
    `every payment the bank paid reconciled from its statements (${reconciled} so far)`,
    120_000,
  );
  const payments = await paymentsOfBatch(service, batch.batchId);
  const succeeded = [...payments.values()].filter((payment) => payment.status === 'succeeded');
  const failed = [...payments.values()].filter((payment) => payment.status === 'failed');
  expect(new Set(succeeded.map((payment) => payment.paymentId))).toEqual(
    new Set(paidByBank.keys()),
  );
  for (const payment of failed) expect(payment.statusReason).toBeTruthy();
  expect(succeeded.length + failed.length).toBe(batch.count);
  return { paid: succeeded.length, failed: failed.length };
}

/** The file exchange with bank-f as `GET /v1/dfsps/bank-f/files` shows it. */
export interface ExchangedFiles {
  readonly sent: readonly { fileName: string; state: string; paymentCount: number }[];
  readonly received: readonly { kind: string; fileName: string; outcome: string }[];
}

/**
 * Waits until the bank's statement of the account (camt.053, written once it is quiet) has been
 * read, then checks reconciliation found nothing wrong: no payment missing from the statements,
 * none paid twice, no amount off. Answers the files exchanged.
 */
export async function expectStatementsClean(service: Reachable): Promise<ExchangedFiles> {
  let files: ExchangedFiles = { sent: [], received: [] };
  await eventually(
    async () => {
      files = await expectCall<ExchangedFiles>(
        service,
        'operator',
        'GET',
        `/v1/dfsps/${FILE_BANK}/files`,
        200,
      );
      return files.received.some((file) => file.fileName.startsWith('camt053_'));
    },
    "the bank's camt.053 statement read",
    120_000,
  );
  const discrepancies = await expectCall<{ items: unknown[] }>(
    service,
    'operator',
    'GET',
    '/v1/reconciliation/discrepancies',
    200,
  );
  expect(discrepancies.items).toEqual([]);
  return files;
}

/** The simulator playing bank-f on the folder `server` serves, its journal in a folder of its own. */
export async function startFileBank(
  server: SftpServer,
  options: {
    readonly rejectRate: number;
    readonly seed: number;
    readonly statementAfterMs: number;
  },
): Promise<{ readonly bank: RunningSimulator; close(): Promise<void> }> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'g2p-bank-state-'));
  const bank = await startSimulator({
    protocol: 'iso20022-files',
    dfspId: FILE_BANK,
    filesRoot: server.root,
    filesStateFile: path.join(stateDir, 'journal.jsonl'),
    filesPollMs: 50,
    ...options,
  });
  return {
    bank,
    async close() {
      await bank.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** The names of files the bank took from its outbox: never a temporary one. */
export async function filesTakenByBank(server: SftpServer): Promise<string[]> {
  return readdir(path.join(server.root, 'outbox', 'taken')).catch(() => []);
}
