import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/simulator.js';
import { createScratchPostgres, databaseUrl, type ScratchPostgres } from '../support/databases.js';
import { freePort } from '../support/freePort.js';
import { type SftpServer, sftpUnavailable, startSftpServer } from '../support/sftpServer.js';
import { loadAndApproveBatch, waitUntilFinal } from './disbursement.js';
import {
  expectFileBankBooksAgree,
  expectStatementsClean,
  filesTakenByBank,
  registerFileBank,
  startFileBank,
} from './fileBank.js';
import { type ServiceProcess, serviceProcess } from './serviceProcess.js';
import { eventually } from './support.js';

const unavailable = sftpUnavailable();

/**
 * A 5,000-payment batch paid through a bank that takes files, with the two faults a file
 * exchange must survive: the service killed (SIGKILL) after writing a payment file under its
 * temporary name and before renaming it, and the bank's SFTP server down for a while mid-run.
 * Nothing may be lost or paid twice, the bank must never take a half-written file, and the books
 * must agree with the bank's after its statements are reconciled. On Postgres (the service runs
 * in its own process, so it can be killed).
 */
describe.skipIf(unavailable !== undefined || !databaseUrl)(
  'a file bank through a kill between upload and rename, and an SFTP outage',
  () => {
    const COUNT = 5_000;
    let scratch: ScratchPostgres;
    let server: SftpServer;
    let bank: RunningSimulator;
    let closeBank: () => Promise<void> = async () => {};
    let service: ServiceProcess;

    beforeAll(async () => {
      scratch = await createScratchPostgres();
      server = await startSftpServer();
      const started = await startFileBank(server, {
        rejectRate: 0.02,
        seed: 31,
        statementAfterMs: 2_000,
      });
      bank = started.bank;
      closeBank = () => started.close();
      service = serviceProcess(scratch.url, await freePort());
    }, 60_000);

    afterAll(async () => {
      await service?.kill();
      await closeBank();
      await server?.close();
      await scratch?.drop();
    });

    it('loses nothing, sends nothing twice, and the books agree', async () => {
      // The first run pauses between writing each payment file and renaming it.
      await service.start({ FILE_RENAME_DELAY_MS: '3000' });
      await registerFileBank(service, server, 1_000);
      const batch = await loadAndApproveBatch(service, COUNT, 'file-faults');

      // Killed with a payment file written under its temporary name, not yet renamed.
      const outbox = path.join(server.root, 'outbox');
      let temporary: string | undefined;
      await eventually(async () => {
        temporary = (await readdir(outbox)).find((name) => name.endsWith('.part'));
        return temporary !== undefined;
      }, 'a payment file written under its temporary name');
      await service.kill();
      expect(existsSync(path.join(outbox, temporary ?? '-'))).toBe(true);
      await service.start();

      // The bank's server down for a while once files flow again.
      await eventually(
        async () => (await filesTakenByBank(server)).length >= 1,
        'the bank took a file',
      );
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      await server.start();

      await waitUntilFinal(service, batch, 240_000);
      const { paid } = await expectFileBankBooksAgree(service, batch, bank.url);
      expect(paid).toBeGreaterThan(COUNT * 0.9);

      const taken = await filesTakenByBank(server);
      expect(taken.filter((name) => name.endsWith('.part') || name.startsWith('.'))).toEqual([]);
      // The file caught part-way never reached the bank under any name, and is gone.
      const caught = temporary?.replace(/^\.(.+)\.part$/, '$1') ?? '-';
      expect(taken).not.toContain(caught);
      const files = await expectStatementsClean(service);
      expect(files.sent.find((file) => file.fileName === caught)?.state).toBe('abandoned');
      expect(files.sent.filter((file) => file.state === 'delivered').length).toBe(taken.length);
      await eventually(
        async () => !(await readdir(outbox)).some((name) => name.endsWith('.part')),
        'no temporary file left in the outbox',
      );
    }, 420_000);
  },
);
