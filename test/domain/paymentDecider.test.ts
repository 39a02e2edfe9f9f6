import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/domainError.js';
import { assertValidEvent } from '../../src/domain/eventRegistry.js';
import {
  type PaymentCommand,
  paymentDecider,
  type SubmissionFailure,
} from '../../src/domain/paymentDecider.js';
import type { PaymentEvent } from '../../src/domain/paymentEvents.js';
import type { PaymentState } from '../../src/domain/paymentState.js';
import type { RoutingDecision } from '../../src/domain/routing.js';

/**
 * The payment decider's rules of sending and reporting, as specifications: given these past
 * events, when this command, then these events (or this refusal). Invariants 1 (never pay twice)
 * and 5 (terminal is terminal) live here.
 */

const paymentId = ulid();
const transactionId = ulid();
const NOW = '2026-11-28T10:00:00.000Z';

const instructed: PaymentEvent = {
  type: 'PaymentInstructed',
  data: {
    paymentId,
    batchId: ulid(),
    programId: 'CT-OVC',
    reference: 'ref-1',
    beneficiaryId: 'ben-1',
    payeeFa: 'account:0001@bank-a',
    amountMinor: '150000',
    currency: 'KES',
  },
};
const routedTo = (dfspId: string): PaymentEvent => ({
  type: 'PaymentRouted',
  data: { paymentId, dfspId, ruleId: 'r1', rulesVersion: 1, via: 'route' },
});
const submittedTo = (dfspId: string, attempt = 1): PaymentEvent => ({
  type: 'PaymentSubmitted',
  data: { paymentId, dfspId, transactionId, messageId: `m-${attempt}`, attempt },
});

function given(...events: PaymentEvent[]): PaymentState {
  return events.reduce(paymentDecider.evolve, paymentDecider.initialState());
}

/** Decides, and checks every event against its schema as the command handler does. */
function when(state: PaymentState, command: PaymentCommand): PaymentEvent[] {
  const events = paymentDecider.decide(command, state);
  for (const event of events) assertValidEvent(event);
  return events;
}

