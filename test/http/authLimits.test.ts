import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventStore } from '../../src/application/eventStore.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import {
  AUTH_FAILURE_WINDOW_MS,
  MAX_AUTH_FAILURES_PER_WINDOW,
  MAX_TRACKED_ADDRESSES,
} from '../../src/http/authFailureLimit.js';
import { pgliteEventStore, TOKENS, testApp } from './support.js';

const METRICS_TOKEN = 'metrics-token-0123456789';

let db: SqlDatabase;
let events: EventStore;
beforeAll(async () => {
  ({ db, events } = await pgliteEventStore());
});
afterAll(async () => {
  await db?.close();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('/metrics and METRICS_TOKEN', () => {
  it('is public when METRICS_TOKEN is unset', async () => {
    const response = await testApp({ events }).request('/metrics');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('http_requests_total');
  });

  it.each([
    ['no token', undefined],
    ['a wrong token', `Bearer ${METRICS_TOKEN}x`],
    ['an API token', `Bearer ${TOKENS.admin}`],
    ['another scheme', `Basic ${METRICS_TOKEN}`],
  ])('answers 401 to %s when METRICS_TOKEN is set', async (_case, authorization) => {
    const response = await testApp({ events, metricsToken: METRICS_TOKEN }).request('/metrics', {
      headers: authorization === undefined ? {} : { authorization },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('answers 200 with METRICS_TOKEN as the bearer token', async () => {
    const response = await testApp({ events, metricsToken: METRICS_TOKEN }).request('/metrics', {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('http_requests_total');
  });
});

describe('failed authentication per client address', () => {
  /** An app whose client address is the test's `x-test-address` header. */
  const limitedApp = (metricsToken?: string) => {
    const app = testApp({
      events,
      metricsToken,
      clientAddress: (c) => c.req.header('x-test-address') ?? 'none',
    });
    return (address: string, token: string, path = '/v1/batches') =>
      app.request(path, {
        headers: { authorization: `Bearer ${token}`, 'x-test-address': address },
      });
  };
  const failTimes = async (call: ReturnType<typeof limitedApp>, address: string, n: number) => {
    for (let i = 0; i < n; i += 1) {
      expect((await call(address, 'wrong-token')).status).toBe(401);
    }
  };

  it('answers 429 with retry-after after the limit, to every request from that address', async () => {
    const call = limitedApp();
    await failTimes(call, '198.51.100.1', MAX_AUTH_FAILURES_PER_WINDOW);
    for (const token of ['wrong-token', TOKENS.reporter]) {
      const limited = await call('198.51.100.1', token);
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(AUTH_FAILURE_WINDOW_MS / 1_000);
      expect(limited.headers.get('content-type')).toBe('application/problem+json');
      expect(await limited.json()).toMatchObject({
        type: 'https://g2p-ledger.dev/problems/too_many_failed_authentications',
        status: 429,
      });
    }
    expect((await call('198.51.100.2', TOKENS.reporter)).status).toBe(200);
    expect((await call('198.51.100.2', 'wrong-token')).status).toBe(401);
  });

  it('does not count successful requests', async () => {
    const call = limitedApp();
    await failTimes(call, '198.51.100.3', MAX_AUTH_FAILURES_PER_WINDOW - 1);
    for (let i = 0; i < 3 * MAX_AUTH_FAILURES_PER_WINDOW; i += 1) {
      expect((await call('198.51.100.3', TOKENS.reporter)).status).toBe(200);
    }
    expect((await call('198.51.100.3', 'wrong-token')).status).toBe(401);
    expect((await call('198.51.100.3', TOKENS.reporter)).status).toBe(429);
  });

  it('lets the address try again once the window has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const call = limitedApp();
    await failTimes(call, '198.51.100.4', MAX_AUTH_FAILURES_PER_WINDOW);
    expect((await call('198.51.100.4', TOKENS.reporter)).status).toBe(429);
    vi.setSystemTime(Date.now() + AUTH_FAILURE_WINDOW_MS);
    expect((await call('198.51.100.4', TOKENS.reporter)).status).toBe(200);
  });

  it('counts failed METRICS_TOKEN attempts too', async () => {
    const call = limitedApp(METRICS_TOKEN);
    for (let i = 0; i < MAX_AUTH_FAILURES_PER_WINDOW; i += 1) {
      expect((await call('198.51.100.5', 'wrong-token', '/metrics')).status).toBe(401);
    }
    expect((await call('198.51.100.5', METRICS_TOKEN, '/metrics')).status).toBe(429);
    expect((await call('198.51.100.6', METRICS_TOKEN, '/metrics')).status).toBe(200);
  });

  it('forgets the oldest address when it tracks too many', async () => {
    const call = limitedApp();
    await failTimes(call, '198.51.100.7', MAX_AUTH_FAILURES_PER_WINDOW);
    expect((await call('198.51.100.7', 'wrong-token')).status).toBe(429);
    for (let i = 0; i < MAX_TRACKED_ADDRESSES; i += 1) {
      await call(`10.${i >> 8}.${i & 255}.1`, 'wrong-token');
    }
    expect((await call('198.51.100.7', 'wrong-token')).status).toBe(401);
  });
});

// By default the address is the socket's: a client cannot escape the limit by writing
// X-Forwarded-For.
describe('the client address on a real socket', () => {
  it('is the peer address, whatever X-Forwarded-For says', async () => {
    const app = testApp({ events });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(listening),
      );
    });
    try {
      const { port } = server.address() as AddressInfo;
      const call = (forwardedFor: string) =>
        fetch(`http://127.0.0.1:${port}/v1/batches`, {
          headers: { authorization: 'Bearer wrong-token', 'x-forwarded-for': forwardedFor },
        });
      for (let i = 0; i < MAX_AUTH_FAILURES_PER_WINDOW; i += 1) {
        expect((await call(`203.0.113.${i}`)).status).toBe(401);
      }
      expect((await call('203.0.113.250')).status).toBe(429);
      // The same app without a socket (another address) is not limited.
      const direct = await app.request('/v1/batches', {
        headers: { authorization: `Bearer ${TOKENS.reporter}` },
      });
      expect(direct.status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
