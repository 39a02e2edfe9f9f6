import { monotonicFactory } from 'ulid';
import { assertNever } from '../domain/assertNever.js';
import { linesByReference } from '../domain/batchDecider.js';
import { DfspProfile } from '../domain/dfspEvents.js';
import { DomainError, withPath } from '../domain/domainError.js';
import { parseAmount } from '../domain/money.js';
import type { PaymentCommand } from '../domain/paymentDecider.js';
import { dfspIdsNamedIn, ROUTING_RULES_STREAM } from '../domain/routingRulesEvents.js';
import type { StatusReport } from '../domain/statusReport.js';
import { type DfspSecrets, secretFingerprint } from './dfspSecrets.js';
import type { EventStore } from './eventStore.js';
import { mapInChunks } from './inChunks.js';
import type { CommandContext, LedgerCommands, StatusReportOutcome } from './ledgerCommands.js';
import { ledgerStreams } from './ledgerStreams.js';
import { loadRoutingContext } from './routingContext.js';
import { importStatement, type SucceededPayments } from './statementImport.js';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * The ledger's command side: each call is one command on one stream, through that kind of
 * stream's bound handler ({@link ledgerStreams}). Ids are drawn here (ULIDs, monotonic so payment
 * ids sort in the order they were added), never in the domain.
 *
 * @example
 * const commands = createLedgerCommands({ store, secrets });
 * await commands.approveBatch(batchId, { actor: 'user:bob', correlationId, causationId: null });
 */
export function createLedgerCommands(deps: {
  readonly store: EventStore;
  readonly secrets: DfspSecrets;
  /** Sendings to one route before a payment its DFSP never took fails (`DISPATCH_MAX_ATTEMPTS`). */
  readonly maxAttemptsPerRoute?: number;
  /** What a statement's period should list (the read model); without it none is found missing. */
  readonly succeededPayments?: SucceededPayments;
}): LedgerCommands {
  const { store, secrets } = deps;
  const streams = ledgerStreams(store);
  const maxAttemptsPerRoute = deps.maxAttemptsPerRoute ?? DEFAULT_MAX_ATTEMPTS_PER_ROUTE;
  const newId = monotonicFactory();

  return {
    async registerDfsp(dfspId, registration, context) {
      const { callbackSecret, ...rest } = registration;
      const parsed = DfspProfile.safeParse({
        ...rest,
        dfspId,
        secretFingerprint: secretFingerprint(callbackSecret),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new DomainError(
          'invalid_dfsp',
          issue?.message ?? 'invalid DFSP',
          issue?.path.map(String) ?? [],
        );
      }
      await secrets.save(dfspId, callbackSecret);
      const { appended } = await streams.dfsps(
        dfspId,
        { type: 'RegisterDfsp', profile: parsed.data, by: context.actor },
        context,
      );
      return { created: appended.some((event) => event.type === 'DfspRegistered') };
    },

    async suspendDfsp(dfspId, reason, context) {
      const command = {
        type: 'SuspendDfsp' as const,
        by: context.actor,
        ...(reason === undefined ? {} : { reason }),
      };
      await streams.dfsps(dfspId, command, context);
    },

    async resumeDfsp(dfspId, context) {
      await streams.dfsps(dfspId, { type: 'ResumeDfsp', by: context.actor }, context);
    },

    async publishRoutingRules(rules, context) {
      const named = dfspIdsNamedIn(rules);
      const known = new Set<string>();
      await Promise.all(
        [...named].map(async (dfspId) => {
          const { revision } = await streams.dfsps.load(dfspId);
          if (revision !== undefined) known.add(dfspId);
        }),
      );
      const { state } = await streams.routingRules(
        ROUTING_RULES_STREAM,
        { type: 'PublishRules', rules, by: context.actor, knownDfspIds: known },
        context,
      );
      return { version: state.version };
    },

    async currentRoutingRules() {
      const { state } = await streams.routingRules.load(ROUTING_RULES_STREAM);
      return { version: state.version, rules: state.rules };
    },

    async dryRunRouting(payment) {
      const amountMinor = withPath(['amount'], () => parseAmount(payment.amount, payment.currency));
      const context = await loadRoutingContext(streams);
      return withPath([], () =>
        context.route({ ...payment, paymentId: payment.paymentId ?? newId(), amountMinor }),
      );
    },

    async openBatch(input, context) {
      if (input.batchId !== undefined && !ULID.test(input.batchId)) {
        throw new DomainError('invalid_batch_id', 'batchId must be a ULID', ['batchId']);
      }
      const batchId = input.batchId ?? newId();
      const { appended } = await streams.batches(
        batchId,
        { type: 'OpenBatch', ...input, batchId },
        context,
      );
      return { batchId, created: appended.length > 0 };
    },

    async addPayments(batchId, payments, context) {
      const newPaymentIds = payments.map(() => newId());
      const { state } = await streams.batches(
        batchId,
        { type: 'AddPayments', payments, newPaymentIds },
        context,
      );
      const lines = linesByReference(state);
      return {
        payments: payments.map((payment) => {
          const line = lines.get(payment.reference);
          if (line === undefined)
            throw new Error(`reference ${payment.reference} missing after adding it`);
          return { reference: payment.reference, paymentId: line.paymentId };
        }),
      };
    },

    async submitBatch(batchId, context) {
      await streams.batches(batchId, { type: 'SubmitBatch', by: context.actor }, context);
    },

    async approveBatch(batchId, context) {
      await streams.batches(batchId, { type: 'ApproveBatch', by: context.actor }, context);
    },

    async cancelBatch(batchId, reason, context) {
      const command = {
        type: 'CancelBatch' as const,
        by: context.actor,
        ...(reason === undefined ? {} : { reason }),
      };
      await streams.batches(batchId, command, context);
    },

    async cancelPayment(paymentId, reason, context) {
      const command = {
        type: 'CancelPayment' as const,
        by: context.actor,
        ...(reason === undefined ? {} : { reason }),
      };
      await streams.payments(paymentId, command, context);
    },

    async retryPayment(paymentId, context) {
      const { state } = await streams.payments.load(paymentId);
      const payment = state.instructed;
      if (payment === undefined) throw new DomainError('payment_not_found', 'no such payment');
      const routing = await loadRoutingContext(streams);
      const decision = routing.route({ ...payment, amountMinor: BigInt(payment.amountMinor) });
      await streams.payments(
        paymentId,
        { type: 'RetryPayment', by: context.actor, decision },
        context,
      );
    },

    importStatement(dfspId, statement, contentSha256, context) {
      const succeededPayments = deps.succeededPayments ?? (async () => []);
      return importStatement(
        { store, streams, succeededPayments },
        dfspId,
        statement,
        contentSha256,
        context,
      );
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
    source: 'callback' | 'status_query',
    context: CommandContext,
  ): Promise<StatusReportOutcome> {
    const referenceId = report.referenceId;
    if (!ULID.test(referenceId)) return { referenceId, outcome: 'unknown_reference' };
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
const DEFAULT_MAX_ATTEMPTS_PER_ROUTE = 5;

/** The payment command a DFSP's report calls for, or none (pending, duplicate). */
function commandFor(
  dfspId: string,
  report: StatusReport,
  source: 'callback' | 'status_query',
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
        ...(report.reasonCode === undefined ? {} : { reasonCode: report.reasonCode }),
        ...(report.reasonMessage === undefined ? {} : { reasonMessage: report.reasonMessage }),
        ...(report.timestamp === undefined ? {} : { reportedAt: report.timestamp }),
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
