import { randomUUID } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { z } from 'zod';
import type { EventStore, JsonValue, NewEvent } from '../../src/application/eventStore.js';
import {
  BatchApproved,
  BatchCancelled,
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

/** When the sending batch's payments that were not sent may be sent again. */
export const RETRY_DUE_AT = '2026-11-28T11:00:00.000Z';
export const RETRY_LATER_AT = '2026-11-28T12:00:00.000Z';
/** The purpose of the sending batch's even-numbered payments. */
export const PURPOSE = 'CT-OVC November transfer';

export interface Scenario {
  /** KES, 30 payments: 0–11 routed to bank-a (0 re-routed twice), 12–21 to mobile-x, 22–25 unroutable, 26 routed then cancelled, 27 cancelled while pending, 28–29 pending. */
  readonly main: ScenarioBatch;
  /** JPY, 6 payments approved, 0–1 routed to bank-a, 2 unroutable, then the batch cancelled; 3 is routed after the cancellation. */
  readonly cancelled: ScenarioBatch & { readonly cancelledAt: string };
  /** KES, one payment, submitted and rejected. */
  readonly rejected: ScenarioBatch;
  /**
   * KES, 14 payments sent to DFSPs, even-numbered ones with a {@link PURPOSE}:
   * - 0: bank-a, not sent (retry due), sent again (attempt 2), succeeded;
   * - 1: bank-a, sent, failed (`rjct.payee_fa.invalid`);
   * - 2: bank-a, sent, then (last of all its batch) a sending bank-a may hold: submitted;
   * - 3: bank-a, sent, not sent: routed, retry at {@link RETRY_LATER_AT};
   * - 4: bank-a, sent, not sent: routed, retry at {@link RETRY_DUE_AT};
   * - 5: bank-c, sent, succeeded, then a contradicting failure report (a conflict);
   * - 6: bank-a, sent, failed, retried, routed to bank-c;
   * - 7: bank-c, sent, refused for good (`rjct.payer_fa.invalid`): failed;
   * - 8: bank-a, sent, not sent (retry later), routed to bank-c;
   * - 9: bank-c, sent: submitted;
   * - 10: bank-a, sent, not sent (retry later), unroutable;
   * - 11, 12: routed to bank-c;
   * - 13: bank-a, sent, failed, retried: pending (its routing decision not yet recorded).
   */
  readonly sending: ScenarioBatch;
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
      declaredCount: count,
      declaredTotalMinor: String(total),
      description: `${currency} test batch`,
    });
    const chunks = [lines.slice(0, 20), lines.slice(20)].filter((chunk) => chunk.length > 0);
    const added = chunks.map((payments) => eventOf(PaymentsAdded, { batchId, payments }));
    const submitted = eventOf(BatchSubmitted, {
      batchId,
      by: 'user:alice',
      count,
      totalMinor: String(total),
    });
    await append(batchStream(batchId), opened, ...added, submitted);
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
  const late = cancelled.paymentIds[3] ?? '';
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
  const sendings: ((id: string) => NewEvent[])[] = [
    (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      notSent(id, 'bank-a', RETRY_DUE_AT),
      submitted(id, 'bank-a', 2),
      succeeded(id, 'bank-a'),
    ],
    (id) => [routed(id, 'bank-a', 'banks'), submitted(id, 'bank-a'), failed(id, 'bank-a')],
    (id) => [routed(id, 'bank-a', 'banks'), submitted(id, 'bank-a')],
    (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      notSent(id, 'bank-a', RETRY_LATER_AT),
    ],
    (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      notSent(id, 'bank-a', RETRY_DUE_AT),
    ],
    (id) => [
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
    (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      failed(id, 'bank-a', 'rjct.account.blocked'),
      retried(id),
      routed(id, 'bank-c', 'banks'),
    ],
    (id) => [
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
    (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      notSent(id, 'bank-a', RETRY_LATER_AT),
      routed(id, 'bank-c', 'banks'),
    ],
    (id) => [routed(id, 'bank-c', 'banks'), submitted(id, 'bank-c')],
    (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      notSent(id, 'bank-a', RETRY_LATER_AT),
      unroutable(id, 2),
    ],
    (id) => [routed(id, 'bank-c', 'banks')],
    (id) => [routed(id, 'bank-c', 'banks')],
    (id) => [
      routed(id, 'bank-a', 'banks'),
      submitted(id, 'bank-a'),
      failed(id, 'bank-a'),
      retried(id),
    ],
  ];
  for (const [i, then] of sendings.entries()) await sending.instruct(i, then);
  await sending.later(
    2,
    eventOf(PaymentSubmissionFailed, {
      paymentId: sending.paymentIds[2] ?? '',
      dfspId: 'bank-a',
      attempt: 1,
      outcome: 'unknown',
      dfspMayHold: true,
      retryable: true,
      reason: 'no answer within 30000 ms',
    }),
  );

  return {
    main,
    cancelled: { ...cancelled, cancelledAt: at(batchCancelled) },
    rejected,
    sending,
    dfsps,
  };
}

/** The reference of a bank-a statement line that names no payment of the ledger. */
export const UNKNOWN_REFERENCE = 'INV-2026-0042';
/** Payment 0's success as bank-a reported its time, and the instant that is. */
export const REPORTED_AT = '2026-11-28T09:15:00+03:00';
export const REPORTED_INSTANT = '2026-11-28T06:15:00.000Z';
/** Payment 6's success as bank-a reported its time: after the statements' period. */
export const LATE_REPORTED_INSTANT = '2026-11-30T12:00:00.000Z';

export interface ReconciliationScenario {
  /**
   * KES, 8 payments sent and answered: 5 paid by bank-c, 3 failed at bank-a, the rest paid by
   * bank-a (0 and 6 with the DFSP's own time of success, 2 with a date alone).
   */
  readonly batch: ScenarioBatch;
  /** When each paid payment succeeded, as `payments.succeeded_at` should hold it. */
  readonly succeededAt: ReadonlyMap<string, string>;
  /**
   * bank-a's MT940 statement, 10 lines: 1 matched (payment 0), 2 another amount (1), 3 matched
   * and 4 reversed (2: returned), 5 paid although failed (3), 6 a bank-c payment (5), 7 an
   * unknown reference, 8 a credit to the funding account, 9 matched and 10 paid again (7);
   * payment 4 left out; its closing balance (-25.00) does not add up.
   */
  readonly bankA: StatementTimes;
  /** bank-c's CSV statement: payment 5 matched; no balances. */
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
  const count = 8;
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

  const id = (i: number) => paymentIds[i] ?? '';
  const amount = (i: number) => String(amountsMinor[i]);
  const lastChangedAt = new Map<string, string>();
  const later = async (i: number, ...events: NewEvent[]) => {
    await append(paymentStream(id(i)), ...events);
    const last = events[events.length - 1];
    if (last !== undefined) lastChangedAt.set(id(i), at(last));
  };
  const succeededAt = new Map<string, string>();
  const reportedAt: Readonly<Record<number, string>> = {
    0: REPORTED_AT,
    2: '2026-11-28',
    6: '2026-11-30T12:00:00Z',
  };
  for (const [i, line] of lines.entries()) {
    const { paymentId } = line;
    const dfspId = i === 5 ? 'bank-c' : 'bank-a';
    const reported = reportedAt[i];
    const answer =
      i === 3
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
            ...(reported === undefined ? {} : { reportedAt: reported }),
          });
    await later(
      i,
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
    if (i === 0) succeededAt.set(paymentId, REPORTED_INSTANT);
    else if (i === 6) succeededAt.set(paymentId, LATE_REPORTED_INSTANT);
    else if (i !== 3) succeededAt.set(paymentId, at(answer));
  }

  // What reconciling bank-a's statement appends to the payments' streams.
  const bankA = nextUlid();
  const onBankA = { statementId: bankA, dfspId: 'bank-a' };
  const reconciled = (i: number, statementId = bankA, dfspId = 'bank-a') =>
    eventOf(PaymentReconciled, {
      paymentId: id(i),
      statementId,
      dfspId,
      amountMinor: amount(i),
      currency: 'KES',
    });
  const mismatched = (
    i: number,
    kind: 'amount' | 'paid_but_failed' | 'paid_twice',
    statementAmountMinor: string,
    ledgerStatus: string,
  ) =>
    eventOf(PaymentReconciliationMismatched, {
      ...onBankA,
      paymentId: id(i),
      kind,
      statementAmountMinor,
      statementCurrency: 'KES',
      ledgerAmountMinor: amount(i),
      ledgerCurrency: 'KES',
      ledgerStatus,
    });
  await later(0, reconciled(0));
  await later(1, mismatched(1, 'amount', '10150', 'succeeded'));
  await later(
    2,
    reconciled(2),
    eventOf(PaymentReturned, {
      ...onBankA,
      paymentId: id(2),
      amountMinor: amount(2),
      currency: 'KES',
    }),
  );
  await later(3, mismatched(3, 'paid_but_failed', amount(3), 'failed'));
  await later(7, reconciled(7), mismatched(7, 'paid_twice', amount(7), 'succeeded'));

  type Outcome = ReconciledLine['outcome'];
  const ledger = (i: number, ledgerStatus: string) => ({
    batchId,
    ledgerAmountMinor: amount(i),
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
  const linesOfA: ReconciledLine[] = [
    debit(1, id(0), amount(0), 'matched', ledger(0, 'succeeded')),
    debit(2, id(1), '10150', 'mismatched', ledger(1, 'succeeded')),
    debit(3, id(2), amount(2), 'matched', ledger(2, 'succeeded')),
    {
      ...debit(4, id(2), amount(2), 'returned', ledger(2, 'succeeded')),
      direction: 'credit',
      reversal: true,
    },
    debit(5, id(3), amount(3), 'paid_but_failed', ledger(3, 'failed')),
    debit(6, id(5), amount(5), 'other_dfsp', ledger(5, 'succeeded')),
    debit(7, UNKNOWN_REFERENCE, '7500', 'unknown'),
    { ...debit(8, null, '500000', 'not_a_payment'), direction: 'credit' },
    debit(9, id(7), amount(7), 'matched', ledger(7, 'succeeded')),
    debit(10, id(7), amount(7), 'paid_twice', ledger(7, 'succeeded')),
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
    payments: [{ paymentId: id(4), batchId, amountMinor: amount(4), currency: 'KES' }],
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
  await later(5, reconciled(5, bankC, 'bank-c'));
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
    lines: [debit(1, id(5), amount(5), 'matched', ledger(5, 'succeeded'))],
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

function withPurpose(purpose: string | undefined): { purpose?: string } {
  return purpose === undefined ? {} : { purpose };
}
