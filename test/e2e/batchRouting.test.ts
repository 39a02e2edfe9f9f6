import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchPostgres, databaseUrl, type ScratchPostgres } from '../support/databases.js';
import { call, eventually, expectCall, startTestService, type TestService } from './support.js';

/**
 * A programme's batch through the HTTP API on real Postgres: DFSPs, rules, a 2,500-payment batch in
 * three chunks, control totals, four eyes, and every payment routed where the rules say.
 */

const dfsp = (
  name: string,
  currencies: string[],
  faTypes: string[],
  extra: Record<string, unknown> = {},
) => ({
  name,
  connector: 'g2p-connect',
  baseUrl: 'http://127.0.0.1:4001',
  payerFa: `account:100200300@${name.toLowerCase().replace(/ /g, '-')}`,
  currencies,
  faTypes,
  callbackSecret: `secret-of-${name}`,
  ...extra,
});

const RULES = {
  rules: [
    {
      id: 'mobile-wallets',
      when: { faTypes: ['mobile'] },
      route: [{ dfspId: 'mobile-x', weight: 1 }],
    },
    {
      id: 'large-accounts',
      when: { currency: 'KES', minAmount: '10000.00', faTypes: ['account'] },
      route: [
        { dfspId: 'bank-a', weight: 70 },
        { dfspId: 'bank-b', weight: 30 },
      ],
    },
    {
      id: 'kisumu-accounts',
      when: { regions: ['KE-42'], faTypes: ['account'] },
      route: [{ dfspId: 'bank-b', weight: 1 }],
      fallback: ['bank-a'],
    },
    {
      id: 'other-accounts',
      when: { faTypes: ['account'] },
      route: [{ dfspId: 'bank-a', weight: 1 }],
      fallback: ['bank-b'],
    },
  ],
};

interface Generated {
  reference: string;
  beneficiaryId: string;
  payeeFa: string;
  amount: string;
  region: string;
}

/** Payments spread over every rule: a seeded generator, so a failure reproduces. */
function generatePayments(
  count: number,
  prefix: string,
): { payments: Generated[]; totalMinor: bigint } {
  // mulberry32: small, seeded, and well mixed in every bit.
  let seed = 42;
  const next = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  const regions = ['KE-30', 'KE-30-001', 'KE-42', 'KE-47'];
  let totalMinor = 0n;
  const payments = Array.from({ length: count }, (_, n) => {
    const mobile = next() % 4 === 0;
    const large = next() % 3 === 0;
    const minor = BigInt(large ? 1_000_000 + (next() % 3_000_000) : 50_000 + (next() % 900_000));
    totalMinor += minor;
    return {
      reference: `${prefix}-${n}`,
      beneficiaryId: `ben-${prefix}-${n}`,
      payeeFa: mobile
        ? `mobile:+2547${String(n).padStart(8, '0')}@mobile-x`
        : `account:${String(n).padStart(10, '0')}@bank-a`,
      amount: `${minor / 100n}.${String(minor % 100n).padStart(2, '0')}`,
      region: regions[next() % regions.length] ?? 'KE-30',
    };
  });
  return { payments, totalMinor };
}

