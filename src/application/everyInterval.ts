import { abortableSleep } from './abortableSleep.js';
import type { Logger } from './logger.js';

/**
 * Runs `round` every `intervalMs` (measured from the end of one round to the start of the next)
 * until `signal` aborts. A round that throws is logged as `what failed` and the next one follows:
 * a background loop never dies of one bad round.
 *
 * @example
 * await everyInterval(5_000, signal, logger, 'status poll round', () => pollOnce());
 */
export async function everyInterval(
  intervalMs: number,
  signal: AbortSignal,
  logger: Logger,
  what: string,
  round: () => Promise<void>,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await round();
    } catch (error) {
      logger.error({ err: error }, `${what} failed`);
    }
    await abortableSleep(intervalMs, signal);
  }
}
