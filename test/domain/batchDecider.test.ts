import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import {
  type BatchCommand,
  type BatchState,
  batchDecider,
  type PaymentInstruction,
} from '../../src/domain/batchDecider.js';
import type { BatchEvent } from '../../src/domain/batchEvents.js';
import { DomainError } from '../../src/domain/domainError.js';

const batchId = ulid();
const opened: BatchEvent = {
  type: 'BatchOpened',
  data: {
    batchId,
    programId: 'CT-OVC',
    cycleId: '2026-11',
    currency: 'KES',
    declaredCount: 2,
    declaredTotalMinor: '300000',
  },
};

function given(...events: BatchEvent[]): BatchState {
  return events.reduce(batchDecider.evolve, batchDecider.initialState());
}

function payment(reference: string, amount: string): PaymentInstruction {
  return {
    reference,
    beneficiaryId: `b-${reference}`,
    payeeFa: `account:${reference}00@bank-a`,
    amount,
  };
}

function add(...payments: PaymentInstruction[]): BatchCommand {
  return { type: 'AddPayments', payments, newPaymentIds: payments.map(() => ulid()) };
}

function refusal(command: BatchCommand, state: BatchState): DomainError {
  try {
    batchDecider.decide(command, state);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('the command was not refused');
}

const added = (state: BatchState, ...payments: PaymentInstruction[]) =>
  batchDecider.decide(add(...payments), state);

describe('batch decider', () => {
  it('opens a batch once; the same request again changes nothing', () => {
    const command: BatchCommand = {
      type: 'OpenBatch',
      batchId,
      programId: 'CT-OVC',
      cycleId: '2026-11',
      currency: 'KES',
      declaredCount: 2,
      declaredTotal: '3000.00',
    };
    expect(batchDecider.decide(command, given())).toEqual([opened]);
    expect(batchDecider.decide(command, given(opened))).toEqual([]);
    expect(refusal({ ...command, declaredCount: 3 }, given(opened)).code).toBe('batch_exists');
  });

  it('adds payments with amounts in minor units and normalised addresses', () => {
    const [event] = added(given(opened), {
      ...payment('r1', '1000.50'),
      payeeFa: 'ACCOUNT:r100@Bank-A',
    });
    expect(event?.type).toBe('PaymentsAdded');
    const line = event?.type === 'PaymentsAdded' ? event.data.payments[0] : undefined;
    expect(line).toMatchObject({
      reference: 'r1',
      amountMinor: '100050',
      payeeFa: 'account:r100@bank-a',
    });
  });

  it('names the field of a bad amount or address', () => {
    expect(refusal(add(payment('r1', '10.005')), given(opened))).toMatchObject({
      code: 'amount_too_precise',
      path: ['payments', 0, 'amount'],
    });
    expect(
      refusal(
        add(payment('r1', '10.00'), { ...payment('r2', '1'), payeeFa: 'nope' }),
        given(opened),
      ),
    ).toMatchObject({
      code: 'fa_malformed',
      path: ['payments', 1, 'payeeFa'],
    });
  });

  it('answers a re-sent reference with nothing new, and refuses one re-sent with other data', () => {
    const state = given(opened, ...added(given(opened), payment('r1', '1000.00')));
    expect(added(state, payment('r1', '1000.00'))).toEqual([]);
    expect(refusal(add(payment('r1', '1000.01')), state)).toMatchObject({
      code: 'reference_conflict',
      path: ['payments', 0, 'reference'],
    });
  });

  it('refuses a reference twice in one chunk and more payments than declared', () => {
    expect(refusal(add(payment('r1', '1'), payment('r1', '1')), given(opened)).code).toBe(
      'duplicate_reference',
    );
    expect(
      refusal(add(payment('r1', '1'), payment('r2', '1'), payment('r3', '1')), given(opened)).code,
    ).toBe('declared_count_exceeded');
  });

  it('submits only when count and total both match', () => {
    const one = given(opened, ...added(given(opened), payment('r1', '1000.00')));
    expect(refusal({ type: 'SubmitBatch', by: 'user:alice' }, one)).toMatchObject({
      code: 'control_totals_mismatch',
      message: 'declared 2 payments totalling 3000.00 KES; received 1 totalling 1000.00 KES',
    });
    const wrongTotal = given(
      opened,
      ...added(given(opened), payment('r1', '1000.00'), payment('r2', '1999.99')),
    );
    expect(refusal({ type: 'SubmitBatch', by: 'user:alice' }, wrongTotal).code).toBe(
      'control_totals_mismatch',
    );
    const right = given(
      opened,
      ...added(given(opened), payment('r1', '1000.00'), payment('r2', '2000.00')),
    );
    expect(batchDecider.decide({ type: 'SubmitBatch', by: 'user:alice' }, right)).toEqual([
      {
        type: 'BatchSubmitted',
        data: { batchId, by: 'user:alice', count: 2, totalMinor: '300000' },
      },
    ]);
  });

  it('is approved only by someone other than the submitter', () => {
    const full = given(
      opened,
      ...added(given(opened), payment('r1', '1000.00'), payment('r2', '2000.00')),
    );
    const submitted = given(
      opened,
      ...added(given(opened), payment('r1', '1000.00'), payment('r2', '2000.00')),
      ...batchDecider.decide({ type: 'SubmitBatch', by: 'user:alice' }, full),
    );
    expect(refusal({ type: 'ApproveBatch', by: 'user:alice' }, submitted).code).toBe('four_eyes');
    const approved = batchDecider.decide({ type: 'ApproveBatch', by: 'user:bob' }, submitted);
    expect(approved).toEqual([{ type: 'BatchApproved', data: { batchId, by: 'user:bob' } }]);
    expect(
      batchDecider.decide(
        { type: 'ApproveBatch', by: 'user:bob' },
        given(...[], ...[opened], ...approved),
      ),
    ).toEqual([]);
  });

  it('refuses approval of a batch not submitted, and payments after submission', () => {
    expect(refusal({ type: 'ApproveBatch', by: 'user:bob' }, given(opened)).code).toBe(
      'batch_not_submitted',
    );
    const submitted = given(opened, {
      type: 'BatchSubmitted',
      data: { batchId, by: 'user:alice', count: 0, totalMinor: '0' },
    });
    expect(refusal(add(payment('r9', '1')), submitted).code).toBe('batch_not_open');
  });

  it('cancels once, and never a batch that does not exist', () => {
    const cancelled = batchDecider.decide({ type: 'CancelBatch', by: 'user:alice' }, given(opened));
    expect(cancelled).toEqual([{ type: 'BatchCancelled', data: { batchId, by: 'user:alice' } }]);
    expect(
      batchDecider.decide({ type: 'CancelBatch', by: 'user:alice' }, given(opened, ...cancelled)),
    ).toEqual([]);
    expect(refusal({ type: 'CancelBatch', by: 'user:alice' }, given()).code).toBe(
      'batch_not_found',
    );
  });

  it('completes an approved batch once every payment is final, and only then', () => {
    const lines = added(given(opened), payment('r1', '1000.00'), payment('r2', '2000.00'));
    const submitted = {
      type: 'BatchSubmitted' as const,
      data: { batchId, by: 'user:alice', count: 2, totalMinor: '300000' },
    };
    const approved = given(opened, ...lines, submitted, {
      type: 'BatchApproved',
      data: { batchId, by: 'user:bob' },
    });
    expect(refusal({ type: 'CompleteBatch', finalCount: 1 }, approved).code).toBe(
      'batch_not_final',
    );
    const completed = batchDecider.decide({ type: 'CompleteBatch', finalCount: 2 }, approved);
    expect(completed).toEqual([{ type: 'BatchCompleted', data: { batchId } }]);
    expect(
      batchDecider.decide(
        { type: 'CompleteBatch', finalCount: 2 },
        given(
          opened,
          ...lines,
          submitted,
          { type: 'BatchApproved', data: { batchId, by: 'user:bob' } },
          ...completed,
        ),
      ),
    ).toEqual([]);
    expect(refusal({ type: 'CompleteBatch', finalCount: 0 }, given(opened)).code).toBe(
      'batch_not_approved',
    );
  });
});
