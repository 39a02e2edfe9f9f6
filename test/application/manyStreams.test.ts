import { ulid } from 'ulid';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresEventStore } from '../../src/adapters/postgres/postgresEventStore.js';
import { commandHandlerFor, handledOrThrow } from '../../src/application/commandHandler.js';
import { type EventStore, MAX_STREAMS_PER_READ } from '../../src/application/eventStore.js';
import { ledgerStreams } from '../../src/application/ledgerStreams.js';
import { paymentCommands } from '../../src/application/paymentCommands.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { DomainError } from '../../src/domain/domainError.js';
import { paymentDecider } from '../../src/domain/paymentDecider.js';
import { paymentStream } from '../../src/domain/paymentEvents.js';
import { createMigratedPglite } from '../support/databases.js';

/**
 * One command on each of many streams (`StreamHandler.many`): one read and one append for all,
 * each command with its own outcome, a stream changed meanwhile decided again on its own.
 */

const context = { actor: 'user:olive', correlationId: 'c', causationId: null };
const instruct = (paymentId: string) => ({
  type: 'InstructPayment' as const,
  data: {
    paymentId,
    batchId: ulid(),
    programId: 'CT-OVC',
    reference: `r-${paymentId}`,
    beneficiaryId: `b-${paymentId}`,
    payeeFa: 'account:1001@bank-a',
    amountMinor: '100',
    currency: 'KES',
  },
});
const cancel = { type: 'CancelPayment' as const, by: 'user:olive' };

