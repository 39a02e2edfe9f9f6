import { ulid } from 'ulid';
import { handledOrThrow } from '../../application/commandHandler.js';
import type {
  DfspConnector,
  DisbursementPayment,
  SubmitOutcome,
} from '../../application/dfspConnector.js';
import type { CommandContext, LedgerCommands } from '../../application/ledgerCommands.js';
import type { LedgerStreams } from '../../application/ledgerStreams.js';
import type { Logger } from '../../application/logger.js';
import type { DfspToSendTo, PaymentToSend } from '../../application/workQueue.js';
import { optional } from '../../domain/optional.js';
import type { SubmissionFailure } from '../../domain/paymentDecider.js';
import type { CircuitWatch } from './circuitWatch.js';
import { endpointOf } from './dfspDirectory.js';
import type { DispatcherSettings } from './dispatcherSettings.js';
import type { DispatchMetrics } from './dispatchMetrics.js';

export interface GroupSenderDeps {
  readonly streams: Pick<LedgerStreams, 'payments'>;
  readonly connector: Pick<DfspConnector, 'submit'>;
  /** Told what every sending came to. */
  readonly circuit: Pick<CircuitWatch, 'noteSending'>;
  /** Where a DFSP sends its status callbacks. */
  readonly callbackUrl: (dfspId: string) => string;
  /** Applies the results a DFSP gave in its answer to a sending (a synchronous API). */
  readonly applyStatusReports: LedgerCommands['applyStatusReports'];
  readonly settings: Pick<
    DispatcherSettings,
    'maxAttemptsPerRoute' | 'retryBaseMs' | 'retryMaxMs' | 'dfspTimeoutMs'
  >;
  /** The metadata of the commands it runs, by correlation id. */
  readonly context: (correlationId: string) => CommandContext;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** In [0, 1): the retry jitter. */
  readonly random: () => number;
  /**
   * Called for each payment of a group that is back in the queue: one this sending did not take
   * (not routed to this DFSP any more, or not due yet), or one its failure sent back to `routed`.
   */
  readonly requeued: (paymentId: string) => void;
  readonly logger: Logger;
  readonly metrics: DispatchMetrics | undefined;
}

/** A payment this sending took, with the attempt its `PaymentSubmitted` recorded. */
interface Taken {
  readonly payment: PaymentToSend;
  readonly attempt: number;
}

/**
 * Sends one group of payments to their DFSP in one request. It first records `PaymentSubmitted`
 * on each payment's stream, at the revision it read, so two dispatchers never both send a
 * payment, and a crash after sending leaves the payment `submitted` for the status poller to
 * settle, never `routed` to be sent elsewhere. Then it tells the DFSP's circuit what the sending
 * came to and, unless the DFSP acknowledged it, records `PaymentSubmissionFailed` on each
 * payment (see `failureOf`) with a retry time after a jittered, doubling backoff.
 *
 * @example
 * const sender = createGroupSender({ streams, connector, circuit, callbackUrl, settings, ... });
 * await sender.send(dfsp, group);
 */
