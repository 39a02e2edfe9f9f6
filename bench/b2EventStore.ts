/**
 * Scenario B2 (issue 6): the event store's append rate against Emmett's PostgreSQL event store and
 * against raw batched inserts, then our global feed read back.
 *
 * The same workload runs three times, each on a freshly created database on the same server (so
 * none inherits another's rows, bloat or autovacuum debt; a CHECKPOINT before each timed phase
 * keeps one system's dirty pages out of the next one's window):
 *  1. ours: `createPostgresEventStore`, one event per append with the exact expected revision;
 *  2. Emmett: `appendToStream` with the exact `expectedStreamVersion` (0n creates the stream);
 *  3. raw: the same rows by `INSERT … SELECT unnest(…)` in batches, no revision checks, into a
 *     plain table with ledger_events' columns and indexes (position primary key, unique event id,
 *     unique (stream, revision)). What differs from ours is the checks and the batching (a raw
 *     writer buffers `--raw-batch` rows and awaits nothing per event), not the indexes;
 *  4. ours, many streams per call: `appendMany` of `--many` streams (one event each, each at its
 *     exact expected revision), every call of one revision round in flight at once.
 * Each of WRITERS async writers owns every WRITERS-th stream and appends revision by revision.
 *
 * `npx tsx bench/b2EventStore.ts [--events N --streams N --writers N --connections N
 * --groups N --raw-batch N --many N --page N]`
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { eventStoreMigrations } from '../src/adapters/postgres/eventStoreSchema.js';
import { migrate } from '../src/adapters/postgres/migrations.js';
import { createPostgresDatabase } from '../src/adapters/postgres/postgresDatabase.js';
import { createPostgresEventStore } from '../src/adapters/postgres/postgresEventStore.js';
import type { EventStore } from '../src/application/eventStore.js';
import type { SqlDatabase, SqlExecutor } from '../src/application/sqlDatabase.js';
import { optional } from '../src/domain/optional.js';
import {
  createBenchDatabase,
  formatRate,
  installedVersion,
  printTable,
  writeResult,
} from './benchSupport.js';
import { isMain, type Scenario, type ScenarioResult } from './scenario.js';

interface B2Options {
  readonly events: number;
  readonly streams: number;
  readonly writers: number;
  /** Pool size of every system: by default one connection per writer. */
  readonly connections: number;
  /** Our store's transactions in flight at once. */
  readonly groups: number;
  /** Rows per INSERT of the raw baseline. */
  readonly rawBatch: number;
  /** Streams per `appendMany` call. */
  readonly many: number;
  /** Events per page when reading our feed back. */
  readonly page: number;
}

const DEFAULTS: B2Options = {
  events: 200_000,
  streams: 20_000,
  writers: 32,
  connections: 32,
  groups: 2,
  rawBatch: 1_000,
  many: 1_000,
  page: 5_000,
};

const EVENT_TYPE = 'PaymentInstructed';

interface BenchEvent {
  readonly id: string;
  readonly data: Record<string, string>;
  readonly metadata: {
    readonly occurredAt: string;
    readonly actor: string;
    readonly correlationId: string;
    readonly causationId: null;
  };
}

/** What one writer does with each event: `revision` is the stream's 0-based revision. */
interface BenchWriter {
  append(stream: string, revision: number, event: BenchEvent): Promise<void>;
  /** Writes whatever is still buffered. */
  finish(): Promise<void>;
}

export const b2EventStore: Scenario = () => runB2(DEFAULTS);

