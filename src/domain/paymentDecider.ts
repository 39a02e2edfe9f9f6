import { assertNever } from './assertNever.js';
import { DomainError } from './domainError.js';
import { optional } from './optional.js';
import type { PaymentEvent, ReportSource } from './paymentEvents.js';
import { type ResolutionRequest, resolveInDoubt } from './paymentResolution.js';
import type { PaymentState, PaymentStatus } from './paymentState.js';
import { ERASURE_ACTOR, isErased, refuseErased } from './personalData.js';
import { type LineToReconcile, reconcileLine } from './reconciliation.js';
import type { RoutingDecision } from './routing.js';

type EventData<Type extends PaymentEvent['type']> = Extract<PaymentEvent, { type: Type }>['data'];

/** A DFSP's word on a payment, from its callback or a status query. */
export interface DfspStatusReport {
  readonly dfspId: string;
  readonly status: 'succeeded' | 'failed';
  readonly reasonCode?: string;
  readonly reasonMessage?: string;
  readonly reportedAt?: string;
  readonly source: ReportSource;
  /** The sending it answers, where the DFSP's protocol says. */
  readonly transactionId?: string;
}

/** How a sending ended without an acknowledgement (the dispatcher classifies it). */
export interface SubmissionFailure {
  readonly dfspId: string;
  /** The attempt this failure belongs to; a failure of an earlier attempt is ignored. */
  readonly attempt: number;
  readonly outcome: 'rejected' | 'unreachable' | 'unknown' | 'unsendable';
  readonly dfspMayHold: boolean;
  readonly retryable: boolean;
  readonly code?: string;
  readonly reason: string;
  /** When to send again, if the payment goes back to `routed`. */
  readonly retryAt: string;
  /** Sendings to one route after which a retryable failure becomes final. */
  readonly maxAttemptsPerRoute: number;
}

export type PaymentCommand =
  | { readonly type: 'InstructPayment'; readonly data: EventData<'PaymentInstructed'> }
  | { readonly type: 'RoutePayment'; readonly decision: RoutingDecision }
  | { readonly type: 'CancelPayment'; readonly by: string; readonly reason?: string }
  | {
      readonly type: 'SubmitPayment';
      readonly dfspId: string;
      readonly transactionId: string;
      readonly messageId: string;
      /** Now (ISO 8601): a payment whose retry time has not come is not sent yet. */
      readonly at: string;
    }
  | ({ readonly type: 'RecordSubmissionFailure' } & SubmissionFailure)
  | {
      readonly type: 'RecordNotHeld';
      readonly dfspId: string;
      readonly retryAt: string;
      /** Sendings to one route after which a payment the DFSP never took fails. */
      readonly maxAttemptsPerRoute: number;
    }
  | ({ readonly type: 'ApplyStatusReport' } & DfspStatusReport)
  | { readonly type: 'RetryPayment'; readonly by: string; readonly decision: RoutingDecision }
  | ({ readonly type: 'ResolvePayment' } & ResolutionRequest)
  | {
      readonly type: 'RecordAcceptance';
      readonly dfspId: string;
      /** The sending the DFSP answered: an answer to an older sending is not recorded. */
      readonly transactionId: string;
      readonly dfspTransactionId: string;
    }
  | { readonly type: 'ReconcileStatementLine'; readonly line: LineToReconcile };

/**
 * Statuses in which a payment has not been sent to any DFSP: it may still be routed or
 * cancelled.
 */
const NOT_SENT: ReadonlySet<PaymentStatus> = new Set(['pending', 'routed', 'unroutable']);

/**
 * The payment decider: one payment's life from instruction to a final status. Routing decisions
 * are made by the routing engine and arrive in the command; this decider checks that the payment
 * may still take one, and holds the rules of sending:
 *
 * - `submitted` means the DFSP it names may hold the payment; only that DFSP's own word (a
 *   refusal, a final status, or a status query that does not list it) moves it back to `routed`,
 *   and only from `routed` can it be routed elsewhere (invariant 1).
 * - A report agreeing with the status is a no-op; one contradicting a final status, or from a
 *   DFSP the payment is not with, is recorded once as a conflict and not applied (invariant 5).
 *
 * @example
 * const events = paymentDecider.decide({ type: 'CancelPayment', by: 'user:alice' }, state);
 */
