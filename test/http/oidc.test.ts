import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { base64url, exportSPKI, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcVerifier } from '../../src/adapters/oidc/jwtVerifier.js';
import { loadConfig } from '../../src/config.js';
import { type Service, startService } from '../../src/service.js';
import {
  aProviderKey,
  type ProviderKey,
  signToken,
  startOidcProvider,
} from '../support/oidcProvider.js';
import {
  API_TOKENS,
  capturingLogger,
  pgliteEventStore,
  recordingCommands,
  testApp,
} from './support.js';

const opening = {
  programId: 'CT-OVC',
  cycleId: '2026-12',
  currency: 'KES',
  declaredCount: 1,
  declaredTotal: '100.00',
};

const bearer = (token: string) => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
});

// The service as main.ts assembles it (config, composition root, embedded stores), signing
// operators in through an OpenID provider on loopback found by discovery.
describe('OIDC sign-in', () => {
  let provider: Awaited<ReturnType<typeof startOidcProvider>>;
  let service: Service;
  let dataDir: string;
  let rsa: ProviderKey;
  let ec: ProviderKey;
  const logs = capturingLogger();
  beforeAll(async () => {
    provider = await startOidcProvider();
    rsa = await aProviderKey('rsa-1', 'RS256');
    ec = await aProviderKey('ec-1', 'ES256');
    provider.published.push(rsa, ec);
    dataDir = await mkdtemp(path.join(tmpdir(), 'g2p-ledger-oidc-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      ROLES: 'api',
      OIDC_ISSUER: provider.issuer,
      OIDC_AUDIENCE: 'g2p-ledger',
    });
    service = await startService(config, API_TOKENS, logs.logger);
  });
  afterAll(async () => {
    await service?.stop();
    await provider?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const openBatch = (token: string) =>
    service.app.request('/v1/batches', {
      method: 'POST',
      headers: bearer(token),
      body: JSON.stringify(opening),
    });
  const eventCount = async () =>
    (await service.stores.events.readAll({ limit: 1_000 })).events.length;

  it.each([
    ['RS256', () => rsa],
    ['ES256', () => ec],
  ])('accepts an %s token and records oidc:<name> as the actor', async (_alg, key) => {
    const before = await eventCount();
    const response = await openBatch(await signToken(key(), { issuer: provider.issuer }));
    expect(response.status).toBe(201);
    const { batchId } = (await response.json()) as { batchId: string };
    const { events } = await service.stores.events.readAll({ limit: 1_000 });
    expect(events.length).toBe(before + 1);
    expect(events.at(-1)).toMatchObject({
      stream: expect.stringContaining(batchId),
      metadata: { actor: 'oidc:olga' },
    });
  });

  it('keeps only the ledger roles of the claim', async () => {
    const token = await signToken(rsa, {
      issuer: provider.issuer,
      roles: ['operator', 'offline_access', 'default-roles-openg2p'],
    });
    const response = await service.app.request('/v1/dfsps', { headers: bearer(token) });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/olga has operator$/);
  });

  it('still accepts API tokens alongside', async () => {
    const response = await openBatch('operator-token-0001');
    expect(response.status).toBe(201);
  });

  const refusals: [string, RegExp, () => Promise<string>][] = [
    [
      'an expired token',
      /ERR_JWT_EXPIRED/,
      () => signToken(rsa, { issuer: provider.issuer, expiresAt: now() - 600 }),
    ],
    [
      'a token not yet valid',
      /"nbf"/,
      () => signToken(rsa, { issuer: provider.issuer, notBefore: now() + 600 }),
    ],
    [
      'a token of another issuer',
      /"iss"/,
      () => signToken(rsa, { issuer: provider.issuer.replace('openg2p', 'elsewhere') }),
    ],
    [
      'a token for another audience',
      /"aud"/,
      () => signToken(ec, { issuer: provider.issuer, audience: 'another-client' }),
    ],
    [
      'an unsigned token (alg: none)',
      /ERR_JOSE_ALG_NOT_ALLOWED/,
      async () => unsigned(provider.issuer),
    ],
    [
      'an HS256 token keyed with the public key',
      /ERR_JOSE_ALG_NOT_ALLOWED/,
      async () =>
        new SignJWT(claims(provider.issuer))
          .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
          .sign(new TextEncoder().encode(await exportSPKI(rsa.publicKey))),
    ],
    [
      'a token signed by an unknown key',
      /ERR_JWKS_NO_MATCHING_KEY/,
      async () => signToken(await aProviderKey('stranger', 'RS256'), { issuer: provider.issuer }),
    ],
    [
      'a token signed by another key under a known kid',
      /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/,
      async () => signToken(await aProviderKey('rsa-1', 'RS256'), { issuer: provider.issuer }),
    ],
  ];

  it.each(refusals)(
    'answers %s 401 as a bad API token, appending nothing',
    async (_c, why, make) => {
      const before = await eventCount();
      const token = await make();
      const refused = await openBatch(token);
      const badApiToken = await openBatch('not-a-token');
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe(
        badApiToken.headers.get('www-authenticate'),
      );
      expect(await refused.json()).toEqual(await badApiToken.json());
      expect(await eventCount()).toBe(before);
      const logged = logs.lines();
      expect(logged.at(-3)).toMatchObject({ msg: 'access token refused', reason: why });
      expect(JSON.stringify(logged)).not.toContain(token);
    },
  );
});

describe('OIDC key rotation', () => {
  let provider: Awaited<ReturnType<typeof startOidcProvider>>;
  beforeAll(async () => {
    provider = await startOidcProvider();
  });
  afterAll(async () => {
    await provider?.close();
  });

  it('accepts a token of a new kid once the JWKS serves it, fetching the set again', async () => {
    const { events, db } = await pgliteEventStore();
    try {
      const first = await aProviderKey('2026-11', 'RS256');
      const next = await aProviderKey('2026-12', 'ES256');
      provider.published.push(first);
      const cooldownMs = 200;
      const recording = recordingCommands();
      const app = testApp({
        events,
        commands: recording.commands,
        accessTokens: createOidcVerifier({
          issuer: provider.issuer,
          audience: 'g2p-ledger',
          jwksUrl: new URL(provider.jwksUrl),
          rolesClaim: 'realm_access.roles',
          principalClaim: 'preferred_username',
          jwksCooldownMs: cooldownMs,
        }),
      });
      const open = async (key: ProviderKey) =>
        (
          await app.request('/v1/batches', {
            method: 'POST',
            headers: bearer(await signToken(key, { issuer: provider.issuer })),
            body: JSON.stringify(opening),
          })
        ).status;

      expect(await open(first)).toBe(201);
      expect(await open(next)).toBe(401);
      const fetchesBefore = provider.jwksFetches();

      provider.published.push(next);
      await new Promise((resolve) => setTimeout(resolve, cooldownMs + 50));
      expect(await open(next)).toBe(201);
      expect(await open(first)).toBe(201);
      expect(provider.jwksFetches()).toBe(fetchesBefore + 1);
      expect(recording.calls.map((call) => call.context?.actor)).toEqual([
        'oidc:olga',
        'oidc:olga',
        'oidc:olga',
      ]);
    } finally {
      await db.close();
    }
  });
});

describe('OIDC with its provider unreachable', () => {
  it('answers 401, not 500, while discovery fails', async () => {
    const { events, db } = await pgliteEventStore();
    try {
      const provider = await startOidcProvider();
      const key = await aProviderKey('rsa-1', 'RS256');
      provider.published.push(key);
      const token = await signToken(key, { issuer: provider.issuer });
      await provider.close();
      const app = testApp({
        events,
        accessTokens: createOidcVerifier({
          issuer: provider.issuer,
          audience: 'g2p-ledger',
          rolesClaim: 'realm_access.roles',
          principalClaim: 'preferred_username',
        }),
      });
      for (let i = 0; i < 2; i += 1) {
        const response = await app.request('/v1/batches', { headers: bearer(token) });
        expect(response.status).toBe(401);
      }
    } finally {
      await db.close();
    }
  });
});

function now(): number {
  return Math.floor(Date.now() / 1_000);
}

function claims(issuer: string) {
  return {
    iss: issuer,
    aud: 'g2p-ledger',
    exp: now() + 300,
    iat: now(),
    preferred_username: 'mallory',
    realm_access: { roles: ['admin', 'operator'] },
  };
}

/** A token with `alg: none` and no signature, otherwise well-formed. */
function unsigned(issuer: string): string {
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims(issuer))}.`;
}
