import {
  type AppendExpectedRevision,
  BACKWARDS,
  type RecordedEvent as ClientRecordedEvent,
  END,
  EventStoreDBClient,
  eventTypeFilter,
  excludeSystemEvents,
  type Filter,
  FORWARDS,
  type JSONType,
  jsonEvent,
  NO_STREAM,
  type ResolvedEvent,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  streamNameFilter,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import {
  type AppendResult,
  appendEach,
  assertAppendable,
  type EventStore,
  type ExpectedRevision,
  type FeedFilter,
  type FeedPage,
  type JsonValue,
  MAX_READ_COUNT,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
  readCount,
  readEach,
  type SubscribeOptions,
  WrongExpectedRevisionError,
} from '../../application/eventStore.js';
import { EventMetadata } from '../../domain/eventMetadata.js';

export interface EventStoreDbOptions {
  /**
   * Most raw $all events one `readAll` call examines (default 50,000): past it, a sparse filter
   * returns a short page with `next` at the last event examined instead of reading on.
   */
  readonly maxExaminedPerRead?: number;
}

type Resolved = Pick<ResolvedEvent, 'event' | 'commitPosition'>;

const DEFAULT_BATCH_SIZE = 500;
// Servers before 22.6 report this (u64 max) instead of a position for events read from a stream.
const NO_POSITION = 2n ** 64n - 1n;

/**
 * Creates the {@link EventStore} on EventStoreDB through `@eventstore/db-client`, from a connection
 * string such as `esdb://localhost:2113?tls=false`. Positions are $all commit positions, so the
 * store needs EventStoreDB 22.6 or later (older servers report none on stream reads).
 *
 * @example
 * const store = createEventStoreDbEventStore('esdb://localhost:2113?tls=false');
 */
export function createEventStoreDbEventStore(
  connectionString: string,
  options: EventStoreDbOptions = {},
): EventStore {
  const client = EventStoreDBClient.connectionString(connectionString);
  // Not scaled by the page limit: callers may take a short page for the end of the feed, and $all
  // holds system events and other data between the events they want.
  const maxExamined = options.maxExaminedPerRead ?? 50_000;

  return {
    append: (stream, expected, events) => append(client, stream, expected, events),
    // Batched appends in flight at once: the client multiplexes them over one connection.
    appendMany: (appends) =>
      appendEach((stream, expected, events) => append(client, stream, expected, events), appends),
    readStream: (stream, readOptions) => readStream(client, stream, readOptions),
    // Reads in flight at once over the client's one connection.
    readStreams: (reads) =>
      readEach((stream, readOptions) => readStream(client, stream, readOptions), reads),
    async readAll({ after, limit, filter }) {
      const page = readCount(limit, limit);
      const { events, next } = await readPage(client, maxExamined, after, page, filter);
      return { events, next };
    },

    subscribeToAll: (subscribeOptions) => subscribe(client, maxExamined, subscribeOptions),

    async headPosition() {
      const last = client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
      return (await firstPosition(last)) ?? 0n;
    },

    async close() {
      await client.dispose();
    },
  };
}

/** Appends at the expected revision; a conflict is a `WrongExpectedRevisionError`. */
async function append(
  client: EventStoreDBClient,
  stream: string,
  expected: ExpectedRevision,
  events: readonly NewEvent[],
): Promise<AppendResult> {
  assertAppendable(stream, events);
  // EventStoreDB answers a retry with the same event ids and the same expected revision with
  // the first append's result and writes nothing, so retries are idempotent without our help.
  const data = events.map((event) =>
    // The client JSON.stringify's data, so any JSON value works despite its narrower type.
    jsonEvent({
      id: event.id,
      type: event.type,
      data: event.data as JSONType,
      metadata: event.metadata,
    }),
  );
  try {
    const result = await client.appendToStream(stream, data, {
      expectedRevision: clientExpectedRevision(expected),
    });
    if (!result.success) {
      throw new Error(`append to ${stream} refused: is throwOnAppendFailure=false set?`);
    }
    // Older servers answer an idempotent retry without a position: read the event's own.
    const position =
      result.position?.commit ??
      (await firstPosition(
        client.readStream(stream, { fromRevision: result.nextExpectedRevision, maxCount: 1 }),
      ));
    if (position === undefined) throw new Error(`${stream} lost the events just appended`);
    return { nextExpectedRevision: result.nextExpectedRevision, position };
  } catch (error) {
    if (error instanceof WrongExpectedVersionError) {
      const actual = error.actualVersion;
      // Some server paths report a missing stream as revision -1.
      const missing = actual === NO_STREAM || actual < 0n;
      throw new WrongExpectedRevisionError(stream, expected, missing ? 'no_stream' : actual);
    }
    throw error;
  }
}

/** A stream's events in either direction; a stream that does not exist has none. */
async function readStream(
  client: EventStoreDBClient,
  stream: string,
  readOptions: ReadStreamOptions = {},
): Promise<RecordedEvent[]> {
  const backwards = readOptions.direction === 'backwards';
  const events: RecordedEvent[] = [];
  try {
    const read = client.readStream(stream, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: readOptions.fromRevision ?? (backwards ? END : START),
      maxCount: readCount(readOptions.maxCount, MAX_READ_COUNT),
    });
    for await (const resolved of read) {
      if (!resolved.event) continue;
      events.push(toRecordedEvent(resolved.event, commitPositionOf(resolved)));
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
  return events;
}

/** One page of $all after `after`: at most `limit` visible events, `maxExamined` examined. */
async function readPage(
  client: EventStoreDBClient,
  maxExamined: number,
  after: bigint | undefined,
  limit: number,
  filter: FeedFilter | undefined,
): Promise<FeedPage & { exhausted: boolean }> {
  // Reading $all from a position includes the event at it: ask for one more and skip that one.
  const read = client.readAll({
    fromPosition: after === undefined ? START : { commit: after, prepare: after },
    maxCount: after === undefined ? maxExamined : maxExamined + 1,
  });
  const events: RecordedEvent[] = [];
  let next = after;
  let examined = 0;
  try {
    for await (const resolved of read) {
      const position = commitPositionOf(resolved);
      if (after !== undefined && position <= after) continue;
      examined += 1;
      next = position;
      if (resolved.event && isVisible(resolved.event, filter)) {
        events.push(toRecordedEvent(resolved.event, position));
      }
      if (events.length === limit || examined === maxExamined) break;
    }
  } finally {
    // Releases the server-side read when we stopped early; a no-op when it already ended.
    await read.cancel().catch(() => undefined);
  }
  return { events, next, exhausted: events.length < limit && examined < maxExamined };
}

/** Catches up page by page, then follows a live subscription (see `EventStore.subscribeToAll`). */
async function* subscribe(
  client: EventStoreDBClient,
  maxExamined: number,
  options: SubscribeOptions,
): AsyncGenerator<RecordedEvent[]> {
  const { filter, signal } = options;
  const batchSize = readCount(options.batchSize, DEFAULT_BATCH_SIZE);
  let position = options.after;
  for (;;) {
    if (signal?.aborted) return;
    const page = await readPage(client, maxExamined, position, batchSize, filter);
    position = page.next;
    if (page.events.length > 0) yield page.events;
    if (page.exhausted) break;
  }
  if (signal?.aborted) return;

  const start = position;
  // The server filters on one thing only; isVisible re-checks everything client-side.
  const subscription = client.subscribeToAll(
    {
      fromPosition: start === undefined ? START : { commit: start, prepare: start },
      filter: serverFilter(filter),
    },
    { highWaterMark: batchSize },
  );
  const iterator = subscription[Symbol.asyncIterator]();
  try {
    for (;;) {
      const first = await nextUnlessAborted(iterator, signal);
      if (first === undefined || first.done) return;
      const raw = [first.value];
      while (raw.length < batchSize && subscription.readableLength > 0) {
        const more = await iterator.next();
        if (more.done) break;
        raw.push(more.value);
      }
      const batch: RecordedEvent[] = [];
      for (const resolved of raw) {
        const at = commitPositionOf(resolved);
        if (start !== undefined && at <= start) continue;
        if (resolved.event && isVisible(resolved.event, filter)) {
          batch.push(toRecordedEvent(resolved.event, at));
        }
      }
      if (batch.length > 0) yield batch;
    }
  } finally {
    // Cleanup must not mask the error that ended the loop, if any.
    await subscription.unsubscribe().catch(() => undefined);
    subscription.destroy();
  }
}

function clientExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  return expected;
}

function commitPositionOf(resolved: Resolved): bigint {
  const commit = resolved.commitPosition ?? resolved.event?.position?.commit;
  if (commit === undefined || commit === NO_POSITION) {
    throw new Error('EventStoreDB reported no commit position: it needs server 22.6 or later');
  }
  return commit;
}

async function firstPosition(read: AsyncIterable<Resolved>): Promise<bigint | undefined> {
  for await (const resolved of read) return commitPositionOf(resolved);
  return undefined;
}

function isVisible(event: ClientRecordedEvent, filter: FeedFilter | undefined): boolean {
  if (event.type.startsWith('$') || event.streamId.startsWith('$')) return false;
  if (filter?.eventTypes && !filter.eventTypes.includes(event.type)) return false;
  const prefixes = filter?.streamPrefixes;
  return !prefixes || prefixes.some((prefix) => event.streamId.startsWith(prefix));
}

function toRecordedEvent(event: ClientRecordedEvent, position: bigint): RecordedEvent {
  if (!event.isJson) throw new Error(`event ${event.id} in ${event.streamId} is not JSON`);
  return {
    id: event.id,
    type: event.type,
    data: event.data as JsonValue,
    metadata: EventMetadata.parse(event.metadata),
    stream: event.streamId,
    revision: event.revision,
    position,
  };
}

function serverFilter(filter: FeedFilter | undefined): Filter {
  if (filter?.eventTypes) {
    const names = filter.eventTypes.map((type) => type.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return eventTypeFilter({ regex: `^(?:${names.join('|')})$` });
  }
  if (filter?.streamPrefixes && filter.streamPrefixes.length > 0) {
    return streamNameFilter({ prefixes: [...filter.streamPrefixes] });
  }
  return excludeSystemEvents();
}

/**
 * The iterator's next result, or undefined if the signal aborts first (the read is left
 * pending).
 */
async function nextUnlessAborted<T>(
  iterator: AsyncIterator<T>,
  signal: AbortSignal | undefined,
): Promise<IteratorResult<T> | undefined> {
  if (signal?.aborted) return undefined;
  const next = iterator.next();
  if (signal === undefined) return next;
  // The pending read rejects once the subscription is destroyed; nobody awaits it then.
  next.catch(() => undefined);
  let onAbort = (): void => undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([next, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
