import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorOptions } from '../../src/simulator/options.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator.js';
import {
  approveBatchOf,
  callbackUrlOf,
  FAST_DISPATCH,
  paymentsOfBatch,
  waitUntilFinal,
} from './disbursement.js';
import { eventually, expectCall, startSuiteService, type TestService } from './support.js';

/**
 * One conformance suite for every connector, over real HTTP against the simulator speaking that
 * protocol, on PGlite (and on Postgres where DATABASE_URL is set). The invariants of DESIGN.md:
 *
 * - never pay twice: duplicate, out-of-order and lost reports, and reports racing the answer to
 *   the sending (no latency), leave each payment paid at most once, and the ledger's books equal
 *   the DFSP's;
 * - an unknown outcome stays with its DFSP: while the DFSP holds requests unanswered, the
 *   payments sent to it are never sent to the fallback; they settle there once it can be asked,
 *   or, where the protocol cannot be asked (Mojaloop SDK: the transfer id is the SDK's), they stay
 *   in doubt with it, unpaid by anyone else.
 */

const COUNT = 120;
const SECRET = 'conformance-callback-secret-0123';

interface ConnectorCase {
  readonly name: string;
  readonly protocol: NonNullable<SimulatorOptions['protocol']>;
  /** The financial address of payment `n`, in the form the protocol can carry. */
  readonly payee: (n: number) => string;
  readonly faType: string;
  /** Whole units only where the protocol says so (M-Pesa). */
  readonly amount: (n: number) => string;
  readonly registration: (simulator: RunningSimulator) => Record<string, unknown>;
  /** The protocol has a status query: payments in doubt are settled, not left. */
  readonly canBeAsked: boolean;
}

const CASES: readonly ConnectorCase[] = [
  {
    name: 'g2p-connect',
    protocol: 'g2p-connect',
    payee: (n) => `account:${String(n).padStart(10, '0')}@bank`,
    faType: 'account',
    amount: (n) => `${10 + (n % 50)}.${String(n % 100).padStart(2, '0')}`,
    registration: () => ({ connector: 'g2p-connect' }),
    canBeAsked: true,
  },
  {
    name: 'mapped-http, profile mpesa-b2c',
    protocol: 'mpesa-b2c',
    payee: (n) => `msisdn:2547${String(10_000_000 + n).slice(-8)}@mpesa`,
    faType: 'msisdn',
    amount: (n) => `${10 + (n % 50)}.00`,
    registration: (simulator) => ({
      connector: 'mapped-http',
      profile: 'mpesa-b2c',
      parameters: { shortcode: '600100', initiatorName: 'ledger-api' },
      credentials: {
        auth: {
          kind: 'oauth2-client-credentials',
          tokenUrl: `${simulator.url}/oauth/v1/generate`,
          method: 'GET',
          clientId: 'simulator-consumer-key',
          clientSecret: 'simulator-consumer-secret',
        },
        secrets: { securityCredential: 'c2ltdWxhdGVkLWNyZWRlbnRpYWw=' },
      },
    }),
    canBeAsked: true,
  },
  {
    name: 'mapped-http, profile mojaloop-sdk',
    protocol: 'mojaloop-sdk',
    payee: (n) => `msisdn:2557${String(10_000_000 + n).slice(-8)}@mojaloop`,
    faType: 'msisdn',
    amount: (n) => `${10 + (n % 50)}.${String((n * 10) % 100).padStart(2, '0')}`,
    registration: () => ({ connector: 'mapped-http', profile: 'mojaloop-sdk' }),
    canBeAsked: false,
  },
];