async function runB2(options: B2Options): Promise<ScenarioResult> {
  const eventsPerStream = options.events / options.streams;
  if (!Number.isInteger(eventsPerStream) || options.streams < options.writers) {
    throw new Error('events must divide evenly into streams, and every writer needs a stream');
  }
  const payloadBytes = JSON.stringify(benchEvent('payment-bench0').data).length;
  const emmettVersion = await installedVersion('@event-driven-io/emmett-postgresql');
  const loadAtStart = os.loadavg()[0];
  process.stdout.write(
    `B2: ${options.events.toLocaleString('en')} events ` +
      `over ${options.streams.toLocaleString('en')} streams, ${options.writers} writers, ` +
      `pools of ${options.connections} connections, data ${payloadBytes} bytes; ` +
      `load average ${loadAtStart?.toFixed(1)}\n`,
  );

  const ours = await runOurs(options, eventsPerStream);
  const emmett = await runEmmett(options, eventsPerStream);
  const raw = await runRaw(options, eventsPerStream);
  const manySeconds = await runOursMany(options, eventsPerStream);

  const rate = (seconds: number) => options.events / seconds;
  const oursRate = rate(ours.appendSeconds);
  const toEmmett = oursRate / rate(emmett.appendSeconds);
  const toRaw = oursRate / rate(raw.appendSeconds);
  const readRate = options.events / ours.readSeconds;
  const manyToRaw = rate(manySeconds) / rate(raw.appendSeconds);
  printTable([
    ['measure', 'seconds', 'events/s', 'note'],
    ...(
      [
        ['append (ours)', ours.appendSeconds, `${ours.transactions.toLocaleString('en')} txns`],
        [`append (Emmett ${emmettVersion})`, emmett.appendSeconds, 'one txn per append'],
        ['append (raw unnest)', raw.appendSeconds, `${options.rawBatch} rows per INSERT`],
        ['appendMany (ours)', manySeconds, `${options.many} streams per call`],
        ['read feed (ours)', ours.readSeconds, `pages of ${options.page}`],
      ] as const
    ).map(([name, seconds, note]) => [
      name,
      seconds.toFixed(2),
      formatRate(options.events, seconds),
      note,
    ]),
  ]);
  process.stdout.write(
    `ours ÷ Emmett ${toEmmett.toFixed(2)}× (target ≥ 10×), ` +
      `ours ÷ raw ${toRaw.toFixed(2)}× (target ≥ 0.5×), ` +
      `appendMany ÷ raw ${manyToRaw.toFixed(2)}× (target ≥ 0.8×)\n`,
  );

  const resultFile = await writeResult('b2-event-store', {
    parameters: { ...options, eventsPerAppend: 1, eventType: EVENT_TYPE, payloadBytes },
    layout: 'one freshly created database per system, same server, run in this order',
    emmettVersion,
    loadAverage: { start: loadAtStart, end: os.loadavg()[0] },
    ours: {
      appendSeconds: ours.appendSeconds,
      eventsPerSecond: oursRate,
      transactions: ours.transactions,
      readSeconds: ours.readSeconds,
      readEventsPerSecond: readRate,
    },
    emmett: { appendSeconds: emmett.appendSeconds, eventsPerSecond: rate(emmett.appendSeconds) },
    raw: { appendSeconds: raw.appendSeconds, eventsPerSecond: rate(raw.appendSeconds) },
    appendMany: { appendSeconds: manySeconds, eventsPerSecond: rate(manySeconds) },
    ratios: { oursToEmmett: toEmmett, oursToRaw: toRaw, appendManyToRaw: manyToRaw },
  });
  process.stdout.write(`result: ${resultFile}\n`);
  return {
    scenario: 'B2 event store',
    resultFile,
    figures: [
      {
        name: 'append events/s (ours)',
        value: formatRate(options.events, ours.appendSeconds),
        target: '',
      },
      {
        name: 'append events/s (Emmett)',
        value: formatRate(options.events, emmett.appendSeconds),
        target: '',
      },
      {
        name: 'append events/s (raw)',
        value: formatRate(options.events, raw.appendSeconds),
        target: '',
      },
      {
        name: 'ours ÷ Emmett',
        value: `${toEmmett.toFixed(2)}×`,
        target: '≥ 10×',
        met: toEmmett >= 10,
      },
      { name: 'ours ÷ raw', value: `${toRaw.toFixed(2)}×`, target: '≥ 0.5×', met: toRaw >= 0.5 },
      {
        name: `appendMany (${options.many} streams per call) ÷ raw`,
        value: `${manyToRaw.toFixed(2)}×`,
        target: '≥ 0.8×',
        met: manyToRaw >= 0.8,
      },
      {
        name: 'feed read events/s (ours)',
        value: formatRate(options.events, ours.readSeconds),
        target: '≥ 100,000 events/s',
        met: readRate >= 100_000,
      },
    ],
  };
}

/**
 * Runs `work` on our store over a freshly created and migrated database, checkpointed first;
 * closes the store and drops the database after.
 */
async function withOurStore<T>(
  options: B2Options,
  work: (store: EventStore, db: SqlDatabase) => Promise<T>,
): Promise<T> {
  const database = await createBenchDatabase();
  const db = createPostgresDatabase(database.url, { maxConnections: options.connections });
  try {
    await migrate(db, [eventStoreMigrations]);
    const store = createPostgresEventStore(db, { maxConcurrentGroups: options.groups });
    await checkpoint(db);
    try {
      return await work(store, db);
    } finally {
      await store.close();
    }
  } finally {
    await db.close();
    await database.drop();
  }
}

