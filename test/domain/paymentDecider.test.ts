import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { optional } from '../../src/domain/optional.js';
import {
  type PaymentCommand,
  paymentDecider,
  type SubmissionFailure,
} from '../../src/domain/paymentDecider.js';
import type { PaymentEvent } from '../../src/domain/paymentEvents.js';
import type { RoutingDecision } from '../../src/domain/routing.js';
import { deciderSpecification } from '../support/deciderSpecification.js';

/**
 * The payment decider's rules of sending and reporting, as specifications: given these past
 * events, when this command, then these events (or this refusal). Invariants 1 (never pay twice)
 * and 5 (terminal is terminal) live here. A few facts are a status or a counter, not an event:
 * those are checked on `stateAfter`, as Emmett's specification compares events only.
 */

const { given, stateAfter } = deciderSpecification(paymentDecider);

const paymentId = ulid();
const transactionId = ulid();
const NOW = '2026-11-28T10:00:00.000Z';
const RETRY_AT = '2026-11-28T10:00:05.000Z';

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
/** bank-a could not be reached on this attempt; it does not hold the payment. */
const notSent = (attempt: number): PaymentEvent => ({
  type: 'PaymentSubmissionFailed',
  data: {
    paymentId,
    dfspId: 'bank-a',
    attempt,
    outcome: 'unreachable',
    dfspMayHold: false,
    retryable: true,
    reason: 'connection refused',
    retryAt: RETRY_AT,
  },
});
/** A status query bank-a answered without the payment, after this attempt. */
const notHeldAfter = (attempt: number): PaymentEvent => ({
  type: 'PaymentSubmissionFailed',
  data: {
    paymentId,
    dfspId: 'bank-a',
    attempt,
    outcome: 'not_held',
    dfspMayHold: false,
    retryable: true,
    reason: 'the DFSP answered a status query without this payment: it does not hold it',
    retryAt: NOW,
  },
});
/** bank-a's answer to the first sending never came: it may hold the payment. */
const timedOut: PaymentEvent = {
  type: 'PaymentSubmissionFailed',
  data: {
    paymentId,
    dfspId: 'bank-a',
    attempt: 1,
    outcome: 'unknown',
    dfspMayHold: true,
    retryable: true,
    reason: 'timeout',
  },
};
const succeeded: PaymentEvent = {
  type: 'PaymentSucceeded',
  data: { paymentId, dfspId: 'bank-a', source: 'callback' },
};
const failedWith = (reasonCode: string): PaymentEvent => ({
  type: 'PaymentFailed',
  data: { paymentId, dfspId: 'bank-a', reasonCode, source: 'callback' },
});
const cancelledBy = (by: string): PaymentEvent => ({
  type: 'PaymentCancelled',
  data: { paymentId, by },
});

/** Instructed, routed to bank-a and sent to it (attempt 1). */
const sent = [instructed, routedTo('bank-a'), submittedTo('bank-a')];

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
  retryAt: RETRY_AT,
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
  ...optional('reasonCode', reasonCode),
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
    given([instructed, routedTo('bank-a')])
      .when(submit('bank-a'))
      .then([
        {
          type: 'PaymentSubmitted',
          data: { paymentId, dfspId: 'bank-a', transactionId, messageId: 'm-next', attempt: 1 },
        },
      ]);
  });

  it('sends nothing when the payment is routed elsewhere', () => {
    given([instructed, routedTo('bank-b')])
      .when(submit('bank-a'))
      .thenNothingHappened();
  });

  it('sends nothing when the payment is already submitted', () => {
    given(sent).when(submit('bank-a')).thenNothingHappened();
  });

  it('sends nothing when the payment is final', () => {
    given([instructed, routedTo('bank-a'), cancelledBy('user:o')])
      .when(submit('bank-a'))
      .thenNothingHappened();
  });

  it('holds a payment back while its retry time has not come', () => {
    given([...sent, notSent(1)])
      .when(submit('bank-a', '2026-11-28T10:00:04.999Z'))
      .thenNothingHappened();
  });

  it('sends a payment again, as attempt 2, once its retry time has come', () => {
    given([...sent, notSent(1)])
      .when(submit('bank-a', RETRY_AT))
      .thenMatches([{ type: 'PaymentSubmitted', data: { attempt: 2 } }]);
  });
});

