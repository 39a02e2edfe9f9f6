import { randomUUID } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { z } from 'zod';
import type { EventStore, JsonValue, NewEvent } from '../../src/application/eventStore.js';
import {
  BatchApproved,
  BatchCancelled,
  BatchControlTotalsAmended,
  BatchOpened,
  BatchRejected,
  BatchSubmitted,
  batchStream,
  PaymentsAdded,
} from '../../src/domain/batchEvents.js';
import {
  DfspHealthChanged,
  DfspRegistered,
  DfspResumed,
  DfspSuspended,
  DfspUpdated,
  dfspStream,
} from '../../src/domain/dfspEvents.js';
import type { EventDefinition } from '../../src/domain/eventSchemas.js';
import { optional } from '../../src/domain/optional.js';
import {
  PaymentCancelled,
  PaymentFailed,
  PaymentInstructed,
  PaymentReconciled,
  PaymentReconciliationMismatched,
  PaymentRetried,
  PaymentReturned,
  PaymentRouted,
  PaymentStatusConflicted,
  PaymentSubmissionFailed,
  PaymentSubmitted,
  PaymentSucceeded,
  PaymentUnroutable,
  paymentStream,
} from '../../src/domain/paymentEvents.js';
import {
  type ReconciledLine,
  StatementBalanceChecked,
  StatementImported,
  StatementLinesReconciled,
  StatementPaymentsMissing,
  statementStream,
} from '../../src/domain/statementEvents.js';

const nextUlid = monotonicFactory();

/** A batch the scenario wrote: its id, its payments in order, and when things happened. */
export interface ScenarioBatch {
  readonly batchId: string;
  readonly paymentIds: readonly string[];
  readonly amountsMinor: readonly bigint[];
  /** occurredAt of each payment's PaymentsAdded. */
  readonly addedAt: readonly string[];
  /** occurredAt of each payment's last event that changes its row (a recorded conflict does not). */
  readonly lastChangedAt: Map<string, string>;
}

/**
 * A batch's payments that tests single out, by names that say what the scenario did to them
 * (the rest are read by their index in the batch, as groups).
 */
export interface NamedPayments<Name extends string> {
  readonly payments: Readonly<Record<Name, string>>;
}

/**
 * The sending batch's 14 payments in batch order (the index in the comment), named for what the
 * scenario does to each; even-numbered ones carry a {@link PURPOSE}.
 */
const SENDING_PAYMENTS = [
  /** 0: bank-a, not sent (retry due), sent again (attempt 2), succeeded. */
  'succeededOnSecondAttempt',
  /** 1: bank-a, sent, failed (`rjct.payee_fa.invalid`). */
  'failedAtBankA',
  /** 2: bank-a, sent, then (last of all its batch) a sending bank-a may hold: submitted. */
  'inDoubtAtBankA',
  /** 3: bank-a, sent, not sent: routed, retry at {@link RETRY_LATER_AT}. */
  'notSentRetryLater',
  /** 4: bank-a, sent, not sent: routed, retry at {@link RETRY_DUE_AT}. */
  'notSentRetryDue',
  /** 5: bank-c, sent, succeeded, then a contradicting failure report (a conflict). */
  'succeededThenContradicted',
  /** 6: bank-a, sent, failed, retried, routed to bank-c. */
  'retriedToBankC',
  /** 7: bank-c, sent, refused for good (`rjct.payer_fa.invalid`): failed by the dispatcher. */
  'refusedByBankC',
  /** 8: bank-a, sent, not sent (retry later), routed to bank-c. */
  'notSentThenRoutedToBankC',
  /** 9: bank-c, sent: submitted, not yet answered. */
  'awaitingBankC',
  /** 10: bank-a, sent, not sent (retry later), unroutable. */
  'notSentThenUnroutable',
  /** 11 and 12: routed to bank-c. */
  'routedToBankC',
  'alsoRoutedToBankC',
  /** 13: bank-a, sent, failed, retried: pending (its routing decision not yet recorded). */
  'retriedNotYetRouted',
] as const;
export type SendingPayment = (typeof SENDING_PAYMENTS)[number];

