import { assertNever } from './assertNever.js';
import { DomainError } from './domainError.js';
import type { PaymentEvent } from './paymentEvents.js';
import type { RoutingDecision } from './routing.js';

export type PaymentCommand =
  | {
      readonly type: 'InstructPayment';
      readonly data: Extract<PaymentEvent, { type: 'PaymentInstructed' }>['data'];
    }
  | { readonly type: 'RoutePayment'; readonly decision: RoutingDecision }
  | { readonly type: 'CancelPayment'; readonly by: string; readonly reason?: string };

export type PaymentStatus =
  | 'none'
  | 'pending'
  | 'routed'
  | 'unroutable'
  | 'submitted'
  | 'succeeded'
  | 'failed'
  | 'returned'
  | 'cancelled';

export interface PaymentState {
  readonly status: PaymentStatus;
  readonly instructed?: Extract<PaymentEvent, { type: 'PaymentInstructed' }>['data'];
  readonly dfspId?: string;
  readonly ruleId?: string;
  readonly rulesVersion?: number;
  readonly statusReason?: string;
}

/** Statuses in which a payment has not been sent to any DFSP: it may still be routed or cancelled. */
const NOT_SENT: ReadonlySet<PaymentStatus> = new Set(['pending', 'routed', 'unroutable']);

/**
 * The payment decider: one payment's life from instruction to a final status. Routing decisions
 * are made by the routing engine and arrive in the command; this decider only checks that the
 * payment may still take one.
 *
 * @example
 * const events = paymentDecider.decide({ type: 'CancelPayment', by: 'user:alice' }, state);
 */
export const paymentDecider = {
  initialState(): PaymentState {
    return { status: 'none' };
  },

  evolve(state: PaymentState, event: PaymentEvent): PaymentState {
    switch (event.type) {
      case 'PaymentInstructed':
        return { status: 'pending', instructed: event.data };
      case 'PaymentRouted':
        return {
          ...state,
          status: 'routed',
          dfspId: event.data.dfspId,
          ruleId: event.data.ruleId,
          rulesVersion: event.data.rulesVersion,
        };
      case 'PaymentUnroutable':
        return withoutRoute(state, event.data.reason, event.data.rulesVersion);
      case 'PaymentCancelled':
        return { ...state, status: 'cancelled' };
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
        ...(command.reason === undefined ? {} : { reason: command.reason }),
      },
    },
  ];
}

function withoutRoute(state: PaymentState, reason: string, rulesVersion: number): PaymentState {
  const { dfspId: _dfsp, ruleId: _rule, ...rest } = state;
  return { ...rest, status: 'unroutable', statusReason: reason, rulesVersion };
}

function requireInstructed(state: PaymentState) {
  if (state.instructed === undefined) throw new DomainError('payment_not_found', 'no such payment');
  return state.instructed;
}
