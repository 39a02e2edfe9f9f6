import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectionCatalogue } from '../../src/adapters/dfsp/mapped/catalogue.js';
import { createG2pConnectIdMapper } from '../../src/adapters/idMapper/g2pConnectIdMapper.js';
import {
  createDfspSecrets,
  dfspSecretsMigrations,
} from '../../src/adapters/postgres/dfspSecrets.js';
import { migrate } from '../../src/adapters/postgres/migrations.js';
import { batchProcessor } from '../../src/application/batchProcessor.js';
import type { EventStore } from '../../src/application/eventStore.js';
import { createLedgerCommands } from '../../src/application/ledger.js';
import type { LedgerCommands } from '../../src/application/ledgerCommands.js';
import type { PersonalDataVault } from '../../src/application/personalDataVault.js';
import type { ReadModelQueries } from '../../src/application/readModels.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { MAX_PAYMENTS_PER_CHUNK } from '../../src/domain/batchDecider.js';
import { paymentsProjection } from '../../src/projections/paymentsProjection.js';
import { catchUpProjection, runProjection } from '../../src/projections/projectionRunner.js';
import { createReadModelQueries } from '../../src/projections/readModelQueries.js';
import { readModelMigrations } from '../../src/projections/readModelSchema.js';
import {
  type RunningIdMapperSimulator,
  startIdMapperSimulator,
} from '../../src/simulator/idMapperSimulator.js';
import { createMigratedPglite, protectedEventStore } from '../support/databases.js';

const context = (actor: string) => ({ actor, correlationId: 'test', causationId: null });

/**
 * The real store, writing the first `allowed` streams it is given and then failing: a crash in
 * mid fan-out, part of an `appendMany` written.
 */
function crashingAfter(store: EventStore, allowed: number): EventStore {
  let appends = 0;
  return {
    ...store,
    async append(stream, expected, events) {
      appends += 1;
      if (appends > allowed) throw new Error('simulated crash');
      return store.append(stream, expected, events);
    },
    async appendMany(streams) {
      const room = Math.max(0, allowed - appends);
      appends += streams.length;
      if (streams.length <= room) return store.appendMany(streams);
      if (room > 0) await store.appendMany(streams.slice(0, room));
      throw new Error('simulated crash');
    },
  };
}