async function runOurs(options: B2Options, eventsPerStream: number) {
  return withOurStore(options, async (store, db) => {
    const appendSeconds = await timeWriters(options, eventsPerStream, () => ({
      async append(stream, revision, event) {
        const { data, metadata, id } = event;
        const result = await store.append(
          stream,
          revision === 0 ? 'no_stream' : BigInt(revision - 1),
          [{ id, type: EVENT_TYPE, data, metadata }],
        );
        assertRevision(stream, result.nextExpectedRevision, BigInt(revision));
      },
      finish: async () => {},
    }));

    const readStart = performance.now();
    let read = 0;
    let after: bigint | undefined;
    let previous = 0n;
    for (;;) {
      const page = await store.readAll({
        limit: options.page,
        ...optional('after', after),
      });
      for (const event of page.events) {
        if (event.position <= previous) throw new Error(`feed out of order at ${event.position}`);
        previous = event.position;
      }
      read += page.events.length;
      if (page.events.length === 0 && page.next === after) break;
      after = page.next;
    }
    const readSeconds = (performance.now() - readStart) / 1000;
    if (read !== options.events) {
      // The feed stops below the oldest transaction running anywhere on the server.
      throw new Error(
        `read ${read} events, appended ${options.events}: is a transaction open on the server?`,
      );
    }

    const { rows } = await db.query<{ transactions: string }>(
      'SELECT count(DISTINCT transaction_id::text)::text AS transactions FROM ledger_events',
    );
    return { appendSeconds, readSeconds, transactions: Number(rows[0]?.transactions) };
  });
}

/**
 * Our store through `appendMany`: each revision round, the streams in calls of `--many`, every
 * call in flight at once; every outcome must be appended at the revision expected.
 */
async function runOursMany(options: B2Options, eventsPerStream: number): Promise<number> {
  return withOurStore(options, async (store) => {
    const streams = Array.from({ length: options.streams }, (_, s) => `payment-bench${s}`);
    const start = performance.now();
    for (let revision = 0; revision < eventsPerStream; revision += 1) {
      const calls: Promise<void>[] = [];
      for (let first = 0; first < streams.length; first += options.many) {
        const part = streams.slice(first, first + options.many);
        calls.push(appendRound(store, part, revision));
      }
      await Promise.all(calls);
    }
    return (performance.now() - start) / 1000;
  });
}

async function appendRound(
  store: EventStore,
  streams: readonly string[],
  revision: number,
): Promise<void> {
  const outcomes = await store.appendMany(
    streams.map((stream) => {
      const { id, data, metadata } = benchEvent(stream);
      return {
        stream,
        expected: revision === 0 ? ('no_stream' as const) : BigInt(revision - 1),
        events: [{ id, type: EVENT_TYPE, data, metadata }],
      };
    }),
  );
  outcomes.forEach((outcome, index) => {
    if (!('appended' in outcome)) throw outcome.refused;
    assertRevision(streams[index] ?? '', outcome.appended.nextExpectedRevision, BigInt(revision));
  });
}

/**
 * Emmett's dumbo sets process-wide `pg` type parsers (int8 to BigInt, json through its own
 * reviver) when it opens a pool; they are put back afterwards so nothing measured later, in this
 * scenario or the next, parses rows Emmett's way.
 */
async function runEmmett(options: B2Options, eventsPerStream: number) {
  const parsers = [20, 114, 3802].map((oid) => [oid, pg.types.getTypeParser(oid)] as const);
  const database = await createBenchDatabase();
  const pool = benchPool(database.url, options.connections);
  const store = getPostgreSQLEventStore(database.url, { connectionOptions: { pool } });
  try {
    // Emmett creates its schema on first use; create it before the clock starts.
    await store.schema.migrate();
    await checkpoint(pool);
    const appendSeconds = await timeWriters(options, eventsPerStream, () => ({
      async append(stream, revision, { id, data, metadata }) {
        const result = await store.appendToStream(
          stream,
          [{ type: EVENT_TYPE, data, metadata: { messageId: id, ...metadata } }],
          { expectedStreamVersion: BigInt(revision) },
        );
        // Emmett's versions count events: the first event makes version 1.
        assertRevision(stream, result.nextExpectedStreamVersion, BigInt(revision + 1));
      },
      finish: async () => {},
    }));
    await assertRowCount(pool, 'emt_messages', options.events);
    return { appendSeconds };
  } finally {
    await store.close();
    await pool.end();
    for (const [oid, parser] of parsers) pg.types.setTypeParser(oid, parser);
    await database.drop();
  }
}