function refusal(state: PaymentState, command: PaymentCommand): DomainError {
  try {
    paymentDecider.decide(command, state);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('the command was not refused');
}

const submit = (dfspId: string, at = NOW): PaymentCommand => ({
  type: 'SubmitPayment',
  dfspId,
  transactionId,
  messageId: 'm-next',
  at,
});

const failure = (overrides: Partial<SubmissionFailure> = {}): PaymentCommand => ({
  type: 'RecordSubmissionFailure',
  dfspId: 'bank-a',
  attempt: 1,
  outcome: 'unreachable',
  dfspMayHold: false,
  retryable: true,
  reason: 'connection refused',
  retryAt: '2026-11-28T10:00:05.000Z',
  maxAttemptsPerRoute: 3,
  ...overrides,
});

const report = (
  dfspId: string,
  status: 'succeeded' | 'failed',
  reasonCode?: string,
): PaymentCommand => ({
  type: 'ApplyStatusReport',
  dfspId,
  status,
  source: 'callback',
  ...(reasonCode === undefined ? {} : { reasonCode }),
});

const notHeld = (dfspId: string): PaymentCommand => ({
  type: 'RecordNotHeld',
  dfspId,
  retryAt: NOW,
  maxAttemptsPerRoute: 3,
});

const routedDecision = (dfspId: string): RoutingDecision => ({
  outcome: 'routed',
  dfspId,
  ruleId: 'r1',
  rulesVersion: 2,
  via: 'fallback',
});

describe('sending a payment', () => {
  it('records the first sending to the DFSP it is routed to as attempt 1', () => {
    expect(when(given(instructed, routedTo('bank-a')), submit('bank-a'))).toEqual([
      {
        type: 'PaymentSubmitted',
        data: { paymentId, dfspId: 'bank-a', transactionId, messageId: 'm-next', attempt: 1 },
      },
    ]);
  });

  it('sends nothing when the payment is routed elsewhere, already submitted, or final', () => {
    expect(when(given(instructed, routedTo('bank-b')), submit('bank-a'))).toEqual([]);
    expect(
      when(given(instructed, routedTo('bank-a'), submittedTo('bank-a')), submit('bank-a')),
    ).toEqual([]);
    const cancelled: PaymentEvent = { type: 'PaymentCancelled', data: { paymentId, by: 'user:o' } };
    expect(when(given(instructed, routedTo('bank-a'), cancelled), submit('bank-a'))).toEqual([]);
  });

  it('holds a payment back until its retry time has come', () => {
    const state = given(instructed, routedTo('bank-a'), submittedTo('bank-a'));
    const back = when(state, failure());
    const waiting = given(instructed, routedTo('bank-a'), submittedTo('bank-a'), ...back);
    expect(when(waiting, submit('bank-a', '2026-11-28T10:00:04.999Z'))).toEqual([]);
    expect(when(waiting, submit('bank-a', '2026-11-28T10:00:05.000Z'))).toMatchObject([
      { type: 'PaymentSubmitted', data: { attempt: 2 } },
    ]);
  });
});

describe('a sending that failed', () => {
  const sent = given(instructed, routedTo('bank-a'), submittedTo('bank-a'));

  it('puts a payment the DFSP cannot hold back in the queue, with its retry time', () => {
    const events = when(sent, failure());
    expect(events).toEqual([
      {
        type: 'PaymentSubmissionFailed',
        data: {
          paymentId,
          dfspId: 'bank-a',
          attempt: 1,
          outcome: 'unreachable',
          dfspMayHold: false,
          retryable: true,
          reason: 'connection refused',
          retryAt: '2026-11-28T10:00:05.000Z',
        },
      },
    ]);
    expect(events.reduce(paymentDecider.evolve, sent).status).toBe('routed');
  });

  it('leaves a payment the DFSP may hold submitted, so nothing can route it elsewhere', () => {
    const events = when(
      sent,
      failure({ outcome: 'unknown', dfspMayHold: true, reason: 'timeout' }),
    );
    const after = events.reduce(paymentDecider.evolve, sent);
    expect(after.status).toBe('submitted');
    expect(events[0]?.data).not.toHaveProperty('retryAt');
    expect(when(after, { type: 'RoutePayment', decision: routedDecision('bank-b') })).toEqual([]);
    expect(when(after, submit('bank-a'))).toEqual([]);
  });

  it('fails the payment at once when the refusal is not transient', () => {
    const events = when(
      sent,
      failure({ outcome: 'rejected', retryable: false, code: 'err.request.bad', reason: 'bad' }),
    );
    expect(events.map((event) => event.type)).toEqual(['PaymentSubmissionFailed', 'PaymentFailed']);
    expect(events[1]?.data).toMatchObject({ reasonCode: 'err.request.bad', source: 'dispatcher' });
  });

  it('fails the payment when its route has had its attempts', () => {
    const third = given(
      instructed,
      routedTo('bank-a'),
      submittedTo('bank-a', 1),
      ...when(sent, failure()),
      submittedTo('bank-a', 2),
    );
    const afterSecond = when(third, failure({ attempt: 2 })).reduce(paymentDecider.evolve, third);
    const last = given(
      instructed,
      routedTo('bank-a'),
      submittedTo('bank-a', 1),
      ...when(sent, failure()),
      submittedTo('bank-a', 2),
      ...when(third, failure({ attempt: 2 })),
      submittedTo('bank-a', 3),
    );
    expect(afterSecond.status).toBe('routed');
    expect(when(last, failure({ attempt: 3 })).map((event) => event.type)).toEqual([
      'PaymentSubmissionFailed',
      'PaymentFailed',
    ]);
    expect(when(last, failure({ attempt: 3 }))[1]?.data).toMatchObject({
      reasonCode: 'dispatch.attempts_exhausted',
    });
  });

  it('never fails a payment the DFSP may hold, however many attempts', () => {
    const many = given(instructed, routedTo('bank-a'), submittedTo('bank-a', 9));
    const events = when(many, failure({ attempt: 9, outcome: 'unknown', dfspMayHold: true }));
    expect(events.map((event) => event.type)).toEqual(['PaymentSubmissionFailed']);
  });

  it('ignores a failure of an earlier attempt, or one after the DFSP already reported', () => {
    const resent = given(instructed, routedTo('bank-a'), submittedTo('bank-a', 2));
    expect(when(resent, failure({ attempt: 1 }))).toEqual([]);
    const paid = given(instructed, routedTo('bank-a'), submittedTo('bank-a'), {
      type: 'PaymentSucceeded',
      data: { paymentId, dfspId: 'bank-a', source: 'callback' },
    });
    expect(when(paid, failure())).toEqual([]);
  });
});

describe('a status query that does not list the payment', () => {
  it('sends a submitted payment back to routed: the DFSP does not hold it', () => {
    const sent = given(instructed, routedTo('bank-a'), submittedTo('bank-a'));
    const events = when(sent, notHeld('bank-a'));
    expect(events).toMatchObject([
      { type: 'PaymentSubmissionFailed', data: { outcome: 'not_held', dfspMayHold: false } },
    ]);
    const after = events.reduce(paymentDecider.evolve, sent);
    expect(after.status).toBe('routed');
    // Only now may it be routed elsewhere.
    expect(when(after, { type: 'RoutePayment', decision: routedDecision('bank-b') })).toMatchObject(
      [{ type: 'PaymentRouted', data: { dfspId: 'bank-b' } }],
    );
  });

  it('fails a payment its DFSP has not taken in as many sendings as a route may have', () => {
    const lost: PaymentEvent[] = [1, 2].flatMap((attempt) => [
      submittedTo('bank-a', attempt),
      ...when(
        given(instructed, routedTo('bank-a'), submittedTo('bank-a', attempt)),
        notHeld('bank-a'),
      ),
    ]);
    const third = given(instructed, routedTo('bank-a'), ...lost, submittedTo('bank-a', 3));
    expect(third.attemptsOnRoute).toBe(3);
    expect(when(third, notHeld('bank-a'))).toMatchObject([
      { type: 'PaymentSubmissionFailed', data: { outcome: 'not_held' } },
      { type: 'PaymentFailed', data: { reasonCode: 'dispatch.attempts_exhausted' } },
    ]);
  });

  it('changes nothing when another DFSP is asked, or the payment is final', () => {
    const sent = given(instructed, routedTo('bank-a'), submittedTo('bank-a'));
    expect(when(sent, notHeld('bank-b'))).toEqual([]);
    const paid = given(instructed, routedTo('bank-a'), submittedTo('bank-a'), {
      type: 'PaymentSucceeded',
      data: { paymentId, dfspId: 'bank-a', source: 'callback' },
    });
    expect(when(paid, notHeld('bank-a'))).toEqual([]);
  });
});

describe("a DFSP's status report", () => {
  const sent = given(instructed, routedTo('bank-a'), submittedTo('bank-a'));

  it('applies a success once: the same report again changes nothing', () => {
    const events = when(sent, report('bank-a', 'succeeded'));
    expect(events).toEqual([
      { type: 'PaymentSucceeded', data: { paymentId, dfspId: 'bank-a', source: 'callback' } },
    ]);
    expect(when(events.reduce(paymentDecider.evolve, sent), report('bank-a', 'succeeded'))).toEqual(
      [],
    );
  });

  it('applies a rejection with its reason code', () => {
    const events = when(sent, report('bank-a', 'failed', 'rjct.payee_fa.invalid'));
    expect(events).toMatchObject([
      { type: 'PaymentFailed', data: { reasonCode: 'rjct.payee_fa.invalid', source: 'callback' } },
    ]);
    expect(events.reduce(paymentDecider.evolve, sent)).toMatchObject({
      status: 'failed',
      statusReason: 'rjct.payee_fa.invalid',
    });
  });

  it('applies a report that arrives before the sending was recorded', () => {
    expect(
      when(given(instructed, routedTo('bank-a')), report('bank-a', 'succeeded')),
    ).toMatchObject([{ type: 'PaymentSucceeded' }]);
  });

  it('records a report contradicting a final status as a conflict, once, and applies nothing', () => {
    const failed = when(sent, report('bank-a', 'failed', 'rjct.amount.invalid')).reduce(
      paymentDecider.evolve,
      sent,
    );
    const conflict = when(failed, report('bank-a', 'succeeded'));
    expect(conflict).toEqual([
      {
        type: 'PaymentStatusConflicted',
        data: {
          paymentId,
          dfspId: 'bank-a',
          reported: 'succeeded',
          source: 'callback',
          ledgerStatus: 'failed',
          ledgerDfspId: 'bank-a',
        },
      },
    ]);
    const after = conflict.reduce(paymentDecider.evolve, failed);
    expect(after.status).toBe('failed');
    expect(when(after, report('bank-a', 'succeeded'))).toEqual([]);
  });

  it('records a success for a cancelled payment as a conflict', () => {
    const cancelled = given(instructed, routedTo('bank-a'), {
      type: 'PaymentCancelled',
      data: { paymentId, by: 'user:olive' },
    });
    expect(when(cancelled, report('bank-a', 'succeeded'))).toMatchObject([
      { type: 'PaymentStatusConflicted', data: { ledgerStatus: 'cancelled' } },
    ]);
  });

  it('records a report from a DFSP the payment is not with as a conflict', () => {
    expect(when(sent, report('bank-b', 'succeeded'))).toMatchObject([
      { type: 'PaymentStatusConflicted', data: { dfspId: 'bank-b', ledgerDfspId: 'bank-a' } },
    ]);
  });

  it('refuses a report for a payment that does not exist', () => {
    expect(refusal(paymentDecider.initialState(), report('bank-a', 'succeeded')).code).toBe(
      'payment_not_found',
    );
  });
});

describe('retrying a failed payment', () => {
  const failed = given(instructed, routedTo('bank-a'), submittedTo('bank-a'), {
    type: 'PaymentFailed',
    data: { paymentId, dfspId: 'bank-a', reasonCode: 'rjct.payee_fa.invalid', source: 'callback' },
  });

  it('routes it afresh under the same payment id', () => {
    const events = when(failed, {
      type: 'RetryPayment',
      by: 'user:olive',
      decision: routedDecision('bank-b'),
    });
    expect(events.map((event) => event.type)).toEqual(['PaymentRetried', 'PaymentRouted']);
    const after = events.reduce(paymentDecider.evolve, failed);
    expect(after).toMatchObject({ status: 'routed', dfspId: 'bank-b', attempts: 1 });
    expect(after.instructed?.paymentId).toBe(paymentId);
  });

  it('refuses a payment that has not failed', () => {
    const command: PaymentCommand = {
      type: 'RetryPayment',
      by: 'user:olive',
      decision: routedDecision('bank-b'),
    };
    expect(refusal(given(instructed, routedTo('bank-a')), command).code).toBe('payment_not_failed');
  });
});
