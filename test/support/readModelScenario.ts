import { randomUUID } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { z } from 'zod';
import type { EventStore, JsonValue, NewEvent } from '../../src/adapters/eventStore/eventStore.js';
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
  DfspRegistered,
  DfspResumed,
  DfspSuspended,
  DfspUpdated,
  dfspStream,
} from '../../src/domain/dfspEvents.js';
import type { EventDefinition } from '../../src/domain/eventSchemas.js';
import {
  PaymentCancelled,
  PaymentInstructed,
  PaymentRouted,
  PaymentUnroutable,
  paymentStream,
} from '../../src/domain/paymentEvents.js';

const nextUlid = monotonicFactory();

/** A batch the scenario wrote: its id, its payments in order, and when things happened. */
export interface ScenarioBatch {
  readonly batchId: string;
  readonly paymentIds: readonly string[];
  readonly amountsMinor: readonly bigint[];
  /** occurredAt of each payment's PaymentsAdded. */
  readonly addedAt: readonly string[];
  /** occurredAt of each payment's last event. */
  readonly lastChangedAt: Map<string, string>;
}

export interface Scenario {
  /** KES, 30 payments: 0–11 routed to bank-a (0 re-routed twice), 12–21 to mobile-x, 22–25 unroutable, 26 routed then cancelled, 27 cancelled while pending, 28–29 pending. */
  readonly main: ScenarioBatch;
  /** JPY, 6 payments approved, 0–1 routed to bank-a, 2 unroutable, then the batch cancelled; 3 is routed after the cancellation. */
  readonly cancelled: ScenarioBatch & { readonly cancelledAt: string };
  /** KES, one payment, submitted and rejected. */
  readonly rejected: ScenarioBatch;
  /** occurredAt of each DFSP's registration and last change. */
  readonly dfsps: Map<string, { registeredAt: string; updatedAt: string }>;
}

/**
 * Writes a small ledger's history to the store with valid events (every data object passes its
 * zod schema): three DFSPs, a batch disbursing across statuses, a cancelled batch and a rejected
 * one. Timestamps advance one second per event from `startMs`.
 */
export async function writeScenario(store: EventStore, startMs: number): Promise<Scenario> {
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

  const dfsps = new Map<string, { registeredAt: string; updatedAt: string }>();
  const dfsp = async (dfspId: string, changes: readonly ('update' | 'suspend' | 'resume')[]) => {
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
      } else {
        events.push(eventOf(DfspResumed, { dfspId, by: 'user:admin' }));
      }
    }
    await append(dfspStream(dfspId), ...events);
    const last = events[events.length - 1] ?? registered;
    dfsps.set(dfspId, { registeredAt: at(registered), updatedAt: at(last) });
  };
  await dfsp('bank-a', ['update']);
  await dfsp('mobile-x', ['suspend']);
  await dfsp('bank-c', ['suspend', 'resume']);

  /** Opens a batch, adds its payments in chunks, submits and approves or rejects it. */
  const batch = async (currency: string, count: number, amountOf: (i: number) => bigint) => {
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
      const events = [eventOf(PaymentInstructed, instructed), ...then(line.paymentId)];
      await append(paymentStream(line.paymentId), ...events);
      lastChangedAt.set(line.paymentId, at(events[events.length - 1] ?? opened));
    };
    return { batchId, paymentIds, amountsMinor, addedAt, lastChangedAt, decide, instruct };
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

  return { main, cancelled: { ...cancelled, cancelledAt: at(batchCancelled) }, rejected, dfsps };
}
