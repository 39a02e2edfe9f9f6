import { bufferCount, defaultIfEmpty, from, groupBy, lastValueFrom, mergeMap } from 'rxjs';
import { ulid } from 'ulid';
import { abortableSleep } from '../../application/abortableSleep.js';
import {
  type DfspConnector,
  DfspQueryError,
  type SubmitOutcome,
} from '../../application/dfspConnector.js';
import type { EventStore } from '../../application/eventStore.js';
import { mapInChunks } from '../../application/inChunks.js';
import type { CommandContext } from '../../application/ledgerCommands.js';
import { ledgerStreams } from '../../application/ledgerStreams.js';
import type { Logger } from '../../application/logger.js';
import type { DfspView, PaymentToSend, ReadModelQueries } from '../../application/readModels.js';
import { loadRoutingContext } from '../../application/routingContext.js';
import type { SubmissionFailure } from '../../domain/paymentDecider.js';
import { type CircuitSettings, createCircuitBreakers } from './circuitBreaker.js';
import { createDfspDirectory, endpointOf } from './dfspDirectory.js';
import type { DispatchMetrics } from './dispatchMetrics.js';

/** Settings of the dispatcher (`DISPATCH_*`, `CIRCUIT_*` and `DFSP_TIMEOUT_MS` in config.ts). */
export interface DispatcherSettings {
  /** Requests in flight to one DFSP at once. */
  readonly concurrencyPerDfsp: number;
  /** Sendings to one route after which a retryable failure fails the payment. */
  readonly maxAttemptsPerRoute: number;
  /** Backoff after a failed sending: doubling from `retryBaseMs` up to `retryMaxMs`, jittered. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Per-request time limit towards a DFSP. */
  readonly dfspTimeoutMs: number;
  /** Payments taken from the queue in one round. */
  readonly maxPaymentsPerRound: number;
  /** How long an idle dispatcher waits before looking at the queue again. */
  readonly idlePollMs: number;
  readonly circuit: CircuitSettings;
}

export interface DispatcherDeps {
  readonly store: EventStore;
  readonly queries: ReadModelQueries;
  readonly connector: DfspConnector;
  /** Where a DFSP sends its status callbacks (`PUBLIC_URL/v1/dfsps/{dfspId}/on-disburse`). */
  readonly callbackUrl: (dfspId: string) => string;
  readonly logger: Logger;
  readonly settings: DispatcherSettings;
  /** In [0, 1); `Math.random` by default (the retry jitter). */
  readonly random?: () => number;
  readonly metrics?: DispatchMetrics;
}

/** Largest group when a DFSP declares no `maxBatchSize`. */
const DEFAULT_GROUP_SIZE = 500;
/** Payment streams appended to at once when recording a group's outcome. */
const STREAM_CONCURRENCY = 250;
/** The longest a payment handed over stays out of the queue while the read model catches up. */
const HANDED_OVER_TTL_MS = 30_000;
/** Queued payments moved away from a DFSP out of service, at most once this often per DFSP. */
const MOVE_AWAY_EVERY_MS = 2_000;
const MOVE_AWAY_PAGE = 1_000;

/**
 * The dispatcher: sends routed payments to their DFSPs, exactly once each.
 *
 * Each round it takes the due payments of the queue (`routed` in the read model, past any retry
 * time, DFSPs in service), groups them per DFSP up to its `maxBatchSize`, and sends the groups
 * with at most `concurrencyPerDfsp` requests in flight per DFSP. For every group it first
 * records `PaymentSubmitted` on each payment's stream, at the revision it read, so two
 * dispatchers never both send a payment, and a crash after sending leaves the payment
 * `submitted` for the status poller to settle, never `routed` to be sent elsewhere. Then:
 *
 * - an acknowledgement leaves the payments `submitted` (the DFSP's report settles them);
 * - a refusal or a connection that never opened records `PaymentSubmissionFailed` and the
 *   payments go back to `routed`, to be sent again after a jittered, doubling backoff, or fail
 *   once their route has had `maxAttemptsPerRoute` sendings (a refusal that is not transient fails
 *   them at once);
 * - a timeout, a lost connection or a 5xx records `PaymentSubmissionFailed` with `dfspMayHold`:
 *   the payments stay `submitted` until a status query says whether the DFSP holds them.
 *
 * Failures in a row open the DFSP's circuit: its health is recorded (`DfspHealthChanged`), so
 * routing passes it by; its queued payments are routed again, to the rules' fallbacks; after a
 * cool-down one status query probes it, and an answer closes the circuit.
 *
 * @example
 * const dispatcher = createDispatcher({ store, queries, connector, callbackUrl, logger, settings });
 * await dispatcher.run(shutdown.signal);
 */
