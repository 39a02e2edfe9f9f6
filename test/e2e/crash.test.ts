import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator.js';
import { createScratchPostgres, databaseUrl, type ScratchPostgres } from '../support/databases.js';
import { freePort } from '../support/freePort.js';
import {
  callbackUrlOf,
  DFSP_IDS,
  type DfspId,
  expectBooksAgree,
  loadAndApproveBatch,
  registerProgramme,
  secretOf,
  waitUntilFinal,
} from './disbursement.js';
import { type ServiceProcess, serviceProcess } from './serviceProcess.js';

/**
 * The whole service (every role) in its own process, killed with SIGKILL at three random moments
 * of a 3,000-payment run and started again each time: no payment may be lost, paid twice, or
 * left unsettled, and the books must agree. The kill delays are printed so a failure can be
 * replayed with CRASH_DELAYS_MS=a,b,c.
 */
describe.skipIf(!databaseUrl)('the service killed with SIGKILL during a run, on Postgres', () => {
  const COUNT = 3_000;
  let scratch: ScratchPostgres;
  let service: ServiceProcess;
  let simulators: RunningSimulator[] = [];

  beforeAll(async () => {
    scratch = await createScratchPostgres();
    service = serviceProcess(scratch.url, await freePort());
    await service.start();
    simulators = await Promise.all(
      DFSP_IDS.map((dfspId, index) =>
        startSimulator({
          dfspId,
          callbackUrl: callbackUrlOf(service, dfspId),
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
    await service?.kill();
    await Promise.all(simulators.map((simulator) => simulator.close()));
    await scratch?.drop();
  });

  it('loses nothing, pays nothing twice, and the books agree', async () => {
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
      await service.kill();
      await service.start();
    }
    await waitUntilFinal(service, batch, 180_000);
    const { paidCount } = await expectBooksAgree(service, batch, urls);
    expect(paidCount).toBeGreaterThan(COUNT * 0.9);
  }, 300_000);
});
