import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/adapters/postgres/migrations.js';
import { createPostgresEventStore } from '../../src/adapters/postgres/postgresEventStore.js';
import {
  createWebhookSubscriptions,
  resealWebhookSecrets,
  webhookMigrations,
} from '../../src/adapters/postgres/webhookSubscriptions.js';
import { createSealer } from '../../src/adapters/secrets/sealing.js';
import { createDeliveryState } from '../../src/adapters/webhooks/deliveryState.js';
import {
  createWebhookDelivery,
  type WebhookDeliverySettings,
} from '../../src/adapters/webhooks/webhookDelivery.js';
import type { EventStore } from '../../src/application/eventStore.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import type { WebhookSubscriptions } from '../../src/application/webhooks.js';
import { webhookSecretKey } from '../../src/domain/webhookSubscription.js';
import { createMigratedPglite } from '../support/databases.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const SETTINGS: WebhookDeliverySettings = {
  timeoutMs: 2_000,
  maxInFlight: 4,
  retryBaseMs: 20,
  retryMaxMs: 100,
  giveUpAfterMs: 60_000,
  pageSize: 100,
  idlePollMs: 20,
  leaseMs: 5_000,
};

/** A subscriber answering each request with the next status of `statuses` (then the last). */
async function subscriber(statuses: number[]) {
  const ids: string[] = [];
  const server: Server = createServer((request, response) => {
    ids.push(String(request.headers['webhook-id']));
    request.resume();
    const status = statuses.length > 1 ? (statuses.shift() as number) : (statuses[0] ?? 204);
    response.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, ids, close: () => server.close() };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('not within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('webhook delivery', () => {
  let db: SqlDatabase;
  let store: EventStore;
  let subscriptions: WebhookSubscriptions;
  let stop: AbortController;
  let running: Promise<void>;
  const sealer = createSealer(randomBytes(32));

  beforeEach(async () => {
    db = await createMigratedPglite();
    await migrate(db, [webhookMigrations]);
    store = createPostgresEventStore(db);
    subscriptions = createWebhookSubscriptions(db, sealer);
    stop = new AbortController();
  });
  afterEach(async () => {
    stop.abort();
    await running;
    await db.close();
  });

  const start = (settings: Partial<WebhookDeliverySettings> = {}) => {
    const state = createDeliveryState(db, sealer, { owner: 'test', leaseMs: 5_000 });
    const logger = pino({ level: 'silent' });
    running = createWebhookDelivery({
      store,
      state,
      logger,
      settings: { ...SETTINGS, ...settings },
    }).run(stop.signal);
  };
  const subscribe = (url: string) =>
    subscriptions.put(
      'erp',
      { url, events: ['dfsp.health_changed'], filters: {}, secret: SECRET, enabled: true },
      0n,
    );
  const healthChanged = (health: 'healthy' | 'unhealthy') =>
    store.append(`dfsp-bank-a-${randomUUID()}`, 'no_stream', [
      {
        id: randomUUID(),
        type: 'DfspHealthChanged',
        data: { dfspId: 'bank-a', health, reason: 'circuit' },
        metadata: {
          occurredAt: new Date().toISOString(),
          actor: 'process:test',
          correlationId: 'test',
          causationId: null,
        },
      },
    ]);

  it('retries a failed message under the same webhook-id until it is taken', async () => {
    const receiver = await subscriber([500, 503, 204]);
    await subscribe(receiver.url);
    const { position } = await healthChanged('unhealthy');
    start();
    await until(async () => (await subscriptions.get('erp'))?.deliveries.delivered === '1');
    expect(receiver.ids).toEqual([
      `msg_erp_${position}`,
      `msg_erp_${position}`,
      `msg_erp_${position}`,
    ]);
    const attempts = await subscriptions.attempts('erp', 10);
    expect(
      attempts.map((attempt) => [attempt.attempt, attempt.statusCode, attempt.outcome]),
    ).toEqual([
      [3, 204, 'delivered'],
      [2, 503, 'failed'],
      [1, 500, 'failed'],
    ]);
    expect(await subscriptions.get('erp')).toMatchObject({
      checkpoint: String(position),
      deliveries: { inFlight: 0, failedAttempts: 0 },
    });
    receiver.close();
  });

  it('disables the subscription on 410 Gone, its checkpoint still before the message', async () => {
    const receiver = await subscriber([410]);
    await subscribe(receiver.url);
    await healthChanged('unhealthy');
    start();
    await until(async () => (await subscriptions.get('erp'))?.enabled === false);
    expect(await subscriptions.get('erp')).toMatchObject({
      disabledReason: 'gone',
      checkpoint: '0',
    });
    receiver.close();
  });

  it('disables the subscription when a message has failed for longer than the limit', async () => {
    const receiver = await subscriber([503]);
    await subscribe(receiver.url);
    await healthChanged('unhealthy');
    start({ giveUpAfterMs: 0 });
    await until(async () => (await subscriptions.get('erp'))?.enabled === false);
    expect(await subscriptions.get('erp')).toMatchObject({ disabledReason: 'failing_too_long' });
    receiver.close();
  });

  it('records a refused connection as a failed attempt with its error code', async () => {
    const receiver = await subscriber([204]);
    receiver.close();
    await subscribe(receiver.url);
    await healthChanged('unhealthy');
    start();
    await until(async () => (await subscriptions.attempts('erp', 1)).length > 0);
    const [attempt] = await subscriptions.attempts('erp', 1);
    expect(attempt).toMatchObject({ outcome: 'failed', statusCode: null, error: 'ECONNREFUSED' });
  });

  it('opens its secret after npm run rotate-secrets-key re-sealed it under a new key', async () => {
    await subscribe('https://erp.example.org/hooks');
    const next = createSealer(randomBytes(32));
    expect(await db.transaction((tx) => resealWebhookSecrets(tx, sealer, next))).toBe(1);
    const state = createDeliveryState(db, next, { owner: 'test', leaseMs: 5_000 });
    expect((await state.claim('erp'))?.key).toEqual(webhookSecretKey(SECRET));
  });
});