describe('a sending that failed', () => {
  it('puts a payment the DFSP cannot hold back in the queue, with its retry time', () => {
    given(sent)
      .when(failure())
      .then([notSent(1)]);
  });

  it('leaves a payment the DFSP cannot hold routed', () => {
    expect(stateAfter([...sent, notSent(1)]).status).toBe('routed');
  });

  describe('one the DFSP may hold', () => {
    const mayHold = failure({ outcome: 'unknown', dfspMayHold: true, reason: 'timeout' });

    it('is recorded with no retry time', () => {
      given(sent).when(mayHold).then([timedOut]);
    });

    it('leaves the payment submitted', () => {
      expect(stateAfter([...sent, timedOut]).status).toBe('submitted');
    });

    it('lets nothing route the payment elsewhere', () => {
      given([...sent, timedOut])
        .when({ type: 'RoutePayment', decision: routedDecision('bank-b') })
        .thenNothingHappened();
    });

    it('lets nothing send the payment again', () => {
      given([...sent, timedOut])
        .when(submit('bank-a'))
        .thenNothingHappened();
    });
  });

  it('fails the payment at once when the refusal is not transient', () => {
    given(sent)
      .when(
        failure({ outcome: 'rejected', retryable: false, code: 'err.request.bad', reason: 'bad' }),
      )
      .thenMatches([
        { type: 'PaymentSubmissionFailed' },
        { type: 'PaymentFailed', data: { reasonCode: 'err.request.bad', source: 'dispatcher' } },
      ]);
  });

  describe('on a route that has had its attempts', () => {
    const second = [...sent, notSent(1), submittedTo('bank-a', 2)];
    const third = [...second, notSent(2), submittedTo('bank-a', 3)];

    it('keeps the payment in the queue after its second failed attempt', () => {
      given(second)
        .when(failure({ attempt: 2 }))
        .then([notSent(2)]);
    });

    it('leaves the payment routed after its second failed attempt', () => {
      expect(stateAfter([...second, notSent(2)]).status).toBe('routed');
    });

    it('fails the payment after its third', () => {
      given(third)
        .when(failure({ attempt: 3 }))
        .thenMatches([
          { type: 'PaymentSubmissionFailed' },
          { type: 'PaymentFailed', data: { reasonCode: 'dispatch.attempts_exhausted' } },
        ]);
    });
  });

  it('never fails a payment the DFSP may hold, however many attempts', () => {
    // The route has had its 3 sendings (maxAttemptsPerRoute): a failure it does not hold would
    // be final here, one it may hold is not.
    const third = [...sent, notSent(1), submittedTo('bank-a', 2), notSent(2)];
    given([...third, submittedTo('bank-a', 3)])
      .when(failure({ attempt: 3, outcome: 'unknown', dfspMayHold: true }))
      .thenMatches([
        { type: 'PaymentSubmissionFailed', data: { dfspMayHold: true, retryable: true } },
      ]);
  });

  it('ignores a failure of an earlier attempt', () => {
    given([instructed, routedTo('bank-a'), submittedTo('bank-a', 2)])
      .when(failure({ attempt: 1 }))
      .thenNothingHappened();
  });

  it('ignores a failure after the DFSP already reported', () => {
    given([...sent, succeeded])
      .when(failure())
      .thenNothingHappened();
  });
});

