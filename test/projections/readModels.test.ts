import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/adapters/postgres/migrations.js';
import { createPostgresEventStore } from '../../src/adapters/postgres/postgresEventStore.js';
import type { EventStore } from '../../src/application/eventStore.js';
import type {
  DiscrepancyView,
  PaymentView,
  ReadModelQueries,
} from '../../src/application/readModels.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import type { PaymentToSend } from '../../src/application/workQueue.js';
import { DomainError } from '../../src/domain/domainError.js';
import { formatAmount } from '../../src/domain/money.js';
import { dfspsProjection } from '../../src/projections/dfspsProjection.js';
import { encodeCursor } from '../../src/projections/pageCursor.js';
import { paymentsProjection } from '../../src/projections/paymentsProjection.js';
import { catchUpProjection, rebuildProjection } from '../../src/projections/projectionRunner.js';
import { createReadModelQueries } from '../../src/projections/readModelQueries.js';
import { readModelMigrations } from '../../src/projections/readModelSchema.js';
import { statementsProjection } from '../../src/projections/statementsProjection.js';
import { isoTimestamp } from '../../src/projections/viewColumns.js';
import {
  createMigratedPglite,
  createMigratedPostgres,
  databaseUrl,
  NO_POSTGRES,
} from '../support/databases.js';
import {
  LATE_REPORTED_INSTANT,
  PURPOSE,
  REPORTED_INSTANT,
  RETRY_DUE_AT,
  RETRY_LATER_AT,
  type ReconciledPayment,
  type ReconciliationScenario,
  type Scenario,
  type ScenarioBatch,
  UNKNOWN_REFERENCE,
  writeReconciliationScenario,
  writeScenario,
} from '../support/readModelScenario.js';

interface Setup {
  db: SqlDatabase;
  store: EventStore;
  close(): Promise<void>;
}

const engines: { name: string; skip?: string; open: () => Promise<Setup> }[] = [
  {
    name: 'PGlite',
    open: async () => {
      const db = await createMigratedPglite();
      return { db, store: createPostgresEventStore(db), close: () => db.close() };
    },
  },
  {
    name: 'Postgres',
    ...(databaseUrl ? {} : { skip: NO_POSTGRES }),
    open: async () => {
      const { db, close } = await createMigratedPostgres();
      return { db, store: createPostgresEventStore(db), close };
    },
  },
];

const readModelTables = {
  payments: 'payment_id',
  batches: 'batch_id',
  batch_payment_totals: 'batch_id, dfsp_id, status, reconciliation',
  dfsps: 'dfsp_id',
  statements: 'statement_id',
  reconciliation_discrepancies: 'discrepancy_id',
};

/** Every row of the read-model tables, as Postgres spells them in JSON (exact numerics, timestamps). */
async function snapshot(db: SqlDatabase): Promise<Record<string, string[]>> {
  const tables: Record<string, string[]> = {};
  for (const [table, keys] of Object.entries(readModelTables)) {
    const { rows } = await db.query<{ row: string }>(
      `SELECT row_to_json(t)::text AS row FROM ${table} t ORDER BY ${keys}`,
    );
    tables[table] = rows.map((row) => row.row);
  }
  return tables;
}