export const paymentDecider = {
  initialState(): PaymentState {
    return {
      status: 'none',
      attempts: 0,
      attemptsOnRoute: 0,
      conflicts: [],
      reconciliation: 'unreconciled',
      mismatches: [],
    };
  },

  evolve(state: PaymentState, event: PaymentEvent): PaymentState {
    switch (event.type) {
      case 'PaymentInstructed':
        return { ...paymentDecider.initialState(), status: 'pending', instructed: event.data };
      case 'PaymentRouted': {
        const { statusReason: _reason, retryAt: _retryAt, ...rest } = state;
        return {
          ...rest,
          status: 'routed',
          dfspId: event.data.dfspId,
          ruleId: event.data.ruleId,
          rulesVersion: event.data.rulesVersion,
          attemptsOnRoute: 0,
        };
      }
      case 'PaymentUnroutable':
        return withoutRoute(state, event.data.reason, event.data.rulesVersion);
      case 'PaymentCancelled':
        return { ...state, status: 'cancelled' };
      case 'PaymentSubmitted': {
        const { statusReason: _reason, retryAt: _retryAt, ...settled } = state;
        const { inDoubt: _doubt, proposal: _proposal, ...rest } = settled;
        return {
          ...rest,
          status: 'submitted',
          dfspId: event.data.dfspId,
          transactionId: event.data.transactionId,
          attempts: event.data.attempt,
          attemptsOnRoute: state.attemptsOnRoute + 1,
        };
      }
      case 'PaymentSubmissionFailed':
        return {
          ...state,
          inDoubt: event.data.dfspMayHold,
          status: event.data.dfspMayHold ? 'submitted' : 'routed',
          statusReason: event.data.reason,
          ...optional('retryAt', event.data.retryAt),
        };
      case 'PaymentSucceeded': {
        const { statusReason: _reason, inDoubt: _doubt, proposal: _proposal, ...rest } = state;
        return { ...rest, status: 'succeeded', dfspId: event.data.dfspId };
      }
      case 'PaymentFailed':
        return {
          ...settledDoubt(state),
          status: 'failed',
          dfspId: event.data.dfspId,
          statusReason: event.data.reasonCode,
        };
      case 'PaymentStatusConflicted':
        return { ...state, conflicts: [...state.conflicts, conflictKey(event.data)] };
      case 'PaymentReconciled':
        return { ...state, reconciliation: 'matched' };
      case 'PaymentReconciliationMismatched': {
        const key = `${event.data.statementId}|${event.data.kind}`;
        return { ...state, reconciliation: 'mismatched', mismatches: [...state.mismatches, key] };
      }
      case 'PaymentReturned':
        return { ...state, status: 'returned' };
      case 'PaymentResolutionProposed': {
        const { outcome, evidence, by } = event.data;
        return { ...state, proposal: { outcome, evidence, by } };
      }
      case 'PaymentResolved':
        return settledDoubt(state);
      case 'PaymentAcceptedByDfsp':
        return { ...state, dfspTransactionId: event.data.dfspTransactionId };
      case 'PaymentRetried': {
        const {
          dfspId: _dfsp,
          ruleId: _rule,
          statusReason: _reason,
          retryAt: _at,
          ...rest
        } = state;
        return { ...rest, status: 'pending', attemptsOnRoute: 0 };
      }
      default:
        return assertNever(event);
    }
  },

  decide(command: PaymentCommand, state: PaymentState): PaymentEvent[] {
    switch (command.type) {
      case 'InstructPayment':
        return state.status === 'none' ? [{ type: 'PaymentInstructed', data: command.data }] : [];
      case 'RoutePayment':
        return route(command.decision, state);
      case 'CancelPayment':
        return cancel(command, state);
      case 'SubmitPayment':
        return submit(command, state);
      case 'RecordSubmissionFailure':
        return recordFailure(command, state);
      case 'RecordNotHeld':
        return recordNotHeld(command, state);
      case 'ApplyStatusReport':
        return applyReport(command, state);
      case 'RetryPayment':
        return retry(command, state);
      case 'ResolvePayment':
        return resolveInDoubt(command, state);
      case 'RecordAcceptance':
        return recordAcceptance(command, state);
      case 'ReconcileStatementLine':
        return reconcileLine(state, command.line).events;
      default:
        return assertNever(command);
    }
  },
};

function route(decision: RoutingDecision, state: PaymentState): PaymentEvent[] {
  const paymentId = requireInstructed(state).paymentId;
  if (!NOT_SENT.has(state.status)) return [];
  if (decision.outcome === 'routed') {
    const unchanged =
      state.status === 'routed' &&
      state.dfspId === decision.dfspId &&
      state.ruleId === decision.ruleId &&
      state.rulesVersion === decision.rulesVersion;
    if (unchanged) return [];
    const { dfspId, ruleId, rulesVersion, via } = decision;
    return [{ type: 'PaymentRouted', data: { paymentId, dfspId, ruleId, rulesVersion, via } }];
  }
  if (state.status === 'unroutable' && state.statusReason === decision.reason) return [];
  return [
    {
      type: 'PaymentUnroutable',
      data: { paymentId, reason: decision.reason, rulesVersion: decision.rulesVersion },
    },
  ];
}