describe('many streams in one command call', () => {
  let db: SqlDatabase;
  let real: EventStore;
  /** Calls to the store, by method, since the last reset. */
  const calls = { readStream: 0, readStreams: 0, append: 0, appendMany: 0 };
  const resetCalls = () => {
    for (const method of Object.keys(calls) as (keyof typeof calls)[]) calls[method] = 0;
  };
  /** Run by the next appendMany before it writes: a rival writer in between. */
  let beforeNextAppendMany: (() => Promise<void>) | undefined;
  let store: EventStore;

  beforeAll(async () => {
    db = await createMigratedPglite();
    real = createPostgresEventStore(db);
    store = {
      ...real,
      readStream(stream, options) {
        calls.readStream += 1;
        return real.readStream(stream, options);
      },
      readStreams(reads) {
        calls.readStreams += 1;
        return real.readStreams(reads);
      },
      append(stream, expected, events) {
        calls.append += 1;
        return real.append(stream, expected, events);
      },
      async appendMany(appends) {
        calls.appendMany += 1;
        const rival = beforeNextAppendMany;
        beforeNextAppendMany = undefined;
        await rival?.();
        return real.appendMany(appends);
      },
    };
  });
  beforeEach(() => resetCalls());
  afterAll(async () => db?.close());

  it('reads and appends once for every stream, each command answered on its own, in order', async () => {
    const payments = commandHandlerFor(store, paymentDecider, paymentStream);
    const ids = Array.from({ length: 5 }, () => ulid());
    handledOrThrow(
      await payments.many(
        ids.map((id) => ({ id, command: instruct(id) })),
        context,
      ),
    );
    await payments(ids[1] ?? '', cancel, context);
    resetCalls();

    const unknown = ulid();
    const outcomes = await payments.many(
      [...ids, unknown].map((id) => ({ id, command: cancel })),
      context,
    );
    expect(calls).toEqual({ readStream: 0, readStreams: 1, append: 0, appendMany: 1 });
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
    ]);
    const handled = outcomes.slice(0, 5).map((outcome) => {
      if (outcome.status !== 'fulfilled') throw new Error('not handled');
      return outcome.value;
    });
    // The second was cancelled before: nothing to append, the others cancelled now.
    expect(handled.map(({ appended }) => appended.map((event) => event.type))).toEqual([
      ['PaymentCancelled'],
      [],
      ['PaymentCancelled'],
      ['PaymentCancelled'],
      ['PaymentCancelled'],
    ]);
    expect(handled.every(({ state }) => state.status === 'cancelled')).toBe(true);
    const refused = outcomes[5];
    expect(refused?.status === 'rejected' && refused.reason).toBeInstanceOf(DomainError);
    expect(refused?.status === 'rejected' && (refused.reason as DomainError).code).toBe(
      'payment_not_found',
    );
    for (const id of ids) {
      const events = await real.readStream(paymentStream(id));
      expect(events.map((event) => event.type)).toEqual(['PaymentInstructed', 'PaymentCancelled']);
    }
    expect(await real.readStream(paymentStream(unknown))).toEqual([]);
  });

  it('decides a stream changed meanwhile again, on its own, on what the rival wrote', async () => {
    const payments = commandHandlerFor(store, paymentDecider, paymentStream);
    const ids = Array.from({ length: 3 }, () => ulid());
    handledOrThrow(
      await payments.many(
        ids.map((id) => ({ id, command: instruct(id) })),
        context,
      ),
    );
    const contested = ids[1] ?? '';
    // The rival cancels one of them between the read and the append of the call under test.
    const rival = commandHandlerFor(real, paymentDecider, paymentStream);
    beforeNextAppendMany = async () => {
      await rival(contested, { ...cancel, by: 'user:rival' }, context);
    };
    resetCalls();

    const outcomes = handledOrThrow(
      await payments.many(
        ids.map((id) => ({ id, command: { ...cancel, reason: 'mine' } })),
        context,
      ),
    );
    // One read and one append for all; the contested stream read and decided once more alone.
    expect(calls).toEqual({ readStream: 1, readStreams: 1, append: 0, appendMany: 1 });
    expect(outcomes.map(({ appended }) => appended.length)).toEqual([1, 0, 1]);
    const contestedEvents = await real.readStream(paymentStream(contested));
    expect(contestedEvents.map((event) => event.data)).toEqual([
      expect.anything(),
      { paymentId: contested, by: 'user:rival' },
    ]);
  });

  it('applies a status report naming one payment twice one entry after the other', async () => {
    const streams = ledgerStreams(store);
    const [paid, twice] = [ulid(), ulid()];
    const route = {
      type: 'RoutePayment' as const,
      decision: {
        outcome: 'routed' as const,
        dfspId: 'bank-a',
        ruleId: 'all',
        rulesVersion: 1,
        via: 'route' as const,
      },
    };
    for (const id of [paid, twice]) {
      await streams.payments(id, instruct(id), context);
      await streams.payments(id, route, context);
    }
    resetCalls();
    const report = (referenceId: string, status: 'succeeded' | 'failed' | 'pending') => ({
      referenceId,
      status,
    });
    const outcomes = await paymentCommands(streams, 3).applyStatusReports(
      'bank-a',
      [
        report(paid, 'succeeded'),
        report(twice, 'failed'),
        report('not-a-payment-id', 'succeeded'),
        report(ulid(), 'succeeded'),
        report(twice, 'succeeded'),
        report(paid, 'pending'),
        report(twice, 'failed'),
      ],
      'callback',
      context,
    );
    expect(outcomes.map(({ outcome }) => outcome)).toEqual([
      'applied',
      'applied',
      'unknown_reference',
      'unknown_reference',
      'conflict',
      'ignored',
      'unchanged',
    ]);
    // Three waves: the first entries of each payment together, then each repeat.
    expect(calls).toMatchObject({ readStream: 0, readStreams: 3, append: 0 });
    const events = await real.readStream(paymentStream(twice));
    expect(events.map((event) => event.type)).toEqual([
      'PaymentInstructed',
      'PaymentRouted',
      'PaymentFailed',
      'PaymentStatusConflicted',
    ]);
  });

  it(`reads ${MAX_STREAMS_PER_READ} streams at a time`, async () => {
    const payments = commandHandlerFor(store, paymentDecider, paymentStream);
    const ids = Array.from({ length: MAX_STREAMS_PER_READ + 1 }, () => ulid());
    const outcomes = handledOrThrow(
      await payments.many(
        ids.map((id) => ({ id, command: instruct(id) })),
        context,
      ),
    );
    expect(calls).toEqual({ readStream: 0, readStreams: 2, append: 0, appendMany: 2 });
    expect(outcomes.every(({ appended }) => appended.length === 1)).toBe(true);
    expect(await real.readStream(paymentStream(ids.at(-1) ?? ''))).toHaveLength(1);
  });
});