async function runRaw(options: B2Options, eventsPerStream: number) {
  const database = await createBenchDatabase();
  const pool = benchPool(database.url, options.connections);
  try {
    await pool.query(`
      CREATE SEQUENCE raw_event_position_seq AS bigint;
      CREATE TABLE raw_events (
        global_position bigint PRIMARY KEY DEFAULT nextval('raw_event_position_seq'),
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        event_id uuid NOT NULL UNIQUE,
        stream_id text NOT NULL,
        stream_revision bigint NOT NULL CHECK (stream_revision >= 0),
        event_type text NOT NULL,
        data json NOT NULL,
        metadata json NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (stream_id, stream_revision)
      )`);
    await checkpoint(pool);
    const appendSeconds = await timeWriters(options, eventsPerStream, () => {
      let rows = emptyRawRows();
      const flush = async () => {
        if (rows.ids.length === 0) return;
        const batch = rows;
        rows = emptyRawRows();
        await pool.query(
          `INSERT INTO raw_events (event_id, stream_id, stream_revision, event_type, data, metadata)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::json[],
                                $6::json[])`,
          [batch.ids, batch.streams, batch.revisions, batch.types, batch.data, batch.metadata],
        );
      };
      return {
        async append(stream, revision, event) {
          rows.ids.push(event.id);
          rows.streams.push(stream);
          rows.revisions.push(revision);
          rows.types.push(EVENT_TYPE);
          rows.data.push(JSON.stringify(event.data));
          rows.metadata.push(JSON.stringify(event.metadata));
          if (rows.ids.length >= options.rawBatch) await flush();
        },
        finish: flush,
      };
    });
    await assertRowCount(pool, 'raw_events', options.events);
    return { appendSeconds };
  } finally {
    await pool.end();
    await database.drop();
  }
}

function benchPool(url: string, connections: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  // `end()` resolves before every socket has closed; the DROP … WITH (FORCE) that follows then
  // terminates the stragglers, which would crash the process without a listener.
  pool.on('error', () => {});
  return pool;
}

function emptyRawRows() {
  return {
    ids: [] as string[],
    streams: [] as string[],
    revisions: [] as number[],
    types: [] as string[],
    data: [] as string[],
    metadata: [] as string[],
  };
}

/** Runs the writers to the end and answers the seconds they took. */
async function timeWriters(
  options: B2Options,
  eventsPerStream: number,
  openWriter: () => BenchWriter,
): Promise<number> {
  const start = performance.now();
  await Promise.all(
    Array.from({ length: options.writers }, async (_, index) => {
      const writer = openWriter();
      const streams: string[] = [];
      for (let s = index; s < options.streams; s += options.writers) {
        streams.push(`payment-bench${s}`);
      }
      for (let revision = 0; revision < eventsPerStream; revision += 1) {
        for (const stream of streams) await writer.append(stream, revision, benchEvent(stream));
      }
      await writer.finish();
    }),
  );
  return (performance.now() - start) / 1000;
}

/** A PaymentInstructed-like event whose data is about 200 bytes of JSON. */
function benchEvent(stream: string): BenchEvent {
  const id = randomUUID();
  return {
    id,
    data: {
      paymentId: stream,
      batchId: 'batch-2026-03-cash-transfer-0001',
      programmeId: 'programme-cash-transfer-north',
      amountMinor: '125000',
      currency: 'KES',
      payeeFa: 'account:000123456789@bank-a',
    },
    metadata: {
      occurredAt: new Date().toISOString(),
      actor: 'process:bench',
      correlationId: stream,
      causationId: null,
    },
  };
}

function assertRevision(stream: string, actual: bigint, expected: bigint): void {
  if (actual !== expected) {
    throw new Error(`stream ${stream}: append answered revision ${actual}, expected ${expected}`);
  }
}

async function assertRowCount(pool: pg.Pool, table: string, expected: number): Promise<void> {
  const { rows } = await pool.query<{ count: string }>(
    `SELECT count(*)::text AS count FROM ${table}`,
  );
  if (Number(rows[0]?.count) !== expected) {
    throw new Error(`${table} holds ${rows[0]?.count} rows, ${expected} were appended`);
  }
}

/** Flushes the previous phase's dirty pages now rather than during the next timed phase. */
async function checkpoint(executor: Pick<SqlExecutor, 'query'>): Promise<void> {
  await executor.query('CHECKPOINT');
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: String(DEFAULTS.events) },
      streams: { type: 'string', default: String(DEFAULTS.streams) },
      writers: { type: 'string', default: String(DEFAULTS.writers) },
      many: { type: 'string', default: String(DEFAULTS.many) },
      connections: { type: 'string', default: String(DEFAULTS.connections) },
      groups: { type: 'string', default: String(DEFAULTS.groups) },
      'raw-batch': { type: 'string', default: String(DEFAULTS.rawBatch) },
      page: { type: 'string', default: String(DEFAULTS.page) },
    },
  });
  const count = (name: keyof typeof values): number => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  await runB2({
    events: count('events'),
    streams: count('streams'),
    writers: count('writers'),
    connections: count('connections'),
    groups: count('groups'),
    rawBatch: count('raw-batch'),
    many: count('many'),
    page: count('page'),
  });
}
