import type { EventMetadata } from '../domain/eventMetadata.js';

/**
 * The event store port: the one interface every store adapter (Postgres, PGlite, EventStoreDB)
 * implements, and the only way the rest of the service reads or writes events.
 *
 * Revisions are 0-based per stream; positions order the global feed. Both are `bigint` inside
 * and decimal strings at the edges (they are 64-bit).
 */
export interface EventStore {
  /**
   * Appends events to one stream if its current revision is what the caller expects.
   * Retrying the same events (same ids) after an unknown outcome answers the first append's
   * result and writes nothing. Throws {@link WrongExpectedRevisionError} on a revision mismatch.
   */
  append(
    stream: string,
    expected: ExpectedRevision,
    events: readonly NewEvent[],
  ): Promise<AppendResult>;

  /**
   * Appends to many streams in one call, each at its own expected revision and each with its
   * own outcome, answered in the order given: one refused append never holds back the others.
   * On Postgres they are written together by the group commit (one statement per group); on
   * EventStoreDB they are in flight at once. A stream may appear once per call.
   */
  appendMany(appends: readonly StreamAppend[]): Promise<AppendOutcome[]>;

  /** Reads one stream forwards or backwards; a stream that does not exist reads as empty. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /**
   * Reads many short streams (a group's payments) in one call, each forwards from its own
   * revision (default: its start) to its end: on Postgres one query, not one read per stream.
   * Answers every stream named, in the order given, a stream that does not exist as empty. At
   * most {@link MAX_STREAMS_PER_READ} streams, each named once.
   */
  readStreams(reads: readonly StreamRead[]): Promise<StreamEvents[]>;

  /**
   * Reads one page of the global feed after a position (exclusive). `next` is where the following
   * page starts: pass it as `after`. With a filter, `next` may lie beyond the last event returned
   * (the events in between did not match). A short page does not by itself mean the end (an
   * adapter may bound how far one call scans): the feed is exhausted when a page holds no events
   * and `next` equals `after`.
   */
  readAll(options: ReadAllOptions): Promise<FeedPage>;

  /**
   * The global feed from a position: first every stored event (catch-up), then each new one as it
   * commits (live). Yields non-empty batches in feed order; the next batch is read only when the
   * consumer asks for it, so a slow consumer slows the reading, not the memory. Ends when the
   * signal aborts.
   *
   * @example
   * for await (const batch of store.subscribeToAll({ after: checkpoint, signal })) {
   *   await project(batch);
   * }
   */
  subscribeToAll(options: SubscribeOptions): AsyncIterable<readonly RecordedEvent[]>;

  /** The highest position committed so far (0n for an empty store); for progress reporting. */
  headPosition(): Promise<bigint>;

  close(): Promise<void>;
}

/**
 * What the caller believes the stream's state to be. `no_stream`: the stream must not exist yet;
 * `stream_exists`: it must have at least one event; a bigint: its last event has that revision.
 * There is deliberately no "any": every write in this ledger states what it decided on.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | bigint;

/** A stream's actual state as reported by a conflict. */
export type ActualRevision = 'no_stream' | bigint;

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

export interface NewEvent {
  /** A UUID chosen by the caller; it makes a retried append idempotent. */
  readonly id: string;
  readonly type: string;
  readonly data: JsonValue;
  readonly metadata: EventMetadata;
}

export interface RecordedEvent extends NewEvent {
  readonly stream: string;
  readonly revision: bigint;
  readonly position: bigint;
}

/** One stream's part of an {@link EventStore.appendMany}. */
export interface StreamAppend {
  readonly stream: string;
  readonly expected: ExpectedRevision;
  readonly events: readonly NewEvent[];
}

/**
 * What became of one stream's append: its result, or why nothing of it was written (a
 * {@link WrongExpectedRevisionError}, or a failure of the store).
 */
export type AppendOutcome =
  | { readonly appended: AppendResult }
  | { readonly refused: WrongExpectedRevisionError | Error };

/**
 * {@link EventStore.appendMany} on a store's single `append`: every append sent at once, each
 * outcome kept apart. Refuses a call naming a stream twice, before anything is sent.
 */
export async function appendEach(
  append: EventStore['append'],
  appends: readonly StreamAppend[],
): Promise<AppendOutcome[]> {
  assertStreamsOnce(appends);
  return outcomesOf(
    await Promise.allSettled(
      appends.map(({ stream, expected, events }) => append(stream, expected, events)),
    ),
  );
}

/** Settled appends as {@link AppendOutcome}s, in the same order. */
export function outcomesOf(
  settled: readonly PromiseSettledResult<AppendResult>[],
): AppendOutcome[] {
  return settled.map((outcome) =>
    outcome.status === 'fulfilled'
      ? { appended: outcome.value }
      : {
          refused:
            outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason)),
        },
  );
}

/** Refuses an appendMany that names a stream twice: its order within the call would be a guess. */
export function assertStreamsOnce(appends: readonly StreamAppend[]): void {
  const seen = new Set<string>();
  for (const { stream } of appends) {
    if (seen.has(stream)) throw new RangeError(`appendMany names stream ${stream} twice`);
    seen.add(stream);
  }
}

