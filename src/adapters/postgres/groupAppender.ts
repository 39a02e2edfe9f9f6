import {
  type AppendResult,
  type ExpectedRevision,
  type NewEvent,
  type StreamAppend,
  WrongExpectedRevisionError,
} from '../../application/eventStore.js';
import type { SqlDatabase, SqlExecutor } from '../../application/sqlDatabase.js';

export interface GroupAppenderOptions {
  /** Most events written by one transaction; default 2,000. */
  readonly maxGroupEvents?: number;
  /** Transactions in flight at once; default 2 on Postgres, 1 on PGlite (one connection). */
  readonly maxConcurrentGroups?: number;
  /**
   * Events that must be waiting before a second transaction starts beside one in flight; default
   * a quarter of `maxGroupEvents`. Below it, arrivals wait and join the next group: starting a
   * transaction for every early arrival would split groups into slivers.
   */
  readonly minParallelGroupEvents?: number;
  /** Appends waiting for a transaction before new ones are refused; default 20,000. */
  readonly maxQueuedAppends?: number;
  /** Called after every commit that wrote events. */
  readonly onCommitted?: () => void;
}

interface PendingAppend {
  readonly stream: string;
  readonly expected: ExpectedRevision;
  readonly events: readonly NewEvent[];
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { appended: AppendResult } | { conflict: bigint | 'no_stream' };

/** The queue is full: the store is overloaded and the caller should back off and retry. */
export class AppendQueueFullError extends Error {
  override readonly name = 'AppendQueueFullError';
}

/**
 * Group commit: appends that arrive while a transaction is in flight are written together by the
 * next one, so throughput does not hang on one round trip and one fsync per append. Each append
 * still gets its own expected-revision check and its own outcome. A stream appears at most once
 * per transaction and in at most one transaction at a time, so appends to one stream keep their
 * order. If a group's transaction fails (a writer in another process raced us to a revision, a
 * retried event id), each of its appends is tried again alone, so one append's failure is never
 * another's.
 */
export function createGroupAppender(db: SqlDatabase, options: GroupAppenderOptions = {}) {
  const maxGroupEvents = options.maxGroupEvents ?? 2_000;
  const maxConcurrentGroups = options.maxConcurrentGroups ?? (db.engine === 'pglite' ? 1 : 2);
  const maxQueuedAppends = options.maxQueuedAppends ?? 20_000;
  const minParallelGroupEvents = options.minParallelGroupEvents ?? Math.ceil(maxGroupEvents / 4);
  let queue: PendingAppend[] = [];
  let queuedEvents = 0;
  const streamsInFlight = new Set<string>();
  let groupsInFlight = 0;

  function append(
    stream: string,
    expected: ExpectedRevision,
    events: readonly NewEvent[],
  ): Promise<AppendResult> {
    if (queue.length >= maxQueuedAppends) {
      return Promise.reject(
        new AppendQueueFullError(`${queue.length} appends already wait; retry later`),
      );
    }
    return new Promise((resolve, reject) => {
      queue.push({ stream, expected, events, resolve, reject });
      queuedEvents += events.length;
      pump();
    });
  }

  /**
   * Queues every append of one call before a group is taken, so they are written together in as
   * few groups as `maxGroupEvents` allows (one statement each); each gets its own promise.
   */
  function appendAll(appends: readonly StreamAppend[]): Promise<AppendResult>[] {
    if (queue.length + appends.length > maxQueuedAppends) {
      const full = new AppendQueueFullError(`${queue.length} appends already wait; retry later`);
      return appends.map(() => Promise.reject(full));
    }
    const answers = appends.map(
      ({ stream, expected, events }) =>
        new Promise<AppendResult>((resolve, reject) => {
          queue.push({ stream, expected, events, resolve, reject });
          queuedEvents += events.length;
        }),
    );
    pump();
    return answers;
  }

  function pump(): void {
    while (groupsInFlight < maxConcurrentGroups) {
      if (groupsInFlight > 0 && queuedEvents < minParallelGroupEvents) return;
      const group = takeGroup();
      if (group.length === 0) return;
      groupsInFlight += 1;
      for (const pending of group) streamsInFlight.add(pending.stream);
      void commitGroup(group).finally(() => {
        groupsInFlight -= 1;
        for (const pending of group) streamsInFlight.delete(pending.stream);
        pump();
      });
    }
  }

  function takeGroup(): PendingAppend[] {
    const group: PendingAppend[] = [];
    const waiting: PendingAppend[] = [];
    const streams = new Set<string>();
    let eventCount = 0;
    for (const pending of queue) {
      const fits = group.length === 0 || eventCount + pending.events.length <= maxGroupEvents;
      if (fits && !streams.has(pending.stream) && !streamsInFlight.has(pending.stream)) {
        group.push(pending);
        streams.add(pending.stream);
        eventCount += pending.events.length;
      } else {
        waiting.push(pending);
      }
    }
    queue = waiting;
    queuedEvents -= eventCount;
    return group;
  }

  async function commitGroup(group: readonly PendingAppend[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await writeGroup(db, group);
    } catch (error) {
      if (group.length > 1) {
        await Promise.all(group.map((pending) => commitGroup([pending])));
        return;
      }
      const [pending] = group;
      if (pending) await settleFailure(pending, error);
      return;
    }
    if (outcomes.some((outcome) => 'appended' in outcome)) options.onCommitted?.();
    await Promise.all(
      group.map(async (pending, index) => {
        const outcome = outcomes[index];
        if (outcome === undefined) throw new Error('a group outcome is missing');
        if ('appended' in outcome) pending.resolve(outcome.appended);
        else await settleConflict(pending, outcome.conflict);
      }),
    );
  }

  /** A lone append's transaction failed: it may be a retry, or it may have lost a race. */
  async function settleFailure(pending: PendingAppend, error: unknown): Promise<void> {
    if (!isUniqueViolation(error)) {
      pending.reject(error);
      return;
    }
    try {
      const [actual = 'no_stream'] = await currentRevisions(db, [pending.stream]);
      if (matches(pending.expected, actual) && !(await findEarlierAppend(db, pending))) {
        pending.reject(
          new Error(`event ids of this append are already stored elsewhere`, { cause: error }),
        );
        return;
      }
      await settleConflict(pending, actual);
    } catch (readError) {
      pending.reject(readError);
    }
  }

  /** The revision did not match; answer the earlier result if this is a retry of it. */
  async function settleConflict(pending: PendingAppend, actual: bigint | 'no_stream') {
    try {
      const earlier = await findEarlierAppend(db, pending);
      if (earlier) pending.resolve(earlier);
      else pending.reject(new WrongExpectedRevisionError(pending.stream, pending.expected, actual));
    } catch (error) {
      pending.reject(error);
    }
  }

  return { append, appendAll };
}

/** Writes a group with one call of `ledger_append` (see eventStoreSchema.ts). */
async function writeGroup(sql: SqlExecutor, group: readonly PendingAppend[]): Promise<Outcome[]> {
  const { rows } = await sql.query<{
    revision_before: string | null;
    written: boolean;
    first_position: string | null;
  }>(
    `SELECT revision_before::text, written, first_position::text
     FROM ledger_append($1::text[], $2::text[], $3::integer[], $4::json) ORDER BY append_index`,
    [
      group.map((pending) => pending.stream),
      group.map((pending) => String(pending.expected)),
      group.map((pending) => pending.events.length),
      JSON.stringify(
        group.flatMap((pending, index) =>
          pending.events.map((event) => ({
            a: index + 1,
            i: event.id,
            t: event.type,
            d: event.data,
            m: event.metadata,
          })),
        ),
      ),
    ],
  );
  if (rows.length !== group.length) {
    throw new Error(`ledger_append answered ${rows.length} outcomes for ${group.length} appends`);
  }
  // Positions follow the order of the group, written appends only.
  let lastPosition = BigInt(rows[0]?.first_position ?? 0) - 1n;
  return rows.map((row, index): Outcome => {
    const before = row.revision_before === null ? 'no_stream' : BigInt(row.revision_before);
    if (!row.written) return { conflict: before };
    const count = BigInt(group[index]?.events.length ?? 0);
    lastPosition += count;
    const revisionBefore = before === 'no_stream' ? -1n : before;
    return { appended: { nextExpectedRevision: revisionBefore + count, position: lastPosition } };
  });
}

function matches(expected: ExpectedRevision, actual: bigint | 'no_stream'): boolean {
  if (expected === 'no_stream') return actual === 'no_stream';
  if (expected === 'stream_exists') return actual !== 'no_stream';
  return expected === actual;
}

async function currentRevisions(
  sql: SqlExecutor,
  streams: readonly string[],
): Promise<(bigint | 'no_stream')[]> {
  const { rows } = await sql.query<{ revision: string | null }>(
    `SELECT (SELECT e.stream_revision FROM ledger_events e
             WHERE e.stream_id = s.stream_id
             ORDER BY e.stream_revision DESC LIMIT 1)::text AS revision
     FROM unnest($1::text[]) WITH ORDINALITY AS s(stream_id, ord)
     ORDER BY s.ord`,
    [streams],
  );
  return rows.map((row) => (row.revision === null ? 'no_stream' : BigInt(row.revision)));
}

/**
 * The result of an earlier append of exactly these events to this stream, if there was one:
 * every id stored, in this stream, at consecutive revisions, in this order.
 */
async function findEarlierAppend(
  sql: SqlExecutor,
  pending: PendingAppend,
): Promise<AppendResult | undefined> {
  const ids = pending.events.map((event) => event.id.toLowerCase());
  const { rows } = await sql.query<{
    id: string;
    stream: string;
    revision: string;
    position: string;
  }>(
    `SELECT event_id::text AS id, stream_id AS stream, stream_revision::text AS revision,
            global_position::text AS position
     FROM ledger_events WHERE event_id = ANY($1::uuid[]) ORDER BY stream_revision`,
    [ids],
  );
  if (rows.length !== ids.length) return undefined;
  const firstRevision = BigInt(rows[0]?.revision ?? -1);
  const sameAppend = rows.every(
    (row, index) =>
      row.stream === pending.stream &&
      row.id === ids[index] &&
      BigInt(row.revision) === firstRevision + BigInt(index),
  );
  const last = rows[rows.length - 1];
  if (!sameAppend || last === undefined) return undefined;
  return { nextExpectedRevision: BigInt(last.revision), position: BigInt(last.position) };
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';
}
