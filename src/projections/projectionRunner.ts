import type { EventStore, RecordedEvent } from '../application/eventStore.js';
import type { FeedConsumer, Projection } from '../application/feedConsumer.js';
import type { SqlDatabase, SqlExecutor, SqlSession } from '../application/sqlDatabase.js';
import { optional } from '../domain/optional.js';

export interface ProjectionRunOptions {
  /** Events per transaction; default 500. */
  readonly batchSize?: number;
  /** Ends the run (between batches). */
  readonly signal?: AbortSignal;
  /** How often a standby runner tries for the lock; default 1,000 ms. */
  readonly lockRetryMs?: number;
  /** Called after each committed batch. */
  readonly onBatch?: (progress: BatchProgress) => void;
}

export interface BatchProgress {
  readonly projection: string;
  readonly events: number;
  readonly position: bigint;
}

/** Another writer moved this projection's checkpoint: this runner must stop, not double-apply. */
export class CheckpointMovedError extends Error {
  override readonly name = 'CheckpointMovedError';
}

// First key of the two-key advisory lock form; the second is the projection name's hash.
const PROJECTION_LOCK_CLASS = 7_347_003;

/**
 * Keeps one projection up to date until the signal aborts: catches up from its checkpoint, then
 * follows the feed live. Each batch's rows and the checkpoint commit in one transaction, so a
 * crash at any point neither skips nor re-applies an event. Only one runner per projection is
 * active across all processes: the others wait on a Postgres advisory lock and take over when
 * the active one goes away.
 */