export interface AppendResult {
  /** The revision of the last event appended: the expected revision of the next append. */
  readonly nextExpectedRevision: bigint;
  /** The global position of the last event appended. */
  readonly position: bigint;
}

/** One stream of a {@link EventStore.readStreams}. */
export interface StreamRead {
  readonly stream: string;
  /** First revision to read (inclusive); default the stream's start. */
  readonly fromRevision?: bigint;
}

/** A stream's events as {@link EventStore.readStreams} read them, in revision order. */
export interface StreamEvents {
  readonly stream: string;
  readonly events: RecordedEvent[];
}

/**
 * {@link EventStore.readStreams} on a store's single `readStream`: every stream read at once,
 * to its end. Refuses what every adapter refuses, before anything is read.
 */
export async function readEach(
  readStream: EventStore['readStream'],
  reads: readonly StreamRead[],
): Promise<StreamEvents[]> {
  assertReadable(reads);
  return Promise.all(
    reads.map(async ({ stream, fromRevision }) => {
      const events: RecordedEvent[] = [];
      let from = fromRevision;
      for (;;) {
        const page = await readStream(stream, {
          ...(from === undefined ? {} : { fromRevision: from }),
          maxCount: MAX_READ_COUNT,
        });
        events.push(...page);
        const last = page[page.length - 1];
        if (page.length < MAX_READ_COUNT || last === undefined) return { stream, events };
        from = last.revision + 1n;
      }
    }),
  );
}

/** Refuses a readStreams of too many streams, or naming one twice: programming errors. */
export function assertReadable(reads: readonly StreamRead[]): void {
  if (reads.length > MAX_STREAMS_PER_READ) {
    throw new RangeError(
      `readStreams reads at most ${MAX_STREAMS_PER_READ} streams, got ${reads.length}`,
    );
  }
  const seen = new Set<string>();
  for (const { stream } of reads) {
    if (seen.has(stream)) throw new RangeError(`readStreams names stream ${stream} twice`);
    seen.add(stream);
  }
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** First revision to read (inclusive). Default: the start (forwards) or the end (backwards). */
  readonly fromRevision?: bigint;
  /** Default and ceiling: {@link MAX_READ_COUNT}. */
  readonly maxCount?: number;
}

export interface FeedFilter {
  /** Only events of these types. */
  readonly eventTypes?: readonly string[];
  /** Only events whose stream name starts with one of these (`payment-`, `batch-`). */
  readonly streamPrefixes?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive. Omitted: from the start of the feed. */
  readonly after?: bigint;
  /** 1 to {@link MAX_READ_COUNT}. */
  readonly limit: number;
  readonly filter?: FeedFilter;
}

export interface FeedPage {
  readonly events: RecordedEvent[];
  readonly next: bigint | undefined;
}

export interface SubscribeOptions {
  readonly after?: bigint;
  readonly filter?: FeedFilter;
  /** Largest batch yielded; default 500, ceiling {@link MAX_READ_COUNT}. */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
}

/** The most events one read may return. */
export const MAX_READ_COUNT = 10_000;

/** The most streams one {@link EventStore.readStreams} may read. */
export const MAX_STREAMS_PER_READ = 1_000;

/** The most events one append may carry. */
export const MAX_APPEND_COUNT = 10_000;

/** A stream's revision was not what the append expected; nothing was written. */
export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';

  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: ActualRevision,
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks what every adapter must refuse before it touches storage: an empty or oversized append,
 * a blank stream name, an event id that is not a UUID, ids repeated within the append.
 * Throws a TypeError naming the problem: these are programming errors, not user input.
 */
export function assertAppendable(stream: string, events: readonly NewEvent[]): void {
  if (stream.length === 0 || stream.length > 500) {
    throw new TypeError(`stream name must be 1 to 500 characters, got ${stream.length}`);
  }
  if (events.length === 0 || events.length > MAX_APPEND_COUNT) {
    throw new TypeError(`an append carries 1 to ${MAX_APPEND_COUNT} events, got ${events.length}`);
  }
  const ids = new Set<string>();
  for (const event of events) {
    if (!UUID.test(event.id)) throw new TypeError(`event id ${event.id} is not a UUID`);
    if (ids.has(event.id.toLowerCase())) throw new TypeError(`event id ${event.id} repeated`);
    ids.add(event.id.toLowerCase());
    if (event.type.length === 0 || event.type.length > 200) {
      throw new TypeError(`event type must be 1 to 200 characters, got "${event.type}"`);
    }
  }
}

/** Clamps a caller's read size to 1..{@link MAX_READ_COUNT}, rejecting nonsense loudly. */
export function readCount(requested: number | undefined, fallback: number): number {
  const count = requested ?? fallback;
  if (!Number.isInteger(count) || count < 1) {
    throw new TypeError(`read count must be a positive integer, got ${count}`);
  }
  return Math.min(count, MAX_READ_COUNT);
}
