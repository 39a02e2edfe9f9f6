import { ulid } from 'ulid';
import { describe, it } from 'vitest';
import {
  type BatchCommand,
  batchDecider,
  type PaymentInstruction,
} from '../../src/domain/batchDecider.js';
import type { BatchEvent, PaymentLine } from '../../src/domain/batchEvents.js';
import { optional } from '../../src/domain/optional.js';
import { deciderSpecification } from '../support/deciderSpecification.js';

/**
 * The batch decider's rules, as specifications: given these past events, when this command, then
 * these events (or this refusal).
 */

const { given } = deciderSpecification(batchDecider);

const batchId = ulid();

/** Who prepares the batch: one person opens it, another fills it, a third submits it. */
const OPENER = 'user:olive';
const ADDER = 'user:adam';
const SUBMITTER = 'user:alice';

/** BatchOpened by `by`; by no one named, as events written before it was recorded. */
const openedBy = (by: string | undefined): BatchEvent => ({
  type: 'BatchOpened',
  data: {
    batchId,
    programId: 'CT-OVC',
    cycleId: '2026-11',
    currency: 'KES',
    declaredCount: 2,
    declaredTotalMinor: '300000',
    ...optional('by', by),
  },
});
const opened = openedBy(OPENER);

/** A payment as the programme sends it, its amount a decimal string. */
function payment(reference: string, amount: string): PaymentInstruction {
  return {
    reference,
    beneficiaryId: `b-${reference}`,
    payeeFa: `account:${reference}00@bank-a`,
    amount,
  };
}

/** The line the batch records for `payment(reference, …)`, its amount in minor units. */
function line(reference: string, amountMinor: string): PaymentLine {
  return {
    paymentId: ulid(),
    reference,
    beneficiaryId: `b-${reference}`,
    payeeFa: `account:${reference}00@bank-a`,
    amountMinor,
  };
}

/** A chunk added by `by`; by no one named, as events written before it was recorded. */
const addedBy = (by: string | undefined, ...lines: PaymentLine[]): BatchEvent => ({
  type: 'PaymentsAdded',
  data: { batchId, payments: lines, ...optional('by', by) },
});
const added = (...lines: PaymentLine[]): BatchEvent => addedBy(ADDER, ...lines);
const submittedBy = (by: string): BatchEvent => ({
  type: 'BatchSubmitted',
  data: { batchId, by, count: 2, totalMinor: '300000' },
});
const submitted = submittedBy(SUBMITTER);
const approved: BatchEvent = { type: 'BatchApproved', data: { batchId, by: 'user:bob' } };

/** Opened, and holding the two payments (1000.00 and 2000.00) it declares. */
const full = [opened, added(line('r1', '100000'), line('r2', '200000'))];
const awaitingApproval = [...full, submitted];
const approvedBatch = [...awaitingApproval, approved];

function add(...payments: PaymentInstruction[]): BatchCommand {
  return { type: 'AddPayments', by: ADDER, payments, newPaymentIds: payments.map(() => ulid()) };
}

const submit: BatchCommand = { type: 'SubmitBatch', by: SUBMITTER };
const approveBy = (by: string): BatchCommand => ({ type: 'ApproveBatch', by });
const cancel: BatchCommand = { type: 'CancelBatch', by: 'user:alice' };
const complete = (finalCount: number): BatchCommand => ({ type: 'CompleteBatch', finalCount });

/** Opening the batch as `opened` records it. */
const open: BatchCommand = {
  type: 'OpenBatch',
  by: OPENER,
  batchId,
  programId: 'CT-OVC',
  cycleId: '2026-11',
  currency: 'KES',
  declaredCount: 2,
  declaredTotal: '3000.00',
};

describe('opening a batch', () => {
  it('opens a new batch with its declared total in minor units', () => {
    given([]).when(open).then([opened]);
  });

  it('changes nothing when the same request comes again', () => {
    given([opened]).when(open).thenNothingHappened();
  });

  it('changes nothing when the same request comes again from someone else', () => {
    given([opened])
      .when({ ...open, by: 'user:oscar' })
      .thenNothingHappened();
  });

  it('refuses to open a batch again with other details', () => {
    given([opened])
      .when({ ...open, declaredCount: 3 })
      .thenThrows('batch_exists');
  });
});

