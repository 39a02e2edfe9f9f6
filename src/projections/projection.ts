import type { FeedFilter, RecordedEvent } from '../adapters/eventStore/eventStore.js';
import type { SqlExecutor } from '../adapters/postgres/sqlDatabase.js';

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
  /** The tables this projection alone writes; a rebuild empties them. */
  readonly tables: readonly string[];
  apply(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void>;
}