function toMinor(amount: string): bigint {
  const [whole = '0', fraction = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** The DFSP and rule the published rules give a payment, worked out independently of the engine. */
function expectedRoute(
  payment: Generated,
  bankBSuspended: boolean,
): { ruleId: string; dfspIds: string[] } {
  if (payment.payeeFa.startsWith('mobile:'))
    return { ruleId: 'mobile-wallets', dfspIds: ['mobile-x'] };
  if (toMinor(payment.amount) >= 1_000_000n) {
    return {
      ruleId: 'large-accounts',
      dfspIds: bankBSuspended ? ['bank-a'] : ['bank-a', 'bank-b'],
    };
  }
  if (payment.region.startsWith('KE-42')) {
    return { ruleId: 'kisumu-accounts', dfspIds: [bankBSuspended ? 'bank-a' : 'bank-b'] };
  }
  return { ruleId: 'other-accounts', dfspIds: ['bank-a'] };
}

interface PaymentRow {
  paymentId: string;
  reference: string;
  status: string;
  dfspId: string | null;
  ruleId: string | null;
  rulesVersion: number | null;
  amount: string;
}

describe.skipIf(!databaseUrl)('a batch through the API on Postgres', () => {
  let scratch: ScratchPostgres;
  let service: TestService;

  beforeAll(async () => {
    scratch = await createScratchPostgres();
    // Routing is under test here, not sending: payments stay `routed`.
    service = await startTestService({ DATABASE_URL: scratch.url, DISPATCH_PAUSED: 'true' });
    await expectCall(
      service,
      'admin',
      'PUT',
      '/v1/dfsps/bank-a',
      201,
      dfsp('Bank A', ['KES'], ['account'], { maxAmount: '50000.00' }),
    );
    await expectCall(
      service,
      'admin',
      'PUT',
      '/v1/dfsps/bank-b',
      201,
      dfsp('Bank B', ['KES'], ['account']),
    );
    await expectCall(
      service,
      'admin',
      'PUT',
      '/v1/dfsps/mobile-x',
      201,
      dfsp('Mobile X', ['KES'], ['mobile']),
    );
    const published = await expectCall(service, 'admin', 'PUT', '/v1/routing-rules', 200, RULES);
    expect(published).toEqual({ version: 1 });
  });
  afterAll(async () => {
    await service?.stop();
    await scratch?.drop();
  });

  async function runBatch(prefix: string, count: number, chunks: number[]) {
    const { payments, totalMinor } = generatePayments(count, prefix);
    const total = `${totalMinor / 100n}.${String(totalMinor % 100n).padStart(2, '0')}`;
    const opened = await expectCall<{ batchId: string; status: string }>(
      service,
      'operator',
      'POST',
      '/v1/batches',
      201,
      {
        programId: 'CT-OVC',
        cycleId: `2026-11-${prefix}`,
        currency: 'KES',
        declaredCount: count,
        declaredTotal: total,
      },
    );
    expect(opened.status).toBe('open');
    const ids = new Map<string, string>();
    let start = 0;
    for (const size of chunks) {
      const chunk = payments.slice(start, start + size);
      start += size;
      const answer = await expectCall<{ payments: { reference: string; paymentId: string }[] }>(
        service,
        'operator',
        'POST',
        `/v1/batches/${opened.batchId}/payments`,
        200,
        chunk,
      );
      for (const { reference, paymentId } of answer.payments) ids.set(reference, paymentId);
    }
    expect(ids.size).toBe(count);
    await expectCall(service, 'operator', 'POST', `/v1/batches/${opened.batchId}/submit`, 204);
    const selfApproval = await call(
      service,
      'operator',
      'POST',
      `/v1/batches/${opened.batchId}/approve`,
    );
    expect(selfApproval.status).toBe(403);
    await expectCall(service, 'approver', 'POST', `/v1/batches/${opened.batchId}/approve`, 204);
    await eventually(async () => {
      const summary = await call(service, 'reporter', 'GET', `/v1/batches/${opened.batchId}`);
      const routed = (summary.body as { byStatus?: { routed?: { count: number } } }).byStatus
        ?.routed?.count;
      return routed === count;
    }, `all ${count} payments of ${prefix} routed`);
    return { batchId: opened.batchId, payments, totalMinor, total, ids };
  }

  async function listPayments(batchId: string): Promise<PaymentRow[]> {
    const rows: PaymentRow[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: PaymentRow[]; nextCursor: string | null } = await expectCall(
        service,
        'reporter',
        'GET',
        `/v1/payments?batchId=${batchId}&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
        200,
      );
      rows.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return rows;
  }

  it(
    'routes every payment of a 2,500-payment ' + 'batch where the rules say, with exact totals',
    async () => {
      const batch = await runBatch('main', 2_500, [1_000, 1_000, 500]);
      const rows = await listPayments(batch.batchId);
      expect(rows).toHaveLength(2_500);
      const byReference = new Map(batch.payments.map((payment) => [payment.reference, payment]));
      const perDfsp = new Map<string, { count: number; minor: bigint }>();
      let weighted = 0;
      let weightedToA = 0;
      for (const row of rows) {
        const sent = byReference.get(row.reference);
        if (!sent) throw new Error(`unknown reference ${row.reference}`);
        expect(row.paymentId).toBe(batch.ids.get(row.reference));
        expect(row.status).toBe('routed');
        expect(row.amount).toBe(sent.amount);
        expect(row.rulesVersion).toBe(1);
        const expected = expectedRoute(sent, false);
        expect(row.ruleId, row.reference).toBe(expected.ruleId);
        expect(expected.dfspIds, row.reference).toContain(row.dfspId);
        if (row.ruleId === 'large-accounts') {
          weighted += 1;
          if (row.dfspId === 'bank-a') weightedToA += 1;
        }
        const entry = perDfsp.get(row.dfspId ?? '') ?? { count: 0, minor: 0n };
        perDfsp.set(row.dfspId ?? '', {
          count: entry.count + 1,
          minor: entry.minor + toMinor(row.amount),
        });
      }
      expect(weighted).toBeGreaterThan(300);
      expect(Math.abs(weightedToA / weighted - 0.7)).toBeLessThan(0.06);

      const summary = await expectCall<{
        status: string;
        declared: { count: number; total: string };
        received: { count: number; total: string };
        byStatus: Record<string, { count: number; amount: string }>;
        byDfsp: { dfspId: string; count: number; amount: string }[];
      }>(service, 'reporter', 'GET', `/v1/batches/${batch.batchId}`, 200);
      expect(['approved', 'processing']).toContain(summary.status);
      expect(summary.declared).toEqual({ count: 2_500, total: batch.total });
      expect(summary.received).toEqual({ count: 2_500, total: batch.total });
      expect(summary.byStatus.routed).toEqual({ count: 2_500, amount: batch.total });
      expect(summary.byStatus.pending).toEqual({ count: 0, amount: '0.00' });
      const byDfsp = Object.fromEntries(
        summary.byDfsp.map((row) => [row.dfspId, { count: row.count, amount: row.amount }]),
      );
      for (const [dfspId, { count, minor }] of perDfsp) {
        expect(byDfsp[dfspId]).toEqual({
          count,
          amount: `${minor / 100n}.${String(minor % 100n).padStart(2, '0')}`,
        });
      }
    },
  );

  it("sends a suspended DFSP's share to the fallback", async () => {
    await expectCall(service, 'admin', 'POST', '/v1/dfsps/bank-b/suspend', 204);
    const batch = await runBatch('suspended', 300, [300]);
    const rows = await listPayments(batch.batchId);
    const byReference = new Map(batch.payments.map((payment) => [payment.reference, payment]));
    let kisumu = 0;
    for (const row of rows) {
      const sent = byReference.get(row.reference);
      if (!sent) throw new Error(`unknown reference ${row.reference}`);
      const expected = expectedRoute(sent, true);
      expect(row.ruleId, row.reference).toBe(expected.ruleId);
      expect(row.dfspId, row.reference).toBe(expected.dfspIds[0]);
      if (row.ruleId === 'kisumu-accounts') kisumu += 1;
    }
    expect(kisumu).toBeGreaterThan(10);
    await expectCall(service, 'admin', 'POST', '/v1/dfsps/bank-b/resume', 204);
  });
});
