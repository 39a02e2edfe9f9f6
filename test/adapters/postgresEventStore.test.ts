import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/adapters/postgres/migrations.js';
import { createPostgresDatabase } from '../../src/adapters/postgres/postgresDatabase.js';
import { createPostgresEventStore } from '../../src/adapters/postgres/postgresEventStore.js';
import type { EventStore, RecordedEvent } from '../../src/application/eventStore.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { optional } from '../../src/domain/optional.js';
import {
  createMigratedPglite,
  createMigratedPostgres,
  databaseUrl,
  NO_POSTGRES,
} from '../support/databases.js';
import { anEvent, aStream } from '../support/events.js';

describe.skipIf(!databaseUrl)('Postgres event store: late commits', () => {
  let close: () => Promise<void>;
  let url: string;
  let store: EventStore;

  beforeAll(async () => {
    const migrated = await createMigratedPostgres();
    close = migrated.close;
    url = migrated.scratch.url;
    store = createPostgresEventStore(migrated.db, { pollIntervalMs: 50 });
  });
  afterAll(async () => {
    await store?.close();
    await close?.();
  });

  /** Opens a transaction that appends one event the way the adapter does, and leaves it open. */
  async function beginLateAppend(stream: string) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('BEGIN');
    const event = anEvent('Late');
    const { rows } = await client.query<{ first: string }>(
      'SELECT ledger_reserve_positions(1)::text AS first',
    );
    await client.query(
      `INSERT INTO ledger_events (global_position, transaction_id, event_id, stream_id,
         stream_revision, event_type, data, metadata)
       VALUES ($1, pg_current_xact_id(), $2, $3, 0, $4, '{}', $5)`,
      [rows[0]?.first, event.id, stream, event.type, JSON.stringify(event.metadata)],
    );
    return {
      event,
      commit: async () => {
        await client.query('COMMIT');
        await client.end();
      },
    };
  }

  it('never moves a reader past a transaction that commits after a later one', async () => {
    const category = `late${randomUUID().slice(0, 8)}`;
    const filter = { streamPrefixes: [`${category}-`] };
    const before = await store.headPosition();

    const t1 = await beginLateAppend(`${category}-t1`);
    const t2 = anEvent('Early');
    await store.append(`${category}-t2`, 'no_stream', [t2]);

    const whileOpen = await store.readAll({ after: before, limit: 100, filter });
    expect(whileOpen.events).toEqual([]);
    expect(whileOpen.next ?? 0n).toBeLessThan(
      (await store.readStream(`${category}-t2`))[0]?.position ?? 0n,
    );
    const unfiltered = await store.readAll({ after: before, limit: 100 });
    expect(unfiltered.events).toEqual([]);

    await t1.commit();
    const afterCommit = await store.readAll({
      after: whileOpen.next ?? before,
      limit: 100,
      filter,
    });
    expect(afterCommit.events.map((event) => event.id)).toEqual([t1.event.id, t2.id]);
  });

  it('holds a live subscription at the open transaction, then delivers both in order', async () => {
    const category = `live${randomUUID().slice(0, 8)}`;
    const controller = new AbortController();
    const received: RecordedEvent[] = [];
    const subscription = (async () => {
      for await (const batch of store.subscribeToAll({
        after: await store.headPosition(),
        filter: { streamPrefixes: [`${category}-`] },
        signal: controller.signal,
      })) {
        received.push(...batch);
        if (received.length >= 2) controller.abort();
      }
    })();

    const t1 = await beginLateAppend(`${category}-t1`);
    const t2 = anEvent('Early');
    await store.append(`${category}-t2`, 'no_stream', [t2]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toEqual([]);

    await t1.commit();
    await subscription;
    expect(received.map((event) => event.id)).toEqual([t1.event.id, t2.id]);
  });

  it('refuses to reserve positions for a transaction that already wrote', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('CREATE TEMP TABLE scratch (n int)');
      await client.query('INSERT INTO scratch VALUES (1)');
      await expect(client.query('SELECT ledger_reserve_positions(1)')).rejects.toThrow(
        /first write of its transaction/,
      );
      await client.query('ROLLBACK');
      // The lock is not left behind: another session can still reserve.
      await store.append(aStream(), 'no_stream', [anEvent()]);
    } finally {
      await client.end();
    }
  });
});

const engines: { name: string; skip?: string; open: () => Promise<SqlDatabaseHandle> }[] = [
  {
    name: 'PGlite',
    open: async () => {
      const db = await createMigratedPglite();
      return { db, close: () => db.close() };
    },
  },
  {
    name: 'Postgres',
    ...(databaseUrl ? {} : { skip: NO_POSTGRES }),
    open: async () => createMigratedPostgres(),
  },
];

interface SqlDatabaseHandle {
  db: SqlDatabase;
  close(): Promise<void>;
}

