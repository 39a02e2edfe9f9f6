import type { FeedFilter, RecordedEvent } from './eventStore.js';
import type { SqlExecutor } from './sqlDatabase.js';

/**
 * A read model: the tables it owns and how a batch of events changes them. `apply` runs inside
 * the runner's transaction, together with the checkpoint, so it must only write through `tx`
 * and must not commit, call out, or issue commands.
 */
export interface Projection {
  /** Stable name: it keys the checkpoint and the single-runner lock. */
  readonly name: string;
  /** Only these events reach `apply`; omitted, every event does. */
  readonly filter?: FeedFilter;
  /**
   * False for a projection that reads no beneficiary's personal data (stream names, types,
   * positions): it follows the feed as stored, personal fields left sealed, so none is opened
   * for it. Default true.
   */
  readonly readsPersonalData?: boolean;
  /** The tables this projection alone writes; a rebuild empties them. */
  readonly tables: readonly string[];
  apply(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void>;
}

/**
 * A reactor follows the feed like a projection, with the same checkpoint and single-runner lock,
 * but acts outside the read-model transaction: it appends events (a process manager). Its
 * checkpoint is saved after `react` returns, so a crash in between makes it react again: every
 * effect must be idempotent. A long reaction may stop early when `signal` aborts (the service
 * is stopping) by throwing: the batch is then done again by the next run.
 */
export interface Reactor {
  readonly name: string;
  readonly filter?: FeedFilter;
  react(events: readonly RecordedEvent[], signal?: AbortSignal): Promise<void>;
}

/** Anything the runner can keep up to date with the feed. */
export type FeedConsumer = Projection | Reactor;