function cancel(command: Extract<PaymentCommand, { type: 'CancelPayment' }>, state: PaymentState) {
  const paymentId = requireInstructed(state).paymentId;
  if (state.status === 'cancelled') return [];
  if (!NOT_SENT.has(state.status)) {
    throw new DomainError(
      'payment_already_sent',
      `payment is ${state.status}: only a payment not yet sent can be cancelled`,
    );
  }
  return [
    {
      type: 'PaymentCancelled' as const,
      data: {
        paymentId,
        by: command.by,
        ...optional('reason', command.reason),
      },
    },
  ];
}

/**
 * Only a payment routed to this DFSP, and past its retry time, is sent to it; anything else
 * moved it meanwhile, or it is not due yet.
 */
function submit(
  command: Extract<PaymentCommand, { type: 'SubmitPayment' }>,
  state: PaymentState,
): PaymentEvent[] {
  const instructed = requireInstructed(state);
  const paymentId = instructed.paymentId;
  if (state.status !== 'routed' || state.dfspId !== command.dfspId) return [];
  // Erased after its erasure looked for unsent payments: it is cancelled, never sent.
  if (isErased(instructed)) {
    const data = { paymentId, by: ERASURE_ACTOR, reason: 'beneficiary erased' };
    return [{ type: 'PaymentCancelled', data }];
  }
  if (state.retryAt !== undefined && Date.parse(state.retryAt) > Date.parse(command.at)) return [];
  const { dfspId, transactionId, messageId } = command;
  const data = { paymentId, dfspId, transactionId, messageId, attempt: state.attempts + 1 };
  return [{ type: 'PaymentSubmitted', data }];
}

/**
 * A failure of the current sending. One the DFSP cannot hold ends the payment when it is not
 * retryable, or when this route has had its attempts; one it may hold leaves it `submitted`.
 */
function recordFailure(failure: SubmissionFailure, state: PaymentState): PaymentEvent[] {
  const paymentId = requireInstructed(state).paymentId;
  const current =
    state.status === 'submitted' &&
    state.dfspId === failure.dfspId &&
    state.attempts === failure.attempt;
  if (!current) return [];
  const { dfspId, attempt, outcome, dfspMayHold, retryable, reason } = failure;
  const final =
    !dfspMayHold && (!retryable || state.attemptsOnRoute >= failure.maxAttemptsPerRoute);
  const failed: PaymentEvent = {
    type: 'PaymentSubmissionFailed',
    data: {
      paymentId,
      dfspId,
      attempt,
      outcome,
      dfspMayHold,
      retryable,
      reason,
      ...optional('code', failure.code),
      ...(final || dfspMayHold ? {} : { retryAt: failure.retryAt }),
    },
  };
  if (!final) return [failed];
  const reasonCode = retryable
    ? 'dispatch.attempts_exhausted'
    : (failure.code ?? 'dispatch.rejected');
  return [
    failed,
    {
      type: 'PaymentFailed',
      data: { paymentId, dfspId, reasonCode, reasonMessage: reason, source: 'dispatcher' },
    },
  ];
}

/**
 * A status query the DFSP answered without the payment: it does not hold it. It is sent again,
 * unless this route has had its attempts (a DFSP that keeps losing it): then it fails.
 */
function recordNotHeld(
  command: Extract<PaymentCommand, { type: 'RecordNotHeld' }>,
  state: PaymentState,
): PaymentEvent[] {
  const paymentId = requireInstructed(state).paymentId;
  const { dfspId } = command;
  if (state.status !== 'submitted' || state.dfspId !== dfspId) return [];
  const final = state.attemptsOnRoute >= command.maxAttemptsPerRoute;
  const reason = 'the DFSP answered a status query without this payment: it does not hold it';
  const notHeld: PaymentEvent = {
    type: 'PaymentSubmissionFailed',
    data: {
      paymentId,
      dfspId,
      attempt: state.attempts,
      outcome: 'not_held',
      dfspMayHold: false,
      retryable: true,
      reason,
      ...(final ? {} : { retryAt: command.retryAt }),
    },
  };
  if (!final) return [notHeld];
  const reasonCode = 'dispatch.attempts_exhausted';
  return [
    notHeld,
    {
      type: 'PaymentFailed',
      data: { paymentId, dfspId, reasonCode, reasonMessage: reason, source: 'dispatcher' },
    },
  ];
}

