import { abortableSleep } from '../../application/abortableSleep.js';
import type { DfspConnector } from '../../application/dfspConnector.js';
import type { EventStore } from '../../application/eventStore.js';
import { mapConcurrently } from '../../application/inChunks.js';
import type { CommandContext, LedgerCommands } from '../../application/ledgerCommands.js';
import { ledgerStreams } from '../../application/ledgerStreams.js';
import type { Logger } from '../../application/logger.js';
import type { DfspToSendTo, PaymentToSend, WorkQueue } from '../../application/workQueue.js';
import { createCircuitWatch } from './circuitWatch.js';
import { createDfspDirectory } from './dfspDirectory.js';
import type { DispatcherSettings } from './dispatcherSettings.js';
import type { DispatchMetrics } from './dispatchMetrics.js';
import { createGroupSender } from './groupSender.js';
import { createHandedOver } from './handedOver.js';

export interface DispatcherDeps {
  readonly store: EventStore;
  /** The routed payments due for sending, and the DFSPs they go to. */
  readonly workQueue: WorkQueue;
  readonly connector: Pick<DfspConnector, 'submit' | 'queryStatus'>;
  /** Applies the results a DFSP gave in its answer to a sending (a synchronous API). */
  readonly applyStatusReports: LedgerCommands['applyStatusReports'];
  /**
   * Where a G2P Connect DFSP sends its status callbacks (`PUBLIC_URL/v1/dfsps/{dfspId}/
   * on-disburse`); a mapped DFSP's connection has its own.
   */
  readonly callbackUrl: (dfspId: string) => string;
  readonly logger: Logger;
  readonly settings: DispatcherSettings;
  /** In [0, 1); `Math.random` by default (the retry jitter). */
  readonly random?: () => number;
  /** Milliseconds since the epoch; `Date.now` by default (every time the dispatcher reads). */
  readonly now?: () => number;
  readonly metrics?: DispatchMetrics;
}

/** Largest group when a DFSP declares no `maxBatchSize`. */
const DEFAULT_GROUP_SIZE = 500;

/**
 * The dispatcher: sends routed payments to their DFSPs, exactly once each. It is three parts:
 *
 * - the send loop (here): each round takes the due payments of the work queue (`routed` in the
 *   read model, past any retry time, DFSPs in service), drops those it handed over lately while
 *   the read model has not caught up (`createHandedOver`), groups the rest per DFSP up to its
 *   `maxBatchSize`, and sends the groups with at most `concurrencyPerDfsp` in flight per DFSP;
 * - the group sender (`createGroupSender`): for every group it first records `PaymentSubmitted`
 *   on each payment's stream, at the revision it read, so two dispatchers never both send a
 *   payment, and a crash after sending leaves the payment `submitted` for the status poller to
 *   settle, never `routed` to be sent elsewhere. Then:
 *   - an acknowledgement leaves the payments `submitted` (the DFSP's report settles them);
 *   - a refusal or a connection that never opened records `PaymentSubmissionFailed` and the
 *     payments go back to `routed`, to be sent again after a jittered, doubling backoff, or fail
 *     once their route has had `maxAttemptsPerRoute` sendings (a refusal that is not transient
 *     fails them at once);
 *   - a timeout, a lost connection or a 5xx records `PaymentSubmissionFailed` with
 *     `dfspMayHold`: the payments stay `submitted` until a status query says whether the DFSP
 *     holds them;
 * - the circuit watch (`createCircuitWatch`): failures in a row open the DFSP's circuit: its
 *   health is recorded (`DfspHealthChanged`), so routing passes it by; its queued payments are
 *   routed again, to the rules' fallbacks; after a cool-down one status query probes it, and an
 *   answer closes the circuit.
 *
 * Time is read from `now` and jitter drawn from `random`, both injectable.
 *
 * @example
 * const dispatcher = createDispatcher({
 *   store, workQueue, connector, callbackUrl, logger, settings,
 * });
 * await dispatcher.run(shutdown.signal);
 */
