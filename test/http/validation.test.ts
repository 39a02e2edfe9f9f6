import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/application/eventStore.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { as, pgliteEventStore, recordingCommands, TOKENS, testApp } from './support.js';

const BATCH_ID = '01JB4Z6Q0X8Y7W3V2T1S0R9P8N';

describe('request validation', () => {
  let db: SqlDatabase;
  let events: EventStore;
  beforeAll(async () => {
    ({ db, events } = await pgliteEventStore());
  });
  afterAll(async () => {
    await db?.close();
  });

  const openBatch = (
    body: unknown,
    init: { raw?: string; headers?: Record<string, string> } = {},
  ) =>
    testApp({ events }).request('/v1/batches', {
      method: 'POST',
      headers: init.headers ?? as(TOKENS.operator),
      body: init.raw ?? JSON.stringify(body),
    });
  const validBatch = {
    programId: 'CT-OVC',
    cycleId: '2026-11',
    currency: 'KES',
    declaredCount: 2,
    declaredTotal: '300.00',
  };

  it('refuses an amount sent as a JSON number, naming the field', async () => {
    const response = await openBatch({ ...validBatch, declaredTotal: 300 });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      type: string;
      errors: { path: string; message: string }[];
    };
    expect(body.type).toBe('https://g2p-ledger.dev/problems/validation_failed');
    expect(body.errors).toEqual([
      { path: 'declaredTotal', message: expect.stringContaining('decimal string') },
    ]);
  });

  it('refuses a missing field, naming it', async () => {
    const { programId: _omitted, ...withoutProgram } = validBatch;
    const response = await openBatch(withoutProgram);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { path: string }[] };
    expect(body.errors.map((error) => error.path)).toEqual(['programId']);
  });

  it('refuses an unknown field, naming it', async () => {
    const response = await openBatch({ ...validBatch, colour: 'blue' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: unknown };
    expect(body.errors).toEqual([{ path: 'colour', message: 'unknown field' }]);
  });

  it('lists every invalid field of a payment chunk with its index', async () => {
    const recording = recordingCommands();
    const response = await testApp({ events, commands: recording.commands }).request(
      `/v1/batches/${BATCH_ID}/payments`,
      {
        method: 'POST',
        headers: as(TOKENS.operator),
        body: JSON.stringify([
          { reference: 'r1', beneficiaryId: 'b1', payeeFa: 'account:1@bank-a', amount: '1.00' },
          { reference: 'r2', beneficiaryId: 'b2', payeeFa: 'account:2@bank-a', amount: 2 },
          { reference: '', beneficiaryId: 'b3', payeeFa: 'account:3@bank-a', amount: '3.00' },
        ]),
      },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { path: string }[] };
    expect(body.errors.map((error) => error.path).sort()).toEqual(['[1].amount', '[2].reference']);
    expect(recording.calls).toEqual([]);
  });

  it('refuses 1,001 payments in one request', async () => {
    const payment = {
      reference: 'r',
      beneficiaryId: 'b',
      payeeFa: 'account:1@bank-a',
      amount: '1.00',
    };
    const payments = Array.from({ length: 1_001 }, (_, index) => ({
      ...payment,
      reference: `r${index}`,
    }));
    const response = await testApp({ events }).request(`/v1/batches/${BATCH_ID}/payments`, {
      method: 'POST',
      headers: as(TOKENS.operator),
      body: JSON.stringify(payments),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { path: string; message: string }[] };
    expect(body.errors).toEqual([
      { path: '(root)', message: 'at most 1,000 payments per request' },
    ]);
  });

  it('refuses a body that is not JSON with 400', async () => {
    const response = await openBatch(undefined, { raw: '{"programId": ' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: 'https://g2p-ledger.dev/problems/malformed_json',
      status: 400,
    });
  });

  it('refuses a body of another media type with 415', async () => {
    const response = await openBatch(undefined, {
      raw: 'programId=CT-OVC',
      headers: { ...as(TOKENS.operator), 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('refuses a body over 2 MiB with 413', async () => {
    const response = await openBatch({ ...validBatch, description: 'x'.repeat(2 * 1024 * 1024) });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      type: 'https://g2p-ledger.dev/problems/body_too_large',
      status: 413,
    });
  });

  it('takes up to 4 MiB on the payments route, where 1,000 long payments fit', async () => {
    const recording = recordingCommands();
    const payments = Array.from({ length: 1_000 }, (_, index) => ({
      reference: `CT-OVC-2026-11-${String(index).padStart(85, '0')}`,
      beneficiaryId: 'b'.repeat(100),
      payeeFa: `account:${'1'.repeat(64)}@${'bank'.repeat(16)}`,
      payeeName: 'N'.repeat(200),
      amount: '1000000.00',
      region: 'R'.repeat(50),
      purpose: 'P'.repeat(140),
      attributes: Object.fromEntries(
        Array.from({ length: 10 }, (_, key) => [`key-${key}`.padEnd(64, 'k'), 'v'.repeat(100)]),
      ),
    }));
    const body = JSON.stringify(payments);
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    const response = await testApp({ events, commands: recording.commands }).request(
      `/v1/batches/${BATCH_ID}/payments`,
      { method: 'POST', headers: as(TOKENS.operator), body },
    );
    expect(response.status).toBe(200);
    expect(recording.calls).toHaveLength(1);
  });

  it('answers 400 for a path id that is not a ULID', async () => {
    const response = await testApp({ events }).request('/v1/batches/not-a-ulid', {
      headers: as(TOKENS.reporter),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { detail: string; errors: { path: string }[] };
    expect(body.detail).toContain('path');
    expect(body.errors.map((error) => error.path)).toEqual(['batchId']);
  });
});