describe('a status query that does not list the payment', () => {
  it('records that the DFSP does not hold a submitted payment', () => {
    given(sent)
      .when(notHeld('bank-a'))
      .thenMatches([
        { type: 'PaymentSubmissionFailed', data: { outcome: 'not_held', dfspMayHold: false } },
      ]);
  });

  it('sends the payment back to routed', () => {
    expect(stateAfter([...sent, notHeldAfter(1)]).status).toBe('routed');
  });

  it('only then lets the payment be routed elsewhere', () => {
    given([...sent, notHeldAfter(1)])
      .when({ type: 'RoutePayment', decision: routedDecision('bank-b') })
      .thenMatches([{ type: 'PaymentRouted', data: { dfspId: 'bank-b' } }]);
  });

  describe('for the third sending on a route', () => {
    const third = [
      instructed,
      routedTo('bank-a'),
      submittedTo('bank-a', 1),
      notHeldAfter(1),
      submittedTo('bank-a', 2),
      notHeldAfter(2),
      submittedTo('bank-a', 3),
    ];

    it('counts every sending on the route, the ones not held too', () => {
      expect(stateAfter(third).attemptsOnRoute).toBe(3);
    });

    it('fails a payment its DFSP has not taken in as many sendings as a route may have', () => {
      given(third)
        .when(notHeld('bank-a'))
        .thenMatches([
          { type: 'PaymentSubmissionFailed', data: { outcome: 'not_held' } },
          { type: 'PaymentFailed', data: { reasonCode: 'dispatch.attempts_exhausted' } },
        ]);
    });
  });

  it('changes nothing when another DFSP is asked', () => {
    given(sent).when(notHeld('bank-b')).thenNothingHappened();
  });

  it('changes nothing when the payment is final', () => {
    given([...sent, succeeded])
      .when(notHeld('bank-a'))
      .thenNothingHappened();
  });
});

describe("a DFSP's status report", () => {
  it('applies a success', () => {
    given(sent).when(report('bank-a', 'succeeded')).then([succeeded]);
  });

  it('applies a success once: the same report again changes nothing', () => {
    given([...sent, succeeded])
      .when(report('bank-a', 'succeeded'))
      .thenNothingHappened();
  });

  it('applies a rejection with its reason code', () => {
    given(sent)
      .when(report('bank-a', 'failed', 'rjct.payee_fa.invalid'))
      .thenMatches([
        {
          type: 'PaymentFailed',
          data: { reasonCode: 'rjct.payee_fa.invalid', source: 'callback' },
        },
      ]);
  });

  it('leaves a rejected payment failed, with the reason code', () => {
    expect(stateAfter([...sent, failedWith('rjct.payee_fa.invalid')])).toMatchObject({
      status: 'failed',
      statusReason: 'rjct.payee_fa.invalid',
    });
  });

  it('applies a report that arrives before the sending was recorded', () => {
    given([instructed, routedTo('bank-a')])
      .when(report('bank-a', 'succeeded'))
      .thenMatches([{ type: 'PaymentSucceeded' }]);
  });

  describe('contradicting a final status', () => {
    const failed = [...sent, failedWith('rjct.amount.invalid')];
    const conflicted: PaymentEvent = {
      type: 'PaymentStatusConflicted',
      data: {
        paymentId,
        dfspId: 'bank-a',
        reported: 'succeeded',
        source: 'callback',
        ledgerStatus: 'failed',
        ledgerDfspId: 'bank-a',
      },
    };

    it('is recorded as a conflict', () => {
      given(failed).when(report('bank-a', 'succeeded')).then([conflicted]);
    });

    it('applies nothing: the payment stays failed', () => {
      expect(stateAfter([...failed, conflicted]).status).toBe('failed');
    });

    it('is recorded once: the same report again changes nothing', () => {
      given([...failed, conflicted])
        .when(report('bank-a', 'succeeded'))
        .thenNothingHappened();
    });
  });

  it('records a success for a cancelled payment as a conflict', () => {
    given([instructed, routedTo('bank-a'), cancelledBy('user:olive')])
      .when(report('bank-a', 'succeeded'))
      .thenMatches([{ type: 'PaymentStatusConflicted', data: { ledgerStatus: 'cancelled' } }]);
  });

  it('records a report from a DFSP the payment is not with as a conflict', () => {
    given(sent)
      .when(report('bank-b', 'succeeded'))
      .thenMatches([
        { type: 'PaymentStatusConflicted', data: { dfspId: 'bank-b', ledgerDfspId: 'bank-a' } },
      ]);
  });

  it('refuses a report for a payment that does not exist', () => {
    given([]).when(report('bank-a', 'succeeded')).thenThrows('payment_not_found');
  });
});

