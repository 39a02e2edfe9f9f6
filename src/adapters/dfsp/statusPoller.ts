import { type DfspConnector, DfspQueryError } from '../../application/dfspConnector.js';
import { everyInterval } from '../../application/everyInterval.js';
import type { LedgerCommands } from '../../application/ledgerCommands.js';
import type { Logger } from '../../application/logger.js';
import type { WorkQueue } from '../../application/workQueue.js';
import { createDfspDirectory, endpointOf } from './dfspDirectory.js';
import type { DispatchMetrics } from './dispatchMetrics.js';

/** Settings of the status poller (`STATUS_POLL_*` in config.ts). */
export interface StatusPollerSettings {
  /** A payment `submitted` this long without a report is asked about. */
  readonly pollAfterMs: number;
  /** Pause between two rounds. */
  readonly intervalMs: number;
  /** Payments asked about in one round, at most. */
  readonly maxPerRound: number;
  /** Per-request time limit towards a DFSP. */
  readonly dfspTimeoutMs: number;
}

export interface StatusPollerDeps {
  /** The payments left `submitted`, and the DFSPs to ask. */
  readonly workQueue: WorkQueue;
  readonly connector: Pick<DfspConnector, 'queryStatus'>;
  readonly commands: Pick<LedgerCommands, 'applyStatusReports'>;
  readonly logger: Logger;
  readonly settings: StatusPollerSettings;
  readonly metrics?: DispatchMetrics;
}

/** Reference ids in one status query. */
const MAX_IDS_PER_QUERY = 1_000;

/**
 * The status poller: asks DFSPs about payments that stayed `submitted` past `pollAfterMs` (a lost
 * callback, a sending whose outcome is unknown, a crash between recording and sending) with the
 * spec's synchronous status query, and applies the answers as callbacks are applied. A payment
 * the DFSP says it does not hold (`rjct.reference_id.invalid`) goes back to `routed` and is sent
 * again under the same reference id; one its answer merely leaves out stays `submitted` and is
 * asked about again. A DFSP that does not answer is asked again next round.
 *
 * `pollAfterMs` must exceed the request time limit, so a sending still in flight is never taken
 * for one the DFSP does not hold.
 *
 * @example
 * await createStatusPoller({ workQueue, connector, commands, logger, settings }).run(signal);
 */
export function createStatusPoller(deps: StatusPollerDeps) {
  const { workQueue, connector, commands, logger, settings } = deps;
  if (settings.pollAfterMs <= settings.dfspTimeoutMs) {
    throw new RangeError('pollAfterMs must exceed dfspTimeoutMs');
  }
  const directory = createDfspDirectory(workQueue);
  const context = (dfspId: string) => ({
    actor: 'process:status-poller',
    correlationId: `status-poll-${dfspId}`,
    causationId: null,
  });

  async function round(): Promise<void> {
    const before = new Date(Date.now() - settings.pollAfterMs);
    const waiting = await workQueue.listSubmittedBefore(before, settings.maxPerRound);
    if (waiting.length === 0) return;
    const dfsps = await directory.current();
    const byDfsp = new Map<string, string[]>();
    for (const { paymentId, dfspId } of waiting) {
      byDfsp.set(dfspId, [...(byDfsp.get(dfspId) ?? []), paymentId]);
    }
    for (const [dfspId, paymentIds] of byDfsp) {
      const dfsp = dfsps.get(dfspId);
      if (dfsp === undefined) continue;
      for (let start = 0; start < paymentIds.length; start += MAX_IDS_PER_QUERY) {
        const ids = paymentIds.slice(start, start + MAX_IDS_PER_QUERY);
        try {
          const endpoint = endpointOf(dfsp, settings.dfspTimeoutMs);
          const reports = await connector.queryStatus(endpoint, ids);
          const asked = new Set(ids);
          const outcomes = await commands.applyStatusReports(
            dfspId,
            reports.filter((report) => asked.has(report.referenceId)),
            'status_query',
            context(dfspId),
          );
          deps.metrics?.statusQueries.inc({ dfsp: dfspId, result: 'answered' });
          logger.info({ dfspId, asked: ids.length, ...countOutcomes(outcomes) }, 'status polled');
        } catch (error) {
          if (!(error instanceof DfspQueryError)) throw error;
          deps.metrics?.statusQueries.inc({ dfsp: dfspId, result: 'failed' });
          logger.warn({ dfspId, err: error.message }, 'status query failed; asking next round');
          break;
        }
      }
    }
  }

  return {
    /** Polls until `signal` aborts; a failed round is logged and the next one follows. */
    run: (signal: AbortSignal) =>
      everyInterval(settings.intervalMs, signal, logger, 'status poll round', round),
  };
}

function countOutcomes(outcomes: readonly { readonly outcome: string }[]) {
  const counts: Record<string, number> = {};
  for (const { outcome } of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}
