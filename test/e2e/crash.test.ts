import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator.js';
import { createScratchPostgres, databaseUrl, type ScratchPostgres } from '../support/databases.js';
import { freePort } from '../support/freePort.js';
import {
  callbackUrlOf,
  DFSP_IDS,
  type DfspId,
  expectBooksAgree,
  FAST_DISPATCH,
  loadAndApproveBatch,
  registerProgramme,
  secretOf,
  waitUntilFinal,
} from './disbursement.js';
import { API_TOKENS, eventually, LOOPBACK_DFSPS, TEST_SECRETS_KEY } from './support.js';

/**
 * The whole service (every role) in its own process, killed with SIGKILL at three random moments
 * of a 3,000-payment run and started again each time: no payment may be lost, paid twice, or
 * left unsettled, and the books must agree. The kill delays are printed so a failure can be
 * replayed with CRASH_DELAYS_MS=a,b,c.
 */
describe.skipIf(!databaseUrl)('the service killed with SIGKILL during a run, on Postgres', () => {
  const COUNT = 3_000;
  let scratch: ScratchPostgres;
  let baseUrl: string;
  let port: number;
  let child: ChildProcess | undefined;
  let simulators: RunningSimulator[] = [];

  async function startServiceProcess(): Promise<void> {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        ...FAST_DISPATCH,
        ...LOOPBACK_DFSPS,
        DATABASE_URL: scratch.url,
        SECRETS_KEY: TEST_SECRETS_KEY,
        PORT: String(port),
        HOST: '127.0.0.1',
        API_TOKENS,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await eventually(async () => {
      try {
        return (await fetch(`${baseUrl}/readyz`)).status === 200;
      } catch {
        return false;
      }
    }, 'the service ready');
  }

  async function kill(): Promise<void> {
    const running = child;
    if (running === undefined || running.exitCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    scratch = await createScratchPostgres();
    port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    await startServiceProcess();
    simulators = await Promise.all(
      DFSP_IDS.map((dfspId, index) =>
        startSimulator({
          dfspId,
          callbackUrl: callbackUrlOf({ baseUrl }, dfspId),
          secret: secretOf(dfspId),
          seed: 21 + index,
          rejectRate: 0.03,
          duplicateRate: 0.1,
          lostRate: 0.05,
          latencyMs: { min: 10, max: 80 },
          // Callbacks to a killed service fail; the simulator gives up fast and the ledger asks.
          callbackMaxAttempts: 2,
        }),
      ),
    );
  }, 60_000);

  afterAll(async () => {
    await kill();
    await Promise.all(simulators.map((simulator) => simulator.close()));
    await scratch?.drop();
  });

  it('loses nothing, pays nothing twice, and the books agree', async () => {
    const service = { baseUrl };
    const urls = Object.fromEntries(DFSP_IDS.map((id, n) => [id, simulators[n]?.url])) as Record<
      DfspId,
      string
    >;
    await registerProgramme(service, urls, 100);
    const batch = await loadAndApproveBatch(service, COUNT, 'crash');
    const delays =
      process.env.CRASH_DELAYS_MS?.split(',').map(Number) ??
      Array.from({ length: 3 }, () => 200 + Math.floor(Math.random() * 1_500));
    console.log(`SIGKILL after ${delays.join(', ')} ms of running (CRASH_DELAYS_MS to replay)`);
    for (const delayMs of delays) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await kill();
      await startServiceProcess();
    }
    await waitUntilFinal(service, batch, 180_000);
    const { paidCount } = await expectBooksAgree(service, batch, urls);
    expect(paidCount).toBeGreaterThan(COUNT * 0.9);
  }, 300_000);
});