/** When the sending batch's payments that were not sent may be sent again. */
export const RETRY_DUE_AT = '2026-11-28T11:00:00.000Z';
export const RETRY_LATER_AT = '2026-11-28T12:00:00.000Z';
/** The purpose of the sending batch's even-numbered payments. */
export const PURPOSE = 'CT-OVC November transfer';

export interface Scenario {
  /**
   * KES, 30 payments: 0–11 routed to bank-a, 12–21 to mobile-x, 22–25 unroutable, 26 routed then
   * cancelled, 27 cancelled while pending, 28–29 pending. Named: payment 0, routed to bank-a,
   * unroutable under rules version 2, routed to bank-a again under them; payment 23, unroutable
   * (odd-numbered: no payee name or region).
   */
  readonly main: ScenarioBatch & NamedPayments<'reroutedAfterUnroutable' | 'unroutable'>;
  /**
   * JPY, 6 payments approved, 0–1 routed to bank-a, 2 unroutable, then the batch cancelled; 3
   * (named) is routed after the cancellation.
   */
  readonly cancelled: ScenarioBatch &
    NamedPayments<'routedAfterCancellation'> & { readonly cancelledAt: string };
  /** KES, one payment, submitted and rejected. */
  readonly rejected: ScenarioBatch;
  /** KES, 14 payments sent to DFSPs, each named ({@link SENDING_PAYMENTS}). */
  readonly sending: ScenarioBatch & NamedPayments<SendingPayment>;
  /** occurredAt of each DFSP's registration and last change. */
  readonly dfsps: Map<string, { registeredAt: string; updatedAt: string }>;
}

/**
 * Writes a small ledger's history to the store with valid events (every data object passes its
 * zod schema): three DFSPs (bank-a's circuit opened and closed, bank-c's open), a batch routed
 * across statuses, a cancelled batch, a rejected one, and a batch sent to DFSPs with every
 * sending outcome. Timestamps advance one second per event from `startMs`.
 */
