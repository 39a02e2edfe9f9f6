import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectionCatalogue } from '../../src/adapters/dfsp/mapped/catalogue.js';
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
import { catchUpProjection, runProjection } from '../../src/projections/projectionRunner.js';
import { createReadModelQueries } from '../../src/projections/readModelQueries.js';
import { readModelMigrations } from '../../src/projections/readModelSchema.js';
import { createMigratedPglite, protectedEventStore } from '../support/databases.js';

const context = (actor: string) => ({ actor, correlationId: 'test', causationId: null });

/** The real store, failing every append after the first `allowed`: a crash in mid fan-out. */
function crashingAfter(store: EventStore, allowed: number): EventStore {
  let appends = 0;
  return {
    ...store,
    async append(stream, expected, events) {
      appends += 1;
      if (appends > allowed) throw new Error('simulated crash');
      return store.append(stream, expected, events);
    },
  };
}

describe('batch processor', () => {
  let db: SqlDatabase;
  let store: EventStore;
  let commands: LedgerCommands;
  let vault: PersonalDataVault;
  let queries: ReadModelQueries;

  beforeAll(async () => {
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
    await vault?.close();
    await db?.close();
  });

  async function approvedBatch(
    count: number,
    beforeApproval: () => Promise<void> = async () => {},
  ): Promise<{ batchId: string; paymentIds: string[] }> {
    const { batchId } = await commands.openBatch(
      {
        programId: 'CT-OVC',
        cycleId: '2026-11',
        currency: 'KES',
        declaredCount: count,
        declaredTotal: `${count}.00`,
      },
      context('user:olive'),
    );
    const { payments } = await commands.addPayments(
      batchId,
      Array.from({ length: count }, (_, n) => ({
        reference: `r-${n}`,
        beneficiaryId: `b-${n}`,
        payeeFa: `account:${1000 + n}@bank-a`,
        amount: '1.00',
      })),
      context('user:olive'),
    );
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
      catchUpProjection(
        crashingAfter(store, 300),
        db,
        batchProcessor(crashingAfter(store, 300), queries),
      ),
    ).rejects.toThrow('simulated crash');
    const written = await Promise.all(paymentIds.map(eventTypes));
    expect(written.filter((types) => types.length === 2).length).toBe(300);
    expect(written.filter((types) => types.length === 0).length).toBe(300);

    const head = await store.headPosition();
    await catchUpProjection(store, db, batchProcessor(store, queries));
    for (const paymentId of paymentIds) {
      expect(await eventTypes(paymentId)).toEqual(['PaymentInstructed', 'PaymentRouted']);
    }
    expect(await store.headPosition()).toBe(head + 600n);
  });

  it(
    'stops a fan-out between chunks when the service stops; ' + 'the next run finishes it',
    async () => {
      const { paymentIds } = await approvedBatch(600);
      const stopping = new AbortController();
      let appends = 0;
      const stoppingAfter300: EventStore = {
        ...store,
        async append(stream, expected, events) {
          appends += 1;
          if (appends === 300) stopping.abort();
          return store.append(stream, expected, events);
        },
      };
      // Resolves (a stop is not a failure) without saving the checkpoint past the approval.
      await runProjection(store, db, batchProcessor(stoppingAfter300, queries), {
        signal: stopping.signal,
      });
      const written = await Promise.all(paymentIds.map(eventTypes));
      const done = written.filter((types) => types.length === 2).length;
      expect(done).toBeGreaterThanOrEqual(300);
      expect(done).toBeLessThan(600);

      await catchUpProjection(store, db, batchProcessor(store, queries));
      for (const paymentId of paymentIds) {
        expect(await eventTypes(paymentId)).toEqual(['PaymentInstructed', 'PaymentRouted']);
      }
    },
  );

  it('redoes a whole fan-out (a lost checkpoint) without appending anything', async () => {
    const { paymentIds } = await approvedBatch(20);
    await catchUpProjection(store, db, batchProcessor(store, queries));
    const head = await store.headPosition();
    await db.query(`DELETE FROM projection_checkpoints WHERE projection = 'batch-processor'`);
    await catchUpProjection(store, db, batchProcessor(store, queries));
    expect(await store.headPosition()).toBe(head);
    for (const paymentId of paymentIds) {
      expect(await eventTypes(paymentId)).toEqual(['PaymentInstructed', 'PaymentRouted']);
    }
  });

  it('cancels every payment not yet sent when an approved batch is cancelled', async () => {
    const { batchId, paymentIds } = await approvedBatch(10);
    await catchUpProjection(store, db, batchProcessor(store, queries));
    await commands.cancelBatch(batchId, 'wrong cycle', context('user:olive'));
    await catchUpProjection(store, db, batchProcessor(store, queries));
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
    await catchUpProjection(store, db, batchProcessor(store, queries));
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
});
