import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { assertValidEvent } from '../../src/domain/eventRegistry.js';
import { paymentDecider } from '../../src/domain/paymentDecider.js';
import type { PaymentEvent } from '../../src/domain/paymentEvents.js';
import type { PaymentState } from '../../src/domain/paymentState.js';
import { type LineToReconcile, reconcileLine } from '../../src/domain/reconciliation.js';

/** What a statement line means for the payment it names: given the payment, when the line, then. */

const paymentId = ulid();
const statementId = '7Q2M0W5K3Z9X8C1V4B6N2R7T5Y';
const instructed: PaymentEvent = {
  type: 'PaymentInstructed',
  data: {
    paymentId,
    batchId: ulid(),
    programId: 'CT-OVC',
    reference: 'r-1',
    beneficiaryId: 'b-1',
    payeeFa: 'account:1@bank-a',
    amountMinor: '150000',
    currency: 'KES',
  },
};
const routed: PaymentEvent = {
  type: 'PaymentRouted',
  data: { paymentId, dfspId: 'bank-a', ruleId: 'r', rulesVersion: 1, via: 'route' },
};
const submitted: PaymentEvent = {
  type: 'PaymentSubmitted',
  data: { paymentId, dfspId: 'bank-a', transactionId: ulid(), messageId: 'm', attempt: 1 },
};
const succeeded: PaymentEvent = {
  type: 'PaymentSucceeded',
  data: { paymentId, dfspId: 'bank-a', source: 'callback' },
};
const failed: PaymentEvent = {
  type: 'PaymentFailed',
  data: { paymentId, dfspId: 'bank-a', reasonCode: 'rjct.amount.invalid', source: 'callback' },
};

const given = (...events: PaymentEvent[]): PaymentState =>
  events.reduce(paymentDecider.evolve, paymentDecider.initialState());

const line = (overrides: Partial<LineToReconcile> = {}): LineToReconcile => ({
  statementId,
  dfspId: 'bank-a',
  amountMinor: 150000n,
  currency: 'KES',
  direction: 'debit',
  reversal: false,
  repeated: false,
  ...overrides,
});

function when(state: PaymentState, toReconcile: LineToReconcile) {
  const result = reconcileLine(state, toReconcile);
  for (const event of result.events) assertValidEvent(event);
  return result;
}

describe('reconciling a statement line', () => {
  it('matches a debit of a paid payment for its amount and currency, once', () => {
    const paid = given(instructed, routed, submitted, succeeded);
    const { outcome, events } = when(paid, line());
    expect(outcome).toBe('matched');
    expect(events).toEqual([
      {
        type: 'PaymentReconciled',
        data: { paymentId, statementId, dfspId: 'bank-a', amountMinor: '150000', currency: 'KES' },
      },
    ]);
    const again = when(events.reduce(paymentDecider.evolve, paid), line());
    expect(again).toEqual({ outcome: 'matched', events: [] });
  });

  it('matches a payment still in flight: the statement may come before the report', () => {
    expect(when(given(instructed, routed, submitted), line()).outcome).toBe('matched');
  });

  it('keeps both sides of an amount or currency that differs', () => {
    const paid = given(instructed, routed, submitted, succeeded);
    const amount = when(paid, line({ amountMinor: 150001n }));
    expect(amount.outcome).toBe('mismatched');
    expect(amount.events[0]?.data).toMatchObject({
      kind: 'amount',
      statementAmountMinor: '150001',
      ledgerAmountMinor: '150000',
    });
    expect(when(paid, line({ currency: 'UGX' })).events[0]?.data).toMatchObject({
      kind: 'currency',
    });
  });

  it('flags a failed payment the statement shows paid as paid_but_failed', () => {
    const { outcome, events } = when(given(instructed, routed, submitted, failed), line());
    expect(outcome).toBe('paid_but_failed');
    expect(events[0]?.data).toMatchObject({ kind: 'paid_but_failed', ledgerStatus: 'failed' });
  });

  it('flags a second debit of the same payment on one statement as paid_twice', () => {
    const paid = given(instructed, routed, submitted, succeeded);
    expect(when(paid, line({ repeated: true })).outcome).toBe('paid_twice');
  });

  it('turns a reversed debit into a returned payment', () => {
    const paid = given(instructed, routed, submitted, succeeded);
    const { outcome, events } = when(paid, line({ direction: 'credit', reversal: true }));
    expect(outcome).toBe('returned');
    expect(events.map((event) => event.type)).toEqual(['PaymentReturned']);
    expect(events.reduce(paymentDecider.evolve, paid).status).toBe('returned');
  });

  it("keeps another DFSP's payment, an unknown reference and a credit apart, with no event", () => {
    const paid = given(instructed, routed, submitted, succeeded);
    expect(when(paid, line({ dfspId: 'bank-b' }))).toEqual({ outcome: 'other_dfsp', events: [] });
    expect(when(paymentDecider.initialState(), line())).toEqual({
      outcome: 'unknown',
      events: [],
    });
    expect(when(paid, line({ direction: 'credit' }))).toEqual({
      outcome: 'not_a_payment',
      events: [],
    });
  });

  it('records a mismatch from one statement once, however often it is read', () => {
    const paid = given(instructed, routed, submitted, succeeded);
    const first = when(paid, line({ amountMinor: 1n }));
    const after = first.events.reduce(paymentDecider.evolve, paid);
    expect(when(after, line({ amountMinor: 1n }))).toEqual({ outcome: 'mismatched', events: [] });
  });
});
