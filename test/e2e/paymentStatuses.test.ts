import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, eventually, expectCall, startSuiteService, type TestService } from './support.js';

/**
 * `POST /v1/payments/status`: a programme system asks after many payments at once, by id or by
 * its own reference within a batch, answered from the read model (PGlite or Postgres).
 */
describe('bulk payment status', () => {
  let service: TestService;
  let cleanup: () => Promise<void>;
  let batchId: string;
  let paymentIds: string[];

  beforeAll(async () => {
    ({ service, cleanup } = await startSuiteService());
    ({ batchId } = await expectCall<{ batchId: string }>(
      service,
      'operator',
      'POST',
      '/v1/batches',
      201,
      {
        programId: 'CT-OVC',
        cycleId: 'status-2026-12',
        currency: 'KES',
        declaredCount: 3,
        declaredTotal: '30.00',
      },
    ));
    const added = await expectCall<{ payments: { paymentId: string }[] }>(
      service,
      'operator',
      'POST',
      `/v1/batches/${batchId}/payments`,
      200,
      [0, 1, 2].map((n) => ({
        reference: `ref-${n}`,
        beneficiaryId: `ben-${n}`,
        payeeFa: `account:000000000${n}@bank-a`,
        payeeName: `Amina Otieno ${n}`,
        amount: '10.00',
      })),
    );
    paymentIds = added.payments.map((payment) => payment.paymentId);
    await eventually(
      async () =>
        (await call(service, 'operator', 'GET', `/v1/payments/${paymentIds[2]}`)).status === 200,
      'the payments projected',
    );
  }, 60_000);
  afterAll(async () => {
    await cleanup?.();
  });

  type Answer = {
    items: { paymentId: string; reference: string; status: string; payeeName: string }[];
    notFound: unknown[];
  };

  it('finds payments by id and by batch and reference, and lists the names it cannot', async () => {
    const unknownBatch = '01J00000000000000000000000';
    const answer = await expectCall<Answer>(
      service,
      'operator',
      'POST',
      '/v1/payments/status',
      200,
      {
        payments: [
          { paymentId: paymentIds[0] },
          { batchId, reference: 'ref-1' },
          { batchId, reference: 'ref-9' },
          { batchId: unknownBatch, reference: 'ref-2' },
          { paymentId: '01J0000000000000000000000Z' },
        ],
      },
    );
    expect(answer.items.map((item) => [item.paymentId, item.reference, item.status])).toEqual(
      [
        [paymentIds[0], 'ref-0', 'pending'],
        [paymentIds[1], 'ref-1', 'pending'],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(answer.items[0]?.payeeName).toMatch(/^Amina Otieno/);
    expect(answer.notFound).toEqual([
      { batchId, reference: 'ref-9' },
      { batchId: unknownBatch, reference: 'ref-2' },
      { paymentId: '01J0000000000000000000000Z' },
    ]);
  });

  it('masks personal data for a reporter', async () => {
    const answer = await expectCall<Answer>(
      service,
      'reporter',
      'POST',
      '/v1/payments/status',
      200,
      {
        payments: [{ paymentId: paymentIds[2] }],
      },
    );
    expect(answer.items[0]?.payeeName).not.toContain('Amina');
  });

  it('refuses more than 1,000 names, an empty list, and a name that is neither form', async () => {
    const many = Array.from({ length: 1_001 }, () => ({ paymentId: paymentIds[0] }));
    for (const body of [{ payments: many }, { payments: [] }, { payments: [{ batchId }] }]) {
      const answer = await call(service, 'operator', 'POST', '/v1/payments/status', body);
      expect(answer.status).toBe(400);
    }
    const forbidden = await call(service, 'admin', 'POST', '/v1/payments/status', {
      payments: [{ paymentId: paymentIds[0] }],
    });
    expect(forbidden.status).toBe(403);
  });
});