/** Payments of the batch at these indexes: their count and amount as the API shows them. */
function tally(batch: ScenarioBatch, currency: string, indexes: readonly number[]) {
  const amount = indexes.reduce((sum, i) => sum + (batch.amountsMinor[i] ?? 0n), 0n);
  return { count: indexes.length, amount: formatAmount(amount, currency) };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** The ids of the batch's payments at these indexes, in id order. */
const idsOf = (batch: ScenarioBatch, indexes: readonly number[]) =>
  indexes.map((i) => batch.paymentIds[i] ?? '').sort();

/** The columns of a payment row the API does not show. */
async function hiddenColumns(db: SqlDatabase, paymentId: string) {
  const { rows } = await db.query<{ purpose: string | null; next_attempt_at: string | null }>(
    `SELECT purpose, ${isoTimestamp('next_attempt_at')} AS next_attempt_at
     FROM payments WHERE payment_id = $1`,
    [paymentId],
  );
  return rows[0];
}

/** Payment `i` of a scenario batch as the dispatcher would send it to `dfspId`. */
function toSend(batch: ScenarioBatch, i: number, dfspId: string): PaymentToSend {
  return {
    paymentId: batch.paymentIds[i] ?? '',
    dfspId,
    payeeFa: `account:${1000 + i}@bank-a`,
    payeeName: i % 2 === 0 ? `Beneficiary ${i}` : null,
    amountMinor: batch.amountsMinor[i] ?? 0n,
    currency: 'KES',
    purpose: i % 2 === 0 ? PURPOSE : null,
    // When the row last changed depends on the scenario's clock, not on the payment.
    updatedAtMs: expect.any(Number) as unknown as number,
  };
}

async function allPages(
  list: (
    cursor: string | undefined,
  ) => Promise<{ items: readonly PaymentView[]; nextCursor: string | null }>,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages <= 100; pages += 1) {
    const page = await list(cursor);
    ids.push(...page.items.map((item) => item.paymentId));
    if (page.nextCursor === null) return { ids, pages };
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

describe.each(engines)('read models on $name', ({ skip, open }) => {
  let setup: Setup;
  let scenario: Scenario;
  let queries: ReadModelQueries;
  beforeAll(async () => {
    if (skip) return;
    setup = await open();
    await migrate(setup.db, [readModelMigrations]);
    scenario = await writeScenario(setup.store, Date.parse('2026-11-28T10:00:00.000Z'));
    // Small batches of events: runs, loads and totals must hold across batch boundaries.
    for (const projection of [paymentsProjection, dfspsProjection]) {
      await catchUpProjection(setup.store, setup.db, projection, { batchSize: 7 });
    }
    queries = createReadModelQueries(setup.db);
  });
  afterAll(async () => setup?.close());

  it.skipIf(skip)('summarises a batch by status, DFSP and reconciliation', async () => {
    const { main } = scenario;
    const summary = await queries.getBatch(main.batchId);
    const zero = { count: 0, amount: '0.00' };
    const routedToBank = tally(main, 'KES', range(0, 12));
    const routedToMobile = tally(main, 'KES', range(12, 22));
    expect(summary).toMatchObject({
      batchId: main.batchId,
      programId: 'CT-OVC',
      cycleId: '2026-11',
      currency: 'KES',
      status: 'processing',
      description: 'KES test batch',
      scheduledFor: null,
      declared: { count: 30, total: '8367.90' },
      received: { count: 30, total: '8367.90' },
      submittedBy: 'user:alice',
      approvedBy: 'user:bob',
    });
    expect(summary?.byStatus).toEqual({
      pending: tally(main, 'KES', [28, 29]),
      routed: tally(main, 'KES', range(0, 22)),
      unroutable: tally(main, 'KES', range(22, 26)),
      submitted: zero,
      succeeded: zero,
      failed: zero,
      returned: zero,
      cancelled: tally(main, 'KES', [26, 27]),
    });
    expect(summary?.byDfsp).toEqual([
      {
        dfspId: 'bank-a',
        ...tally(main, 'KES', [...range(0, 12), 26]),
        byStatus: expect.objectContaining({
          routed: routedToBank,
          cancelled: tally(main, 'KES', [26]),
          pending: zero,
        }),
      },
      {
        dfspId: 'mobile-x',
        ...routedToMobile,
        byStatus: expect.objectContaining({ routed: routedToMobile, cancelled: zero }),
      },
    ]);
    expect(summary?.reconciliation).toEqual({
      unreconciled: { count: 30, amount: '8367.90' },
      matched: zero,
      mismatched: zero,
    });
    expect(await queries.getBatch('01JDX0000000000000000000ZZ')).toBeUndefined();
  });

  it.skipIf(skip)('shows a payment with its route and its history times', async () => {
    const { main } = scenario;
    const paymentId = main.payments.reroutedAfterUnroutable;
    expect(await queries.getPayment(paymentId)).toEqual({
      paymentId,
      batchId: main.batchId,
      reference: 'ref-0',
      beneficiaryId: 'ben-0',
      payeeFa: 'account:1000@bank-a',
      payeeName: 'Beneficiary 0',
      amount: '100.00',
      currency: 'KES',
      region: 'KE-30',
      status: 'routed',
      statusReason: null,
      inDoubt: false,
      dfspId: 'bank-a',
      ruleId: 'banks',
      rulesVersion: 2,
      attempts: 0,
      reconciliation: 'unreconciled',
      createdAt: main.addedAt[0],
      updatedAt: main.lastChangedAt.get(paymentId),
    });
    expect(await queries.getPayment(main.payments.unroutable)).toMatchObject({
      payeeName: null,
      region: null,
      status: 'unroutable',
      statusReason: 'no eligible DFSP',
      dfspId: null,
      ruleId: null,
      rulesVersion: 1,
    });
    expect(await queries.getPayment('01JDX0000000000000000000ZZ')).toBeUndefined();
  });

  it.skipIf(skip)('lists the payments in doubt: sent, with an unknown outcome', async () => {
    const { sending } = scenario;
    const inDoubt = await queries.listPayments({ batchId: sending.batchId, inDoubt: true });
    expect(inDoubt.items.map((item) => item.paymentId)).toEqual([sending.payments.inDoubtAtBankA]);
    expect(inDoubt.items[0]).toMatchObject({ status: 'submitted', inDoubt: true });
    const others = await queries.listPayments({ batchId: sending.batchId, inDoubt: false });
    expect(others.items.map((item) => item.paymentId)).not.toContain(
      sending.payments.inDoubtAtBankA,
    );
    expect(others.items.length).toBeGreaterThan(0);
  });

  it.skipIf(skip)('pages through every payment exactly once', async () => {
    const { main } = scenario;
    const ofBatch = await allPages((cursor) =>
      queries.listPayments({ batchId: main.batchId, limit: 7, ...(cursor ? { cursor } : {}) }),
    );
    expect(ofBatch.pages).toBe(5);
    expect(ofBatch.ids).toEqual([...main.paymentIds].sort());

    const everything = await allPages((cursor) =>
      queries.listPayments({ limit: 500, ...(cursor ? { cursor } : {}) }),
    );
    expect(everything.pages).toBe(1);
    expect(everything.ids).toHaveLength(51);
    expect(new Set(everything.ids).size).toBe(51);
    const defaultPage = await queries.listPayments({});
    expect(defaultPage.items).toHaveLength(51);
    expect(defaultPage.nextCursor).toBeNull();
  });

  it.skipIf(skip)('filters payments by batch, status and DFSP', async () => {
    const { main, cancelled, sending } = scenario;
    const ids = async (filter: Parameters<ReadModelQueries['listPayments']>[0]) =>
      (
        await allPages((cursor) =>
          queries.listPayments({ ...filter, ...(cursor ? { cursor } : {}) }),
        )
      ).ids;
    const of = (batch: ScenarioBatch, indexes: readonly number[]) =>
      indexes.map((i) => batch.paymentIds[i]).sort();

    expect(await ids({ batchId: main.batchId, status: 'routed', limit: 5 })).toEqual(
      of(main, range(0, 22)),
    );
    expect(await ids({ status: 'unroutable', limit: 3 })).toEqual([
      ...of(main, range(22, 26)),
      sending.payments.notSentThenUnroutable,
    ]);
    expect(await ids({ dfspId: 'mobile-x', status: 'routed' })).toEqual(of(main, range(12, 22)));
    expect(await ids({ dfspId: 'bank-a', limit: 4 })).toEqual(
      [
        ...of(main, [...range(0, 12), 26]),
        ...of(cancelled, [0, 1]),
        ...of(sending, range(0, 5)),
      ].sort(),
    );
    expect(await ids({ dfspId: 'bank-c', limit: 3 })).toEqual(of(sending, [5, 6, 7, 8, 9, 11, 12]));
    expect(await ids({ dfspId: 'bank-x' })).toEqual([]);
    expect(await ids({ batchId: cancelled.batchId, status: 'pending' })).toEqual([]);
  });

  it.skipIf(skip)('refuses a cursor it did not issue', async () => {
    const page = await queries.listPayments({ limit: 2 });
    expect(page.nextCursor).not.toBeNull();
    const forged = [
      'not a cursor',
      'bm90LWpzb24',
      encodeCursor('batches', scenario.main.batchId),
      `${page.nextCursor}x`,
    ];
    for (const cursor of forged) {
      const refused = queries.listPayments({ cursor });
      await expect(refused).rejects.toBeInstanceOf(DomainError);
      await expect(refused).rejects.toMatchObject({ code: 'invalid_cursor', path: ['cursor'] });
    }
    await expect(queries.listBatches({ cursor: page.nextCursor ?? '' })).rejects.toMatchObject({
      code: 'invalid_cursor',
    });
    await expect(queries.listDfsps({ cursor: '' })).rejects.toMatchObject({
      code: 'invalid_cursor',
    });
  });

  it.skipIf(skip)("cancels a cancelled batch's unsent payments", async () => {
    const { cancelled } = scenario;
    const summary = await queries.getBatch(cancelled.batchId);
    const zero = { count: 0, amount: '0' };
    expect(summary).toMatchObject({ status: 'cancelled', currency: 'JPY' });
    expect(summary?.received).toEqual({ count: 6, total: '9015' });
    expect(summary?.byStatus).toMatchObject({
      cancelled: { count: 6, amount: '9015' },
      pending: zero,
      routed: zero,
      unroutable: zero,
    });
    expect(summary?.byDfsp).toEqual([
      {
        dfspId: 'bank-a',
        count: 2,
        amount: '3001',
        byStatus: expect.objectContaining({
          cancelled: { count: 2, amount: '3001' },
          routed: zero,
        }),
      },
    ]);
    const payments = await queries.listPayments({ batchId: cancelled.batchId });
    for (const payment of payments.items) {
      expect(payment).toMatchObject({
        status: 'cancelled',
        statusReason: 'batch cancelled: funding withdrawn',
        updatedAt: cancelled.cancelledAt,
      });
    }
    // A route decided after the cancellation does not bring the payment back.
    expect(await queries.getPayment(cancelled.payments.routedAfterCancellation)).toMatchObject({
      status: 'cancelled',
      dfspId: null,
    });
  });

  it.skipIf(skip)('lists batches newest first, by status', async () => {
    const { main, cancelled, rejected, sending } = scenario;
    const first = await queries.listBatches({ limit: 3 });
    expect(first.items.map((batch) => batch.batchId)).toEqual([
      sending.batchId,
      rejected.batchId,
      cancelled.batchId,
    ]);
    const second = await queries.listBatches({ limit: 3, cursor: first.nextCursor ?? '' });
    expect(second.items.map((batch) => batch.batchId)).toEqual([main.batchId]);
    expect(second.nextCursor).toBeNull();
    const rejectedOnly = await queries.listBatches({ status: 'rejected' });
    expect(rejectedOnly.items).toEqual([await queries.getBatch(rejected.batchId)]);
    expect(rejectedOnly.items[0]).toMatchObject({
      status: 'rejected',
      byStatus: { pending: { count: 1, amount: '50.00' } },
      byDfsp: [],
    });
  });

  it.skipIf(skip)('lists DFSPs with their state, never a secret', async () => {
    const { dfsps } = scenario;
    const first = await queries.listDfsps({ limit: 2 });
    const second = await queries.listDfsps({ limit: 2, cursor: first.nextCursor ?? '' });
    expect(second.nextCursor).toBeNull();
    const all = [...first.items, ...second.items];
    expect(all.map((d) => [d.dfspId, d.status, d.health])).toEqual([
      ['bank-a', 'active', 'healthy'],
      ['bank-c', 'active', 'unhealthy'],
      ['mobile-x', 'suspended', 'healthy'],
    ]);
    expect(all[0]).toEqual({
      dfspId: 'bank-a',
      name: 'Bank A Ltd',
      connector: 'g2p-connect',
      baseUrl: 'http://127.0.0.1:4001',
      payerFa: 'account:100200300@bank-a',
      currencies: ['KES', 'JPY'],
      faTypes: ['account'],
      maxAmount: '50000.00',
      maxBatchSize: null,
      status: 'active',
      health: 'healthy',
      registeredAt: dfsps.get('bank-a')?.registeredAt,
      updatedAt: dfsps.get('bank-a')?.updatedAt,
    });
    expect(all[1]?.updatedAt).toBe(dfsps.get('bank-c')?.updatedAt);
    expect(JSON.stringify(all)).not.toMatch(/fingerprint|0123456789abcdef/i);
  });

  it.skipIf(skip)('lists unroutable payment ids oldest first, after a given id', async () => {
    const { main, sending } = scenario;
    const unroutable = [
      ...range(22, 26).map((i) => main.paymentIds[i]),
      sending.payments.notSentThenUnroutable,
    ];
    const first = await queries.listUnroutablePaymentIds(3);
    expect(first).toEqual(unroutable.slice(0, 3));
    expect(await queries.listUnroutablePaymentIds(3, first[2])).toEqual(unroutable.slice(3));
    await expect(queries.listUnroutablePaymentIds(0)).rejects.toThrow(RangeError);
  });

  it.skipIf(skip)('records a sending, its attempt and the DFSP that holds it', async () => {
    const { succeededOnSecondAttempt, awaitingBankC } = scenario.sending.payments;
    expect(await queries.getPayment(succeededOnSecondAttempt)).toMatchObject({
      status: 'succeeded',
      statusReason: null,
      dfspId: 'bank-a',
      ruleId: 'banks',
      attempts: 2,
      updatedAt: scenario.sending.lastChangedAt.get(succeededOnSecondAttempt),
    });
    expect(await hiddenColumns(setup.db, succeededOnSecondAttempt)).toEqual({
      purpose: PURPOSE,
      next_attempt_at: null,
    });
    expect(await queries.getPayment(awaitingBankC)).toMatchObject({
      status: 'submitted',
      statusReason: null,
      dfspId: 'bank-c',
      attempts: 1,
    });
    expect(await hiddenColumns(setup.db, awaitingBankC)).toEqual({
      purpose: null,
      next_attempt_at: null,
    });
  });

  it.skipIf(skip)(
    'records a failure with its reason code, from a DFSP or the dispatcher',
    async () => {
      const { sending } = scenario;
      const { failedAtBankA, refusedByBankC } = sending.payments;
      expect(await queries.getPayment(failedAtBankA)).toMatchObject({
        status: 'failed',
        statusReason: 'rjct.payee_fa.invalid',
        dfspId: 'bank-a',
        attempts: 1,
        updatedAt: sending.lastChangedAt.get(failedAtBankA),
      });
      expect(await queries.getPayment(refusedByBankC)).toMatchObject({
        status: 'failed',
        statusReason: 'rjct.payer_fa.invalid',
        dfspId: 'bank-c',
      });
    },
  );

  it.skipIf(skip)('keeps a payment the DFSP may hold submitted, with the reason', async () => {
    const { sending } = scenario;
    const paymentId = sending.payments.inDoubtAtBankA;
    expect(await queries.getPayment(paymentId)).toMatchObject({
      status: 'submitted',
      statusReason: 'no answer within 30000 ms',
      dfspId: 'bank-a',
      attempts: 1,
      updatedAt: sending.lastChangedAt.get(paymentId),
    });
    expect((await hiddenColumns(setup.db, paymentId))?.next_attempt_at).toBeNull();
  });

  it.skipIf(skip)(
    'routes a payment the DFSP does not hold again, due at its retry time',
    async () => {
      const { notSentRetryLater, notSentRetryDue } = scenario.sending.payments;
      for (const [paymentId, retryAt, purpose] of [
        [notSentRetryLater, RETRY_LATER_AT, null],
        [notSentRetryDue, RETRY_DUE_AT, PURPOSE],
      ] as const) {
        expect(await queries.getPayment(paymentId)).toMatchObject({
          status: 'routed',
          statusReason: 'connection refused',
          dfspId: 'bank-a',
          ruleId: 'banks',
          attempts: 1,
        });
        expect(await hiddenColumns(setup.db, paymentId)).toEqual({
          purpose,
          next_attempt_at: retryAt,
        });
      }
    },
  );

  it.skipIf(skip)(
    'clears the retry time when the payment is routed again or unroutable',
    async () => {
      const { notSentThenRoutedToBankC, notSentThenUnroutable } = scenario.sending.payments;
      expect(await queries.getPayment(notSentThenRoutedToBankC)).toMatchObject({
        status: 'routed',
        statusReason: null,
        dfspId: 'bank-c',
      });
      expect(await queries.getPayment(notSentThenUnroutable)).toMatchObject({
        status: 'unroutable',
        statusReason: 'no eligible DFSP',
        dfspId: null,
        rulesVersion: 2,
      });
      for (const paymentId of [notSentThenRoutedToBankC, notSentThenUnroutable]) {
        expect((await hiddenColumns(setup.db, paymentId))?.next_attempt_at).toBe(null);
      }
    },
  );

  it.skipIf(skip)('leaves a payment as it was when a DFSP report contradicts it', async () => {
    const { sending } = scenario;
    const paymentId = sending.payments.succeededThenContradicted;
    // The conflict is the payment's last event; its row keeps the success and its time.
    expect(await queries.getPayment(paymentId)).toMatchObject({
      status: 'succeeded',
      statusReason: null,
      dfspId: 'bank-c',
      updatedAt: sending.lastChangedAt.get(paymentId),
    });
  });

  it.skipIf(skip)('puts a retried payment back to pending, off its route', async () => {
    const { sending } = scenario;
    const paymentId = sending.payments.retriedNotYetRouted;
    expect(await queries.getPayment(paymentId)).toMatchObject({
      status: 'pending',
      statusReason: null,
      dfspId: null,
      ruleId: null,
      rulesVersion: 1,
      attempts: 1,
      updatedAt: sending.lastChangedAt.get(paymentId),
    });
    // Retried, then routed afresh.
    expect(await queries.getPayment(sending.payments.retriedToBankC)).toMatchObject({
      status: 'routed',
      statusReason: null,
      dfspId: 'bank-c',
      ruleId: 'banks',
      attempts: 1,
    });
  });

  it.skipIf(skip)('totals a batch in sending by status and DFSP', async () => {
    const { sending } = scenario;
    const zero = { count: 0, amount: '0.00' };
    const of = (indexes: readonly number[]) => tally(sending, 'KES', indexes);
    const summary = await queries.getBatch(sending.batchId);
    expect(summary?.byStatus).toEqual({
      pending: of([13]),
      routed: of([3, 4, 6, 8, 11, 12]),
      unroutable: of([10]),
      submitted: of([2, 9]),
      succeeded: of([0, 5]),
      failed: of([1, 7]),
      returned: zero,
      cancelled: zero,
    });
    expect(summary?.byDfsp).toEqual([
      {
        dfspId: 'bank-a',
        ...of([0, 1, 2, 3, 4]),
        byStatus: {
          pending: zero,
          routed: of([3, 4]),
          unroutable: zero,
          submitted: of([2]),
          succeeded: of([0]),
          failed: of([1]),
          returned: zero,
          cancelled: zero,
        },
      },
      {
        dfspId: 'bank-c',
        ...of([5, 6, 7, 8, 9, 11, 12]),
        byStatus: {
          pending: zero,
          routed: of([6, 8, 11, 12]),
          unroutable: zero,
          submitted: of([9]),
          succeeded: of([5]),
          failed: of([7]),
          returned: zero,
          cancelled: zero,
        },
      },
    ]);
    expect(summary?.reconciliation.unreconciled).toEqual(of(range(0, 14)));
  });

  it.skipIf(skip)("shows each DFSP's health as its last change left it", async () => {
    const { dfsps } = scenario;
    const { items } = await queries.listDfsps({});
    expect(
      items.map((d) => ({ dfspId: d.dfspId, health: d.health, updatedAt: d.updatedAt })),
    ).toEqual([
      { dfspId: 'bank-a', health: 'healthy', updatedAt: dfsps.get('bank-a')?.updatedAt },
      { dfspId: 'bank-c', health: 'unhealthy', updatedAt: dfsps.get('bank-c')?.updatedAt },
      { dfspId: 'mobile-x', health: 'healthy', updatedAt: dfsps.get('mobile-x')?.updatedAt },
    ]);
  });

  it.skipIf(skip)('lists routed payments due for sending, in id order', async () => {
    const { main, sending } = scenario;
    const toBankC = [6, 8, 11, 12];
    expect(
      await queries.listPaymentsToSend({
        now: new Date(RETRY_DUE_AT),
        limit: 100,
        excludeDfspIds: ['bank-a', 'mobile-x'],
      }),
    ).toEqual(toBankC.map((i) => toSend(sending, i, 'bank-c')));

    const due = [...idsOf(main, range(0, 22)), ...idsOf(sending, [4, ...toBankC])].sort();
    const all = await queries.listPaymentsToSend({ now: new Date(RETRY_DUE_AT), limit: 10_000 });
    expect(all.map((payment) => payment.paymentId)).toEqual(due);
    expect(all.every((payment) => typeof payment.amountMinor === 'bigint')).toBe(true);
    const firstFive = await queries.listPaymentsToSend({ now: new Date(RETRY_DUE_AT), limit: 5 });
    expect(firstFive.map((payment) => payment.paymentId)).toEqual(due.slice(0, 5));
  });

  it.skipIf(skip)('holds a payment back from sending until its retry time', async () => {
    const { notSentRetryLater, notSentRetryDue } = scenario.sending.payments;
    const retried = async (now: string) =>
      (await queries.listPaymentsToSend({ now: new Date(now), limit: 10_000 }))
        .map((payment) => payment.paymentId)
        .filter((id) => id === notSentRetryLater || id === notSentRetryDue);
    expect(await retried('2026-11-28T10:59:59.999Z')).toEqual([]);
    expect(await retried(RETRY_DUE_AT)).toEqual([notSentRetryDue]);
    expect(await retried(RETRY_LATER_AT)).toEqual([notSentRetryLater, notSentRetryDue].sort());
  });

  it.skipIf(skip)(
    'lists submitted payments waiting since before an instant, longest first',
    async () => {
      const { sending } = scenario;
      const waitingLonger = { paymentId: sending.payments.awaitingBankC, dfspId: 'bank-c' };
      const waitingLess = { paymentId: sending.payments.inDoubtAtBankA, dfspId: 'bank-a' };
      // The payment in doubt has the smaller id, but its last change (a sending bank-a may hold)
      // came later.
      expect(await queries.listSubmittedBefore(new Date(RETRY_DUE_AT), 10)).toEqual([
        waitingLonger,
        waitingLess,
      ]);
      expect(await queries.listSubmittedBefore(new Date(RETRY_DUE_AT), 1)).toEqual([waitingLonger]);
      const secondChangedAt = sending.lastChangedAt.get(waitingLess.paymentId) ?? '';
      expect(await queries.listSubmittedBefore(new Date(secondChangedAt), 10)).toEqual([
        waitingLonger,
      ]);
      expect(await queries.listSubmittedBefore(new Date('2026-11-28T10:00:00.000Z'), 10)).toEqual(
        [],
      );
    },
  );

  it.skipIf(skip)("lists a DFSP's routed payment ids in id order, after a given id", async () => {
    const { main, sending } = scenario;
    const toBankC = idsOf(sending, [6, 8, 11, 12]);
    const first = await queries.listRoutedPaymentIds('bank-c', 3);
    expect(first).toEqual(toBankC.slice(0, 3));
    expect(await queries.listRoutedPaymentIds('bank-c', 3, first[2])).toEqual(toBankC.slice(3));
    expect(await queries.listRoutedPaymentIds('bank-a', 100)).toEqual(
      [...idsOf(main, range(0, 12)), ...idsOf(sending, [3, 4])].sort(),
    );
    expect(await queries.listRoutedPaymentIds('bank-x', 100)).toEqual([]);
  });

  it.skipIf(skip)('refuses a work-queue limit outside 1 to 10,000', async () => {
    const now = new Date(RETRY_DUE_AT);
    for (const limit of [0, -1, 1.5, 10_001, Number.NaN]) {
      await expect(queries.listPaymentsToSend({ now, limit })).rejects.toThrow(RangeError);
      await expect(queries.listSubmittedBefore(now, limit)).rejects.toThrow(RangeError);
      await expect(queries.listRoutedPaymentIds('bank-a', limit)).rejects.toThrow(RangeError);
    }
    await expect(
      queries.listPaymentsToSend({ now: new Date(Number.NaN), limit: 1 }),
    ).rejects.toThrow(RangeError);
    expect(await queries.listRoutedPaymentIds('bank-a', 10_000)).toHaveLength(14);
  });

  it.skipIf(skip)('rebuilds exactly the same rows, in a handful of statements', async () => {
    const before = await snapshot(setup.db);
    expect(before.payments).toHaveLength(51);
    expect(before.batches).toHaveLength(4);
    expect(before.dfsps).toHaveLength(3);
    expect(before.batch_payment_totals?.length).toBeGreaterThan(5);
    expect(before.batch_payment_totals?.join()).not.toMatch(/"count":0/);

    // One batch of every event, this time: count the statements each transaction sends.
    const statements: number[] = [];
    const counting: SqlDatabase = {
      ...setup.db,
      transaction: (work) =>
        setup.db.transaction((tx) => {
          statements.push(0);
          const index = statements.length - 1;
          return work({
            query: (text, params) => {
              statements[index] = (statements[index] ?? 0) + 1;
              return tx.query(text, params);
            },
            execute: (script) => tx.execute(script),
          });
        }),
    };
    const applied = await rebuildProjection(setup.store, counting, paymentsProjection);
    await rebuildProjection(setup.store, setup.db, dfspsProjection, { batchSize: 2 });

    expect(applied).toBe(153);
    // [truncate, the one batch]: two runs (split at BatchCancelled) of loads and writes.
    expect(statements).toHaveLength(2);
    expect(statements[1]).toBeLessThanOrEqual(20);
    expect(await snapshot(setup.db)).toEqual(before);
  });
});

describe.each(engines)('reconciliation read models on $name', ({ skip, open }) => {
  let setup: Setup;
  let scenario: ReconciliationScenario;
  let queries: ReadModelQueries;
  /** A payment of the scenario's batch, named for what the statements show of it. */
  const id = (name: ReconciledPayment) => scenario.batch.payments[name];
  const amountMinor = (name: ReconciledPayment) =>
    scenario.batch.amountsMinor[scenario.batch.paymentIds.indexOf(id(name))] ?? 0n;
  const kes = (name: ReconciledPayment) => formatAmount(amountMinor(name), 'KES');
  beforeAll(async () => {
    if (skip) return;
    setup = await open();
    await migrate(setup.db, [readModelMigrations]);
    scenario = await writeReconciliationScenario(
      setup.store,
      Date.parse('2026-11-28T10:00:00.000Z'),
    );
    // Batches of three events: a statement's events land in several, its row read back between.
    for (const projection of [paymentsProjection, statementsProjection]) {
      await catchUpProjection(setup.store, setup.db, projection, { batchSize: 3 });
    }
    queries = createReadModelQueries(setup.db);
  });
  afterAll(async () => setup?.close());

  it.skipIf(skip)('marks payments matched, mismatched or returned as statements show', async () => {
    const expected: [ReconciledPayment, PaymentView['status'], PaymentView['reconciliation']][] = [
      ['matched', 'succeeded', 'matched'],
      ['amountMismatched', 'succeeded', 'mismatched'],
      ['returned', 'returned', 'matched'],
      ['paidButFailed', 'failed', 'mismatched'],
      ['missingFromStatement', 'succeeded', 'unreconciled'],
      ['paidByBankC', 'succeeded', 'matched'],
      ['reportedAfterPeriod', 'succeeded', 'unreconciled'],
      ['paidTwice', 'succeeded', 'mismatched'],
    ];
    for (const [name, status, reconciliation] of expected) {
      expect(await queries.getPayment(id(name)), name).toMatchObject({
        status,
        reconciliation,
        statusReason: name === 'paidButFailed' ? 'rjct.payee_fa.invalid' : null,
        dfspId: name === 'paidByBankC' ? 'bank-c' : 'bank-a',
        updatedAt: scenario.batch.lastChangedAt.get(id(name)),
      });
    }
  });

  it.skipIf(skip)('keeps the batch totals in step with reconciliation and returns', async () => {
    const { batch } = scenario;
    const of = (indexes: readonly number[]) => tally(batch, 'KES', indexes);
    const zero = { count: 0, amount: '0.00' };
    const summary = await queries.getBatch(batch.batchId);
    expect(summary?.byStatus).toEqual({
      pending: zero,
      routed: zero,
      unroutable: zero,
      submitted: zero,
      succeeded: of([0, 1, 4, 5, 6, 7]),
      failed: of([3]),
      returned: of([2]),
      cancelled: zero,
    });
    expect(summary?.reconciliation).toEqual({
      unreconciled: of([4, 6]),
      matched: of([0, 2, 5]),
      mismatched: of([1, 3, 7]),
    });
    expect(summary?.byDfsp).toEqual([
      {
        dfspId: 'bank-a',
        ...of([0, 1, 2, 3, 4, 6, 7]),
        byStatus: expect.objectContaining({
          succeeded: of([0, 1, 4, 6, 7]),
          returned: of([2]),
          failed: of([3]),
        }),
      },
      { dfspId: 'bank-c', ...of([5]), byStatus: expect.objectContaining({ succeeded: of([5]) }) },
    ]);
    const { rows } = await setup.db.query<{ count: string }>(
      'SELECT count(*)::text AS count FROM batch_payment_totals WHERE batch_id = $1 AND count = 0',
      [batch.batchId],
    );
    expect(rows[0]?.count).toBe('0');
  });

  it.skipIf(skip)(
    "records when the DFSP paid: its own instant, else the ledger's time, kept once returned",
    async () => {
      const { rows } = await setup.db.query<{ payment_id: string; succeeded_at: string | null }>(
        `SELECT payment_id, ${isoTimestamp('succeeded_at')} AS succeeded_at
         FROM payments WHERE batch_id = $1 ORDER BY payment_id`,
        [scenario.batch.batchId],
      );
      const held = new Map(rows.map((row) => [row.payment_id, row.succeeded_at]));
      expect(held.get(id('matched'))).toBe(REPORTED_INSTANT);
      expect(held.get(id('reportedAfterPeriod'))).toBe(LATE_REPORTED_INSTANT);
      // A date alone is no instant: the time the ledger recorded the success stands.
      expect(held.get(id('returned'))).toBe(scenario.succeededAt.get(id('returned')));
      expect(held.get(id('returned'))).toMatch(/^2026-11-28T10:/);
      expect(held.get(id('paidButFailed'))).toBeNull();
      for (const [paymentId, at] of scenario.succeededAt) expect(held.get(paymentId)).toBe(at);
    },
  );

  it.skipIf(skip)('lists the payments a DFSP paid within a period, returned ones too', async () => {
    const list = async (query: { dfspId?: string; currency?: string; from: string; to: string }) =>
      queries.listSucceededPayments({
        dfspId: query.dfspId ?? 'bank-a',
        currency: query.currency ?? 'KES',
        from: new Date(query.from),
        to: new Date(query.to),
      });
    const day = { from: '2026-11-28T00:00:00Z', to: '2026-11-29T00:00:00Z' };
    /** What bank-a paid that day: all its successes but the one reported after the period. */
    const paidThatDay = [
      'matched',
      'amountMismatched',
      'returned',
      'missingFromStatement',
      'paidTwice',
    ] as const;
    const paid = await list(day);
    expect(paid).toEqual(
      paidThatDay.map((name) => ({
        paymentId: id(name),
        batchId: scenario.batch.batchId,
        amountMinor: amountMinor(name),
        currency: 'KES',
      })),
    );
    // `from` is inclusive, `to` exclusive.
    expect((await list({ from: REPORTED_INSTANT, to: day.to })).map((p) => p.paymentId)).toEqual(
      paidThatDay.map(id),
    );
    expect(await list({ from: day.from, to: REPORTED_INSTANT })).toEqual([]);
    expect((await list({ from: day.from, to: '2026-12-01T00:00:00Z' })).length).toBe(6);
    expect(await list({ ...day, dfspId: 'bank-c' })).toEqual([
      expect.objectContaining({ paymentId: id('paidByBankC') }),
    ]);
    expect(await list({ ...day, currency: 'JPY' })).toEqual([]);
    await expect(list({ from: 'not a date', to: day.to })).rejects.toThrow(RangeError);
  });

  it.skipIf(skip)('shows a statement: its lines by outcome and its balances', async () => {
    const { bankA, bankC } = scenario;
    expect(await queries.getStatement(bankA.statementId)).toEqual({
      statementId: bankA.statementId,
      dfspId: 'bank-a',
      format: 'mt940',
      statementRef: 'STMT-2026-11-28',
      accountId: '100200300',
      currency: 'KES',
      from: '2026-11-28',
      to: '2026-11-28',
      importedAt: bankA.importedAt,
      importedBy: 'user:oscar',
      lines: {
        total: 10,
        matched: 3,
        mismatched: 1,
        paidButFailed: 1,
        paidTwice: 1,
        returned: 1,
        unknown: 1,
        otherDfsp: 1,
        notAPayment: 1,
      },
      missingFromStatement: 1,
      balance: {
        check: 'break',
        opening: '1000.00',
        closing: '-25.00',
        computedClosing: '5301.50',
      },
    });
    expect(await queries.getStatement(bankC.statementId)).toEqual({
      statementId: bankC.statementId,
      dfspId: 'bank-c',
      format: 'csv',
      statementRef: null,
      accountId: null,
      currency: 'KES',
      from: null,
      to: null,
      importedAt: bankC.importedAt,
      importedBy: 'dfsp:bank-c',
      lines: {
        total: 1,
        matched: 1,
        mismatched: 0,
        paidButFailed: 0,
        paidTwice: 0,
        returned: 0,
        unknown: 0,
        otherDfsp: 0,
        notAPayment: 0,
      },
      missingFromStatement: 0,
      balance: { check: 'not_available', opening: null, closing: null, computedClosing: null },
    });
    expect(await queries.getStatement('01JDX0000000000000000000ZZ')).toBeUndefined();
  });

  it.skipIf(skip)('lists one discrepancy per exception, with both sides', async () => {
    const { bankA, batch } = scenario;
    const statementId = bankA.statementId;
    const [firstLinesAt, secondLinesAt] = bankA.linesAt;
    const line = (
      lineNumber: number,
      kind: DiscrepancyView['kind'],
      severity: DiscrepancyView['severity'],
      payment: ReconciledPayment,
      statementAmount: string,
      ledgerStatus: string,
    ): DiscrepancyView => ({
      discrepancyId: `${statementId}:L${String(lineNumber).padStart(7, '0')}`,
      kind,
      severity,
      statementId,
      dfspId: 'bank-a',
      batchId: batch.batchId,
      paymentId: id(payment),
      reference: id(payment),
      lineNumber,
      statement: { amount: statementAmount, currency: 'KES' },
      ledger: { amount: kes(payment), currency: 'KES', status: ledgerStatus },
      detectedAt: (lineNumber <= 6 ? firstLinesAt : secondLinesAt) ?? '',
    });
    const page = await queries.listDiscrepancies({});
    expect(page.nextCursor).toBeNull();
    expect(page.items).toEqual([
      {
        discrepancyId: `${statementId}:B`,
        kind: 'balance_break',
        severity: 'critical',
        statementId,
        dfspId: 'bank-a',
        batchId: null,
        paymentId: null,
        reference: null,
        lineNumber: null,
        statement: { amount: '-25.00', currency: 'KES' },
        ledger: null,
        detectedAt: bankA.balanceAt,
      },
      line(2, 'mismatched', 'warning', 'amountMismatched', '101.50', 'succeeded'),
      line(4, 'returned', 'info', 'returned', kes('returned'), 'succeeded'),
      line(5, 'paid_but_failed', 'critical', 'paidButFailed', kes('paidButFailed'), 'failed'),
      line(6, 'other_dfsp', 'warning', 'paidByBankC', kes('paidByBankC'), 'succeeded'),
      {
        discrepancyId: `${statementId}:L0000007`,
        kind: 'unknown_line',
        severity: 'warning',
        statementId,
        dfspId: 'bank-a',
        batchId: null,
        paymentId: null,
        reference: UNKNOWN_REFERENCE,
        lineNumber: 7,
        statement: { amount: '75.00', currency: 'KES' },
        ledger: null,
        detectedAt: secondLinesAt,
      },
      line(10, 'paid_twice', 'critical', 'paidTwice', kes('paidTwice'), 'succeeded'),
      {
        discrepancyId: `${statementId}:M:${id('missingFromStatement')}`,
        kind: 'missing_from_statement',
        severity: 'warning',
        statementId,
        dfspId: 'bank-a',
        batchId: batch.batchId,
        paymentId: id('missingFromStatement'),
        reference: null,
        lineNumber: null,
        statement: null,
        ledger: { amount: kes('missingFromStatement'), currency: 'KES', status: null },
        detectedAt: bankA.missingAt,
      },
    ]);
  });

  it.skipIf(skip)('filters discrepancies by DFSP, batch and kind, and pages them', async () => {
    const ids = async (filter: Parameters<ReadModelQueries['listDiscrepancies']>[0]) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 1; pages <= 20; pages += 1) {
        const page = await queries.listDiscrepancies({ ...filter, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((item) => item.discrepancyId));
        if (page.nextCursor === null) return { seen, pages };
        cursor = page.nextCursor;
      }
      throw new Error('pagination did not end');
    };
    const all = await ids({ limit: 3 });
    expect(all.pages).toBe(3);
    expect(all.seen).toEqual((await ids({})).seen);
    expect(all.seen).toHaveLength(8);
    expect((await ids({ dfspId: 'bank-a' })).seen).toEqual(all.seen);
    expect((await ids({ dfspId: 'bank-c' })).seen).toEqual([]);
    const ofBatch = all.seen.filter((discrepancyId) => !/:(B|L0000007)$/.test(discrepancyId));
    expect((await ids({ batchId: scenario.batch.batchId, limit: 2 })).seen).toEqual(ofBatch);
    expect((await ids({ kind: 'paid_twice' })).seen).toEqual([
      `${scenario.bankA.statementId}:L0000010`,
    ]);
    expect((await ids({ kind: 'paid_twice', dfspId: 'bank-c' })).seen).toEqual([]);
    const paymentsCursor = encodeCursor('payments', id('matched'));
    await expect(queries.listDiscrepancies({ cursor: paymentsCursor })).rejects.toMatchObject({
      code: 'invalid_cursor',
    });
    await expect(queries.listDiscrepancies({ limit: 501 })).rejects.toThrow(RangeError);
  });

  it.skipIf(skip)('rebuilds exactly the same rows from the same events', async () => {
    const before = await snapshot(setup.db);
    expect(before.statements).toHaveLength(2);
    expect(before.reconciliation_discrepancies).toHaveLength(8);
    expect(before.payments).toHaveLength(8);
    // One batch of every event this time, against the three-event batches of the catch-up.
    await rebuildProjection(setup.store, setup.db, paymentsProjection);
    await rebuildProjection(setup.store, setup.db, statementsProjection);
    expect(await snapshot(setup.db)).toEqual(before);
  });
});