describe.each(CASES)('connector conformance: $name', (connector) => {
  let service: TestService;
  let cleanup: () => Promise<void>;
  const simulators: RunningSimulator[] = [];

  beforeAll(async () => {
    ({ service, cleanup } = await startSuiteService({ ...FAST_DISPATCH }));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(simulators.map((simulator) => simulator.close()));
    await cleanup?.();
  });

  /** Starts the protocol's simulator as `dfspId` and registers it. */
  async function connect(dfspId: string, options: Partial<SimulatorOptions>) {
    const simulator = await startSimulator({
      dfspId,
      protocol: connector.protocol,
      secret: SECRET,
      callbackUrl: callbackUrlOf(service, dfspId),
      ...options,
    });
    simulators.push(simulator);
    await expectCall(service, 'admin', 'PUT', `/v1/dfsps/${dfspId}`, 201, {
      name: dfspId,
      baseUrl: simulator.url,
      payerFa: `account:9000000001@${dfspId}`,
      currencies: ['KES'],
      faTypes: [connector.faType],
      maxBatchSize: 10,
      callbackSecret: SECRET,
      ...connector.registration(simulator),
    });
    return simulator;
  }

  /** A G2P Connect simulator to fall back to. */
  async function fallback(dfspId: string) {
    const simulator = await startSimulator({
      dfspId,
      secret: SECRET,
      callbackUrl: callbackUrlOf(service, dfspId),
    });
    simulators.push(simulator);
    await expectCall(service, 'admin', 'PUT', `/v1/dfsps/${dfspId}`, 201, {
      name: dfspId,
      connector: 'g2p-connect',
      baseUrl: simulator.url,
      payerFa: `account:9000000001@${dfspId}`,
      currencies: ['KES'],
      faTypes: [connector.faType],
      callbackSecret: SECRET,
    });
    return simulator;
  }

  function loadBatch(cycleId: string) {
    const payments = Array.from({ length: COUNT }, (_, n) => ({
      reference: `${cycleId}-${n}`,
      beneficiaryId: `ben-${cycleId}-${n}`,
      payeeFa: connector.payee(n),
      payeeName: `Beneficiary ${n}`,
      amount: connector.amount(n),
    }));
    return approveBatchOf(service, cycleId, payments);
  }

  const paymentsOf = (batchId: string) => paymentsOfBatch(service, batchId);

  /** No payment paid by two DFSPs; every payment the ledger holds succeeded paid where it says. */
  function expectPaidOnce(
    payments: ReadonlyMap<string, { status: string; dfspId: string | null }>,
    dfsps: Readonly<Record<string, RunningSimulator>>,
  ) {
    const paidBy = new Map<string, string>();
    for (const [dfspId, simulator] of Object.entries(dfsps)) {
      for (const entry of simulator.ledger()) {
        const earlier = paidBy.get(entry.reference_id);
        expect(earlier, `${entry.reference_id} paid by ${earlier} and ${dfspId}`).toBeUndefined();
        paidBy.set(entry.reference_id, dfspId);
      }
    }
    for (const [paymentId, payment] of payments) {
      if (payment.status === 'succeeded') expect(paidBy.get(paymentId)).toBe(payment.dfspId);
      // In doubt: the DFSP it was sent to may have paid it, and no other.
      else if (payment.status === 'submitted') {
        expect([undefined, payment.dfspId]).toContain(paidBy.get(paymentId));
      } else expect(paidBy.has(paymentId), `${paymentId} ${payment.status} but paid`).toBe(false);
    }
    return paidBy;
  }

  /**
   * Waits until every payment is final, or, where the protocol cannot be asked, final or left
   * in doubt (`submitted`) and unchanged for a while; answers the payments.
   */
  async function settled(batch: { batchId: string; count: number; totalMinor: bigint }) {
    if (connector.canBeAsked) {
      await waitUntilFinal(service, batch, 120_000);
      return paymentsOf(batch.batchId);
    }
    const settledStatuses = ['succeeded', 'failed', 'submitted'];
    let payments = new Map<string, { status: string; dfspId: string | null }>();
    let previous = '';
    await eventually(
      async () => {
        payments = await paymentsOf(batch.batchId);
        const all = [...payments.values()];
        const now = JSON.stringify(all);
        const stable = now === previous;
        previous = now;
        if (!stable) await new Promise((resolve) => setTimeout(resolve, 4_000));
        return (
          stable &&
          all.length === batch.count &&
          all.every((payment) => settledStatuses.includes(payment.status))
        );
      },
      'every payment final or in doubt, and unchanged',
      120_000,
    );
    return payments;
  }

  it('pays each payment once through duplicate, out-of-order, lost and racing reports', async () => {
    const primary = await connect('faulty', {
      rejectRate: 0.05,
      duplicateRate: 0.2,
      outOfOrderRate: 0.1,
      lostRate: 0.1,
      latencyMs: { min: 0, max: 20 },
      seed: 5,
    });
    await expectCall(service, 'admin', 'PUT', '/v1/routing-rules', 200, {
      rules: [{ id: 'all', when: {}, route: [{ dfspId: 'faulty', weight: 1 }] }],
    });
    const batch = await loadBatch('faults');
    const payments = await settled(batch);
    const paid = expectPaidOnce(payments, { faulty: primary });
    const succeeded = [...payments.values()].filter((p) => p.status === 'succeeded');
    const inDoubt = [...payments.values()].filter((p) => p.status === 'submitted');
    // Paid = succeeded, plus in doubt where the answer was lost after paying.
    expect(succeeded.length).toBeLessThanOrEqual(paid.size);
    expect(paid.size).toBeLessThanOrEqual(succeeded.length + inDoubt.length);
    if (connector.canBeAsked) expect(inDoubt).toEqual([]);
    expect(succeeded.length).toBeGreaterThan(COUNT * 0.7);
  }, 180_000);

  it('keeps payments of unknown outcome with their DFSP, never sending them elsewhere', async () => {
    const stuck = await connect('stuck', {
      downtime: { fromMs: 0, forMs: 6_000, mode: 'hang' },
      seed: 9,
    });
    const backup = await fallback('backup');
    await expectCall(service, 'admin', 'PUT', '/v1/routing-rules', 200, {
      rules: [
        { id: 'all', when: {}, route: [{ dfspId: 'stuck', weight: 1 }], fallback: ['backup'] },
      ],
    });
    const batch = await loadBatch('doubt');
    const payments = await settled(batch);
    expectPaidOnce(payments, { stuck, backup });
    const inDoubt = [...payments.values()].filter((p) => p.status === 'submitted');
    // Cannot be asked: those sent while it hung stay in doubt with it; the rest went to backup.
    if (!connector.canBeAsked) expect(inDoubt.length).toBeGreaterThan(0);
    for (const payment of inDoubt) expect(payment.dfspId).toBe('stuck');
    expect([...payments.values()].some((p) => p.dfspId === 'backup')).toBe(true);
    if (!connector.canBeAsked) await resolveOneInDoubt(batch.batchId, stuck);
  }, 180_000);

  /**
   * Operators list the payments in doubt and resolve one, four eyes: the operator proposes with
   * evidence, the approver confirms the same outcome (another outcome is refused).
   */
  async function resolveOneInDoubt(batchId: string, dfsp: RunningSimulator) {
    const listed = await expectCall<{ items: { paymentId: string; inDoubt: boolean }[] }>(
      service,
      'operator',
      'GET',
      `/v1/payments?batchId=${batchId}&status=submitted&inDoubt=true`,
      200,
    );
    const [first] = listed.items;
    if (first === undefined) throw new Error('no payment in doubt');
    expect(listed.items.every((item) => item.inDoubt)).toBe(true);
    // The DFSP held the request and paid nothing: the evidence says so.
    expect(dfsp.ledger().some((entry) => entry.reference_id === first.paymentId)).toBe(false);
    const path = `/v1/payments/${first.paymentId}/resolve`;
    const evidence = 'the DFSP confirms by ticket 4711 that the transfer never reached the hub';
    await expectCall(service, 'operator', 'POST', path, 200, { outcome: 'failed', evidence });
    await expectCall(service, 'operator', 'POST', path, 403, { outcome: 'failed' });
    await expectCall(service, 'approver', 'POST', path, 409, { outcome: 'succeeded' });
    const confirmed = await expectCall<{ resolution: string }>(
      service,
      'approver',
      'POST',
      path,
      200,
      {
        outcome: 'failed',
      },
    );
    expect(confirmed.resolution).toBe('resolved');
    await eventually(async () => {
      const payment = await expectCall<{ status: string; statusReason: string }>(
        service,
        'operator',
        'GET',
        `/v1/payments/${first.paymentId}`,
        200,
      );
      return payment.status === 'failed' && payment.statusReason === 'resolved.failed';
    }, 'the resolved payment failed');
  }
});