export async function writeScenario(store: EventStore, startMs: number): Promise<Scenario> {
  const { append, eventOf, at } = scenarioWriter(store, startMs);

  const dfsps = new Map<string, { registeredAt: string; updatedAt: string }>();
  type DfspChange = 'update' | 'suspend' | 'resume' | 'healthy' | 'unhealthy';
  const dfsp = async (dfspId: string, changes: readonly DfspChange[]) => {
    const profile = {
      dfspId,
      name: `DFSP ${dfspId}`,
      connector: 'g2p-connect' as const,
      baseUrl: 'http://127.0.0.1:4001',
      payerFa: `account:100200300@${dfspId}`,
      currencies: ['KES', 'JPY'],
      faTypes: ['account'],
      secretFingerprint: '0123456789abcdef',
      by: 'user:admin',
    };
    const registered = eventOf(DfspRegistered, profile);
    const events = [registered];
    for (const change of changes) {
      if (change === 'update') {
        events.push(
          eventOf(DfspUpdated, { ...profile, name: 'Bank A Ltd', maxAmount: '50000.00' }),
        );
      } else if (change === 'suspend') {
        events.push(eventOf(DfspSuspended, { dfspId, by: 'user:admin', reason: 'outage' }));
      } else if (change === 'resume') {
        events.push(eventOf(DfspResumed, { dfspId, by: 'user:admin' }));
      } else {
        const reason = change === 'healthy' ? 'answering again' : '5 timeouts in a row';
        events.push(eventOf(DfspHealthChanged, { dfspId, health: change, reason }));
      }
    }
    await append(dfspStream(dfspId), ...events);
    const last = events[events.length - 1] ?? registered;
    dfsps.set(dfspId, { registeredAt: at(registered), updatedAt: at(last) });
  };
  await dfsp('bank-a', ['update', 'unhealthy', 'healthy']);
  await dfsp('mobile-x', ['suspend']);
  await dfsp('bank-c', ['suspend', 'resume', 'unhealthy']);

  /** Opens a batch, adds its payments in chunks, submits and approves or rejects it. */
  const batch = async (
    currency: string,
    count: number,
    amountOf: (i: number) => bigint,
    purposeOf: (i: number) => string | undefined = () => undefined,
  ) => {
    const batchId = nextUlid();
    const paymentIds = Array.from({ length: count }, () => nextUlid());
    const amountsMinor = paymentIds.map((_, i) => amountOf(i));
    const total = amountsMinor.reduce((sum, amount) => sum + amount, 0n);
    const lines = paymentIds.map((paymentId, i) => ({
      paymentId,
      reference: `ref-${i}`,
      beneficiaryId: `ben-${i}`,
      payeeFa: `account:${1000 + i}@bank-a`,
      amountMinor: String(amountsMinor[i]),
      ...(i % 2 === 0 ? { payeeName: `Beneficiary ${i}`, region: 'KE-30' } : {}),
      ...withPurpose(purposeOf(i)),
    }));
    const opened = eventOf(BatchOpened, {
      batchId,
      programId: 'CT-OVC',
      cycleId: '2026-11',
      currency,
      // Opened declaring five payments too many, amended once filled: the summary must show
      // the amended totals.
      declaredCount: count + 5,
      declaredTotalMinor: String(total + 500n),
      description: `${currency} test batch`,
    });
    const chunks = [lines.slice(0, 20), lines.slice(20)].filter((chunk) => chunk.length > 0);
    const added = chunks.map((payments) => eventOf(PaymentsAdded, { batchId, payments }));
    const amended = eventOf(BatchControlTotalsAmended, {
      batchId,
      declaredCount: count,
      declaredTotalMinor: String(total),
      by: 'user:olive',
    });
    const submitted = eventOf(BatchSubmitted, {
      batchId,
      by: 'user:alice',
      count,
      totalMinor: String(total),
    });
    await append(batchStream(batchId), opened, ...added, amended, submitted);
    const addedAt = lines.map((_, i) => at(added[i < 20 ? 0 : 1] ?? opened));
    const lastChangedAt = new Map(paymentIds.map((id, i) => [id, addedAt[i] ?? '']));
    const decide = (approved: boolean) =>
      append(
        batchStream(batchId),
        approved
          ? eventOf(BatchApproved, { batchId, by: 'user:bob' })
          : eventOf(BatchRejected, { batchId, by: 'user:bob', reason: 'wrong cycle' }),
      );
    /** Appends a payment's stream: PaymentInstructed, then `then`. */
    const instruct = async (i: number, then: (paymentId: string) => NewEvent[]) => {
      const line = lines[i];
      if (line === undefined) throw new Error(`no payment ${i}`);
      const instructed = { ...line, batchId, programId: 'CT-OVC', currency };
      await later(i, eventOf(PaymentInstructed, instructed), ...then(line.paymentId));
    };
    /** Appends events to payment `i`'s stream. */
    const later = async (i: number, ...events: NewEvent[]) => {
      const paymentId = paymentIds[i] ?? '';
      await append(paymentStream(paymentId), ...events);
      const changes = events.filter((event) => event.type !== PaymentStatusConflicted.type);
      const last = changes[changes.length - 1];
      if (last !== undefined) lastChangedAt.set(paymentId, at(last));
    };
    return { batchId, paymentIds, amountsMinor, addedAt, lastChangedAt, decide, instruct, later };
  };

  const routed = (paymentId: string, dfspId: string, ruleId: string, rulesVersion = 1) =>
    eventOf(PaymentRouted, { paymentId, dfspId, ruleId, rulesVersion, via: 'route' });
  const unroutable = (paymentId: string, rulesVersion = 1) =>
    eventOf(PaymentUnroutable, { paymentId, reason: 'no eligible DFSP', rulesVersion });
  const cancel = (paymentId: string) =>
    eventOf(PaymentCancelled, { paymentId, by: 'user:alice', reason: 'duplicate beneficiary' });

  const main = await batch('KES', 30, (i) => 10_000n + BigInt(i) * 1_234n);
  await main.decide(true);
  for (let i = 0; i < 30; i += 1) {
    await main.instruct(i, (id) => {
      if (i === 0) {
        return [routed(id, 'bank-a', 'banks'), unroutable(id, 2), routed(id, 'bank-a', 'banks', 2)];
      }
      if (i < 12) return [routed(id, 'bank-a', 'banks')];
      if (i < 22) return [routed(id, 'mobile-x', 'mobile')];
      if (i < 26) return [unroutable(id)];
      if (i === 26) return [routed(id, 'bank-a', 'banks'), cancel(id)];
      if (i === 27) return [cancel(id)];
      return [];
    });
  }
  const mainPayments = named(main.paymentIds, { reroutedAfterUnroutable: 0, unroutable: 23 });

  const cancelled = await batch('JPY', 6, (i) => 1_500n + BigInt(i));
  await cancelled.decide(true);
  for (let i = 0; i < 6; i += 1) {
    await cancelled.instruct(i, (id) => {
      if (i < 2) return [routed(id, 'bank-a', 'banks')];
      if (i === 2) return [unroutable(id)];
      return [];
    });
  }
  const batchCancelled = eventOf(BatchCancelled, {
    batchId: cancelled.batchId,
    by: 'user:alice',
    reason: 'funding withdrawn',
  });
  await append(batchStream(cancelled.batchId), batchCancelled);
  const cancelledPayments = named(cancelled.paymentIds, { routedAfterCancellation: 3 });
  const late = cancelledPayments.routedAfterCancellation;
  await append(paymentStream(late), routed(late, 'bank-a', 'banks'));
  // An event type no projection knows yet: it must be filtered out, not break anything.
  await append(paymentStream(late), { ...routed(late, 'bank-a', 'banks'), type: 'PaymentNoted' });

  const rejected = await batch('KES', 1, () => 5_000n);
  await rejected.decide(false);

  const submitted = (paymentId: string, dfspId: string, attempt = 1) =>
    eventOf(PaymentSubmitted, {
      paymentId,
      dfspId,
      transactionId: nextUlid(),
      messageId: `msg-${paymentId}-${attempt}`,
      attempt,
    });
  const notSent = (paymentId: string, dfspId: string, retryAt: string) =>
    eventOf(PaymentSubmissionFailed, {
      paymentId,
      dfspId,
      attempt: 1,
      outcome: 'unreachable',
      dfspMayHold: false,
      retryable: true,
      reason: 'connection refused',
      retryAt,
    });
  const succeeded = (paymentId: string, dfspId: string) =>
    eventOf(PaymentSucceeded, { paymentId, dfspId, source: 'callback' });
  const failed = (paymentId: string, dfspId: string, reasonCode = 'rjct.payee_fa.invalid') =>
    eventOf(PaymentFailed, { paymentId, dfspId, reasonCode, source: 'callback' });
  const retried = (paymentId: string) => eventOf(PaymentRetried, { paymentId, by: 'user:alice' });

  const sending = await batch(
    'KES',
    14,
    (i) => 20_000n + BigInt(i) * 100n,
    (i) => (i % 2 === 0 ? PURPOSE : undefined),
  );
  await sending.decide(true);
  const sendings: Record<SendingPayment, (id: string) => NewEvent[]> = {
    succeededOnSecondAttempt: (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      notSent(id, 'bank-a', RETRY_DUE_AT),
      submitted(id, 'bank-a', 2),
      succeeded(id, 'bank-a'),
    ],
    failedAtBankA: (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      failed(id, 'bank-a'),
    ],
    // Its sending bank-a may hold comes last of all, below.
    inDoubtAtBankA: (id) => [routed(id, 'bank-a', 'banks'), submitted(id, 'bank-a')],
    notSentRetryLater: (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      notSent(id, 'bank-a', RETRY_LATER_AT),
    ],
    notSentRetryDue: (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      notSent(id, 'bank-a', RETRY_DUE_AT),
    ],
    succeededThenContradicted: (id) => [
      routed(id, 'bank-c', 'banks'),
      submitted(id, 'bank-c'),
      succeeded(id, 'bank-c'),
      eventOf(PaymentStatusConflicted, {
        paymentId: id,
        dfspId: 'bank-c',
        reported: 'failed',
        reasonCode: 'rjct.payee_fa.invalid',
        source: 'callback',
        ledgerStatus: 'succeeded',
        ledgerDfspId: 'bank-c',
      }),
    ],
    retriedToBankC: (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      failed(id, 'bank-a', 'rjct.account.blocked'),
      retried(id),
      routed(id, 'bank-c', 'banks'),
    ],
    refusedByBankC: (id) => [
      routed(id, 'bank-c', 'banks'),
      submitted(id, 'bank-c'),
      eventOf(PaymentSubmissionFailed, {
        paymentId: id,
        dfspId: 'bank-c',
        attempt: 1,
        outcome: 'rejected',
        dfspMayHold: false,
        retryable: false,
        code: 'rjct.payer_fa.invalid',
        reason: 'payer account closed',
      }),
      eventOf(PaymentFailed, {
        paymentId: id,
        dfspId: 'bank-c',
        reasonCode: 'rjct.payer_fa.invalid',
        reasonMessage: 'payer account closed',
        source: 'dispatcher',
      }),
    ],
    notSentThenRoutedToBankC: (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      notSent(id, 'bank-a', RETRY_LATER_AT),
      routed(id, 'bank-c', 'banks'),
    ],
    awaitingBankC: (id) => [routed(id, 'bank-c', 'banks'), submitted(id, 'bank-c')],
    notSentThenUnroutable: (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      notSent(id, 'bank-a', RETRY_LATER_AT),
      unroutable(id, 2),
    ],
    routedToBankC: (id) => [routed(id, 'bank-c', 'banks')],
    alsoRoutedToBankC: (id) => [routed(id, 'bank-c', 'banks')],
    retriedNotYetRouted: (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      failed(id, 'bank-a'),
      retried(id),
    ],
  };
  const sendingIndex = indexesOf(SENDING_PAYMENTS);
  for (const name of SENDING_PAYMENTS) await sending.instruct(sendingIndex[name], sendings[name]);
  const sendingPayments = named(sending.paymentIds, sendingIndex);
  await sending.later(
    sendingIndex.inDoubtAtBankA,
    eventOf(PaymentSubmissionFailed, {
      paymentId: sendingPayments.inDoubtAtBankA,
      dfspId: 'bank-a',
      attempt: 1,
      outcome: 'unknown',
      dfspMayHold: true,
      retryable: true,
      reason: 'no answer within 30000 ms',
    }),
  );

  return {
    main: { ...main, payments: mainPayments },
    cancelled: { ...cancelled, payments: cancelledPayments, cancelledAt: at(batchCancelled) },
    rejected,
    sending: { ...sending, payments: sendingPayments },
    dfsps,
  };
}

