import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/adapters/postgres/migrations.js';
import { createPostgresDatabase } from '../../src/adapters/postgres/postgresDatabase.js';
import { createPostgresEventStore } from '../../src/adapters/postgres/postgresEventStore.js';
import type { EventStore } from '../../src/application/eventStore.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import {
  catchUpProjection,
  readCheckpoint,
  rebuildProjection,
  runProjection,
} from '../../src/projections/projectionRunner.js';
import { readModelMigrations } from '../../src/projections/readModelSchema.js';
import { streamSummaries } from '../../src/projections/streamSummaries.js';
import {
  applicationCounts,
  applicationsProjection,
  applicationsTable,
} from '../support/applicationsProjection.js';
import {
  createMigratedPglite,
  createMigratedPostgres,
  databaseUrl,
  NO_POSTGRES,
} from '../support/databases.js';
import { anEvent } from '../support/events.js';

interface Setup {
  db: SqlDatabase;
  store: EventStore;
  url?: string;
  close(): Promise<void>;
}

async function prepare(db: SqlDatabase): Promise<void> {
  await migrate(db, [readModelMigrations]);
  await db.execute(applicationsTable);
}

const engines: { name: string; skip?: string; open: () => Promise<Setup> }[] = [
  {
    name: 'PGlite',
    open: async () => {
      const db = await createMigratedPglite();
      await prepare(db);
      return {
        db,
        store: createPostgresEventStore(db, { pollIntervalMs: 50 }),
        close: () => db.close(),
      };
    },
  },
  {
    name: 'Postgres',
    ...(databaseUrl ? {} : { skip: NO_POSTGRES }),
    open: async () => {
      const migrated = await createMigratedPostgres();
      await prepare(migrated.db);
      return {
        db: migrated.db,
        store: createPostgresEventStore(migrated.db, { pollIntervalMs: 50 }),
        url: migrated.scratch.url,
        close: migrated.close,
      };
    },
  },
];

async function appendEvents(
  store: EventStore,
  count: number,
  streams = 50,
  prefix = 'item',
): Promise<void> {
  const revisions = new Map<string, bigint>();
  for (let n = 0; n < count; n += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, count - n) }, async (_, offset) => {
        const stream = `${prefix}-${(n + offset) % streams}`;
        const current = revisions.get(stream);
        const result = await store.append(stream, current ?? 'no_stream', [
          anEvent('ItemChanged', { n: n + offset }),
        ]);
        revisions.set(stream, result.nextExpectedRevision);
      }),
    );
  }
}

describe.each(engines)('projection runner on $name', ({ skip, open }) => {
  let setup: Setup;
  beforeAll(async () => {
    if (skip) return;
    setup = await open();
    await appendEvents(setup.store, 1_000, 40);
  });
  afterAll(async () => setup?.close());

  it.skipIf(skip)('applies every event exactly once across an aborted batch', async () => {
    const { db, store } = setup;
    // Batches of 300: the first commits, the second fails 70 events in and rolls back.
    let batch = 0;
    const failing = applicationsProjection({ failAfter: () => (++batch === 2 ? 70 : undefined) });
    await expect(catchUpProjection(store, db, failing, { batchSize: 300 })).rejects.toThrow(
      /induced failure/,
    );
    const partial = await applicationCounts(db);
    expect(partial).toMatchObject({ applications: 300, distinctEvents: 300 });

    await catchUpProjection(store, db, applicationsProjection(), { batchSize: 300 });
    expect(await applicationCounts(db)).toMatchObject({
      applications: 1_000,
      distinctEvents: 1_000,
    });
    expect(await readCheckpoint(db, failing)).toBe(await store.headPosition());
  });

  it.skipIf(skip)('follows the feed live, and a rebuild gives the same rows', async () => {
    const { db, store } = setup;
    const controller = new AbortController();
    const head = await store.headPosition();
    let reached!: () => void;
    const caughtUp = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let target = head + 5n;
    const running = runProjection(store, db, streamSummaries, {
      signal: controller.signal,
      onBatch: ({ position }) => {
        if (position >= target) reached();
      },
    });
    await store.append('item-0', 'stream_exists', [anEvent('ItemRenamed')]);
    await store.append('other-1', 'no_stream', [anEvent('Opened'), anEvent('Closed')]);
    target = await store.headPosition();
    await caughtUp;
    controller.abort();
    await running;

    const rows = async () =>
      (
        await db.query(
          `SELECT stream_id, category, last_revision::text, last_event_type, first_position::text,
                  last_position::text, created_at::text, updated_at::text
           FROM stream_summaries ORDER BY stream_id`,
        )
      ).rows;
    const live = await rows();
    expect(live).toHaveLength(41);
    expect(live.find((row) => row.stream_id === 'other-1')).toMatchObject({
      category: 'other',
      last_revision: '1',
      last_event_type: 'Closed',
    });
    expect(live.find((row) => row.stream_id === 'item-0')).toMatchObject({
      last_event_type: 'ItemRenamed',
    });

    const applied = await rebuildProjection(store, db, streamSummaries, { batchSize: 97 });
    expect(applied).toBe(1_003);
    expect(await rows()).toEqual(live);
  });
});