describe.each(engines)('Postgres event store on $name', ({ skip, open }) => {
  let handle: SqlDatabaseHandle;
  let store: EventStore;

  beforeAll(async () => {
    if (skip) return;
    handle = await open();
    store = createPostgresEventStore(handle.db);
  });
  afterAll(async () => {
    await store?.close();
    await handle?.close();
  });

  it.skipIf(skip)('writes concurrent appends in shared transactions', async () => {
    const streams = Array.from({ length: 300 }, () => aStream('group'));
    await Promise.all(streams.map((stream) => store.append(stream, 'no_stream', [anEvent()])));
    const { rows } = await handle.db.query<{ events: string; transactions: string }>(
      `SELECT count(*)::text AS events, count(DISTINCT transaction_id::text)::text AS transactions
       FROM ledger_events WHERE stream_id = ANY($1::text[])`,
      [streams],
    );
    expect(Number(rows[0]?.events)).toBe(300);
    expect(Number(rows[0]?.transactions)).toBeLessThan(300 / 4);
  });

  it.skipIf(skip)('pages the whole feed in numeric order across many positions', async () => {
    const streams = Array.from({ length: 1_100 }, () => aStream('many'));
    await Promise.all(streams.map((stream) => store.append(stream, 'no_stream', [anEvent()])));
    const head = Number(await store.headPosition());
    const positions: bigint[] = [];
    let after: bigint | undefined;
    // The feed shows an event once every older transaction on the cluster has ended: on a shared
    // cluster another session's open transaction delays it (never reorders it), so keep reading.
    const deadline = Date.now() + 10_000;
    while (positions.length < head && Date.now() < deadline) {
      const page = await store.readAll({ limit: 97, ...optional('after', after) });
      if (page.events.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      positions.push(...page.events.map((event) => event.position));
      after = page.next;
    }
    expect(positions.length).toBe(head);
    positions.forEach((position, index) => {
      expect(position).toBe(BigInt(index + 1));
    });
  });

  it.skipIf(skip)('keeps the event table append-only', async () => {
    const stream = aStream();
    await store.append(stream, 'no_stream', [anEvent()]);
    await expect(
      handle.db.query(`UPDATE ledger_events SET event_type = 'Forged' WHERE stream_id = $1`, [
        stream,
      ]),
    ).rejects.toThrow(/append-only/);
    await expect(
      handle.db.query('DELETE FROM ledger_events WHERE stream_id = $1', [stream]),
    ).rejects.toThrow(/append-only/);
    await expect(handle.db.query('TRUNCATE ledger_events')).rejects.toThrow(/append-only/);
    expect(await store.readStream(stream)).toHaveLength(1);
  });
});

describe.skipIf(!databaseUrl)('Postgres pool limits and indexes', () => {
  let close: () => Promise<void>;
  let url: string;
  let db: SqlDatabase;

  beforeAll(async () => {
    const migrated = await createMigratedPostgres();
    ({ close, db } = migrated);
    url = migrated.scratch.url;
  });
  afterAll(async () => close?.());

  it("caps every statement of the service's sessions at 30 s", async () => {
    const { rows } = await db.query<{ statement_timeout: string }>('SHOW statement_timeout');
    expect(rows[0]?.statement_timeout).toBe('30s');
    const session = await db.openSession();
    try {
      const shown = await session.query<{ statement_timeout: string }>('SHOW statement_timeout');
      expect(shown.rows[0]?.statement_timeout).toBe('30s');
    } finally {
      await session.release();
    }
  });

  it('cancels a statement over the limit, and spares migrations', async () => {
    const strict = createPostgresDatabase(url, { statementTimeoutMs: 100 });
    try {
      await expect(strict.query('SELECT pg_sleep(1)')).rejects.toThrow(/statement timeout/);
      const slow = {
        component: 'slow-test',
        migrations: [{ version: 1, name: 'sleeps past the limit', sql: 'SELECT pg_sleep(0.3)' }],
      };
      await expect(migrate(strict, [slow])).resolves.toEqual(['slow-test@1']);
    } finally {
      await strict.close();
    }
  });

  it('gives up on a connection that does not come within the connection time limit', async () => {
    const pool = createPostgresDatabase(url, { maxConnections: 1, connectionTimeoutMs: 100 });
    const held = await pool.openSession();
    try {
      await expect(pool.query('SELECT 1')).rejects.toThrow(/timeout/i);
    } finally {
      await held.release();
      await pool.close();
    }
  });

  it('reads the feed filtered by a rare type through the type index, not a scan', async () => {
    const store = createPostgresEventStore(db);
    try {
      const streams = Array.from({ length: 2_000 }, () => aStream('indexed'));
      await Promise.all(
        streams.map((stream, n) =>
          store.append(stream, 'no_stream', [anEvent(n % 500 === 0 ? 'Rare' : 'Common')]),
        ),
      );
      await db.query('ANALYZE ledger_events');
      const { rows } = await db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT global_position FROM ledger_events
         WHERE event_type = ANY($1::text[]) AND global_position > $2
         ORDER BY global_position LIMIT 100`,
        [['Rare'], '0'],
      );
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).toContain('ledger_events_type_position_idx');
      expect(plan).not.toContain('Seq Scan');
      const page = await store.readAll({ limit: 100, filter: { eventTypes: ['Rare'] } });
      expect(page.events.map((event) => event.type)).toEqual(['Rare', 'Rare', 'Rare', 'Rare']);
    } finally {
      await store.close();
    }
  });
});