/** The reference of a bank-a statement line that names no payment of the ledger. */
export const UNKNOWN_REFERENCE = 'INV-2026-0042';
/** The matched payment's success as bank-a reported its time, and the instant that is. */
export const REPORTED_AT = '2026-11-28T09:15:00+03:00';
export const REPORTED_INSTANT = '2026-11-28T06:15:00.000Z';
/** The success of the payment reported after the period, as bank-a reported its time. */
export const LATE_REPORTED_INSTANT = '2026-11-30T12:00:00.000Z';

/**
 * The reconciliation batch's 8 payments in batch order (the index in the comment), all sent and
 * answered, named for what the DFSPs reported and the statements show of them.
 */
const RECONCILED_PAYMENTS = [
  /** 0: paid by bank-a, which reported its own instant of success; matched on its statement. */
  'matched',
  /** 1: paid by bank-a; its statement shows another amount. */
  'amountMismatched',
  /** 2: paid by bank-a, reported with a date alone; matched, then its debit reversed. */
  'returned',
  /** 3: failed at bank-a; its statement shows it paid. */
  'paidButFailed',
  /** 4: paid by bank-a; its statement leaves it out. */
  'missingFromStatement',
  /** 5: paid by bank-c: another DFSP's payment on bank-a's statement, matched on bank-c's. */
  'paidByBankC',
  /** 6: paid by bank-a, which reported an instant after the statements' period; on neither. */
  'reportedAfterPeriod',
  /** 7: paid by bank-a; matched, then debited again on the same statement. */
  'paidTwice',
] as const;
export type ReconciledPayment = (typeof RECONCILED_PAYMENTS)[number];