describe('adding payments', () => {
  it('adds payments with amounts in minor units and normalised addresses', () => {
    given([opened])
      .when(add({ ...payment('r1', '1000.50'), payeeFa: 'ACCOUNT:r100@Bank-A' }))
      .thenMatches([
        {
          type: 'PaymentsAdded',
          data: {
            payments: [{ reference: 'r1', amountMinor: '100050', payeeFa: 'account:r100@bank-a' }],
          },
        },
      ]);
  });

  it('records who added the payments', () => {
    given([opened])
      .when(add(payment('r1', '1000.00')))
      .thenMatches([{ type: 'PaymentsAdded', data: { by: ADDER } }]);
  });

  it('names the field of an amount more precise than the currency allows', () => {
    given([opened])
      .when(add(payment('r1', '10.005')))
      .thenThrows('amount_too_precise', { path: ['payments', 0, 'amount'] });
  });

  it('names the field of a malformed financial address', () => {
    given([opened])
      .when(add(payment('r1', '10.00'), { ...payment('r2', '1'), payeeFa: 'nope' }))
      .thenThrows('fa_malformed', { path: ['payments', 1, 'payeeFa'] });
  });

  it('answers a re-sent reference with nothing new', () => {
    given([opened, added(line('r1', '100000'))])
      .when(add(payment('r1', '1000.00')))
      .thenNothingHappened();
  });

  it('refuses a reference re-sent with other data', () => {
    given([opened, added(line('r1', '100000'))])
      .when(add(payment('r1', '1000.01')))
      .thenThrows('reference_conflict', { path: ['payments', 0, 'reference'] });
  });

  it('refuses a reference twice in one chunk', () => {
    given([opened])
      .when(add(payment('r1', '1'), payment('r1', '1')))
      .thenThrows('duplicate_reference');
  });

  it('refuses more payments than the batch declares', () => {
    given([opened])
      .when(add(payment('r1', '1'), payment('r2', '1'), payment('r3', '1')))
      .thenThrows('declared_count_exceeded');
  });

  it('refuses payments once the batch is submitted', () => {
    given(awaitingApproval)
      .when(add(payment('r9', '1')))
      .thenThrows('batch_not_open');
  });
});

describe('amending the control totals of an open batch', () => {
  const amend = (
    declaredCount: number,
    declaredTotal: string,
  ): Extract<BatchCommand, { type: 'AmendControlTotals' }> => ({
    type: 'AmendControlTotals',
    by: 'user:olive',
    declaredCount,
    declaredTotal,
  });
  const amended = (declaredCount: number, declaredTotalMinor: string): BatchEvent => ({
    type: 'BatchControlTotalsAmended',
    data: { batchId, declaredCount, declaredTotalMinor, by: 'user:olive' },
  });
  const partlyFilled = [opened, added(line('r1', '100000'))];

  it('records the new totals, in minor units', () => {
    given(partlyFilled)
      .when(amend(3, '4500.00'))
      .then([amended(3, '450000')]);
  });

  it('keeps the schedule when the amendment names none, and changes it when it does', () => {
    const scheduled: BatchEvent = {
      type: 'BatchOpened',
      data: { ...(opened.data as object), scheduledFor: '2026-12-10T00:00:00.000Z' },
    } as BatchEvent;
    given([scheduled])
      .when(amend(3, '4500.00'))
      .thenMatches([
        {
          type: 'BatchControlTotalsAmended',
          data: { declaredCount: 3, scheduledFor: '2026-12-10T00:00:00.000Z' },
        },
      ]);
    given([scheduled])
      .when({ ...amend(2, '3000.00'), scheduledFor: '2026-12-12T00:00:00.000Z' })
      .thenMatches([
        {
          type: 'BatchControlTotalsAmended',
          data: { declaredCount: 2, scheduledFor: '2026-12-12T00:00:00.000Z' },
        },
      ]);
  });

  it('changes nothing when the totals are already those', () => {
    given(partlyFilled).when(amend(2, '3000.00')).thenNothingHappened();
    given([...partlyFilled, amended(3, '450000')])
      .when(amend(3, '4500'))
      .thenNothingHappened();
  });

  it('lets the batch be submitted once what it received meets the amended totals', () => {
    given([...partlyFilled, amended(1, '100000')])
      .when(submit)
      .thenMatches([{ type: 'BatchSubmitted', data: { count: 1, totalMinor: '100000' } }]);
  });

  it('refuses totals below what the batch has received, naming the field', () => {
    given(full)
      .when(amend(1, '3000.00'))
      .thenThrows('declared_below_received', {
        path: ['declaredCount'],
      });
    given(full)
      .when(amend(2, '2999.99'))
      .thenThrows('declared_below_received', {
        path: ['declaredTotal'],
      });
  });

  it('refuses approval by whoever amended the control totals', () => {
    given([...partlyFilled, amended(1, '100000'), submitted])
      .when(approveBy('user:olive'))
      .thenThrows('four_eyes', {
        message:
          'user:olive opened and amended the control totals of this batch and cannot also approve it',
      });
    const amendedByAnother: BatchEvent = {
      type: 'BatchControlTotalsAmended',
      data: { batchId, declaredCount: 1, declaredTotalMinor: '100000', by: 'user:amos' },
    };
    given([...partlyFilled, amendedByAnother, submitted])
      .when(approveBy('user:amos'))
      .thenThrows('four_eyes');
  });

  it('refuses an amendment once the batch is submitted, or cancelled', () => {
    given(awaitingApproval).when(amend(3, '4000.00')).thenThrows('batch_not_open');
    given([opened, { type: 'BatchCancelled', data: { batchId, by: 'user:alice' } }])
      .when(amend(3, '4000.00'))
      .thenThrows('batch_not_open');
  });

  it('refuses a total more precise than the currency allows, and a batch that does not exist', () => {
    given([opened])
      .when(amend(2, '3000.001'))
      .thenThrows('amount_too_precise', {
        path: ['declaredTotal'],
      });
    given([]).when(amend(2, '3000.00')).thenThrows('batch_not_found');
  });

  it('still opens the batch again unchanged with what it was first opened with', () => {
    given([...partlyFilled, amended(3, '450000')])
      .when(open)
      .thenNothingHappened();
  });
});

