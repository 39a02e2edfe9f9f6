import { assertNever } from '../domain/assertNever.js';
import { DomainError } from '../domain/domainError.js';
import { ULID_PATTERN } from '../domain/eventSchemas.js';
import { optional } from '../domain/optional.js';
import type { PaymentCommand } from '../domain/paymentDecider.js';
import type { PaymentEvent, ReportSource } from '../domain/paymentEvents.js';
import type { PaymentState } from '../domain/paymentState.js';
import { refuseErased } from '../domain/personalData.js';
import type { StatusReport } from '../domain/statusReport.js';
import type { Handled, StreamCommand } from './commandHandler.js';
import { inWaves } from './inChunks.js';
import type { LedgerCommands, StatusReportOutcome } from './ledgerCommands.js';
import type { LedgerStreams } from './ledgerStreams.js';
import { loadRoutingContext } from './routingContext.js';

/** A payment's commands from outside its own processes: operators' requests and DFSPs' reports. */
export function paymentCommands(
  streams: LedgerStreams,
  maxAttemptsPerRoute: number,
): Pick<
  LedgerCommands,
  'cancelPayment' | 'retryPayment' | 'resolvePayment' | 'applyStatusReports'
> {
  return {
    async cancelPayment(paymentId, reason, context) {
      const command = {
        type: 'CancelPayment' as const,
        by: context.actor,
        ...optional('reason', reason),
      };
      await streams.payments(paymentId, command, context);
    },

    async retryPayment(paymentId, context) {
      const { state } = await streams.payments.load(paymentId);
      const payment = state.instructed;
      if (payment === undefined) throw new DomainError('payment_not_found', 'no such payment');
      refuseErased(payment);
      const routing = await loadRoutingContext(streams);
      const decision = routing.route({ ...payment, amountMinor: BigInt(payment.amountMinor) });
      await streams.payments(
        paymentId,
        { type: 'RetryPayment', by: context.actor, decision },
        context,
      );
    },

    async resolvePayment(paymentId, resolution, may, context) {
      const { state } = await streams.payments.load(paymentId);
      if (state.instructed === undefined) {
        throw new DomainError('payment_not_found', `no payment ${paymentId}`);
      }
      const { appended } = await streams.payments(
        paymentId,
        {
          type: 'ResolvePayment',
          outcome: resolution.outcome,
          ...optional('evidence', resolution.evidence),
          by: context.actor,
          mayPropose: may.propose,
          mayConfirm: may.confirm,
        },
        context,
      );
      const first = appended[0]?.type;
      if (first === undefined) return { resolution: 'unchanged' };
      return { resolution: first === 'PaymentResolved' ? 'resolved' : 'proposed' };
    },

    async applyStatusReports(dfspId, reports, source, context) {
      const outcomes = new Array<StatusReportOutcome>(reports.length);
      const commands: (StreamCommand<PaymentCommand, PaymentEvent> & { index: number })[] = [];
      reports.forEach((report, index) => {
        const referenceId = report.referenceId;
        const known = ULID_PATTERN.test(referenceId);
        const command = known ? commandFor(dfspId, report, source, maxAttemptsPerRoute) : undefined;
        if (command !== undefined) commands.push({ index, id: referenceId, command });
        else outcomes[index] = { referenceId, outcome: known ? 'ignored' : 'unknown_reference' };
      });
      // A report naming one payment twice applies them one after the other, in report order.
      for (const wave of inWaves(commands, ({ id }) => id)) {
        const handled = await streams.payments.many(wave, context);
        wave.forEach(({ index, id, command }, n) => {
          outcomes[index] = outcomeOf(id, command, handled[n]);
        });
      }
      return outcomes;
    },
  };
}

/** What applying one report came to; a failure of the store is thrown. */
function outcomeOf(
  referenceId: string,
  command: PaymentCommand,
  handled: PromiseSettledResult<Handled<PaymentEvent, PaymentState>> | undefined,
): StatusReportOutcome {
  if (handled?.status !== 'fulfilled') {
    const error: unknown = handled?.reason;
    if (error instanceof DomainError && error.code === 'payment_not_found') {
      return { referenceId, outcome: 'unknown_reference' };
    }
    throw error;
  }
  const [first] = handled.value.appended;
  if (first === undefined) return { referenceId, outcome: 'unchanged' };
  if (first.type === 'PaymentStatusConflicted') return { referenceId, outcome: 'conflict' };
  return { referenceId, outcome: command.type === 'RecordNotHeld' ? 'not_held' : 'applied' };
}

/** The payment command a DFSP's report calls for, or none (pending, duplicate). */
function commandFor(
  dfspId: string,
  report: StatusReport,
  source: ReportSource,
  maxAttemptsPerRoute: number,
): PaymentCommand | undefined {
  switch (report.status) {
    case 'succeeded':
    case 'failed':
      return {
        type: 'ApplyStatusReport',
        dfspId,
        status: report.status,
        source,
        ...optional('reasonCode', report.reasonCode),
        ...optional('reasonMessage', report.reasonMessage),
        ...optional('reportedAt', report.timestamp),
        ...optional('transactionId', report.transactionId),
      };
    case 'unknown_reference':
      // Only a status query can say the DFSP does not hold a payment; a callback cannot.
      return source === 'status_query'
        ? {
            type: 'RecordNotHeld',
            dfspId,
            retryAt: new Date().toISOString(),
            maxAttemptsPerRoute,
          }
        : undefined;
    case 'pending':
    case 'duplicate':
      return undefined;
    default:
      return assertNever(report.status);
  }
}