export interface ReconciliationScenario {
  /** KES, 8 payments sent and answered, each named ({@link RECONCILED_PAYMENTS}). */
  readonly batch: ScenarioBatch & NamedPayments<ReconciledPayment>;
  /** When each paid payment succeeded, as `payments.succeeded_at` should hold it. */
  readonly succeededAt: ReadonlyMap<string, string>;
  /**
   * bank-a's MT940 statement, 10 lines: 1 matched (`matched`), 2 another amount
   * (`amountMismatched`), 3 matched and 4 reversed (`returned`), 5 paid although failed
   * (`paidButFailed`), 6 a bank-c payment (`paidByBankC`), 7 an unknown reference, 8 a credit to
   * the funding account, 9 matched and 10 paid again (`paidTwice`); `missingFromStatement` left
   * out; its closing balance (-25.00) does not add up.
   */
  readonly bankA: StatementTimes;
  /** bank-c's CSV statement: `paidByBankC` matched; no balances. */
  readonly bankC: StatementTimes;
}

export interface StatementTimes {
  readonly statementId: string;
  /** occurredAt of each of its events, in order. */
  readonly importedAt: string;
  readonly linesAt: readonly string[];
  readonly missingAt?: string;
  readonly balanceAt: string;
}

/**
 * Writes what importing two DFSP statements records, as `importStatement` would: a batch whose
 * payments were paid or failed, the payment events reconciliation appends (matched, mismatched,
 * paid twice, paid although failed, returned), then each statement's stream.
 */
