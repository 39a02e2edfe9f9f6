import type { RecordedEvent } from '../application/eventStore.js';
import type { Projection } from '../application/feedConsumer.js';
import type { SqlExecutor } from '../application/sqlDatabase.js';
import { type ProjectedEvent, paymentEventHandlers } from './paymentsEventHandlers.js';
import { loadWorkingSet, writeWorkingSet } from './paymentsTables.js';

/**
 * The `payments`, `batches` and `batch_payment_totals` read models, in one projection because
 * they depend on each other across streams: PaymentsAdded (a batch stream) creates payments,
 * BatchCancelled cancels them, PaymentInstructed (a payment stream) moves its batch to
 * `processing`, and the totals follow every payment change. One checkpoint and one transaction
 * per batch of events keep the three tables at the same point of the feed, live and on rebuild.
 *
 * A batch of events is applied in runs: each run's rows are read in two queries, the events are
 * folded into them in memory in feed order, and the result is written with a few set-based
 * statements. A run ends after an event whose change is set-based (BatchCancelled), so a batch
 * of 500 events costs a handful of round trips, not one per event.
 */
export const paymentsProjection: Projection = {
  name: 'payments-and-batches',
  filter: { eventTypes: [...paymentEventHandlers.keys()] },
  tables: ['payments', 'batches', 'batch_payment_totals'],
  async apply(tx, events) {
    let run: Projected[] = [];
    for (const event of events) {
      const projected = withContext(event, () =>
        paymentEventHandlers.get(event.type)?.(event.data, event.metadata.occurredAt),
      );
      if (projected === undefined) continue;
      run.push({ event, projected });
      if (projected.afterWrite !== undefined) {
        await applyRun(tx, run);
        run = [];
      }
    }
    if (run.length > 0) await applyRun(tx, run);
  },
};

interface Projected {
  readonly event: RecordedEvent;
  readonly projected: ProjectedEvent;
}

async function applyRun(tx: SqlExecutor, run: readonly Projected[]): Promise<void> {
  const paymentIds = new Set(run.flatMap(({ projected }) => projected.paymentIds));
  const batchIds = new Set(run.flatMap(({ projected }) => projected.batchIds));
  const rows = await loadWorkingSet(tx, { paymentIds, batchIds });
  for (const { event, projected } of run) withContext(event, () => projected.fold(rows));
  await writeWorkingSet(tx, rows);
  for (const { projected } of run) await projected.afterWrite?.(tx);
}

/** Names the event in a failure, so a poison event can be found in the log. */
function withContext<T>(event: RecordedEvent, work: () => T): T {
  try {
    return work();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${paymentsProjection.name}: ` +
        `cannot project ${event.type} at position ${event.position}: ${reason}`,
      { cause: error },
    );
  }
}
