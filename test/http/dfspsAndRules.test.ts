import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/application/eventStore.js';
import type { DfspView } from '../../src/application/readModels.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import {
  as,
  fixedQueries,
  pgliteEventStore,
  recordingCommands,
  TOKENS,
  testApp,
} from './support.js';

const registration = {
  name: 'Bank A',
  connector: 'g2p-connect',
  baseUrl: 'http://127.0.0.1:4001',
  payerFa: 'account:100200300@bank-a',
  currencies: ['KES'],
  faTypes: ['account'],
  maxAmount: '50000.00',
  maxBatchSize: 500,
  callbackSecret: 'a-callback-secret-of-some-length',
};

describe('DFSP routes', () => {
  let db: SqlDatabase;
  let events: EventStore;
  beforeAll(async () => {
    ({ db, events } = await pgliteEventStore());
  });
  afterAll(async () => {
    await db?.close();
  });

  it('answers 201 on registration and 200 on update, never with the secret', async () => {
    const recording = recordingCommands();
    const app = testApp({ events, commands: recording.commands });
    const put = () =>
      app.request('/v1/dfsps/bank-a', {
        method: 'PUT',
        headers: as(TOKENS.admin),
        body: JSON.stringify(registration),
      });
    const created = await put();
    expect(created.status).toBe(201);
    const text = await created.text();
    expect(text).not.toContain('callbackSecret');
    expect(text).not.toContain(registration.callbackSecret);
    const { callbackSecret: _secret, ...shown } = registration;
    expect(JSON.parse(text)).toEqual({
      dfspId: 'bank-a',
      ...shown,
      profile: null,
      callbackVerification: 'x-signature',
      credentials: null,
    });
    expect((await put()).status).toBe(200);
    expect(recording.calls[0]?.args).toEqual(['bank-a', registration]);
  });

  it.each([
    [{ ...registration, maxAmount: 50000 }, 'maxAmount'],
    [{ ...registration, connector: 'swift' }, 'connector'],
    [{ ...registration, baseUrl: 'ftp://bank-a' }, 'baseUrl'],
    [{ ...registration, callbackSecret: 'short' }, 'callbackSecret'],
    [{ ...registration, auth: { token: 'x' } }, 'auth'],
  ])('refuses a registration with a bad field (%#: %s)', async (body, field) => {
    const response = await testApp({ events }).request('/v1/dfsps/bank-a', {
      method: 'PUT',
      headers: as(TOKENS.admin),
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((error) => error.path)).toEqual([field]);
  });

  it('refuses a DFSP id outside its character set', async () => {
    const response = await testApp({ events }).request('/v1/dfsps/Bank_A', {
      method: 'PUT',
      headers: as(TOKENS.admin),
      body: JSON.stringify(registration),
    });
    expect(response.status).toBe(400);
  });

  it('suspends with a reason and resumes', async () => {
    const recording = recordingCommands();
    const app = testApp({ events, commands: recording.commands });
    const suspended = await app.request('/v1/dfsps/bank-a/suspend', {
      method: 'POST',
      headers: as(TOKENS.admin),
      body: '{"reason":"maintenance"}',
    });
    const resumed = await app.request('/v1/dfsps/bank-a/resume', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.admin}` },
    });
    expect([suspended.status, resumed.status]).toEqual([204, 204]);
    expect(recording.calls.map((call) => [call.method, ...call.args])).toEqual([
      ['suspendDfsp', 'bank-a', 'maintenance'],
      ['resumeDfsp', 'bank-a'],
    ]);
  });

  it('lists DFSPs for reporters', async () => {
    const dfsp: DfspView = {
      dfspId: 'bank-a',
      name: 'Bank A',
      connector: 'g2p-connect',
      baseUrl: 'http://127.0.0.1:4001',
      payerFa: 'account:100200300@bank-a',
      currencies: ['KES'],
      faTypes: ['account'],
      maxAmount: null,
      maxBatchSize: null,
      status: 'active',
      health: 'healthy',
      registeredAt: '2026-11-28T10:00:00.000Z',
      updatedAt: '2026-11-28T10:00:00.000Z',
    };
    const response = await testApp({ events, queries: fixedQueries({ dfsps: [dfsp] }) }).request(
      '/v1/dfsps',
      { headers: as(TOKENS.reporter) },
    );
    expect(await response.json()).toEqual({ items: [dfsp], nextCursor: null });
  });
});

describe('routing rule routes', () => {
  let db: SqlDatabase;
  let events: EventStore;
  beforeAll(async () => {
    ({ db, events } = await pgliteEventStore());
  });
  afterAll(async () => {
    await db?.close();
  });

  const rule = {
    id: 'large-to-banks',
    when: { currency: 'KES', minAmount: '10000.00', regions: ['KE-30'] },
    route: [
      { dfspId: 'bank-a', weight: 70 },
      { dfspId: 'bank-b', weight: 30 },
    ],
    fallback: ['mobile-x'],
  };

  it('publishes a rule set, answers its version and reads it back', async () => {
    const recording = recordingCommands();
    const app = testApp({ events, commands: recording.commands });
    const published = await app.request('/v1/routing-rules', {
      method: 'PUT',
      headers: as(TOKENS.admin),
      body: JSON.stringify({ rules: [rule] }),
    });
    expect(published.status).toBe(200);
    expect(await published.json()).toEqual({ version: 1 });
    const current = await app.request('/v1/routing-rules', { headers: as(TOKENS.admin) });
    expect(await current.json()).toEqual({ version: 1, rules: [rule] });
  });

  it('refuses a rule with an amount as a number, naming the field', async () => {
    const response = await testApp({ events }).request('/v1/routing-rules', {
      method: 'PUT',
      headers: as(TOKENS.admin),
      body: JSON.stringify({ rules: [rule, { ...rule, id: 'r2', when: { minAmount: 10 } }] }),
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((error) => error.path)).toEqual(['rules[1].when.minAmount']);
  });

  it('answers a dry run with the routing decision', async () => {
    const recording = recordingCommands();
    const payment = {
      amount: '12000.00',
      currency: 'KES',
      payeeFa: 'account:100200300@bank-a',
      region: 'KE-30-001',
      programId: 'CT-OVC',
    };
    const response = await testApp({ events, commands: recording.commands }).request(
      '/v1/routing-rules/dry-run',
      { method: 'POST', headers: as(TOKENS.admin), body: JSON.stringify(payment) },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outcome: 'routed', dfspId: 'bank-a' });
    expect(recording.calls[0]?.args).toStrictEqual([payment]);
  });
});