export async function writeReconciliationScenario(
  store: EventStore,
  startMs: number,
): Promise<ReconciliationScenario> {
  const { append, eventOf, at } = scenarioWriter(store, startMs);
  const batchId = nextUlid();
  const count = RECONCILED_PAYMENTS.length;
  const paymentIds = Array.from({ length: count }, () => nextUlid());
  const amountsMinor = paymentIds.map((_, i) => 10_000n + BigInt(i) * 100n);
  const total = String(amountsMinor.reduce((sum, amount) => sum + amount, 0n));
  const lines = paymentIds.map((paymentId, i) => ({
    paymentId,
    reference: `rec-${i}`,
    beneficiaryId: `ben-${i}`,
    payeeFa: `account:${2000 + i}@bank-a`,
    amountMinor: String(amountsMinor[i]),
  }));
  const opened = eventOf(BatchOpened, {
    batchId,
    programId: 'CT-OVC',
    cycleId: '2026-11',
    currency: 'KES',
    declaredCount: count,
    declaredTotalMinor: total,
  });
  const added = eventOf(PaymentsAdded, { batchId, payments: lines });
  await append(
    batchStream(batchId),
    opened,
    added,
    eventOf(BatchSubmitted, { batchId, by: 'user:alice', count, totalMinor: total }),
    eventOf(BatchApproved, { batchId, by: 'user:bob' }),
  );

  const index = indexesOf(RECONCILED_PAYMENTS);
  const payments = named(paymentIds, index);
  const id = (name: ReconciledPayment) => payments[name];
  const amount = (name: ReconciledPayment) => String(amountsMinor[index[name]]);
  const lastChangedAt = new Map<string, string>();
  const later = async (name: ReconciledPayment, ...events: NewEvent[]) => {
    await append(paymentStream(id(name)), ...events);
    const last = events[events.length - 1];
    if (last !== undefined) lastChangedAt.set(id(name), at(last));
  };
  const succeededAt = new Map<string, string>();
  const reportedAt: Partial<Record<ReconciledPayment, string>> = {
    matched: REPORTED_AT,
    returned: '2026-11-28',
    reportedAfterPeriod: '2026-11-30T12:00:00Z',
  };
  for (const name of RECONCILED_PAYMENTS) {
    const line = lines[index[name]];
    if (line === undefined) throw new Error(`no payment ${name}`);
    const { paymentId } = line;
    const dfspId = name === 'paidByBankC' ? 'bank-c' : 'bank-a';
    const reported = reportedAt[name];
    const answer =
      name === 'paidButFailed'
        ? eventOf(PaymentFailed, {
            paymentId,
            dfspId,
            reasonCode: 'rjct.payee_fa.invalid',
            source: 'callback',
          })
        : eventOf(PaymentSucceeded, {
            paymentId,
            dfspId,
            source: 'callback',
            ...optional('reportedAt', reported),
          });
    await later(
      name,
      eventOf(PaymentInstructed, { ...line, batchId, programId: 'CT-OVC', currency: 'KES' }),
      eventOf(PaymentRouted, { paymentId, dfspId, ruleId: 'banks', rulesVersion: 1, via: 'route' }),
      eventOf(PaymentSubmitted, {
        paymentId,
        dfspId,
        transactionId: nextUlid(),
        messageId: `msg-${paymentId}`,
        attempt: 1,
      }),
      answer,
    );
    if (name === 'matched') succeededAt.set(paymentId, REPORTED_INSTANT);
    else if (name === 'reportedAfterPeriod') succeededAt.set(paymentId, LATE_REPORTED_INSTANT);
    else if (name !== 'paidButFailed') succeededAt.set(paymentId, at(answer));
  }

  // What reconciling bank-a's statement appends to the payments' streams.
  const bankA = nextUlid();
  const onBankA = { statementId: bankA, dfspId: 'bank-a' };
  const reconciled = (name: ReconciledPayment, statementId = bankA, dfspId = 'bank-a') =>
    eventOf(PaymentReconciled, {
      paymentId: id(name),
      statementId,
      dfspId,
      amountMinor: amount(name),
      currency: 'KES',
    });
  const mismatched = (
    name: ReconciledPayment,
    kind: 'amount' | 'paid_but_failed' | 'paid_twice',
    statementAmountMinor: string,
    ledgerStatus: string,
  ) =>
    eventOf(PaymentReconciliationMismatched, {
      ...onBankA,
      paymentId: id(name),
      kind,
      statementAmountMinor,
      statementCurrency: 'KES',
      ledgerAmountMinor: amount(name),
      ledgerCurrency: 'KES',
      ledgerStatus,
    });
  await later('matched', reconciled('matched'));
  await later('amountMismatched', mismatched('amountMismatched', 'amount', '10150', 'succeeded'));
  await later(
    'returned',
    reconciled('returned'),
    eventOf(PaymentReturned, {
      ...onBankA,
      paymentId: id('returned'),
      amountMinor: amount('returned'),
      currency: 'KES',
    }),
  );
  await later(
    'paidButFailed',
    mismatched('paidButFailed', 'paid_but_failed', amount('paidButFailed'), 'failed'),
  );
  await later(
    'paidTwice',
    reconciled('paidTwice'),
    mismatched('paidTwice', 'paid_twice', amount('paidTwice'), 'succeeded'),
  );

  type Outcome = ReconciledLine['outcome'];
  const ledger = (name: ReconciledPayment, ledgerStatus: string) => ({
    batchId,
    ledgerAmountMinor: amount(name),
    ledgerCurrency: 'KES',
    ledgerStatus,
  });
  const debit = (
    lineNumber: number,
    reference: string | null,
    amountMinor: string,
    outcome: Outcome,
    ofLedger: object = {},
  ): ReconciledLine => ({
    lineNumber,
    reference,
    amountMinor,
    currency: 'KES',
    direction: 'debit',
    reversal: false,
    bookedOn: '2026-11-28',
    outcome,
    ...ofLedger,
  });
  /** A debit line naming this payment, for its own amount unless another is given. */
  const debitOf = (
    lineNumber: number,
    name: ReconciledPayment,
    outcome: Outcome,
    ledgerStatus: string,
    amountMinor = amount(name),
  ) => debit(lineNumber, id(name), amountMinor, outcome, ledger(name, ledgerStatus));
  const linesOfA: ReconciledLine[] = [
    debitOf(1, 'matched', 'matched', 'succeeded'),
    debitOf(2, 'amountMismatched', 'mismatched', 'succeeded', '10150'),
    debitOf(3, 'returned', 'matched', 'succeeded'),
    { ...debitOf(4, 'returned', 'returned', 'succeeded'), direction: 'credit', reversal: true },
    debitOf(5, 'paidButFailed', 'paid_but_failed', 'failed'),
    debitOf(6, 'paidByBankC', 'other_dfsp', 'succeeded'),
    debit(7, UNKNOWN_REFERENCE, '7500', 'unknown'),
    { ...debit(8, null, '500000', 'not_a_payment'), direction: 'credit' },
    debitOf(9, 'paidTwice', 'matched', 'succeeded'),
    debitOf(10, 'paidTwice', 'paid_twice', 'succeeded'),
  ];
  const importedA = eventOf(StatementImported, {
    statementId: bankA,
    dfspId: 'bank-a',
    format: 'mt940',
    contentSha256: 'a'.repeat(64),
    statementRef: 'STMT-2026-11-28',
    accountId: '100200300',
    currency: 'KES',
    from: '2026-11-28',
    to: '2026-11-28',
    opening: { amountMinor: '100000', currency: 'KES', on: '2026-11-27' },
    closing: { amountMinor: '-2500', currency: 'KES', on: '2026-11-28' },
    lineCount: linesOfA.length,
    by: 'user:oscar',
  });
  const linesA = [linesOfA.slice(0, 6), linesOfA.slice(6)].map((chunk) =>
    eventOf(StatementLinesReconciled, { statementId: bankA, lines: chunk }),
  );
  const missingA = eventOf(StatementPaymentsMissing, {
    statementId: bankA,
    payments: [
      {
        paymentId: id('missingFromStatement'),
        batchId,
        amountMinor: amount('missingFromStatement'),
        currency: 'KES',
      },
    ],
  });
  const balanceA = eventOf(StatementBalanceChecked, {
    statementId: bankA,
    outcome: 'break',
    openingMinor: '100000',
    closingMinor: '-2500',
    computedClosingMinor: '530150',
  });
  await append(statementStream(bankA), importedA, ...linesA, missingA, balanceA);

  const bankC = nextUlid();
  await later('paidByBankC', reconciled('paidByBankC', bankC, 'bank-c'));
  const importedC = eventOf(StatementImported, {
    statementId: bankC,
    dfspId: 'bank-c',
    format: 'csv',
    contentSha256: 'c'.repeat(64),
    currency: 'KES',
    lineCount: 1,
    by: 'dfsp:bank-c',
  });
  const linesC = eventOf(StatementLinesReconciled, {
    statementId: bankC,
    lines: [debitOf(1, 'paidByBankC', 'matched', 'succeeded')],
  });
  const balanceC = eventOf(StatementBalanceChecked, {
    statementId: bankC,
    outcome: 'not_available',
  });
  await append(statementStream(bankC), importedC, linesC, balanceC);

  return {
    batch: {
      batchId,
      paymentIds,
      amountsMinor,
      addedAt: paymentIds.map(() => at(added)),
      lastChangedAt,
      payments,
    },
    succeededAt,
    bankA: {
      statementId: bankA,
      importedAt: at(importedA),
      linesAt: linesA.map(at),
      missingAt: at(missingA),
      balanceAt: at(balanceA),
    },
    bankC: {
      statementId: bankC,
      importedAt: at(importedC),
      linesAt: [at(linesC)],
      balanceAt: at(balanceC),
    },
  };
}