function applyReport(report: DfspStatusReport, state: PaymentState): PaymentEvent[] {
  const paymentId = requireInstructed(state).paymentId;
  if (answersEarlierSending(report, state)) return [];
  const { dfspId, source } = report;
  const withDfsp = state.dfspId === dfspId;
  const reportedAt = optional('reportedAt', report.reportedAt);
  if (withDfsp && (state.status === 'routed' || state.status === 'submitted')) {
    if (report.status === 'succeeded') {
      return [{ type: 'PaymentSucceeded', data: { paymentId, dfspId, source, ...reportedAt } }];
    }
    const data = {
      paymentId,
      dfspId,
      reasonCode: report.reasonCode ?? 'rjct.unspecified',
      source,
      ...optional('reasonMessage', report.reasonMessage),
      ...reportedAt,
    };
    return [{ type: 'PaymentFailed', data }];
  }
  const agrees =
    withDfsp &&
    (report.status === 'succeeded'
      ? state.status === 'succeeded' || state.status === 'returned'
      : state.status === 'failed');
  if (agrees) return [];
  const conflict = {
    paymentId,
    dfspId,
    reported: report.status,
    source,
    ledgerStatus: state.status,
    ...optional('reasonCode', report.reasonCode),
    ...optional('ledgerDfspId', state.dfspId),
    ...reportedAt,
  };
  if (state.conflicts.includes(conflictKey(conflict))) return [];
  return [{ type: 'PaymentStatusConflicted', data: conflict }];
}

/**
 * A refusal bound to a sending that has ended (a replayed or late `rjct` after the payment failed
 * and was retried, or after a sending failed and the payment went back to `routed`) says nothing
 * about the payment now: applied, it would fail a sending it does not answer, so it changes
 * nothing. Only a payment that has had a sending is judged so: a report that comes before any
 * sending is applied as before. A success is not judged by its sending: money moved under the
 * payment's id, whichever request carried it.
 */
function answersEarlierSending(report: DfspStatusReport, state: PaymentState): boolean {
  if (report.status !== 'failed' || report.transactionId === undefined) return false;
  if (state.transactionId === undefined) return false;
  if (state.status === 'submitted') return report.transactionId !== state.transactionId;
  // Routed again: every sending so far has ended, and the next one has not left yet.
  return state.status === 'routed';
}

function retry(
  command: Extract<PaymentCommand, { type: 'RetryPayment' }>,
  state: PaymentState,
): PaymentEvent[] {
  const instructed = requireInstructed(state);
  if (state.status !== 'failed') {
    throw new DomainError(
      'payment_not_failed',
      `payment is ${state.status}: only a failed payment can be retried`,
    );
  }
  refuseErased(instructed);
  const paymentId = instructed.paymentId;
  const retried: PaymentEvent = { type: 'PaymentRetried', data: { paymentId, by: command.by } };
  return [retried, ...route(command.decision, paymentDecider.evolve(state, retried))];
}

function conflictKey(report: {
  readonly dfspId: string;
  readonly reported: string;
  readonly reasonCode?: string | undefined;
  readonly ledgerStatus: string;
}): string {
  return [report.dfspId, report.reported, report.reasonCode ?? '', report.ledgerStatus].join('|');
}

/** The DFSP's id of the payment, recorded once per sending it answers (and only while sent). */
function recordAcceptance(
  command: Extract<PaymentCommand, { type: 'RecordAcceptance' }>,
  state: PaymentState,
): PaymentEvent[] {
  const paymentId = requireInstructed(state).paymentId;
  const { dfspId, transactionId, dfspTransactionId } = command;
  const answersThisSending =
    state.dfspId === dfspId &&
    state.transactionId === transactionId &&
    (state.status === 'submitted' || state.status === 'succeeded' || state.status === 'failed');
  if (!answersThisSending || state.dfspTransactionId === dfspTransactionId) return [];
  return [
    {
      type: 'PaymentAcceptedByDfsp',
      data: { paymentId, dfspId, transactionId, dfspTransactionId },
    },
  ];
}

/** The state without its doubt and any proposal: the DFSP's word or operators settled it. */
function settledDoubt(state: PaymentState): PaymentState {
  const { inDoubt: _doubt, proposal: _proposal, ...rest } = state;
  return rest;
}

function withoutRoute(state: PaymentState, reason: string, rulesVersion: number): PaymentState {
  const { dfspId: _dfsp, ruleId: _rule, ...rest } = state;
  return { ...rest, status: 'unroutable', statusReason: reason, rulesVersion };
}

function requireInstructed(state: PaymentState) {
  if (state.instructed === undefined) throw new DomainError('payment_not_found', 'no such payment');
  return state.instructed;
}