describe('batch processor', () => {
  let db: SqlDatabase;
  let store: EventStore;
  let commands: LedgerCommands;
  let vault: PersonalDataVault;
  let queries: ReadModelQueries;
  let mapper: RunningIdMapperSimulator;
  /** The batch processor on `on`, resolving CT-MAP's beneficiaries through the simulated mapper. */
  const processor = (on: EventStore = store) =>
    batchProcessor(
      on,
      queries,
      createG2pConnectIdMapper({
        mapperOf: async (programId) => (programId === 'CT-MAP' ? { url: mapper.url } : undefined),
        timeoutMs: 5_000,
        senderId: 'g2p-ledger-test',
      }),
    );

  beforeAll(async () => {
    mapper = await startIdMapperSimulator({
      accounts: new Map(
        Array.from({ length: 700 }, (_, n) => [`NID-${n}`, `account:${5000 + n}@bank-a`]),
      ),
    });
    db = await createMigratedPglite();
    await migrate(db, [readModelMigrations, dfspSecretsMigrations]);
    const sealed = await protectedEventStore(db);
    store = sealed.store;
    vault = sealed.vault;
    queries = createReadModelQueries(db);
    commands = createLedgerCommands({
      connections: createConnectionCatalogue([]),
      store,
      secrets: createDfspSecrets(db, sealed.sealer),
      personalData: vault,
      unsentPaymentsOf: (beneficiaryKey) => queries.listUnsentPaymentIdsOf(beneficiaryKey),
      // The DFSP is never called here; its address only has to pass registration.
      dfspUrlPolicy: { allowInsecure: true, hostAllowlist: ['127.0.0.1'] },
    });
    await commands.registerDfsp(
      'bank-a',
      {
        name: 'Bank A',
        connector: 'g2p-connect',
        baseUrl: 'http://127.0.0.1:4001',
        payerFa: 'account:100200300@bank-a',
        currencies: ['KES'],
        faTypes: ['account'],
        callbackSecret: 'a-long-enough-secret',
      },
      context('user:ada'),
    );
    await commands.publishRoutingRules(
      [{ id: 'all', when: {}, route: [{ dfspId: 'bank-a', weight: 1 }], fallback: [] }],
      context('user:ada'),
    );
  });
  afterAll(async () => {
    await mapper?.close();
    await vault?.close();
    await db?.close();
  });

  async function approvedBatch(
    count: number,
    beforeApproval: () => Promise<void> = async () => {},
    programId = 'CT-OVC',
    payeeOf: (n: number) => { beneficiaryId: string; payeeFa?: string } = (n) => ({
      beneficiaryId: `b-${n}`,
      payeeFa: `account:${1000 + n}@bank-a`,
    }),
  ): Promise<{ batchId: string; paymentIds: string[] }> {
    const { batchId } = await commands.openBatch(
      {
        programId,
        cycleId: '2026-11',
        currency: 'KES',
        declaredCount: count,
        declaredTotal: `${count}.00`,
      },
      context('user:olive'),
    );
    const payments: { paymentId: string }[] = [];
    for (let start = 0; start < count; start += MAX_PAYMENTS_PER_CHUNK) {
      const chunk = Array.from(
        { length: Math.min(MAX_PAYMENTS_PER_CHUNK, count - start) },
        (_, k) => {
          const n = start + k;
          return { reference: `r-${n}`, ...payeeOf(n), amount: '1.00' };
        },
      );
      const added = await commands.addPayments(batchId, chunk, context('user:olive'));
      payments.push(...added.payments);
    }
    await commands.submitBatch(batchId, context('user:olive'));
    await beforeApproval();
    await commands.approveBatch(batchId, context('user:abel'));
    return { batchId, paymentIds: payments.map((payment) => payment.paymentId) };
  }

  async function eventTypes(paymentId: string): Promise<string[]> {
    return (await store.readStream(`payment-${paymentId}`)).map((event) => event.type);
  }

  it('resumes a fan-out that crashed half way without writing any payment twice', async () => {
    const { paymentIds } = await approvedBatch(600);
    await expect(
      catchUpProjection(crashingAfter(store, 300), db, processor(crashingAfter(store, 300))),
    ).rejects.toThrow('simulated crash');
    const written = await Promise.all(paymentIds.map(eventTypes));
    expect(written.filter((types) => types.length === 2).length).toBe(300);
    expect(written.filter((types) => types.length === 0).length).toBe(300);

    const head = await store.headPosition();
    await catchUpProjection(store, db, processor());
    for (const paymentId of paymentIds) {
      expect(await eventTypes(paymentId)).toEqual(['PaymentInstructed', 'PaymentRouted']);
    }
    expect(await store.headPosition()).toBe(head + 600n);
  });

  it(
    'stops a fan-out between chunks when the service stops; ' + 'the next run finishes it',
    async () => {
      // Two pages of the fan-out: the stop comes during the first.
      const { paymentIds } = await approvedBatch(1_500);
      const stopping = new AbortController();
      const stoppingInFirstPage: EventStore = {
        ...store,
        async appendMany(streams) {
          stopping.abort();
          return store.appendMany(streams);
        },
      };
      // Resolves (a stop is not a failure) without saving the checkpoint past the approval.
      await runProjection(store, db, processor(stoppingInFirstPage), {
        signal: stopping.signal,
      });
      const written = await Promise.all(paymentIds.map(eventTypes));
      const done = written.filter((types) => types.length === 2).length;
      expect(done).toBe(1_000);

      await catchUpProjection(store, db, processor());
      for (const paymentId of paymentIds) {
        expect(await eventTypes(paymentId)).toEqual(['PaymentInstructed', 'PaymentRouted']);
      }
    },
  );

  it('redoes a whole fan-out (a lost checkpoint) without appending anything', async () => {
    const { paymentIds } = await approvedBatch(20);
    await catchUpProjection(store, db, processor());
    const head = await store.headPosition();
    await db.query(`DELETE FROM projection_checkpoints WHERE projection = 'batch-processor'`);
    await catchUpProjection(store, db, processor());
    expect(await store.headPosition()).toBe(head);
    for (const paymentId of paymentIds) {
      expect(await eventTypes(paymentId)).toEqual(['PaymentInstructed', 'PaymentRouted']);
    }
  });

  it('cancels every payment not yet sent when an approved batch is cancelled', async () => {
    const { batchId, paymentIds } = await approvedBatch(10);
    await catchUpProjection(store, db, processor());
    await commands.cancelBatch(batchId, 'wrong cycle', context('user:olive'));
    await catchUpProjection(store, db, processor());
    for (const paymentId of paymentIds) {
      expect(await eventTypes(paymentId)).toEqual([
        'PaymentInstructed',
        'PaymentRouted',
        'PaymentCancelled',
      ]);
    }
  });

  it('cancels at fan-out the payment of a beneficiary erased before the batch was approved', async () => {
    const { paymentIds } = await approvedBatch(3, async () => {
      const erased = await commands.eraseBeneficiary(
        'b-1',
        'asked to be forgotten',
        context('user:ada'),
      );
      expect(erased).toMatchObject({ cancelledPayments: 0 });
    });
    await catchUpProjection(store, db, processor());
    expect(await eventTypes(paymentIds[0] ?? '')).toEqual(['PaymentInstructed', 'PaymentRouted']);
    expect(await eventTypes(paymentIds[1] ?? '')).toEqual([
      'PaymentInstructed',
      'PaymentCancelled',
    ]);
    const [instructed] = await store.readStream(`payment-${paymentIds[1]}`);
    expect(instructed?.data).toMatchObject({ beneficiaryId: '[erased]', payeeFa: '[erased]' });
    expect((instructed?.data as { payeeName?: string } | undefined)?.payeeName).toBeUndefined();
    await expect(vault.keyOf('b-1')).resolves.toBeUndefined();
    await expect(vault.keyOf('b-0')).resolves.toBeDefined();
  });

  it('resolves beneficiary ids through the programme ID mapper before routing, and waits while it is down', async () => {
    // 700 payments, two pages: ids the mapper knows, five it does not, five sent as addresses.
    const payeeOf = (n: number) =>
      n % 140 === 7
        ? { beneficiaryId: `NID-UNKNOWN-${n}` }
        : n % 140 === 9
          ? { beneficiaryId: `b-${n}`, payeeFa: `account:${9000 + n}@bank-a` }
          : { beneficiaryId: `NID-${n}` };
    const { paymentIds } = await approvedBatch(700, async () => {}, 'CT-MAP', payeeOf);
    const head = await store.headPosition();
    mapper.setDown(true);
    await expect(catchUpProjection(store, db, processor())).rejects.toThrow(/HTTP 503/);
    expect(await store.headPosition()).toBe(head);

    mapper.setDown(false);
    await catchUpProjection(store, db, processor());
    const streams = await Promise.all(
      paymentIds.map((paymentId) => store.readStream(`payment-${paymentId}`)),
    );
    streams.forEach((events, n) => {
      const [instructed, routed] = events;
      const data = instructed?.data as { payeeFa?: string; payeeResolvedBy?: string };
      if (n % 140 === 7) {
        expect(data.payeeFa).toBeUndefined();
        expect(routed).toMatchObject({ type: 'PaymentUnroutable' });
        expect(routed?.data).toMatchObject({
          reason: expect.stringContaining('succ.id.not_found'),
        });
      } else if (n % 140 === 9) {
        expect(data).toMatchObject({ payeeFa: `account:${9000 + n}@bank-a` });
        expect(data.payeeResolvedBy).toBeUndefined();
        expect(routed?.type).toBe('PaymentRouted');
      } else {
        expect(data).toMatchObject({
          payeeFa: `account:${5000 + n}@bank-a`,
          payeeResolvedBy: 'id-mapper',
        });
        expect(routed?.type).toBe('PaymentRouted');
      }
    });
    // Ids sent as addresses are never asked; each id the mapper knows was answered once, in
    // two requests (one a page) after the one refused while it was down.
    expect(mapper.resolvedIds().filter((id) => id.startsWith('b-'))).toEqual([]);
    expect(mapper.resolvedIds()).toHaveLength(690);
    expect(new Set(mapper.resolvedIds()).size).toBe(690);
    expect(mapper.requests()).toBe(3);
  });

  it('leaves unroutable, saying why, a payee without an address in a programme without a mapper', async () => {
    const { paymentIds } = await approvedBatch(
      2,
      async () => {},
      'CT-OVC',
      (n) =>
        n === 0
          ? { beneficiaryId: 'NID-0' }
          : { beneficiaryId: 'b-1', payeeFa: 'account:1@bank-a' },
    );
    await catchUpProjection(store, db, processor());
    const [, unroutable] = await store.readStream(`payment-${paymentIds[0]}`);
    expect(unroutable).toMatchObject({
      type: 'PaymentUnroutable',
      data: { reason: 'programme CT-OVC has no ID mapper registered' },
    });
    expect(await eventTypes(paymentIds[1] ?? '')).toEqual(['PaymentInstructed', 'PaymentRouted']);
  });

  it('routes again the payments made unroutable just before their DFSP came back, though the read model lags', async () => {
    await catchUpProjection(store, db, processor());
    await commands.suspendDfsp('bank-a', 'maintenance', context('user:ada'));
    const { paymentIds } = await approvedBatch(3);
    await catchUpProjection(store, db, processor());
    for (const paymentId of paymentIds) {
      expect(await eventTypes(paymentId)).toEqual(['PaymentInstructed', 'PaymentUnroutable']);
    }
    await commands.resumeDfsp('bank-a', context('user:ada'));

    // The payments read model has not seen the unroutable payments yet: the reroute waits for it.
    const rerouted = catchUpProjection(store, db, processor());
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await eventTypes(paymentIds[0] ?? '')).toEqual([
      'PaymentInstructed',
      'PaymentUnroutable',
    ]);
    await catchUpProjection(store, db, paymentsProjection);
    await rerouted;
    for (const paymentId of paymentIds) {
      expect(await eventTypes(paymentId)).toEqual([
        'PaymentInstructed',
        'PaymentUnroutable',
        'PaymentRouted',
      ]);
    }
  });
});