/**
 * Appends to the store with the expected revision of each stream, and makes valid events (every
 * data object passes its zod schema) whose `occurredAt` advances one second per event from
 * `startMs`.
 */
function scenarioWriter(store: EventStore, startMs: number) {
  let clockMs = startMs;
  const revisions = new Map<string, bigint>();
  const append = async (stream: string, ...events: NewEvent[]) => {
    const result = await store.append(stream, revisions.get(stream) ?? 'no_stream', events);
    revisions.set(stream, result.nextExpectedRevision);
  };
  const eventOf = <Type extends string, Schema extends z.ZodType>(
    definition: EventDefinition<Type, Schema>,
    data: z.input<Schema>,
  ): NewEvent => {
    clockMs += 1_000;
    return {
      id: randomUUID(),
      type: definition.type,
      data: definition.schema.parse(data) as JsonValue,
      metadata: {
        occurredAt: new Date(clockMs).toISOString(),
        actor: 'test',
        correlationId: 'test-correlation',
        causationId: null,
      },
    };
  };
  const at = (event: NewEvent) => event.metadata.occurredAt;
  return { append, eventOf, at };
}

/** Each name's position in the list: the index in its batch of the payment it names. */
function indexesOf<Name extends string>(names: readonly Name[]): Record<Name, number> {
  return Object.fromEntries(names.map((name, i) => [name, i])) as Record<Name, number>;
}

/** The ids of a batch's payments at these indexes, by name. */
function named<Name extends string>(
  paymentIds: readonly string[],
  indexes: Readonly<Record<Name, number>>,
): Readonly<Record<Name, string>> {
  const entries = Object.entries<number>(indexes).map(([name, i]) => {
    const paymentId = paymentIds[i];
    if (paymentId === undefined) throw new Error(`no payment ${i} for ${name}`);
    return [name, paymentId] as const;
  });
  return Object.fromEntries(entries) as Record<Name, string>;
}

function withPurpose(purpose: string | undefined): { purpose?: string } {
  return purpose === undefined ? {} : { purpose };
}
