import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/application/eventStore.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import {
  aBatchSummary,
  as,
  fixedQueries,
  pgliteEventStore,
  recordingCommands,
  TOKENS,
  testApp,
} from './support.js';

const BATCH_ID = '01JB4Z6Q0X8Y7W3V2T1S0R9P8N';

describe('batch routes', () => {
  let db: SqlDatabase;
  let events: EventStore;
  beforeAll(async () => {
    ({ db, events } = await pgliteEventStore());
  });
  afterAll(async () => {
    await db?.close();
  });

  const opening = {
    batchId: BATCH_ID,
    programId: 'CT-OVC',
    cycleId: '2026-11',
    currency: 'KES',
    declaredCount: 2,
    declaredTotal: '300.00',
    scheduledFor: '2026-12-01T08:00:00Z',
  };

  it('opens a batch and answers 201 with its summary', async () => {
    const recording = recordingCommands();
    const summary = aBatchSummary({ batchId: BATCH_ID });
    const app = testApp({
      events,
      commands: recording.commands,
      queries: fixedQueries({ batches: [summary] }),
    });
    const response = await app.request('/v1/batches', {
      method: 'POST',
      headers: as(TOKENS.operator, { 'x-correlation-id': 'load-2026-11' }),
      body: JSON.stringify(opening),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual(summary);
    expect(recording.calls[0]).toEqual({
      method: 'openBatch',
      args: [opening],
      context: { actor: 'user:oscar', correlationId: 'load-2026-11', causationId: null },
    });
  });

  it('answers {batchId, status: open} while the read model has not caught up', async () => {
    const { batchId: _drawn, ...withoutId } = opening;
    const response = await testApp({ events }).request('/v1/batches', {
      method: 'POST',
      headers: as(TOKENS.operator),
      body: JSON.stringify(withoutId),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { batchId: string; status: string };
    expect(body.status).toBe('open');
    expect(body.batchId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('passes only the fields sent: an absent optional field stays absent', async () => {
    const recording = recordingCommands();
    const { scheduledFor: _none, ...minimal } = opening;
    await testApp({ events, commands: recording.commands }).request('/v1/batches', {
      method: 'POST',
      headers: as(TOKENS.operator),
      body: JSON.stringify(minimal),
    });
    expect(recording.calls[0]?.args[0]).toStrictEqual(minimal);
  });

  it('adds payments and answers each reference with its payment id', async () => {
    const recording = recordingCommands();
    const payments = [
      {
        reference: 'r1',
        beneficiaryId: 'b1',
        payeeFa: 'account:100200300@bank-a',
        amount: '100.00',
      },
      {
        reference: 'r2',
        beneficiaryId: 'b2',
        payeeFa: 'mobile:+254700000000@mpesa',
        amount: '200.00',
        region: 'KE-30',
        attributes: { disability: 'yes' },
      },
    ];
    const response = await testApp({ events, commands: recording.commands }).request(
      `/v1/batches/${BATCH_ID}/payments`,
      { method: 'POST', headers: as(TOKENS.operator), body: JSON.stringify(payments) },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      payments: { reference: string; paymentId: string }[];
    };
    expect(body.payments.map((payment) => payment.reference)).toEqual(['r1', 'r2']);
    expect(recording.calls[0]?.args).toStrictEqual([BATCH_ID, payments]);
  });

  it.each([
    ['submit', TOKENS.operator, 'submitBatch'],
    ['approve', TOKENS.approver, 'approveBatch'],
    ['cancel', TOKENS.operator, 'cancelBatch'],
  ])('%s answers 204 and calls %s', async (action, token, method) => {
    const recording = recordingCommands();
    const response = await testApp({ events, commands: recording.commands }).request(
      `/v1/batches/${BATCH_ID}/${action}`,
      { method: 'POST', headers: { authorization: `Bearer ${token}` } },
    );
    expect(response.status).toBe(204);
    expect(recording.calls.map((call) => call.method)).toEqual([method]);
  });

  it('passes a cancellation reason', async () => {
    const recording = recordingCommands();
    await testApp({ events, commands: recording.commands }).request(
      `/v1/batches/${BATCH_ID}/cancel`,
      { method: 'POST', headers: as(TOKENS.operator), body: '{"reason":"duplicate upload"}' },
    );
    expect(recording.calls[0]?.args).toEqual([BATCH_ID, 'duplicate upload']);
  });

  it('passes an amendment of the control totals, without a schedule when none is sent', async () => {
    const recording = recordingCommands();
    const response = await testApp({ events, commands: recording.commands }).request(
      `/v1/batches/${BATCH_ID}`,
      {
        method: 'PATCH',
        headers: as(TOKENS.operator),
        body: '{"declaredCount":3,"declaredTotal":"450.00"}',
      },
    );
    expect(response.status).toBe(204);
    expect(recording.calls[0]).toMatchObject({
      method: 'amendBatch',
      args: [BATCH_ID, { declaredCount: 3, declaredTotal: '450.00' }],
    });
  });

  it('keeps approval to approvers', async () => {
    const response = await testApp({ events }).request(`/v1/batches/${BATCH_ID}/approve`, {
      method: 'POST',
      headers: as(TOKENS.operator),
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { detail: string }).detail).toContain('approver');
  });

  it('reads a batch, and answers 404 for one it does not know', async () => {
    const summary = aBatchSummary({ batchId: BATCH_ID });
    const app = testApp({ events, queries: fixedQueries({ batches: [summary] }) });
    const found = await app.request(`/v1/batches/${BATCH_ID}`, { headers: as(TOKENS.reporter) });
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual(summary);
    const missing = await app.request('/v1/batches/01JB4Z6Q0X8Y7W3V2T1S0R9P8M', {
      headers: as(TOKENS.reporter),
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { type: string }).type).toMatch(/batch_not_found$/);
  });

  it('lists batches a page at a time', async () => {
    const batches = [aBatchSummary(), aBatchSummary(), aBatchSummary()];
    const queries = fixedQueries({ batches });
    const app = testApp({ events, queries });
    const first = await app.request('/v1/batches?limit=2&status=open', {
      headers: as(TOKENS.reporter),
    });
    const page = (await first.json()) as { items: unknown[]; nextCursor: string | null };
    expect(page.items).toHaveLength(2);
    expect(queries.filters[0]).toStrictEqual({ limit: 2, status: 'open' });
    const second = await app.request(`/v1/batches?cursor=${page.nextCursor}`, {
      headers: as(TOKENS.reporter),
    });
    expect(await second.json()).toEqual({ items: [batches[2]], nextCursor: null });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['status=shipped', 'status'],
    ['colour=blue', 'colour'],
  ])('refuses the query %s', async (query, field) => {
    const response = await testApp({ events }).request(`/v1/batches?${query}`, {
      headers: as(TOKENS.reporter),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { path: string }[] };
    expect(body.errors.map((error) => error.path)).toEqual([field]);
  });

  it('answers a cursor the queries refuse with 400 invalid_cursor', async () => {
    const response = await testApp({ events, queries: fixedQueries() }).request(
      '/v1/batches?cursor=bogus',
      { headers: as(TOKENS.reporter) },
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { type: string }).type).toMatch(/invalid_cursor$/);
  });
});