export async function runProjection(
  store: EventStore,
  db: SqlDatabase,
  projection: FeedConsumer,
  options: ProjectionRunOptions = {},
): Promise<void> {
  await withProjectionLock(db, projection, options, async () => {
    let checkpoint = await readCheckpoint(db, projection);
    const batches = store.subscribeToAll({
      ...optional('after', checkpoint),
      ...(projection.filter ? { filter: projection.filter } : {}),
      batchSize: options.batchSize ?? 500,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for await (const batch of batches) {
      try {
        checkpoint = await applyBatch(db, projection, batch, checkpoint, options.signal);
      } catch (error) {
        // A reactor stopped mid-batch by the signal: its checkpoint stays, the batch is redone.
        if (options.signal?.aborted) return;
        throw error;
      }
      options.onBatch?.({
        projection: projection.name,
        events: batch.length,
        position: checkpoint,
      });
    }
  });
}

/**
 * Applies every event the feed holds now, then returns the number applied. For rebuilds, tests
 * and tools; a service keeps projections current with {@link runProjection}.
 */
export async function catchUpProjection(
  store: EventStore,
  db: SqlDatabase,
  projection: FeedConsumer,
  options: ProjectionRunOptions = {},
): Promise<number> {
  const applied = await withProjectionLock(db, projection, options, () =>
    applyAvailable(store, db, projection, options),
  );
  return applied ?? 0;
}

/**
 * Empties the projection's tables and replays the whole feed into them; answers the number of
 * events applied. Readers see the tables fill up again while it runs. Holds the projection's
 * lock throughout, so a live runner of the same projection waits for it.
 */
export async function rebuildProjection(
  store: EventStore,
  db: SqlDatabase,
  projection: Projection,
  options: ProjectionRunOptions = {},
): Promise<number> {
  const applied = await withProjectionLock(db, projection, options, async () => {
    await db.transaction(async (tx) => {
      for (const table of projection.tables) await tx.query(`TRUNCATE ${quoteTable(table)}`);
      await tx.query('DELETE FROM projection_checkpoints WHERE projection = $1', [projection.name]);
    });
    return applyAvailable(store, db, projection, options);
  });
  return applied ?? 0;
}

async function applyAvailable(
  store: EventStore,
  db: SqlDatabase,
  projection: FeedConsumer,
  options: ProjectionRunOptions,
): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  const readPage = (after: bigint | undefined) => {
    const page = store.readAll({
      limit: batchSize,
      ...optional('after', after),
      ...(projection.filter ? { filter: projection.filter } : {}),
    });
    // Awaited below, or dropped when the run ends first: never an unhandled rejection.
    page.catch(() => {});
    return page;
  };
  let applied = 0;
  let checkpoint = await readCheckpoint(db, projection);
  // The read cursor runs ahead of the checkpoint when filtered pages skip events.
  let cursor = checkpoint;
  let reading = readPage(cursor);
  while (!options.signal?.aborted) {
    const page = await reading;
    if (page.events.length === 0 && page.next === cursor) break;
    // The next page is read while this one is applied: reading does not depend on the rows
    // written, and a replay spends a fifth of its time reading.
    reading = readPage(page.next);
    if (page.events.length > 0) {
      checkpoint = await applyBatch(db, projection, page.events, checkpoint);
      applied += page.events.length;
      options.onBatch?.({
        projection: projection.name,
        events: page.events.length,
        position: checkpoint,
      });
    }
    cursor = page.next;
  }
  return applied;
}

/** The position of the last event applied, or undefined if none. */
export async function readCheckpoint(
  sql: SqlExecutor,
  projection: Pick<Projection, 'name'>,
): Promise<bigint | undefined> {
  const { rows } = await sql.query<{ position: string | null }>(
    'SELECT position::text AS position FROM projection_checkpoints WHERE projection = $1',
    [projection.name],
  );
  const position = rows[0]?.position;
  return position === undefined || position === null ? undefined : BigInt(position);
}

async function applyBatch(
  db: SqlDatabase,
  consumer: FeedConsumer,
  events: readonly RecordedEvent[],
  checkpoint: bigint | undefined,
  signal?: AbortSignal,
): Promise<bigint> {
  const last = events[events.length - 1];
  if (last === undefined) throw new Error('applyBatch needs at least one event');
  if ('react' in consumer) {
    // A reactor acts outside the transaction (on PGlite, its appends could not run inside it).
    await consumer.react(events, signal);
    await db.transaction((tx) =>
      saveCheckpoint(tx, consumer, last.position, checkpoint, 'synchronous'),
    );
  } else {
    await db.transaction(async (tx) => {
      await consumer.apply(tx, events);
      // The commit need not wait for the disk: a crash can lose only the last batches whole,
      // rows and checkpoint together, and they are applied again from the log (which is
      // written durably). It saves a WAL flush per batch, a tenth of a replay.
      await saveCheckpoint(tx, consumer, last.position, checkpoint, 'asynchronous');
    });
  }
  return last.position;
}

/**
 * Compare-and-set: if another runner moved the checkpoint (a lost lock), roll back. An
 * `asynchronous` commit is asked for by the same statement (`synchronous_commit = off` for the
 * rest of the transaction): one round trip less per batch than a `SET LOCAL`.
 */
async function saveCheckpoint(
  tx: SqlExecutor,
  consumer: FeedConsumer,
  position: bigint,
  expected: bigint | undefined,
  commit: 'synchronous' | 'asynchronous',
): Promise<void> {
  const moved = await tx.query(
    `INSERT INTO projection_checkpoints AS c (projection, position, updated_at)
     VALUES ($1, $2::numeric, now())
     ON CONFLICT (projection) DO UPDATE SET position = excluded.position, updated_at = now()
     WHERE c.position IS NOT DISTINCT FROM $3::numeric
     ${commit === 'asynchronous' ? "RETURNING set_config('synchronous_commit', 'off', true)" : ''}`,
    [consumer.name, String(position), expected === undefined ? null : String(expected)],
  );
  if (moved.rowCount !== 1) {
    throw new CheckpointMovedError(`${consumer.name}: checkpoint is no longer ${String(expected)}`);
  }
}

async function withProjectionLock<T>(
  db: SqlDatabase,
  projection: Pick<FeedConsumer, 'name'>,
  options: ProjectionRunOptions,
  work: () => Promise<T>,
): Promise<T | undefined> {
  const session = await db.openSession();
  try {
    if (!(await acquireLock(session, projection, options))) return undefined;
    try {
      return await work();
    } finally {
      await session
        .query('SELECT pg_advisory_unlock($1, hashtext($2))', [
          PROJECTION_LOCK_CLASS,
          projection.name,
        ])
        .catch(() => {});
    }
  } finally {
    await session.release();
  }
}

async function acquireLock(
  session: SqlSession,
  projection: Pick<FeedConsumer, 'name'>,
  options: ProjectionRunOptions,
): Promise<boolean> {
  const retryMs = options.lockRetryMs ?? 1_000;
  while (!options.signal?.aborted) {
    const { rows } = await session.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
      [PROJECTION_LOCK_CLASS, projection.name],
    );
    if (rows[0]?.locked) return true;
    await sleep(retryMs, options.signal);
  }
  return false;
}

function quoteTable(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected table name ${name}`);
  return name;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
