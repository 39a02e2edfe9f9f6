import { DomainError } from '../domain/domainError.js';
import { optional } from '../domain/optional.js';
import type { EventStore } from './eventStore.js';
import { everyInterval } from './everyInterval.js';
import { ledgerStreams } from './ledgerStreams.js';
import type { Logger } from './logger.js';
import type { BatchSummaryView, ReadModelQueries } from './readModels.js';

/** Statuses a payment does not leave by itself: the batch is done with it. */
const FINAL = ['succeeded', 'failed', 'returned', 'cancelled'] as const;
const PAGE = 100;

/**
 * Completes batches: every `intervalMs` it looks at the batches `processing` in the read model,
 * and records `BatchCompleted` for each whose payments are all final (succeeded, failed, returned
 * or cancelled). The read model may lag, never run ahead, so a batch completes at most a few
 * seconds late, never early; the batch decider refuses a completion that does not add up.
 *
 * @example
 * await createBatchCompleter({ store, queries, logger, intervalMs: 2_000 }).run(signal);
 */
export function createBatchCompleter(deps: {
  readonly store: EventStore;
  readonly queries: ReadModelQueries;
  readonly logger: Logger;
  readonly intervalMs: number;
}) {
  const { queries, logger } = deps;
  const { batches } = ledgerStreams(deps.store);

  async function round(): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await queries.listBatches({
        status: 'processing',
        limit: PAGE,
        ...optional('cursor', cursor),
      });
      for (const batch of page.items) {
        const finalCount = finalPayments(batch);
        if (finalCount === batch.received.count) await complete(batch.batchId, finalCount);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  async function complete(batchId: string, finalCount: number): Promise<void> {
    try {
      await batches(
        batchId,
        { type: 'CompleteBatch', finalCount },
        { actor: 'process:batch-completer', correlationId: batchId, causationId: null },
      );
      logger.info({ batchId, payments: finalCount }, 'batch completed');
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      logger.warn({ batchId, code: error.code, err: error.message }, 'batch not completed');
    }
  }

  return {
    /** Looks every `intervalMs` until `signal` aborts; a failed round is logged. */
    run: (signal: AbortSignal) =>
      everyInterval(deps.intervalMs, signal, logger, 'batch completion round', round),
  };
}

function finalPayments(batch: BatchSummaryView): number {
  return FINAL.reduce((sum, status) => sum + batch.byStatus[status].count, 0);
}
