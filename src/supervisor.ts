import type { FeedConsumer } from './application/feedConsumer.js';
import type { Logger } from './application/logger.js';
import { runProjection } from './projections/projectionRunner.js';
import { feedFor, type Stores } from './stores.js';

const RESTART_DELAY_MS = { first: 500, max: 30_000 };

/**
 * Keeps feed consumers (the projector role's projections, the dispatcher role's batch processor)
 * running until the signal aborts. One that fails (a poison event, a lost connection) is logged
 * and restarted from its checkpoint after a growing delay; it never skips the event that failed.
 */
export async function superviseFeedConsumers(
  stores: Stores,
  projections: readonly FeedConsumer[],
  options: { batchSize: number; signal: AbortSignal; logger: Logger },
): Promise<void> {
  await Promise.all(
    projections.map(async (projection) => {
      const logger = options.logger.child({ projection: projection.name });
      let delayMs = RESTART_DELAY_MS.first;
      while (!options.signal.aborted) {
        try {
          await runProjection(feedFor(stores, projection), stores.sql, projection, {
            batchSize: options.batchSize,
            signal: options.signal,
            onBatch: ({ events, position }) => {
              delayMs = RESTART_DELAY_MS.first;
              logger.debug({ events, position: String(position) }, 'batch projected');
            },
          });
        } catch (error) {
          logger.error({ err: error, retryInMs: delayMs }, 'projection failed; will restart');
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          delayMs = Math.min(delayMs * 2, RESTART_DELAY_MS.max);
        }
      }
    }),
  );
}