describe('retrying a failed payment', () => {
  const failed = [...sent, failedWith('rjct.payee_fa.invalid')];
  const retried: PaymentEvent = { type: 'PaymentRetried', data: { paymentId, by: 'user:olive' } };
  const reroutedToB: PaymentEvent = {
    type: 'PaymentRouted',
    data: { paymentId, dfspId: 'bank-b', ruleId: 'r1', rulesVersion: 2, via: 'fallback' },
  };
  const retry: PaymentCommand = {
    type: 'RetryPayment',
    by: 'user:olive',
    decision: routedDecision('bank-b'),
  };

  it('records the retry and routes the payment afresh', () => {
    given(failed).when(retry).then([retried, reroutedToB]);
  });

  it('keeps the payment id and the attempts so far on its new route', () => {
    const after = stateAfter([...failed, retried, reroutedToB]);
    expect(after).toMatchObject({ status: 'routed', dfspId: 'bank-b', attempts: 1 });
    expect(after.instructed?.paymentId).toBe(paymentId);
  });

  it('refuses a payment that has not failed', () => {
    given([instructed, routedTo('bank-a')])
      .when(retry)
      .thenThrows('payment_not_failed');
  });
});

describe('a report bound to the sending it answers', () => {
  const secondTransaction = ulid();
  /** Refused once by bank-a, retried, routed to bank-a again and sent under a new transaction. */
  const resent: PaymentEvent[] = [
    ...sent,
    failedWith('rjct.account.blocked'),
    { type: 'PaymentRetried', data: { paymentId, by: 'user:olive' } },
    routedTo('bank-a'),
    {
      type: 'PaymentSubmitted',
      data: {
        paymentId,
        dfspId: 'bank-a',
        transactionId: secondTransaction,
        messageId: 'm-2',
        attempt: 2,
      },
    },
  ];
  const answering = (status: 'succeeded' | 'failed', answers: string): PaymentCommand => ({
    type: 'ApplyStatusReport',
    dfspId: 'bank-a',
    status,
    source: 'callback',
    ...optional('reasonCode', status === 'failed' ? 'rjct.account.blocked' : undefined),
    transactionId: answers,
  });

  it('changes nothing for a refusal of an earlier sending (a replayed rjct after a retry)', () => {
    given(resent).when(answering('failed', transactionId)).thenNothingHappened();
  });

  it('changes nothing for a replayed refusal after a retry, before the payment is sent again', () => {
    given(resent.slice(0, -1)).when(answering('failed', transactionId)).thenNothingHappened();
  });

  it('records a refusal of the sending that succeeded as a conflict, as before', () => {
    given([...sent, succeeded])
      .when(answering('failed', transactionId))
      .thenMatches([{ type: 'PaymentStatusConflicted', data: { reported: 'failed' } }]);
  });

  it('fails the payment on a refusal of the sending in flight', () => {
    given(resent)
      .when(answering('failed', secondTransaction))
      .thenMatches([{ type: 'PaymentFailed', data: { reasonCode: 'rjct.account.blocked' } }]);
  });

  it('takes a success whichever sending it names: the money moved under the payment id', () => {
    given(resent)
      .when(answering('succeeded', transactionId))
      .thenMatches([{ type: 'PaymentSucceeded', data: { dfspId: 'bank-a' } }]);
  });

  it('judges a refusal that names no sending as before', () => {
    given(resent)
      .when(report('bank-a', 'failed', 'rjct.account.blocked'))
      .thenMatches([{ type: 'PaymentFailed' }]);
  });
});

