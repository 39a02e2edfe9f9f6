import { ulid } from 'ulid';
import {
  type DfspConnector,
  DfspQueryError,
  type SubmitOutcome,
} from '../../application/dfspConnector.js';
import { mapInChunks } from '../../application/inChunks.js';
import type { CommandContext } from '../../application/ledgerCommands.js';
import type { LedgerStreams } from '../../application/ledgerStreams.js';
import type { Logger } from '../../application/logger.js';
import { loadRoutingContext } from '../../application/routingContext.js';
import type { DfspToSendTo, WorkQueue } from '../../application/workQueue.js';
import { isErased } from '../../domain/personalData.js';
import { createCircuitBreakers } from './circuitBreaker.js';
import { endpointOf } from './dfspDirectory.js';
import type { DispatcherSettings } from './dispatcherSettings.js';
import type { DispatchMetrics } from './dispatchMetrics.js';

export interface CircuitWatchDeps {
  readonly streams: Pick<LedgerStreams, 'payments' | 'dfsps' | 'routingRules'>;
  readonly workQueue: Pick<WorkQueue, 'listRoutedPaymentIds'>;
  readonly connector: Pick<DfspConnector, 'queryStatus'>;
  readonly settings: Pick<DispatcherSettings, 'circuit' | 'dfspTimeoutMs'>;
  /** The metadata of the commands it runs, by correlation id. */
  readonly context: (correlationId: string) => CommandContext;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly logger: Logger;
  readonly metrics: DispatchMetrics | undefined;
}

/** Queued payments moved away from a DFSP out of service, at most once this often per DFSP. */
const MOVE_AWAY_EVERY_MS = 2_000;
const MOVE_AWAY_PAGE = 1_000;
/** Payment streams routed again at once. */
const STREAM_CONCURRENCY = 250;

/**
 * The dispatcher's watch over its DFSPs' circuits (see `createCircuitBreakers`). Failed sendings
 * in a row open a DFSP's circuit and record its health (`DfspHealthChanged`), so routing passes
 * it by; its queued payments are routed again, to the rules' fallbacks; after a cool-down one
 * status query probes it, and an answer closes the circuit and records it healthy again. A DFSP
 * recorded unhealthy by an earlier process is probed at once.
 *
 * @example
 * const circuit = createCircuitWatch({ streams, workQueue, connector, settings, now, ... });
 * await circuit.watch(await directory.current());
 * if (circuit.inService(dfsp, now())) await send(dfsp, group);
 */
export function createCircuitWatch(deps: CircuitWatchDeps) {
  const { streams, connector, settings, context, now, logger, metrics } = deps;
  const breakers = createCircuitBreakers(settings.circuit);
  const lastMovedAwayAtMs = new Map<string, number>();

  /** Active, and its circuit closed: payments are sent to it. */
  function inService(dfsp: DfspToSendTo, nowMs: number): boolean {
    return dfsp.status === 'active' && breakers.state(dfsp.dfspId, nowMs) === 'closed';
  }

  async function probe(dfsp: DfspToSendTo): Promise<void> {
    let answered = true;
    try {
      await connector.queryStatus(endpointOf(dfsp, settings.dfspTimeoutMs), [ulid(now())]);
    } catch (error) {
      if (!(error instanceof DfspQueryError)) throw error;
      answered = false;
    }
    const change = breakers.probed(dfsp.dfspId, answered, now());
    const result = answered ? 'answered' : 'failed';
    metrics?.statusQueries.inc({ dfsp: dfsp.dfspId, result });
    if (change === 'closed') metrics?.circuitOpen.set({ dfsp: dfsp.dfspId }, 0);
    logger.info({ dfspId: dfsp.dfspId, answered }, 'circuit probe');
    if (change === 'closed') await recordHealth(dfsp.dfspId, 'healthy', 'a status query answered');
  }

  /** Routes the DFSP's queued payments again; routing passes an unhealthy or suspended DFSP by. */
  async function moveQueuedAway(dfsp: DfspToSendTo): Promise<void> {
    const nowMs = now();
    if (nowMs - (lastMovedAwayAtMs.get(dfsp.dfspId) ?? 0) < MOVE_AWAY_EVERY_MS) return;
    lastMovedAwayAtMs.set(dfsp.dfspId, nowMs);
    const ids = await deps.workQueue.listRoutedPaymentIds(dfsp.dfspId, MOVE_AWAY_PAGE);
    if (ids.length === 0) return;
    const routing = await loadRoutingContext(streams);
    const moved = await mapInChunks(ids, STREAM_CONCURRENCY, async (paymentId) => {
      const { state } = await streams.payments.load(paymentId);
      const payment = state.instructed;
      // An erased beneficiary's payment goes nowhere: the next sending cancels it.
      if (state.status !== 'routed' || payment === undefined || isErased(payment)) return 0;
      const decision = routing.route({ ...payment, amountMinor: BigInt(payment.amountMinor) });
      const command = { type: 'RoutePayment' as const, decision };
      const { appended } = await streams.payments(paymentId, command, context(paymentId));
      return appended.length;
    });
    const count = moved.filter((events) => events > 0).length;
    logger.warn({ dfspId: dfsp.dfspId, queued: ids.length, moved: count }, 'queued payments moved');
  }

  async function recordHealth(dfspId: string, health: 'healthy' | 'unhealthy', reason: string) {
    await streams.dfsps(
      dfspId,
      { type: 'RecordHealth', health, reason },
      context(`circuit-${dfspId}`),
    );
  }

  return {
    inService,

    /**
     * Probes the DFSPs whose cool-down is over, and moves queued payments away from those out of
     * service.
     */
    async watch(dfsps: ReadonlyMap<string, DfspToSendTo>): Promise<void> {
      for (const dfsp of dfsps.values()) {
        const { dfspId } = dfsp;
        // Recorded unhealthy by an earlier process (or another dispatcher): find out for ourselves.
        if (dfsp.health === 'unhealthy' && breakers.state(dfspId, now()) === 'closed') {
          breakers.openForProbe(dfspId);
        }
        if (breakers.state(dfspId, now()) === 'probe') await probe(dfsp);
        if (!inService(dfsp, now())) await moveQueuedAway(dfsp);
      }
    },

    /**
     * Tells the DFSP's circuit what a sending came to: a timeout, a lost or refused connection or a
     * transient refusal is one more failure in a row (the one that opens the circuit records the
     * DFSP unhealthy); any other answer starts the count again.
     */
    async noteSending(dfspId: string, outcome: SubmitOutcome): Promise<void> {
      if (!countsAgainstDfsp(outcome)) {
        breakers.succeeded(dfspId);
        return;
      }
      if (breakers.failed(dfspId, now()) !== 'opened') return;
      metrics?.circuitOpen.set({ dfsp: dfspId }, 1);
      const reason = `circuit opened after ${settings.circuit.failureThreshold} failed sendings in a row (last: ${outcome.kind})`;
      logger.warn({ dfspId }, reason);
      await recordHealth(dfspId, 'unhealthy', reason);
    },
  };
}

export type CircuitWatch = ReturnType<typeof createCircuitWatch>;

/** What counts against a DFSP: no answer in time, no connection, a transient refusal. */
function countsAgainstDfsp(outcome: SubmitOutcome): boolean {
  return (
    outcome.kind === 'unknown' ||
    outcome.kind === 'unreachable' ||
    (outcome.kind === 'rejected' && outcome.retryable)
  );
}