export function createDispatcher(deps: DispatcherDeps) {
  const { workQueue, connector, logger, settings, metrics } = deps;
  const now = deps.now ?? Date.now;
  const streams = ledgerStreams(deps.store);
  const context = (correlationId: string): CommandContext => ({
    actor: 'process:dispatcher',
    correlationId,
    causationId: null,
  });
  const directory = createDfspDirectory(workQueue, now);
  const handedOver = createHandedOver();
  const parts = { streams, connector, settings, context, now, logger, metrics };
  const circuit = createCircuitWatch({ ...parts, workQueue });
  const sender = createGroupSender({
    ...parts,
    circuit,
    callbackUrl: deps.callbackUrl,
    applyStatusReports: deps.applyStatusReports,
    random: deps.random ?? Math.random,
    requeued: (paymentId) => handedOver.release(paymentId),
  });

  /** One round; answers how many payments it took from the queue. */
  async function round(signal: AbortSignal): Promise<number> {
    const dfsps = await directory.current();
    await circuit.watch(dfsps);
    const nowMs = now();
    handedOver.expire(nowMs);
    const outOfService = [...dfsps.values()]
      .filter((dfsp) => !circuit.inService(dfsp, nowMs))
      .map((dfsp) => dfsp.dfspId);
    const due = await workQueue.listPaymentsToSend({
      now: new Date(nowMs),
      limit: settings.maxPaymentsPerRound,
      excludeDfspIds: outOfService,
    });
    const work = due.filter((p) => !handedOver.isStale(p) && dfsps.has(p.dfspId));
    if (work.length === 0) return 0;
    handedOver.take(work, nowMs);
    await sendPerDfsp(perDfsp(work, dfsps), settings.concurrencyPerDfsp, (dfsp, group) =>
      sendOrLeave(dfsp, group, signal),
    );
    return work.length;
  }

  async function sendOrLeave(
    dfsp: DfspToSendTo,
    group: readonly PaymentToSend[],
    signal: AbortSignal,
  ): Promise<void> {
    if (signal.aborted || !circuit.inService(dfsp, now())) {
      // Stopping, or the circuit opened during this round: leave them queued.
      for (const payment of group) handedOver.release(payment.paymentId);
      return;
    }
    await sender.send(dfsp, group);
  }

  return {
    /** Dispatches until `signal` aborts; a failed round is logged and the next one follows. */
    async run(signal: AbortSignal): Promise<void> {
      let failures = 0;
      while (!signal.aborted) {
        try {
          const taken = await round(signal);
          failures = 0;
          if (taken === 0) await abortableSleep(settings.idlePollMs, signal);
        } catch (error) {
          failures += 1;
          const retryInMs = Math.min(settings.idlePollMs * 2 ** failures, 30_000);
          logger.error({ err: error, retryInMs }, 'dispatch round failed');
          await abortableSleep(retryInMs, signal);
        }
      }
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

/** The payments per DFSP, in queue order; every payment's DFSP is in `dfsps`. */
function perDfsp(
  payments: readonly PaymentToSend[],
  dfsps: ReadonlyMap<string, DfspToSendTo>,
): Map<DfspToSendTo, PaymentToSend[]> {
  const byDfsp = new Map<DfspToSendTo, PaymentToSend[]>();
  for (const payment of payments) {
    const dfsp = dfsps.get(payment.dfspId);
    if (dfsp === undefined) throw new Error(`payment ${payment.paymentId}: unknown DFSP`);
    const queued = byDfsp.get(dfsp);
    if (queued === undefined) byDfsp.set(dfsp, [payment]);
    else queued.push(payment);
  }
  return byDfsp;
}

/**
 * Sends every DFSP's payments in groups up to its `maxBatchSize`, at most `maxInFlightPerDfsp`
 * groups in flight per DFSP. A group that fails fails the round: groups not yet begun, of any
 * DFSP, are not sent.
 */
async function sendPerDfsp(
  byDfsp: ReadonlyMap<DfspToSendTo, readonly PaymentToSend[]>,
  maxInFlightPerDfsp: number,
  send: (dfsp: DfspToSendTo, group: readonly PaymentToSend[]) => Promise<void>,
): Promise<void> {
  const roundFailed = new AbortController();
  // Own helpers, not rxjs groupBy/bufferCount/mergeMap: the same per-DFSP bound, in plain loops.
  await Promise.all(
    [...byDfsp].map(async ([dfsp, payments]) => {
      const groups = inGroupsOf(payments, dfsp.maxBatchSize ?? DEFAULT_GROUP_SIZE);
      try {
        await mapConcurrently(
          groups,
          maxInFlightPerDfsp,
          (group) => send(dfsp, group),
          roundFailed.signal,
        );
      } catch (error) {
        roundFailed.abort(error);
        throw error;
      }
    }),
  );
}

/** `items` cut into consecutive groups of `size`, the last one maybe smaller. */
function inGroupsOf<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`group size ${size} is not ≥ 1`);
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    groups.push(items.slice(start, start + size));
  }
  return groups;
}