describe.skipIf(!databaseUrl)('projection runner processes', () => {
  let setup: Setup;
  beforeAll(async () => {
    const engine = engines[1];
    if (!engine) throw new Error('no Postgres engine');
    setup = await engine.open();
    await appendEvents(setup.store, 3_000, 100);
  });
  afterAll(async () => setup?.close());

  function startWorker(): { child: ChildProcess; exited: Promise<unknown> } {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/projectionWorker.ts'], {
      env: { ...process.env, WORKER_DATABASE_URL: setup.url },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return { child, exited: once(child, 'exit') };
  }

  /** Polls the runner's checkpoint until `reached` says it has moved far enough. */
  async function waitForCheckpoint(reached: (position: bigint) => boolean): Promise<bigint> {
    const projection = applicationsProjection();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const checkpoint = (await readCheckpoint(setup.db, projection)) ?? 0n;
      if (reached(checkpoint)) return checkpoint;
      if (Date.now() > deadline) throw new Error(`checkpoint stuck at ${checkpoint}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('applies every event exactly once when the runner is killed mid-batch and restarted', async () => {
    let appended = 3_000;
    for (let kill = 0; kill < 3; kill += 1) {
      // Keep work ahead of the runner, so every kill lands while it is applying events.
      const before = (await readCheckpoint(setup.db, applicationsProjection())) ?? 0n;
      if (before >= (await setup.store.headPosition()) - 1_000n) {
        await appendEvents(setup.store, 2_000, 100, `more${kill}`);
        appended += 2_000;
      }
      const { child, exited } = startWorker();
      await waitForCheckpoint((checkpoint) => checkpoint > before);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
      child.kill('SIGKILL');
      await exited;
    }
    const killed = await applicationCounts(setup.db);
    expect(killed.applications).toBe(killed.distinctEvents);
    expect(killed.distinctEvents).toBeLessThan(appended);
    expect(killed.runners.length).toBe(3);

    const head = await setup.store.headPosition();
    const { child, exited } = startWorker();
    await waitForCheckpoint((checkpoint) => checkpoint === head);
    child.kill('SIGTERM');
    await exited;
    expect(await applicationCounts(setup.db)).toMatchObject({
      applications: appended,
      distinctEvents: appended,
    });
  }, 120_000);

  it('keeps one runner active; a standby takes over when it stops', async () => {
    const projection = { ...streamSummaries, name: 'stream-summaries-failover' };
    const otherDb = createPostgresDatabase(setup.url ?? '');
    const first = new AbortController();
    const second = new AbortController();
    const appliedBy: string[] = [];
    const running = [
      runProjection(setup.store, setup.db, projection, {
        signal: first.signal,
        onBatch: () => appliedBy.push('first'),
      }),
      runProjection(createPostgresEventStore(otherDb), otherDb, projection, {
        signal: second.signal,
        lockRetryMs: 50,
        onBatch: () => appliedBy.push('second'),
      }),
    ];
    try {
      await waitFor(() => appliedBy.length > 0);
      const active = appliedBy[0];
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(new Set(appliedBy)).toEqual(new Set([active]));

      (active === 'first' ? first : second).abort();
      const before = appliedBy.length;
      await setup.store.append('failover-1', 'no_stream', [anEvent()]);
      await waitFor(() => appliedBy.length > before);
      expect(appliedBy.slice(before)).not.toContain(active);
    } finally {
      first.abort();
      second.abort();
      await Promise.all(running);
      await otherDb.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