export function createGroupSender(deps: GroupSenderDeps) {
  const { streams, settings, context, now, logger, metrics } = deps;

  /** Records the sending on each payment's stream; answers those it was recorded on. */
  async function take(
    dfspId: string,
    payments: readonly PaymentToSend[],
    transactionId: string,
    messageId: string,
  ): Promise<Taken[]> {
    const at = new Date(now()).toISOString();
    const outcomes = handledOrThrow(
      await streams.payments.many(
        payments.map(({ paymentId }) => ({
          id: paymentId,
          command: { type: 'SubmitPayment', dfspId, transactionId, messageId, at },
        })),
        context(transactionId),
      ),
    );
    return payments.flatMap((payment, index) => {
      const { appended, state } = outcomes[index] as (typeof outcomes)[number];
      if (appended[0]?.type === 'PaymentSubmitted') return [{ payment, attempt: state.attempts }];
      // Cancelled (its beneficiary was erased): it leaves the queue for good.
      if (appended.length > 0) return [];
      // Not routed here any more, or not due yet: the next rounds look again.
      deps.requeued(payment.paymentId);
      return [];
    });
  }

  /** Records what the sending of a group came to, and tells the DFSP's circuit. */
  async function settle(
    dfspId: string,
    transactionId: string,
    submitted: readonly Taken[],
    outcome: SubmitOutcome,
  ): Promise<void> {
    await deps.circuit.noteSending(dfspId, outcome);
    if (outcome.kind === 'accepted') {
      await recordDfspTransactionIds(
        streams,
        context(transactionId),
        { dfspId, transactionId },
        outcome.dfspTransactionIds,
      );
      const reports = outcome.reports ?? [];
      if (reports.length > 0) {
        await deps.applyStatusReports(dfspId, reports, 'answer', context(transactionId));
      }
      return;
    }
    if (outcome.kind !== 'unsendable') {
      logger.warn({ dfspId, transactionId, outcome }, 'sending failed');
    }
    const problems = new Map(
      outcome.kind === 'unsendable'
        ? outcome.problems.map((problem) => [problem.paymentId, problem])
        : [],
    );
    const failures = handledOrThrow(
      await streams.payments.many(
        submitted.map(({ payment, attempt }) => ({
          id: payment.paymentId,
          command: {
            type: 'RecordSubmissionFailure',
            ...failureOf(outcome, problems.get(payment.paymentId)),
            dfspId,
            attempt,
            retryAt: new Date(now() + backoffMs(attempt, settings, deps.random)).toISOString(),
            maxAttemptsPerRoute: settings.maxAttemptsPerRoute,
          },
        })),
        context(transactionId),
      ),
    );
    submitted.forEach(({ payment }, index) => {
      // Back in the queue: the next round takes it once it is due.
      if (failures[index]?.state.status === 'routed') deps.requeued(payment.paymentId);
    });
  }

  return {
    async send(dfsp: DfspToSendTo, payments: readonly PaymentToSend[]): Promise<void> {
      const { dfspId } = dfsp;
      const transactionId = ulid(now());
      const messageId = ulid(now());
      const submitted = await take(dfspId, payments, transactionId, messageId);
      if (submitted.length === 0) return;
      const outcome = await deps.connector.submit({
        dfsp: endpointOf(dfsp, settings.dfspTimeoutMs),
        transactionId,
        messageId,
        callbackUrl: deps.callbackUrl(dfspId),
        payments: submitted.map(({ payment }) => toDisbursement(payment)),
      });
      logger.debug(
        { dfspId, transactionId, payments: submitted.length, outcome: outcome.kind },
        'sent',
      );
      metrics?.requests.inc({ dfsp: dfspId, outcome: outcome.kind });
      metrics?.payments.inc({ dfsp: dfspId, outcome: outcome.kind }, submitted.length);
      await settle(dfspId, transactionId, submitted, outcome);
    },
  };
}

export type GroupSender = ReturnType<typeof createGroupSender>;

/** Records the DFSP's own id of each payment it named in its acknowledgement. */
async function recordDfspTransactionIds(
  streams: GroupSenderDeps['streams'],
  context: CommandContext,
  { dfspId, transactionId }: { readonly dfspId: string; readonly transactionId: string },
  ids: ReadonlyMap<string, string> | undefined,
): Promise<void> {
  if (ids === undefined || ids.size === 0) return;
  handledOrThrow(
    await streams.payments.many(
      [...ids].map(([paymentId, dfspTransactionId]) => ({
        id: paymentId,
        command: { type: 'RecordAcceptance', dfspId, transactionId, dfspTransactionId },
      })),
      context,
    ),
  );
}

/** Equal jitter: half the doubled delay for sure, the other half drawn at random. */
function backoffMs(
  attempt: number,
  settings: Pick<DispatcherSettings, 'retryBaseMs' | 'retryMaxMs'>,
  random: () => number,
): number {
  const ceiling = Math.min(
    settings.retryMaxMs,
    settings.retryBaseMs * 2 ** Math.min(attempt - 1, 20),
  );
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A payment as the connector sends it. */
function toDisbursement(payment: PaymentToSend): DisbursementPayment {
  return {
    paymentId: payment.paymentId,
    payeeFa: payment.payeeFa,
    amountMinor: payment.amountMinor,
    currency: payment.currency,
    ...optional('payeeName', payment.payeeName ?? undefined),
    ...optional('purpose', payment.purpose ?? undefined),
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
