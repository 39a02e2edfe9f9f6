import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/application/eventStore.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { parseApiTokens } from '../../src/http/auth.js';
import { as, pgliteEventStore, recordingCommands, TOKENS, testApp } from './support.js';

describe('parseApiTokens', () => {
  it('reads token=name:role|role entries', () => {
    const tokens = parseApiTokens('tok1=alice:admin|operator, tok2=bob:approver');
    expect(tokens.get('tok1')).toEqual({ name: 'alice', roles: ['admin', 'operator'] });
    expect(tokens.get('tok2')).toEqual({ name: 'bob', roles: ['approver'] });
    expect(tokens.size).toBe(2);
  });

  it('accepts a base64 token ending in "="', () => {
    expect(parseApiTokens('dG9rZW4==carol:auditor').get('dG9rZW4=')?.name).toBe('carol');
  });

  it.each([
    ['', /lists no token/],
    ['tok1', /entry 1 must read "token=name:role\|role"/],
    ['tok1=alice', /entry 1 must read/],
    ['tok1=alice:admin,tok2=bob:boss', /entry 2: unknown role "boss"/],
    ['tok1=alice:', /entry 1: unknown role ""/],
    ['tok1=al ice:admin', /entry 1: the name/],
    ['to;k=alice:admin', /entry 1: the token/],
    ['tok1=alice:admin,tok1=bob:reporter', /entry 2 repeats the token/],
  ])('refuses %j with a clear message', (text, message) => {
    expect(() => parseApiTokens(text)).toThrow(message);
  });

  it('never repeats a token in its messages', () => {
    expect(() => parseApiTokens('secret-token-xyz=alice:root')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret-token-xyz') }),
    );
  });
});

describe('bearer authentication', () => {
  let db: SqlDatabase;
  let events: EventStore;
  beforeAll(async () => {
    ({ db, events } = await pgliteEventStore());
  });
  afterAll(async () => {
    await db?.close();
  });

  it('answers 401 with a problem and WWW-Authenticate when the token is missing', async () => {
    const response = await testApp({ events }).request('/v1/batches');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await response.json()).toMatchObject({
      type: 'https://g2p-ledger.dev/problems/unauthorized',
      title: 'Unauthorized',
      status: 401,
    });
  });

  it.each([
    ['an unknown token', 'Bearer not-a-token'],
    ['another scheme', `Basic ${TOKENS.reporter}`],
    ['an empty bearer', 'Bearer '],
  ])('answers 401 for %s', async (_case, authorization) => {
    const response = await testApp({ events }).request('/v1/batches', {
      headers: { authorization },
    });
    expect(response.status).toBe(401);
  });

  it('answers 403 naming the roles needed when the principal lacks them', async () => {
    const response = await testApp({ events }).request('/v1/dfsps', {
      headers: as(TOKENS.operator),
    });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { type: string; detail: string };
    expect(body.type).toBe('https://g2p-ledger.dev/problems/forbidden');
    expect(body.detail).toContain('admin or reporter');
    expect(body.detail).toContain('oscar has operator');
  });

  it('checks the role before the body, so a caller without it learns nothing of the shape', async () => {
    const response = await testApp({ events }).request('/v1/batches', {
      method: 'POST',
      headers: as(TOKENS.reporter),
      body: '{"not":"valid"}',
    });
    expect(response.status).toBe(403);
  });

  it('lets any of several roles through', async () => {
    const app = testApp({ events });
    for (const token of [TOKENS.admin, TOKENS.reporter]) {
      const response = await app.request('/v1/dfsps', { headers: as(token) });
      expect(response.status).toBe(200);
    }
  });

  it.each(['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs'])(
    'serves %s without a token',
    async (path) => {
      const response = await testApp({ events }).request(path);
      expect(response.status).toBe(200);
    },
  );

  it('answers an unknown route 404 even without a token (the routes are public)', async () => {
    const response = await testApp({ events }).request('/v1/anything');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('passes user:<name> as the actor of the command', async () => {
    const recording = recordingCommands();
    const app = testApp({ events, commands: recording.commands });
    const batchId = '01JB4Z6Q0X8Y7W3V2T1S0R9P8N';
    const response = await app.request(`/v1/batches/${batchId}/approve`, {
      method: 'POST',
      headers: as(TOKENS.operatorApprover),
    });
    expect(response.status).toBe(204);
    expect(recording.calls).toEqual([
      {
        method: 'approveBatch',
        args: [batchId],
        context: expect.objectContaining({ actor: 'user:otto', causationId: null }),
      },
    ]);
  });
});
