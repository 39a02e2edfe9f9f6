import { assertNever } from './assertNever.js';
import type { BatchEvent, PaymentLine } from './batchEvents.js';
import { sameJson } from './canonicalJson.js';
import { DomainError, withPath } from './domainError.js';
import { parseFinancialAddress } from './financialAddress.js';
import { formatAmount, parseAmount } from './money.js';
import { optional } from './optional.js';

/**
 * A payment as the programme sends it: the amount still a decimal string in the batch's
 * currency.
 */
export interface PaymentInstruction {
  readonly reference: string;
  readonly beneficiaryId: string;
  /**
   * The payee's financial address; absent only where the programme has an ID mapper to resolve
   * `beneficiaryId` through (the caller checks that: the batch does not know the programme's
   * registration).
   */
  readonly payeeFa?: string;
  readonly payeeName?: string;
  readonly amount: unknown;
  readonly region?: string;
  readonly purpose?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export type BatchCommand =
  | {
      readonly type: 'OpenBatch';
      readonly by: string;
      readonly batchId: string;
      readonly programId: string;
      readonly cycleId: string;
      readonly currency: string;
      readonly declaredCount: number;
      readonly declaredTotal: unknown;
      readonly scheduledFor?: string;
      readonly description?: string;
    }
  | {
      readonly type: 'AddPayments';
      readonly by: string;
      readonly payments: readonly PaymentInstruction[];
      /** One new payment id per instruction, drawn by the caller; used for new references only. */
      readonly newPaymentIds: readonly string[];
    }
  | {
      readonly type: 'AmendControlTotals';
      readonly by: string;
      readonly declaredCount: number;
      readonly declaredTotal: unknown;
      readonly scheduledFor?: string;
    }
  | { readonly type: 'SubmitBatch'; readonly by: string }
  | { readonly type: 'ApproveBatch'; readonly by: string }
  | { readonly type: 'CancelBatch'; readonly by: string; readonly reason?: string }
  | {
      readonly type: 'CompleteBatch';
      /** Payments of the batch now final (succeeded, failed, returned or cancelled). */
      readonly finalCount: number;
    };

export type BatchStatus =
  | 'none'
  | 'open'
  | 'awaiting_approval'
  | 'approved'
  | 'rejected'
  | 'cancelled'
  | 'completed';

export interface BatchState {
  readonly status: BatchStatus;
  /**
   * What the batch was opened with, without who opened it (see {@link openedBy}), its control
   * totals and schedule as amended since.
   */
  readonly opened?: Omit<Extract<BatchEvent, { type: 'BatchOpened' }>['data'], 'by'>;
  /** What the batch was opened with, unamended: opening it again with this is no change. */
  readonly openedAs?: NonNullable<BatchState['opened']>;
  /** Who opened the batch, when its BatchOpened records it. */
  readonly openedBy?: string;
  /** Everyone recorded as adding payments to the batch, each once. */
  readonly addedBy: readonly string[];
  /** Everyone who amended the batch's control totals, each once. */
  readonly amendedBy: readonly string[];
  readonly receivedCount: number;
  readonly receivedTotalMinor: bigint;
  /**
   * The payment lines as added, chunk by chunk. Kept as the chunks themselves so that folding a
   * batch of 100,000 payments copies no map per event; look a reference up with
   * {@link linesByReference}.
   */
  readonly chunks: readonly (readonly PaymentLine[])[];
  readonly submittedBy?: string;
  readonly approvedBy?: string;
}

export const MAX_PAYMENTS_PER_CHUNK = 1_000;

/**
 * The batch decider: a programme's payments for one cycle, from opening through control totals
 * and four-eyes approval (the approver neither opened, filled, amended nor submitted the batch). Pure: ids
 * and principals arrive in the command.
 *
 * @example
 * const events = batchDecider.decide({ type: 'SubmitBatch', by: 'user:alice' }, state);
 */
export const batchDecider = {
  initialState(): BatchState {
    return {
      status: 'none',
      receivedCount: 0,
      receivedTotalMinor: 0n,
      chunks: [],
      addedBy: [],
      amendedBy: [],
    };
  },

  evolve(state: BatchState, event: BatchEvent): BatchState {
    switch (event.type) {
      case 'BatchOpened': {
        const { by, ...opened } = event.data;
        return { ...state, status: 'open', opened, openedAs: opened, ...optional('openedBy', by) };
      }
      case 'BatchControlTotalsAmended': {
        if (state.opened === undefined) return state;
        const { by, batchId: _batchId, ...amended } = event.data;
        const { scheduledFor: _scheduledFor, ...rest } = state.opened;
        return {
          ...state,
          opened: { ...rest, ...amended },
          amendedBy: withPrincipal(state.amendedBy, by),
        };
      }
      case 'PaymentsAdded': {
        let total = state.receivedTotalMinor;
        for (const line of event.data.payments) total += BigInt(line.amountMinor);
        return {
          ...state,
          chunks: [...state.chunks, event.data.payments],
          receivedCount: state.receivedCount + event.data.payments.length,
          receivedTotalMinor: total,
          addedBy: withPrincipal(state.addedBy, event.data.by),
        };
      }
      case 'BatchSubmitted':
        return { ...state, status: 'awaiting_approval', submittedBy: event.data.by };
      case 'BatchApproved':
        return { ...state, status: 'approved', approvedBy: event.data.by };
      case 'BatchRejected':
        return { ...state, status: 'rejected' };
      case 'BatchCancelled':
        return { ...state, status: 'cancelled' };
      case 'BatchCompleted':
        return { ...state, status: 'completed' };
      default:
        return assertNever(event);
    }
  },

  decide(command: BatchCommand, state: BatchState): BatchEvent[] {
    switch (command.type) {
      case 'OpenBatch':
        return open(command, state);
      case 'AddPayments':
        return addPayments(command, state);
      case 'AmendControlTotals':
        return amend(command, state);
      case 'SubmitBatch':
        return submit(command.by, state);
      case 'ApproveBatch':
        return approve(command.by, state);
      case 'CancelBatch':
        return cancel(command, state);
      case 'CompleteBatch':
        return complete(command.finalCount, state);
      default:
        return assertNever(command);
    }
  },
};

/** A batch's declared total in minor units, once it and the count are checked (positive, exact). */
function checkedDeclaredTotal(
  command: { readonly declaredCount: number; readonly declaredTotal: unknown },
  currency: string,
): bigint {
  const declaredTotalMinor = withPath(['declaredTotal'], () =>
    parseAmount(command.declaredTotal, currency),
  );
  if (!Number.isInteger(command.declaredCount) || command.declaredCount < 1) {
    throw new DomainError('invalid_count', 'declaredCount must be a positive integer', [
      'declaredCount',
    ]);
  }
  return declaredTotalMinor;
}

function open(command: Extract<BatchCommand, { type: 'OpenBatch' }>, state: BatchState) {
  const declaredTotalMinor = checkedDeclaredTotal(command, command.currency);
  const data = {
    batchId: command.batchId,
    programId: command.programId,
    cycleId: command.cycleId,
    currency: command.currency,
    declaredCount: command.declaredCount,
    declaredTotalMinor: String(declaredTotalMinor),
    ...optional('scheduledFor', command.scheduledFor),
    ...optional('description', command.description),
  };
  if (state.status === 'none') {
    return [{ type: 'BatchOpened' as const, data: { ...data, by: command.by } }];
  }
  if (sameJson(state.openedAs, data)) return [];
  throw new DomainError('batch_exists', `batch ${command.batchId} exists with other details`, [
    'batchId',
  ]);
}

function addPayments(command: Extract<BatchCommand, { type: 'AddPayments' }>, state: BatchState) {
  const opened = requireOpened(state);
  if (command.payments.length < 1 || command.payments.length > MAX_PAYMENTS_PER_CHUNK) {
    throw new DomainError(
      'chunk_size',
      `add 1 to ${MAX_PAYMENTS_PER_CHUNK} payments at a time, got ${command.payments.length}`,
      ['payments'],
    );
  }
  const added: PaymentLine[] = [];
  const seen = new Set<string>();
  const known = linesByReference(state);
  command.payments.forEach((payment, index) => {
    const line = toLine(payment, index, opened.currency, command.newPaymentIds[index]);
    if (seen.has(line.reference)) {
      throw new DomainError('duplicate_reference', `reference ${line.reference} appears twice`, [
        'payments',
        index,
        'reference',
      ]);
    }
    seen.add(line.reference);
    const existing = known.get(line.reference);
    if (existing === undefined) {
      added.push(line);
    } else if (!sameInstruction(existing, line)) {
      throw new DomainError(
        'reference_conflict',
        `reference ${line.reference} was added before with other details`,
        ['payments', index, 'reference'],
      );
    }
  });
  if (added.length === 0) return [];
  if (state.status !== 'open') {
    throw new DomainError(
      'batch_not_open',
      `batch is ${state.status}: payments can no longer be added`,
    );
  }
  if (state.receivedCount + added.length > opened.declaredCount) {
    throw new DomainError(
      'declared_count_exceeded',
      `the batch declares ${opened.declaredCount} payments; ` +
        `${state.receivedCount} received, ${added.length} more would exceed it`,
      ['payments'],
    );
  }
  return [
    {
      type: 'PaymentsAdded' as const,
      data: { batchId: opened.batchId, payments: added, by: command.by },
    },
  ];
}

function toLine(
  payment: PaymentInstruction,
  index: number,
  currency: string,
  paymentId: string | undefined,
): PaymentLine {
  if (paymentId === undefined) throw new Error(`no payment id drawn for payment ${index}`);
  const amountMinor = withPath(['payments', index, 'amount'], () =>
    parseAmount(payment.amount, currency),
  );
  const payeeFa =
    payment.payeeFa === undefined
      ? undefined
      : withPath(['payments', index, 'payeeFa'], () => parseFinancialAddress(payment.payeeFa))
          .normalized;
  return {
    paymentId,
    reference: payment.reference,
    beneficiaryId: payment.beneficiaryId,
    ...optional('payeeFa', payeeFa),
    amountMinor: String(amountMinor),
    ...optional('payeeName', payment.payeeName),
    ...optional('region', payment.region),
    ...optional('purpose', payment.purpose),
    ...(payment.attributes === undefined ? {} : { attributes: { ...payment.attributes } }),
  };
}

/**
 * New control totals (and schedule, kept when not given) for an open batch: never below what it
 * has received, and the same again records nothing. Once submitted, the totals are what the
 * approver approves.
 */
function amend(
  command: Extract<BatchCommand, { type: 'AmendControlTotals' }>,
  state: BatchState,
): BatchEvent[] {
  const opened = requireOpened(state);
  const declaredTotalMinor = checkedDeclaredTotal(command, opened.currency);
  const amended = {
    declaredCount: command.declaredCount,
    declaredTotalMinor: String(declaredTotalMinor),
    ...optional('scheduledFor', command.scheduledFor ?? opened.scheduledFor),
  };
  const inForce = {
    declaredCount: opened.declaredCount,
    declaredTotalMinor: opened.declaredTotalMinor,
    ...optional('scheduledFor', opened.scheduledFor),
  };
  if (sameJson(inForce, amended)) return [];
  if (state.status !== 'open') {
    throw new DomainError(
      'batch_not_open',
      `batch is ${state.status}: its control totals can no longer be amended`,
    );
  }
  if (command.declaredCount < state.receivedCount) {
    throw new DomainError(
      'declared_below_received',
      `the batch has received ${state.receivedCount} payments; it cannot declare ` +
        `${command.declaredCount}`,
      ['declaredCount'],
    );
  }
  if (declaredTotalMinor < state.receivedTotalMinor) {
    const received = formatAmount(state.receivedTotalMinor, opened.currency);
    throw new DomainError(
      'declared_below_received',
      `the batch has received ${received} ${opened.currency}; it cannot declare less`,
      ['declaredTotal'],
    );
  }
  return [
    {
      type: 'BatchControlTotalsAmended',
      data: { batchId: opened.batchId, ...amended, by: command.by },
    },
  ];
}

function submit(by: string, state: BatchState): BatchEvent[] {
  const opened = requireOpened(state);
  if (state.status !== 'open') {
    if (state.status === 'awaiting_approval' || state.status === 'approved') return [];
    throw new DomainError('batch_not_open', `batch is ${state.status}: it cannot be submitted`);
  }
  const declaredTotal = BigInt(opened.declaredTotalMinor);
  if (state.receivedCount !== opened.declaredCount || state.receivedTotalMinor !== declaredTotal) {
    const money = (minor: bigint) => `${formatAmount(minor, opened.currency)} ${opened.currency}`;
    throw new DomainError(
      'control_totals_mismatch',
      `declared ${opened.declaredCount} payments totalling ${money(declaredTotal)}; ` +
        `received ${state.receivedCount} totalling ${money(state.receivedTotalMinor)}`,
    );
  }
  return [
    {
      type: 'BatchSubmitted',
      data: {
        batchId: opened.batchId,
        by,
        count: state.receivedCount,
        totalMinor: String(state.receivedTotalMinor),
      },
    },
  ];
}

function approve(by: string, state: BatchState): BatchEvent[] {
  const opened = requireOpened(state);
  if (state.status === 'approved' || state.status === 'completed') return [];
  if (state.status !== 'awaiting_approval') {
    throw new DomainError(
      'batch_not_submitted',
      `batch is ${state.status}: only a submitted batch can be approved`,
    );
  }
  const duties = dutiesOf(by, state);
  if (duties.length > 0) {
    throw new DomainError(
      'four_eyes',
      `${by} ${inWords(duties)} this batch and cannot also approve it`,
    );
  }
  return [{ type: 'BatchApproved', data: { batchId: opened.batchId, by } }];
}

function cancel(command: Extract<BatchCommand, { type: 'CancelBatch' }>, state: BatchState) {
  const opened = requireOpened(state);
  if (state.status === 'cancelled') return [];
  if (state.status === 'completed' || state.status === 'rejected') {
    throw new DomainError('batch_finished', `batch is ${state.status}: nothing left to cancel`);
  }
  return [
    {
      type: 'BatchCancelled' as const,
      data: {
        batchId: opened.batchId,
        by: command.by,
        ...optional('reason', command.reason),
      },
    },
  ];
}

/** An approved batch is completed once every payment it received is final. */
function complete(finalCount: number, state: BatchState): BatchEvent[] {
  const opened = requireOpened(state);
  if (state.status === 'completed') return [];
  if (state.status !== 'approved') {
    throw new DomainError(
      'batch_not_approved',
      `batch is ${state.status}: only an approved batch completes`,
    );
  }
  if (finalCount !== state.receivedCount) {
    throw new DomainError(
      'batch_not_final',
      `${finalCount} of the batch's ${state.receivedCount} payments are final`,
    );
  }
  return [{ type: 'BatchCompleted', data: { batchId: opened.batchId } }];
}

/** What `principal` did to the batch before approval, in the order a batch is prepared. */
function dutiesOf(principal: string, state: BatchState): string[] {
  const duties: string[] = [];
  if (state.openedBy === principal) duties.push('opened');
  if (state.addedBy.includes(principal)) duties.push('added payments to');
  if (state.amendedBy.includes(principal)) duties.push('amended the control totals of');
  if (state.submittedBy === principal) duties.push('submitted');
  return duties;
}

/** `['opened', 'submitted']` → `opened and submitted`; three → `a, b and c`. */
function inWords(duties: readonly string[]): string {
  const last = duties.at(-1) ?? '';
  return duties.length < 2 ? last : `${duties.slice(0, -1).join(', ')} and ${last}`;
}

/** `principals` with `principal` added once; unchanged when it is absent or already there. */
function withPrincipal(principals: readonly string[], principal: string | undefined) {
  return principal === undefined || principals.includes(principal)
    ? principals
    : [...principals, principal];
}

/**
 * Whether a line sent again is the one added before: the same but for its payment id (drawn
 * anew) and the key the log sealed it under (which the command does not know).
 */
function sameInstruction(existing: PaymentLine, line: PaymentLine): boolean {
  const { paymentId: _id, beneficiaryKey: _key, ...before } = existing;
  const { paymentId: _newId, ...now } = line;
  return sameJson(before, now);
}

/** Every payment line of the batch by its reference (built on demand: one pass over the chunks). */
export function linesByReference(state: BatchState): Map<string, PaymentLine> {
  const lines = new Map<string, PaymentLine>();
  for (const chunk of state.chunks) for (const line of chunk) lines.set(line.reference, line);
  return lines;
}

function requireOpened(state: BatchState): NonNullable<BatchState['opened']> {
  if (state.opened === undefined) throw new DomainError('batch_not_found', 'no such batch');
  return state.opened;
}
