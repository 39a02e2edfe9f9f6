import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { type PaymentCommand, paymentDecider } from '../../src/domain/paymentDecider.js';
import type { PaymentEvent } from '../../src/domain/paymentEvents.js';
import { type LineToReconcile, reconcileLine } from '../../src/domain/reconciliation.js';
import { deciderSpecification } from '../support/deciderSpecification.js';

/**
 * What a statement line means for the payment it names: given the payment's events, when the
 * line is reconciled, then these payment events, and this outcome for the line.
 */

const { given, stateAfter } = deciderSpecification(paymentDecider);

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
const reconciled: PaymentEvent = {
  type: 'PaymentReconciled',
  data: { paymentId, statementId, dfspId: 'bank-a', amountMinor: '150000', currency: 'KES' },
};
const returned: PaymentEvent = {
  type: 'PaymentReturned',
  data: { paymentId, statementId, dfspId: 'bank-a', amountMinor: '150000', currency: 'KES' },
};

const inFlight = [instructed, routed, submitted];
const paid = [...inFlight, succeeded];

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

const reconcile = (overrides: Partial<LineToReconcile> = {}): PaymentCommand => ({
  type: 'ReconcileStatementLine',
  line: line(overrides),
});

/**
 * The line's outcome. The decider returns events only, so the outcome is outside what Emmett's
 * specification compares: it is read from `reconcileLine`, as it always was.
 */
const outcomeOf = (history: PaymentEvent[], overrides: Partial<LineToReconcile> = {}) =>
  reconcileLine(stateAfter(history), line(overrides)).outcome;

describe('reconciling a statement line', () => {
  it('matches a debit of a paid payment for its amount and currency', () => {
    expect(outcomeOf(paid)).toBe('matched');
    given(paid).when(reconcile()).then([reconciled]);
  });

  it('matches a payment once: the same line again records nothing', () => {
    expect(outcomeOf([...paid, reconciled])).toBe('matched');
    given([...paid, reconciled])
      .when(reconcile())
      .thenNothingHappened();
  });

  it('matches a payment still in flight: the statement may come before the report', () => {
    expect(outcomeOf(inFlight)).toBe('matched');
    given(inFlight).when(reconcile()).then([reconciled]);
  });

  it('keeps both sides of an amount that differs', () => {
    expect(outcomeOf(paid, { amountMinor: 150001n })).toBe('mismatched');
    given(paid)
      .when(reconcile({ amountMinor: 150001n }))
      .thenMatches([
        {
          type: 'PaymentReconciliationMismatched',
          data: { kind: 'amount', statementAmountMinor: '150001', ledgerAmountMinor: '150000' },
        },
      ]);
  });

  it('records a currency that differs', () => {
    given(paid)
      .when(reconcile({ currency: 'UGX' }))
      .thenMatches([{ type: 'PaymentReconciliationMismatched', data: { kind: 'currency' } }]);
  });

  it('flags a failed payment the statement shows paid as paid_but_failed', () => {
    const failedPayment = [...inFlight, failed];
    expect(outcomeOf(failedPayment)).toBe('paid_but_failed');
    given(failedPayment)
      .when(reconcile())
      .thenMatches([
        {
          type: 'PaymentReconciliationMismatched',
          data: { kind: 'paid_but_failed', ledgerStatus: 'failed' },
        },
      ]);
  });

  it('flags a second debit of the same payment on one statement as paid_twice', () => {
    expect(outcomeOf(paid, { repeated: true })).toBe('paid_twice');
    given(paid)
      .when(reconcile({ repeated: true }))
      .thenMatches([{ type: 'PaymentReconciliationMismatched', data: { kind: 'paid_twice' } }]);
  });

  it('records a reversed debit as the payment returned', () => {
    expect(outcomeOf(paid, { direction: 'credit', reversal: true })).toBe('returned');
    given(paid)
      .when(reconcile({ direction: 'credit', reversal: true }))
      .then([returned]);
  });

  it('turns a paid payment whose debit was reversed into a returned one', () => {
    expect(stateAfter([...paid, returned]).status).toBe('returned');
  });

  it("keeps another DFSP's payment apart, with no event", () => {
    expect(outcomeOf(paid, { dfspId: 'bank-b' })).toBe('other_dfsp');
    given(paid)
      .when(reconcile({ dfspId: 'bank-b' }))
      .thenNothingHappened();
  });

  it('keeps a reference that names no payment apart, with no event', () => {
    expect(outcomeOf([])).toBe('unknown');
    given([]).when(reconcile()).thenNothingHappened();
  });

  it('keeps a credit apart, with no event', () => {
    expect(outcomeOf(paid, { direction: 'credit' })).toBe('not_a_payment');
    given(paid)
      .when(reconcile({ direction: 'credit' }))
      .thenNothingHappened();
  });

  describe('a mismatch', () => {
    const mismatched: PaymentEvent = {
      type: 'PaymentReconciliationMismatched',
      data: {
        paymentId,
        statementId,
        dfspId: 'bank-a',
        kind: 'amount',
        statementAmountMinor: '1',
        statementCurrency: 'KES',
        ledgerAmountMinor: '150000',
        ledgerCurrency: 'KES',
        ledgerStatus: 'succeeded',
      },
    };

    it('is recorded with both sides the first time a statement shows it', () => {
      given(paid)
        .when(reconcile({ amountMinor: 1n }))
        .then([mismatched]);
    });

    it('is recorded from one statement once, however often it is read', () => {
      expect(outcomeOf([...paid, mismatched], { amountMinor: 1n })).toBe('mismatched');
      given([...paid, mismatched])
        .when(reconcile({ amountMinor: 1n }))
        .thenNothingHappened();
    });
  });
});
