import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/application/eventStore.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { anEvent } from '../support/events.js';
import {
  aPayment,
  as,
  fixedQueries,
  pgliteEventStore,
  recordingCommands,
  TOKENS,
  testApp,
} from './support.js';

interface FeedEvent {
  position: string;
  stream: string;
  revision: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

describe('payment and event routes on a real event store', () => {
  let db: SqlDatabase;
  let events: EventStore;
  const paymentId = ulid();
  beforeAll(async () => {
    ({ db, events } = await pgliteEventStore());
    await events.append(`batch-${ulid()}`, 'no_stream', [anEvent('BatchOpened', { n: 1 })]);
    await events.append(`payment-${paymentId}`, 'no_stream', [
      anEvent('PaymentInstructed', { paymentId }),
      anEvent('PaymentRouted', { paymentId, dfspId: 'bank-a' }),
    ]);
    await events.append(`payment-${ulid()}`, 'no_stream', [anEvent('PaymentInstructed')]);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('answers the feed with positions and revisions as strings', async () => {
    const response = await testApp({ events }).request('/v1/events', {
      headers: as(TOKENS.auditor),
    });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { events: FeedEvent[]; next: string };
    expect(page.events).toHaveLength(4);
    for (const event of page.events) {
      expect(event.position).toMatch(/^\d+$/);
      expect(event.revision).toMatch(/^\d+$/);
      expect(Object.keys(event).sort()).toEqual(
        ['data', 'metadata', 'position', 'revision', 'stream', 'type'].sort(),
      );
    }
    expect(page.events[2]).toMatchObject({
      stream: `payment-${paymentId}`,
      revision: '1',
      type: 'PaymentRouted',
      data: { paymentId, dfspId: 'bank-a' },
      metadata: { actor: 'test', correlationId: 'test-correlation' },
    });
    expect(page.next).toBe(page.events[3]?.position);
  });

  it('pages with after and next until the feed is exhausted', async () => {
    const app = testApp({ events });
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const query = after === undefined ? 'limit=3' : `limit=3&after=${after}`;
      const response = await app.request(`/v1/events?${query}`, { headers: as(TOKENS.reporter) });
      const page = (await response.json()) as { events: FeedEvent[]; next: string };
      seen.push(...page.events.map((event) => event.position));
      if (page.events.length === 0 && page.next === (after ?? '0')) break;
      after = page.next;
    }
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
  });

  it.each(['type=PaymentInstructed&type=BatchOpened', 'type=PaymentInstructed,BatchOpened'])(
    'filters by event type (%s)',
    async (query) => {
      const response = await testApp({ events }).request(`/v1/events?${query}`, {
        headers: as(TOKENS.auditor),
      });
      const page = (await response.json()) as { events: FeedEvent[] };
      expect(page.events.map((event) => event.type).sort()).toEqual([
        'BatchOpened',
        'PaymentInstructed',
        'PaymentInstructed',
      ]);
    },
  );

  it.each([
    ['after=-1', 'after'],
    ['after=1e3', 'after'],
    ['after=9223372036854775808', 'after'],
    ['limit=1001', 'limit'],
    ['limit=0', 'limit'],
    ['type=Not%20A%20Type', 'type'],
  ])('refuses %s', async (query, field) => {
    const response = await testApp({ events }).request(`/v1/events?${query}`, {
      headers: as(TOKENS.auditor),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { path: string }[] };
    expect(body.errors.map((error) => error.path)).toEqual([field]);
  });

  it("answers a payment's history in the feed's shape", async () => {
    const response = await testApp({ events }).request(`/v1/payments/${paymentId}/events`, {
      headers: as(TOKENS.auditor),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { events: FeedEvent[] };
    expect(body.events.map((event) => [event.revision, event.type])).toEqual([
      ['0', 'PaymentInstructed'],
      ['1', 'PaymentRouted'],
    ]);
  });

  it('answers an empty history for a payment not yet approved, 404 for an unknown one', async () => {
    const pending = aPayment();
    const app = testApp({ events, queries: fixedQueries({ payments: [pending] }) });
    const known = await app.request(`/v1/payments/${pending.paymentId}/events`, {
      headers: as(TOKENS.auditor),
    });
    expect(await known.json()).toEqual({ events: [] });
    const unknown = await app.request(`/v1/payments/${ulid()}/events`, {
      headers: as(TOKENS.auditor),
    });
    expect(unknown.status).toBe(404);
  });

  it('keeps the history to auditors', async () => {
    const response = await testApp({ events }).request(`/v1/payments/${paymentId}/events`, {
      headers: as(TOKENS.reporter),
    });
    expect(response.status).toBe(403);
  });

  it('reads a payment now, and as of an instant through the replay', async () => {
    const now = aPayment({ status: 'succeeded' });
    const then = { ...now, status: 'routed' as const };
    const asked: [string, string][] = [];
    const app = testApp({
      events,
      queries: fixedQueries({ payments: [now] }),
      replay: async (id, asOf) => {
        asked.push([id, asOf.toISOString()]);
        return then;
      },
    });
    const current = await app.request(`/v1/payments/${now.paymentId}`, {
      headers: as(TOKENS.operator),
    });
    expect(await current.json()).toEqual(now);
    const past = await app.request(
      `/v1/payments/${now.paymentId}?asOf=2026-11-28T12:00:00%2B03:00`,
      { headers: as(TOKENS.operator) },
    );
    expect(await past.json()).toEqual(then);
    expect(asked).toEqual([[now.paymentId, '2026-11-28T09:00:00.000Z']]);
  });

  it('refuses an asOf that is not an instant, and answers 501 without a replay', async () => {
    const payment = aPayment();
    const app = testApp({ events, queries: fixedQueries({ payments: [payment] }) });
    const invalid = await app.request(`/v1/payments/${payment.paymentId}?asOf=yesterday`, {
      headers: as(TOKENS.reporter),
    });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe('asOf');
    const unavailable = await app.request(
      `/v1/payments/${payment.paymentId}?asOf=2026-11-28T10:00:00Z`,
      { headers: as(TOKENS.reporter) },
    );
    expect(unavailable.status).toBe(501);
  });

  it('answers 404 for a payment neither the read model nor the replay knows', async () => {
    const app = testApp({ events, replay: async () => undefined });
    for (const query of ['', '?asOf=2026-11-28T10:00:00Z']) {
      const response = await app.request(`/v1/payments/${ulid()}${query}`, {
        headers: as(TOKENS.reporter),
      });
      expect(response.status).toBe(404);
    }
  });

  it('lists payments filtered by batch and status', async () => {
    const batchId = ulid();
    const wanted = aPayment({ batchId, status: 'failed' });
    const queries = fixedQueries({
      payments: [wanted, aPayment({ batchId }), aPayment({ status: 'failed' })],
    });
    const response = await testApp({ events, queries }).request(
      `/v1/payments?batchId=${batchId}&status=failed&limit=10`,
      { headers: as(TOKENS.auditor) },
    );
    expect(await response.json()).toEqual({ items: [wanted], nextCursor: null });
    expect(queries.filters).toStrictEqual([{ batchId, status: 'failed', limit: 10 }]);
  });

  it('cancels a payment with a reason', async () => {
    const recording = recordingCommands();
    const response = await testApp({ events, commands: recording.commands }).request(
      `/v1/payments/${paymentId}/cancel`,
      { method: 'POST', headers: as(TOKENS.operator), body: '{"reason":"deceased"}' },
    );
    expect(response.status).toBe(204);
    expect(recording.calls[0]?.args).toEqual([paymentId, 'deceased']);
  });
});
