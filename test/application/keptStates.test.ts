import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresEventStore } from '../../src/adapters/postgres/postgresEventStore.js';
import { commandHandlerFor } from '../../src/application/commandHandler.js';
import type { EventStore, ReadStreamOptions } from '../../src/application/eventStore.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { batchDecider } from '../../src/domain/batchDecider.js';
import { batchStream } from '../../src/domain/batchEvents.js';
import { createMigratedPglite } from '../support/databases.js';

/**
 * A stream handler that keeps the states it folded: a later command reads only the events after
 * the kept revision, sees what another writer appended meanwhile, and decides as on a fresh fold.
 */

const context = { actor: 'user:olive', correlationId: 'c', causationId: null };
const payment = (n: number) => ({
  reference: `r-${n}`,
  beneficiaryId: `b-${n}`,
  payeeFa: `account:${1000 + n}@bank-a`,
  amount: '1.00',
});

describe('kept stream states', () => {
  let db: SqlDatabase;
  let store: EventStore;
  const reads: (bigint | undefined)[] = [];

  beforeAll(async () => {
    db = await createMigratedPglite();
    const real = createPostgresEventStore(db);
    store = {
      ...real,
      readStream(stream: string, options?: ReadStreamOptions) {
        reads.push(options?.fromRevision);
        return real.readStream(stream, options);
      },
    };
  });
  afterAll(async () => db?.close());

  it('reads only new events, and sees another writer', async () => {
    const keeping = commandHandlerFor(store, batchDecider, batchStream, { keepStates: 2 });
    const other = commandHandlerFor(store, batchDecider, batchStream);
    const batchId = ulid();
    await keeping(
      batchId,
      {
        type: 'OpenBatch',
        by: 'user:olive',
        batchId,
        programId: 'P',
        cycleId: 'c',
        currency: 'KES',
        declaredCount: 3,
        declaredTotal: '3.00',
      },
      context,
    );
    const add = (n: number) => ({
      type: 'AddPayments' as const,
      by: 'user:olive',
      payments: [payment(n)],
      newPaymentIds: [ulid()],
    });
    await keeping(batchId, add(0), context);
    reads.length = 0;
    await other(batchId, add(1), context);
    await keeping(batchId, add(2), context);
    // It read on from revision 1, not from the start: its own chunk (kept states are folded from
    // events read back, never from events just decided) and the other writer's.
    expect(reads.at(-1)).toBe(1n);
    const { state, revision } = await keeping.load(batchId);
    expect(revision).toBe(3n);
    expect(state.receivedCount).toBe(3);
    // The same chunk again is recognised from the kept state: nothing appended.
    const again = await keeping(batchId, { ...add(1), newPaymentIds: [ulid()] }, context);
    expect(again.appended).toEqual([]);
    await expect(keeping(batchId, add(3), context)).rejects.toThrow(/declares 3 payments/);
  });
});
