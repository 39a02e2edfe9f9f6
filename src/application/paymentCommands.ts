import { assertNever } from '../domain/assertNever.js';
import { DomainError } from '../domain/domainError.js';
import { ULID_PATTERN } from '../domain/eventSchemas.js';
import { optional } from '../domain/optional.js';
import type { PaymentCommand } from '../domain/paymentDecider.js';
import type { ReportSource } from '../domain/paymentEvents.js';
import { refuseErased } from '../domain/personalData.js';
import type { StatusReport } from '../domain/statusReport.js';
import { mapInChunks } from './inChunks.js';
import type { CommandContext, LedgerCommands, StatusReportOutcome } from './ledgerCommands.js';
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
      return mapInChunks(reports, REPORT_CONCURRENCY, (report) =>
        applyStatusReport(dfspId, report, source, context),
      );
    },
  };

  async function applyStatusReport(
    dfspId: string,
    report: StatusReport,
    source: ReportSource,
    context: CommandContext,
  ): Promise<StatusReportOutcome> {
    const referenceId = report.referenceId;
    if (!ULID_PATTERN.test(referenceId)) return { referenceId, outcome: 'unknown_reference' };
    const command = commandFor(dfspId, report, source, maxAttemptsPerRoute);
    if (command === undefined) return { referenceId, outcome: 'ignored' };
    try {
      const { appended } = await streams.payments(referenceId, command, context);
      const [first] = appended;
      if (first === undefined) return { referenceId, outcome: 'unchanged' };
      if (first.type === 'PaymentStatusConflicted') return { referenceId, outcome: 'conflict' };
      return { referenceId, outcome: command.type === 'RecordNotHeld' ? 'not_held' : 'applied' };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'payment_not_found') {
        return { referenceId, outcome: 'unknown_reference' };
      }
      throw error;
    }
  }
}

/** Payment streams a status report touches at once. */
const REPORT_CONCURRENCY = 100;

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