describe('resolving a payment in doubt, four eyes', () => {
  const sentToBankA = [instructed, routedTo('bank-a'), submittedTo('bank-a')];
  const inDoubt = [...sentToBankA, timedOut];
  const resolve = (
    by: string,
    outcome: 'succeeded' | 'failed',
    roles: { propose: boolean; confirm: boolean },
    evidence?: string,
  ): PaymentCommand => ({
    type: 'ResolvePayment',
    outcome,
    by,
    mayPropose: roles.propose,
    mayConfirm: roles.confirm,
    ...optional('evidence', evidence),
  });
  const OPERATOR = { propose: true, confirm: false };
  const APPROVER = { propose: false, confirm: true };
  const proposed: PaymentEvent = {
    type: 'PaymentResolutionProposed',
    data: {
      paymentId,
      dfspId: 'bank-a',
      outcome: 'succeeded',
      evidence: 'statement 7Q2M line 4',
      by: 'user:olive',
    },
  };

  it('is in doubt once its sending has an unknown outcome, and not once it is acknowledged', () => {
    expect(stateAfter(inDoubt).inDoubt).toBe(true);
    expect(stateAfter(sentToBankA).inDoubt).toBeUndefined();
  });

  it('records an operator proposal with its evidence, and changes nothing else', () => {
    given(inDoubt)
      .when(resolve('user:olive', 'succeeded', OPERATOR, 'statement 7Q2M line 4'))
      .then([proposed]);
    expect(stateAfter([...inDoubt, proposed]).status).toBe('submitted');
  });

  it('applies the outcome once a second principal, an approver, confirms it', () => {
    given([...inDoubt, proposed])
      .when(resolve('user:abel', 'succeeded', APPROVER))
      .then([
        {
          type: 'PaymentResolved',
          data: {
            paymentId,
            dfspId: 'bank-a',
            outcome: 'succeeded',
            proposedBy: 'user:olive',
            by: 'user:abel',
          },
        },
        { type: 'PaymentSucceeded', data: { paymentId, dfspId: 'bank-a', source: 'resolution' } },
      ]);
  });

  it('refuses a confirmation of another outcome than the one proposed', () => {
    given([...inDoubt, proposed])
      .when(resolve('user:abel', 'failed', APPROVER))
      .thenThrows('resolution_mismatch');
  });

  it('never lets the proposer confirm, even holding the approver role', () => {
    given([...inDoubt, proposed])
      .when(resolve('user:olive', 'succeeded', { propose: true, confirm: true }))
      .thenThrows('four_eyes');
    given([...inDoubt, proposed])
      .when(resolve('user:olive', 'succeeded', APPROVER))
      .thenThrows('four_eyes');
  });

  it('needs a proposal before a confirmation, and evidence for a proposal', () => {
    given(inDoubt)
      .when(resolve('user:abel', 'succeeded', APPROVER))
      .thenThrows('four_eyes');
    given(inDoubt)
      .when(resolve('user:olive', 'succeeded', OPERATOR))
      .thenThrows('evidence_required');
  });

  it('refuses a payment that is not in doubt: acknowledged, or final', () => {
    given(sentToBankA)
      .when(resolve('user:olive', 'failed', OPERATOR, 'ticket 42'))
      .thenThrows('payment_not_in_doubt');
    given([...inDoubt, succeeded])
      .when(resolve('user:olive', 'failed', OPERATOR, 'ticket 42'))
      .thenThrows('payment_not_in_doubt');
  });

  it("lets the DFSP's own word settle it while a proposal waits", () => {
    expect(stateAfter([...inDoubt, proposed, succeeded])).toMatchObject({ status: 'succeeded' });
    expect(stateAfter([...inDoubt, proposed, succeeded]).proposal).toBeUndefined();
  });
});
