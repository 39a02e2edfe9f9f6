import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchPostgres, databaseUrl, type ScratchPostgres } from '../support/databases.js';
import {
  callbackUrlOf,
  DFSP_IDS,
  type DfspId,
  expectBooksAgree,
  FAST_DISPATCH,
  loadAndApproveBatch,
  registerProgramme,
  type SimulatorProcess,
  spawnSimulator,
  waitUntilFinal,
} from './disbursement.js';
import { eventually, expectCall, startTestService, type TestService } from './support.js';

/**
 * 5,000 payments on real Postgres through three simulator processes that reject 5 %, duplicate
 * 10 % of their callbacks, send 5 % out of order and lose 5 %; bank-a hangs for its first
 * seconds. Every payment must end succeeded or failed with a reason, no reference paid twice,
 * and the ledger's succeeded total equal to what the DFSPs paid.
 */
describe.skipIf(!databaseUrl)('5,000 payments through faulty DFSPs, on Postgres', () => {
  const COUNT = 5_000;
  let scratch: ScratchPostgres;
  let service: TestService;
  let simulators: SimulatorProcess[] = [];

  beforeAll(async () => {
    scratch = await createScratchPostgres();
    service = await startTestService({ DATABASE_URL: scratch.url, ...FAST_DISPATCH });
    const faults = [
      '--reject-rate',
      '0.05',
      '--duplicate-rate',
      '0.1',
      '--out-of-order-rate',
      '0.05',
      '--lost-rate',
      '0.05',
      '--latency-ms',
      '10-100',
    ];
    simulators = await Promise.all(
      DFSP_IDS.map((dfspId, index) =>
        spawnSimulator(dfspId, callbackUrlOf(service, dfspId), [
          ...faults,
          '--seed',
          String(11 + index),
          // bank-a holds every request unanswered for its first 15 s (counted from its start, so
          // long enough to outlast loading the batch on a busy machine): the dispatcher times out,
          // opens its circuit, moves its queue to the fallbacks, and settles the doubtful later.
          ...(dfspId === 'bank-a'
            ? ['--down-from-ms', '0', '--down-for-ms', '15000', '--down-mode', 'hang']
            : []),
        ]),
      ),
    );
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await Promise.all(simulators.map((simulator) => simulator.stop()));
    await scratch?.drop();
  });

  it('pays each payment at most once, ' +
    'fails the rest with a reason, and the books agree', async () => {
    const urls = Object.fromEntries(simulators.map((s) => [s.dfspId, s.url])) as Record<
      DfspId,
      string
    >;
    await registerProgramme(service, urls, 200);
    const batch = await loadAndApproveBatch(service, COUNT, 'faults');
    const summary = await waitUntilFinal(service, batch, 240_000);
    const seconds = (Date.now() - batch.approvedAtMs) / 1000;
    console.log(
      `5,000-payment fault run: ${seconds.toFixed(1)} s from approval to the last payment final, ` +
        `${(COUNT / seconds).toFixed(0)} payments/s; ` +
        `${JSON.stringify(summary.byStatus.succeeded)} succeeded, ` +
        `${JSON.stringify(summary.byStatus.failed)} failed`,
    );

    const { paidCount } = await expectBooksAgree(service, batch, urls);
    // About 5 % rejected by the DFSPs; every other payment paid.
    expect(paidCount).toBeGreaterThan(COUNT * 0.9);
    expect(summary.byStatus.failed?.count).toBe(COUNT - paidCount);

    // bank-a's circuit opened, its queued payments went to the fallbacks, and it came back: the
    // probe that closes it comes after a doubling cool-down, which may be after the last payment
    // was final (it is looked for, not assumed to be there already).
    const healthChanges = async () => {
      const health = await expectCall<{
        events: { data: { dfspId: string; health: string } }[];
      }>(service, 'auditor', 'GET', '/v1/events?type=DfspHealthChanged&limit=100', 200);
      return health.events.map((event) => `${event.data.dfspId}:${event.data.health}`);
    };
    await eventually(
      async () => (await healthChanges()).includes('bank-a:healthy'),
      "bank-a's circuit closed again",
      60_000,
    );
    expect(await healthChanges()).toEqual(
      expect.arrayContaining(['bank-a:unhealthy', 'bank-a:healthy']),
    );
    const large = summary.byDfsp.find((row) => row.dfspId === 'bank-b');
    expect(large?.byStatus.succeeded?.count ?? 0).toBeGreaterThan(0);
    const rerouted = await countFallbackRoutings(service);
    expect(rerouted).toBeGreaterThan(0);
    console.log(`payments re-routed to a fallback: ${rerouted}`);
  }, 300_000);
});

/** PaymentRouted events that chose a fallback, over the whole feed. */
async function countFallbackRoutings(service: TestService): Promise<number> {
  let after = '0';
  let count = 0;
  for (;;) {
    const page = await expectCall<{ events: { data: { via: string } }[]; next: string }>(
      service,
      'auditor',
      'GET',
      `/v1/events?type=PaymentRouted&limit=1000&after=${after}`,
      200,
    );
    count += page.events.filter((event) => event.data.via === 'fallback').length;
    if (page.events.length === 0) return count;
    after = page.next;
  }
}
