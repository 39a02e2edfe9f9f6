import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/adapters/postgres/migrations.js';
import {
  createWebhookSubscriptions,
  webhookMigrations,
} from '../../src/adapters/postgres/webhookSubscriptions.js';
import { createSealer } from '../../src/adapters/secrets/sealing.js';
import type { EventStore } from '../../src/application/eventStore.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { as, pgliteEventStore, TOKENS, testApp } from './support.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

describe('webhook subscriptions over HTTP', () => {
  let db: SqlDatabase;
  let events: EventStore;
  let app: ReturnType<typeof testApp>;
  beforeAll(async () => {
    ({ db, events } = await pgliteEventStore());
    await migrate(db, [webhookMigrations]);
    const sealer = createSealer(randomBytes(32));
    app = testApp({
      events,
      webhooks: {
        subscriptions: createWebhookSubscriptions(db, sealer),
        urlPolicy: { allowInsecure: false, hostAllowlist: [] },
      },
    });
  });
  afterAll(async () => {
    await db?.close();
  });

  const put = (id: string, body: unknown) =>
    app.request(`/v1/webhooks/${id}`, {
      method: 'PUT',
      headers: as(TOKENS.admin, { 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    });
  const get = (path: string) => app.request(path, { headers: as(TOKENS.admin) });

  const valid = {
    url: 'https://erp.example.org/hooks',
    events: ['payment.status_changed'],
    filters: { programIds: ['CT-OVC'] },
    secret: SECRET,
  };

  it('creates a subscription, then replaces it, and never answers its secret', async () => {
    const created = await put('erp', valid);
    expect(created.status).toBe(201);
    const body = (await created.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      subscriptionId: 'erp',
      url: valid.url,
      events: valid.events,
      filters: valid.filters,
      enabled: true,
      disabledReason: null,
      checkpoint: '0',
      deliveries: { inFlight: 0, failedAttempts: 0, delivered: '0' },
    });
    expect(JSON.stringify(body)).not.toContain(SECRET.slice(6));
    const replaced = await put('erp', { ...valid, enabled: false });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({
      enabled: false,
      disabledReason: 'disabled_by_admin',
    });
    const listed = (await (await get('/v1/webhooks')).json()) as { items: unknown[] };
    expect(listed.items).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(SECRET.slice(6));
    const row = await db.query<{ sealed_secret: string }>(
      'SELECT sealed_secret FROM webhook_subscriptions',
    );
    expect(row.rows[0]?.sealed_secret).not.toContain(SECRET.slice(6));
  });

  it.each([
    [{ ...valid, secret: 'not-a-secret' }, 400, 'secret'],
    [{ ...valid, secret: 'whsec_c2hvcnQ=' }, 400, 'secret'],
    [{ ...valid, events: [] }, 400, 'events'],
    [{ ...valid, events: ['payment.created'] }, 400, 'events[0]'],
    [{ ...valid, url: 'ftp://erp.example.org/' }, 422, 'url'],
    [{ ...valid, url: 'http://erp.example.org/' }, 422, 'url'],
    [{ ...valid, url: 'https://169.254.169.254/latest' }, 422, 'url'],
    [{ ...valid, extra: true }, 400, ''],
  ])('refuses %j with %i naming the field', async (body, status, path) => {
    const response = await put('bad', body);
    expect(response.status).toBe(status);
    const problem = (await response.json()) as { errors?: { path: string }[]; detail: string };
    if (path !== '') expect(problem.errors?.map((error) => error.path)).toContain(path);
  });

  it('refuses a malformed subscription id', async () => {
    expect((await put('Not_An_Id', valid)).status).toBe(400);
  });

  it('answers 404 for a subscription, its deliveries or a replay it does not have', async () => {
    expect((await get('/v1/webhooks/nobody')).status).toBe(404);
    expect((await get('/v1/webhooks/nobody/deliveries')).status).toBe(404);
    const replay = await app.request('/v1/webhooks/nobody/replay', {
      method: 'POST',
      headers: as(TOKENS.admin, { 'content-type': 'application/json' }),
      body: JSON.stringify({ fromPosition: '1' }),
    });
    expect(replay.status).toBe(404);
  });

  it('moves the checkpoint back on a replay', async () => {
    await put('replayed', valid);
    const replay = await app.request('/v1/webhooks/replayed/replay', {
      method: 'POST',
      headers: as(TOKENS.admin, { 'content-type': 'application/json' }),
      body: JSON.stringify({ fromPosition: '1' }),
    });
    expect(replay.status).toBe(204);
    expect(await (await get('/v1/webhooks/replayed')).json()).toMatchObject({ checkpoint: '0' });
    expect(await (await get('/v1/webhooks/replayed/deliveries')).json()).toEqual({ items: [] });
  });

  it('is for admins only', async () => {
    const response = await app.request('/v1/webhooks', { headers: as(TOKENS.operator) });
    expect(response.status).toBe(403);
  });
});