export function createDispatcher(deps: DispatcherDeps) {
  const { store, queries, connector, settings } = deps;
  const logger = deps.logger;
  const random = deps.random ?? Math.random;
  const streams = ledgerStreams(store);
  const directory = createDfspDirectory(queries);
  const breakers = createCircuitBreakers(settings.circuit);
  /** Payments this dispatcher handed over lately, by id: skipped while the read model lags. */
  const handedOver = new Map<string, number>();
  const lastMovedAway = new Map<string, number>();
  /** Aborted when the service stops: groups not yet sent stay queued. */
  let stopping: AbortSignal | undefined;
  const context = (correlationId: string): CommandContext => ({
    actor: 'process:dispatcher',
    correlationId,
    causationId: null,
  });

  /** One round; answers how many payments it took from the queue. */
  async function round(): Promise<number> {
    const dfsps = await directory.current();
    await watchDfsps(dfsps);
    const nowMs = Date.now();
    forgetHandedOver(nowMs);
    const outOfService = [...dfsps.values()]
      .filter((dfsp) => !inService(dfsp, nowMs))
      .map((dfsp) => dfsp.dfspId);
    const due = await queries.listPaymentsToSend({
      now: new Date(nowMs),
      limit: settings.maxPaymentsPerRound,
      excludeDfspIds: outOfService,
    });
    const work = due.filter((p) => !stale(p) && dfsps.has(p.dfspId));
    if (work.length === 0) return 0;
    for (const payment of work) handedOver.set(payment.paymentId, nowMs);
    await lastValueFrom(
      from(work).pipe(
        groupBy((payment) => payment.dfspId),
        mergeMap((perDfsp) => {
          const dfsp = dfsps.get(perDfsp.key) as DfspView;
          return perDfsp.pipe(
            bufferCount(dfsp.maxBatchSize ?? DEFAULT_GROUP_SIZE),
            mergeMap((group) => sendGroup(dfsp, group), settings.concurrencyPerDfsp),
          );
        }),
        defaultIfEmpty(undefined),
      ),
    );
    return work.length;
  }

  function inService(dfsp: DfspView, nowMs: number): boolean {
    return dfsp.status === 'active' && breakers.state(dfsp.dfspId, nowMs) === 'closed';
  }

  /** Probes DFSPs whose cool-down is over, and moves queued payments away from those out of service. */
  async function watchDfsps(dfsps: ReadonlyMap<string, DfspView>): Promise<void> {
    for (const dfsp of dfsps.values()) {
      const { dfspId } = dfsp;
      // Recorded unhealthy by an earlier process (or another dispatcher): find out for ourselves.
      if (dfsp.health === 'unhealthy' && breakers.state(dfspId, Date.now()) === 'closed') {
        breakers.openForProbe(dfspId);
      }
      if (breakers.state(dfspId, Date.now()) === 'probe') await probe(dfsp);
      if (!inService(dfsp, Date.now())) await moveQueuedAway(dfsp);
    }
  }

  async function probe(dfsp: DfspView): Promise<void> {
    let answered = true;
    try {
      await connector.queryStatus(endpointOf(dfsp, settings.dfspTimeoutMs), [ulid()]);
    } catch (error) {
      if (!(error instanceof DfspQueryError)) throw error;
      answered = false;
    }
    const change = breakers.probed(dfsp.dfspId, answered, Date.now());
    const result = answered ? 'answered' : 'failed';
    deps.metrics?.statusQueries.inc({ dfsp: dfsp.dfspId, result });
    if (change === 'closed') deps.metrics?.circuitOpen.set({ dfsp: dfsp.dfspId }, 0);
    logger.info({ dfspId: dfsp.dfspId, answered }, 'circuit probe');
    if (change === 'closed') await recordHealth(dfsp.dfspId, 'healthy', 'a status query answered');
  }

  /** Routes the DFSP's queued payments again; routing passes an unhealthy or suspended DFSP by. */
  async function moveQueuedAway(dfsp: DfspView): Promise<void> {
    const nowMs = Date.now();
    if (nowMs - (lastMovedAway.get(dfsp.dfspId) ?? 0) < MOVE_AWAY_EVERY_MS) return;
    lastMovedAway.set(dfsp.dfspId, nowMs);
    const ids = await queries.listRoutedPaymentIds(dfsp.dfspId, MOVE_AWAY_PAGE);
    if (ids.length === 0) return;
    const routing = await loadRoutingContext(streams);
    const moved = await mapInChunks(ids, STREAM_CONCURRENCY, async (paymentId) => {
      const { state } = await streams.payments.load(paymentId);
      const payment = state.instructed;
      if (state.status !== 'routed' || payment === undefined) return 0;
      const decision = routing.route({ ...payment, amountMinor: BigInt(payment.amountMinor) });
      const command = { type: 'RoutePayment' as const, decision };
      const { appended } = await streams.payments(paymentId, command, context(paymentId));
      return appended.length;
    });
    const count = moved.filter((events) => events > 0).length;
    logger.warn({ dfspId: dfsp.dfspId, queued: ids.length, moved: count }, 'queued payments moved');
  }

  async function sendGroup(dfsp: DfspView, payments: readonly PaymentToSend[]): Promise<void> {
    const { dfspId } = dfsp;
    if (stopping?.aborted || !inService(dfsp, Date.now())) {
      // Stopping, or the circuit opened during this round: leave them queued.
      for (const payment of payments) handedOver.delete(payment.paymentId);
      return;
    }
    const transactionId = ulid();
    const messageId = ulid();
    const at = new Date().toISOString();
    const taken = await mapInChunks(payments, STREAM_CONCURRENCY, async (payment) => {
      const { appended, state } = await streams.payments(
        payment.paymentId,
        { type: 'SubmitPayment', dfspId, transactionId, messageId, at },
        context(transactionId),
      );
      if (appended.length > 0) return { payment, attempt: state.attempts };
      // Not routed here any more, or not due yet: the next rounds look again.
      handedOver.delete(payment.paymentId);
      return undefined;
    });
    const submitted = taken.filter((entry) => entry !== undefined);
    if (submitted.length === 0) return;
    const outcome = await connector.submit({
      dfsp: endpointOf(dfsp, settings.dfspTimeoutMs),
      transactionId,
      messageId,
      callbackUrl: deps.callbackUrl(dfspId),
      payments: submitted.map(({ payment }) => ({
        paymentId: payment.paymentId,
        payeeFa: payment.payeeFa,
        amountMinor: payment.amountMinor,
        currency: payment.currency,
        ...(payment.payeeName === null ? {} : { payeeName: payment.payeeName }),
        ...(payment.purpose === null ? {} : { purpose: payment.purpose }),
      })),
    });
    logger.debug(
      { dfspId, transactionId, payments: submitted.length, outcome: outcome.kind },
      'sent',
    );
    deps.metrics?.requests.inc({ dfsp: dfspId, outcome: outcome.kind });
    deps.metrics?.payments.inc({ dfsp: dfspId, outcome: outcome.kind }, submitted.length);
    await settle(dfspId, transactionId, submitted, outcome);
  }

  /** Records what the sending of a group came to, and tells the DFSP's circuit. */
  async function settle(
    dfspId: string,
    transactionId: string,
    submitted: readonly { payment: PaymentToSend; attempt: number }[],
    outcome: SubmitOutcome,
  ): Promise<void> {
    if (outcome.kind === 'accepted') {
      breakers.succeeded(dfspId);
      return;
    }
    const transient =
      outcome.kind === 'unknown' ||
      outcome.kind === 'unreachable' ||
      (outcome.kind === 'rejected' && outcome.retryable);
    if (transient) await noteFailure(dfspId, outcome);
    else breakers.succeeded(dfspId);
    if (outcome.kind !== 'unsendable') {
      logger.warn({ dfspId, transactionId, outcome }, 'sending failed');
    }
    const problems = new Map(
      outcome.kind === 'unsendable'
        ? outcome.problems.map((problem) => [problem.paymentId, problem])
        : [],
    );
    await mapInChunks(submitted, STREAM_CONCURRENCY, async ({ payment, attempt }) => {
      const failure = failureOf(outcome, problems.get(payment.paymentId));
      const retryInMs = backoffMs(attempt);
      const { state } = await streams.payments(
        payment.paymentId,
        {
          type: 'RecordSubmissionFailure',
          ...failure,
          dfspId,
          attempt,
          retryAt: new Date(Date.now() + retryInMs).toISOString(),
          maxAttemptsPerRoute: settings.maxAttemptsPerRoute,
        },
        context(transactionId),
      );
      // Back in the queue: the next round takes it once it is due.
      if (state.status === 'routed') handedOver.delete(payment.paymentId);
    });
  }

  async function noteFailure(dfspId: string, outcome: SubmitOutcome): Promise<void> {
    if (breakers.failed(dfspId, Date.now()) !== 'opened') return;
    deps.metrics?.circuitOpen.set({ dfsp: dfspId }, 1);
    const reason = `circuit opened after ${settings.circuit.failureThreshold} failed sendings in a row (last: ${outcome.kind})`;
    logger.warn({ dfspId }, reason);
    await recordHealth(dfspId, 'unhealthy', reason);
  }

  async function recordHealth(dfspId: string, health: 'healthy' | 'unhealthy', reason: string) {
    await streams.dfsps(
      dfspId,
      { type: 'RecordHealth', health, reason },
      context(`circuit-${dfspId}`),
    );
  }

  /** Equal jitter: half the doubled delay for sure, the other half drawn at random. */
  function backoffMs(attempt: number): number {
    const ceiling = Math.min(
      settings.retryMaxMs,
      settings.retryBaseMs * 2 ** Math.min(attempt - 1, 20),
    );
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  /**
   * A row that has not changed since this dispatcher handed its payment over is the read model
   * lagging behind: the payment is with its DFSP already (or being sent). A row changed since
   * (sent back to `routed` by a failure or a status query) is work again.
   */
  function stale(payment: PaymentToSend): boolean {
    const handedOverAtMs = handedOver.get(payment.paymentId);
    return handedOverAtMs !== undefined && payment.updatedAtMs <= handedOverAtMs;
  }

  function forgetHandedOver(nowMs: number): void {
    for (const [paymentId, atMs] of handedOver) {
      if (nowMs - atMs > HANDED_OVER_TTL_MS) handedOver.delete(paymentId);
    }
  }

  return {
    /** Dispatches until `signal` aborts; a failed round is logged and the next one follows. */
    async run(signal: AbortSignal): Promise<void> {
      stopping = signal;
      let failures = 0;
      while (!signal.aborted) {
        try {
          const taken = await round();
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

type FailureFields = Pick<SubmissionFailure, 'outcome' | 'dfspMayHold' | 'retryable' | 'reason'> & {
  readonly code?: string;
};

/** What a failed sending means for one payment of the group. */
function failureOf(
  outcome: Exclude<SubmitOutcome, { kind: 'accepted' }>,
  problem: { readonly code: string; readonly message: string } | undefined,
): FailureFields {
  switch (outcome.kind) {
    case 'rejected': {
      const { code, message: reason, retryable } = outcome;
      return { outcome: 'rejected', dfspMayHold: false, retryable, code, reason };
    }
    case 'unreachable':
      return {
        outcome: 'unreachable',
        dfspMayHold: false,
        retryable: true,
        reason: outcome.reason,
      };
    case 'unknown':
      return { outcome: 'unknown', dfspMayHold: true, retryable: true, reason: outcome.reason };
    case 'unsendable':
      return problem === undefined
        ? {
            outcome: 'unsendable',
            dfspMayHold: false,
            retryable: true,
            reason: 'not sent: another payment of its group cannot be expressed',
          }
        : {
            outcome: 'unsendable',
            dfspMayHold: false,
            retryable: false,
            code: problem.code,
            reason: problem.message,
          };
  }
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
