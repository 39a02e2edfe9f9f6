import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator.js';
import {
  callbackUrlOf,
  DFSP_IDS,
  type DfspId,
  expectBooksAgree,
  FAST_DISPATCH,
  loadAndApproveBatch,
  registerProgramme,
  secretOf,
  waitUntilCompleted,
  waitUntilFinal,
} from './disbursement.js';
import { expectCall, startSuiteService, type TestService } from './support.js';

/**
 * The dispatcher, the status poller and the callback intake together, on the embedded default
 * (or Postgres when DATABASE_URL is set), against three in-process simulators over real HTTP:
 * rejections, duplicate, out-of-order and lost callbacks, and one DFSP answering 503 for a while.
 */
describe('dispatching a batch to three DFSPs', () => {
  let service: TestService;
  let simulators: Record<DfspId, RunningSimulator>;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    let stopService: () => Promise<void>;
    ({ service, cleanup: stopService } = await startSuiteService(FAST_DISPATCH));
    const faults = {
      rejectRate: 0.05,
      duplicateRate: 0.1,
      outOfOrderRate: 0.05,
      lostRate: 0.1,
      latencyMs: { min: 5, max: 50 },
    };
    const started = await Promise.all(
      DFSP_IDS.map((dfspId, index) =>
        startSimulator({
          dfspId,
          callbackUrl: callbackUrlOf(service, dfspId),
          secret: secretOf(dfspId),
          seed: 7 + index,
          ...faults,
          ...(dfspId === 'bank-a' ? { downtime: { fromMs: 0, forMs: 4_000, mode: '503' } } : {}),
        }),
      ),
    );
    simulators = Object.fromEntries(DFSP_IDS.map((id, n) => [id, started[n]])) as Record<
      DfspId,
      RunningSimulator
    >;
    cleanup = async () => {
      await stopService();
      await Promise.all(started.map((simulator) => simulator.close()));
    };
  }, 60_000);

  afterAll(async () => {
    await cleanup();
  });

  it('ends every payment succeeded or failed with a reason, ' +
    'each paid at most once, and the books agree', async () => {
    const urls = Object.fromEntries(DFSP_IDS.map((id) => [id, simulators[id].url])) as Record<
      DfspId,
      string
    >;
    await registerProgramme(service, urls, 50);
    const batch = await loadAndApproveBatch(service, 600, 'dispatch');
    const summary = await waitUntilFinal(service, batch, 90_000);
    const { paidCount } = await expectBooksAgree(service, batch, urls);
    // Every payment final: the batch completes.
    await waitUntilCompleted(service, batch);

    // Rejections happened and were recorded as failures; most payments were paid.
    expect(summary.byStatus.failed?.count ?? 0).toBeGreaterThan(0);
    expect(paidCount).toBeGreaterThan(batch.count * 0.8);
    // bank-a answered 503 at first: its circuit opened and its health was recorded.
    const history = await expectCall<{ events: { type: string; data: { health?: string } }[] }>(
      service,
      'auditor',
      'GET',
      '/v1/events?type=DfspHealthChanged&limit=100',
      200,
    );
    expect(history.events.map((event) => event.data.health)).toContain('unhealthy');
    // And the operator sees it on /metrics.
    const metrics = await (await fetch(`${service.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /g2p_dispatch_requests_total\{dfsp="bank-b",outcome="accepted"\} [1-9]/,
    );
    expect(metrics).toMatch(/g2p_dispatch_requests_total\{dfsp="bank-a",outcome="unknown"\} [1-9]/);
    expect(metrics).toMatch(/g2p_status_queries_total\{dfsp="bank-a",result="answered"\} [1-9]/);
  }, 120_000);
});