describe('submitting a batch', () => {
  it('refuses a batch with fewer payments than declared, saying what it declared and received', () => {
    given([opened, added(line('r1', '100000'))])
      .when(submit)
      .thenThrows('control_totals_mismatch', {
        message: 'declared 2 payments totalling 3000.00 KES; received 1 totalling 1000.00 KES',
      });
  });

  it('refuses a batch whose total differs from the declared one', () => {
    given([opened, added(line('r1', '100000'), line('r2', '199999'))])
      .when(submit)
      .thenThrows('control_totals_mismatch');
  });

  it('submits a batch whose count and total both match', () => {
    given(full).when(submit).then([submitted]);
  });
});

describe('approving a batch', () => {
  it('refuses approval by the submitter', () => {
    given(awaitingApproval).when(approveBy(SUBMITTER)).thenThrows('four_eyes', {
      message: 'user:alice submitted this batch and cannot also approve it',
    });
  });

  it('refuses approval by whoever opened the batch', () => {
    given(awaitingApproval).when(approveBy(OPENER)).thenThrows('four_eyes', {
      message: 'user:olive opened this batch and cannot also approve it',
    });
  });

  it('refuses approval by whoever added payments to the batch', () => {
    given(awaitingApproval).when(approveBy(ADDER)).thenThrows('four_eyes', {
      message: 'user:adam added payments to this batch and cannot also approve it',
    });
  });

  it('refuses approval by one who added a single chunk among others', () => {
    given([
      opened,
      added(line('r1', '100000')),
      addedBy('user:amy', line('r2', '200000')),
      submitted,
    ])
      .when(approveBy('user:amy'))
      .thenThrows('four_eyes');
  });

  it('names every duty of a principal who prepared the whole batch', () => {
    const olga = 'user:olga';
    given([
      openedBy(olga),
      addedBy(olga, line('r1', '100000'), line('r2', '200000')),
      submittedBy(olga),
    ])
      .when(approveBy(olga))
      .thenThrows('four_eyes', {
        message:
          'user:olga opened, added payments to and submitted this batch and cannot also approve it',
      });
  });

  it('is approved by a fourth person, who neither opened, filled nor submitted it', () => {
    given(awaitingApproval).when(approveBy('user:bob')).then([approved]);
  });

  it('counts only the submitter when older events do not say who opened or filled the batch', () => {
    given([
      openedBy(undefined),
      addedBy(undefined, line('r1', '100000'), line('r2', '200000')),
      submitted,
    ])
      .when(approveBy(OPENER))
      .then([{ type: 'BatchApproved', data: { batchId, by: OPENER } }]);
  });

  it('changes nothing when the batch is approved again', () => {
    given(approvedBatch).when(approveBy('user:bob')).thenNothingHappened();
  });

  it('refuses approval of a batch not submitted', () => {
    given([opened]).when(approveBy('user:bob')).thenThrows('batch_not_submitted');
  });
});

describe('cancelling a batch', () => {
  const cancelled: BatchEvent = { type: 'BatchCancelled', data: { batchId, by: 'user:alice' } };

  it('cancels an open batch', () => {
    given([opened]).when(cancel).then([cancelled]);
  });

  it('cancels once: a cancelled batch again changes nothing', () => {
    given([opened, cancelled]).when(cancel).thenNothingHappened();
  });

  it('never cancels a batch that does not exist', () => {
    given([]).when(cancel).thenThrows('batch_not_found');
  });
});

describe('completing a batch', () => {
  const completed: BatchEvent = { type: 'BatchCompleted', data: { batchId } };

  it('refuses while a payment is not final', () => {
    given(approvedBatch).when(complete(1)).thenThrows('batch_not_final');
  });

  it('completes an approved batch once every payment is final', () => {
    given(approvedBatch).when(complete(2)).then([completed]);
  });

  it('completes once: a completed batch again changes nothing', () => {
    given([...approvedBatch, completed])
      .when(complete(2))
      .thenNothingHappened();
  });

  it('refuses a batch not approved', () => {
    given([opened]).when(complete(0)).thenThrows('batch_not_approved');
  });
});
