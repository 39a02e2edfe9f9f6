import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchange } from '../../src/adapters/dfsp/httpExchange.js';
import { authenticatedFetch, createTokenCache } from '../../src/adapters/dfsp/outboundAuth.js';
import type { OutboundCredentials } from '../../src/domain/dfspConnection.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

async function listen(handler: Handler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const send = (fetchFn: ReturnType<typeof authenticatedFetch>, url: string) =>
  exchange(fetchFn, { url, method: 'GET', headers: {}, timeoutMs: 5_000, maxResponseBytes: 4_096 });

describe('outbound credentials', () => {
  let api: Awaited<ReturnType<typeof listen>>;
  let seen: Record<string, string | undefined>[] = [];

  beforeAll(async () => {
    api = await listen((request, response) => {
      seen.push({ ...request.headers } as Record<string, string | undefined>);
      response.end('{}');
    });
  });
  afterAll(() => api.close());

  it.each<[OutboundCredentials['auth'], string, string]>([
    [{ kind: 'bearer', token: 'opaque-token' }, 'authorization', 'Bearer opaque-token'],
    [
      { kind: 'basic', username: 'ledger', password: 's3cret:with:colons' },
      'authorization',
      `Basic ${Buffer.from('ledger:s3cret:with:colons').toString('base64')}`,
    ],
    [{ kind: 'api-key', header: 'X-Api-Key', value: 'key-123' }, 'x-api-key', 'key-123'],
  ])('sends %j as the %s header', async (auth, header, value) => {
    seen = [];
    const fetchFn = authenticatedFetch('bank', { auth }, createTokenCache());
    const result = await send(fetchFn, `${api.url}/x`);
    expect(result.kind).toBe('answered');
    expect(seen[0]?.[header]).toBe(value);
  });

  describe('OAuth2 client credentials', () => {
    let tokenServer: Awaited<ReturnType<typeof listen>>;
    let issued = 0;
    let current = '';
    let requests: { auth: string | undefined; body: string }[] = [];
    let protectedApi: Awaited<ReturnType<typeof listen>>;

    beforeAll(async () => {
      tokenServer = await listen((request, response) => {
        let body = '';
        request.on('data', (chunk) => {
          body += chunk;
        });
        request.on('end', () => {
          requests.push({ auth: request.headers.authorization, body });
          issued += 1;
          current = `token-${issued}`;
          // Daraja writes expires_in as a string.
          response.setHeader('content-type', 'application/json');
          response.end(JSON.stringify({ access_token: current, expires_in: '3599' }));
        });
      });
      protectedApi = await listen((request, response) => {
        response.statusCode = request.headers.authorization === `Bearer ${current}` ? 200 : 401;
        response.end('{}');
      });
    });
    afterAll(async () => {
      await tokenServer.close();
      await protectedApi.close();
    });

    const oauth = (overrides: Record<string, unknown> = {}): OutboundCredentials => ({
      auth: {
        kind: 'oauth2-client-credentials',
        tokenUrl: `${tokenServer.url}/token`,
        clientId: 'ledger',
        clientSecret: 'client-secret',
        scope: 'payouts',
        clientAuthentication: 'basic',
        method: 'POST',
        ...overrides,
      } as OutboundCredentials['auth'],
    });

    it('asks for one token for many concurrent requests, and reuses it', async () => {
      issued = 0;
      requests = [];
      const tokens = createTokenCache();
      const fetchFn = authenticatedFetch('bank-a', oauth(), tokens);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => send(fetchFn, `${protectedApi.url}/pay`)),
      );
      expect(results.every((r) => r.kind === 'answered' && r.status === 200)).toBe(true);
      await send(fetchFn, `${protectedApi.url}/pay`);
      expect(issued).toBe(1);
      expect(tokens.requested()).toBe(1);
      expect(requests[0]?.auth).toBe(
        `Basic ${Buffer.from('ledger:client-secret').toString('base64')}`,
      );
      expect(new URLSearchParams(requests[0]?.body)).toEqual(
        new URLSearchParams({ grant_type: 'client_credentials', scope: 'payouts' }),
      );
    });

    it('asks again shortly before expiry, once per expiry', async () => {
      issued = 0;
      let nowMs = 1_000_000;
      const tokens = createTokenCache({ now: () => nowMs });
      const fetchFn = authenticatedFetch('bank-b', oauth(), tokens);
      await send(fetchFn, `${protectedApi.url}/pay`);
      nowMs += 3_538_000; // 61 s before the 3,599 s are up: still good
      await send(fetchFn, `${protectedApi.url}/pay`);
      expect(issued).toBe(1);
      nowMs += 2_000; // 59 s before: renewed
      await Promise.all([
        send(fetchFn, `${protectedApi.url}/pay`),
        send(fetchFn, `${protectedApi.url}/pay`),
      ]);
      expect(issued).toBe(2);
    });

    it('replaces a token the DFSP refuses (invalidated elsewhere) and sends once more', async () => {
      issued = 0;
      const tokens = createTokenCache();
      const fetchFn = authenticatedFetch('bank-c', oauth(), tokens);
      await send(fetchFn, `${protectedApi.url}/pay`);
      current = 'issued-to-another-process';
      const result = await send(fetchFn, `${protectedApi.url}/pay`);
      expect(result.kind === 'answered' && result.status).toBe(200);
      expect(issued).toBe(2);
    });

    it('sends the client in the body when asked to', async () => {
      requests = [];
      const fetchFn = authenticatedFetch(
        'bank-d',
        oauth({ clientAuthentication: 'body' }),
        createTokenCache(),
      );
      await send(fetchFn, `${protectedApi.url}/pay`);
      expect(requests[0]?.auth).toBeUndefined();
      expect(new URLSearchParams(requests[0]?.body).get('client_secret')).toBe('client-secret');
    });

    it('never sends the payment when no token can be had: the DFSP cannot hold it', async () => {
      const fetchFn = authenticatedFetch(
        'bank-e',
        oauth({ tokenUrl: 'http://127.0.0.1:1/token' }),
        createTokenCache(),
      );
      const result = await send(fetchFn, `${protectedApi.url}/pay`);
      expect(result).toMatchObject({
        kind: 'unreachable',
        reason: expect.stringContaining('token'),
      });
    });
  });

  describe('mutual TLS with certificates made by the test', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'g2p-mtls-'));
    const file = (name: string) => path.join(dir, name);
    const openssl = (...args: string[]) =>
      execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    let server: ReturnType<typeof createHttpsServer>;
    let url: string;
    let pem: Record<'ca' | 'clientCert' | 'clientKey' | 'otherCert' | 'otherKey', string>;

    beforeAll(async () => {
      const subject = (cn: string) => ['-subj', `/CN=${cn}`];
      openssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'ca.key',
        '-out',
        'ca.crt',
        '-days',
        '1',
        ...subject('test-ca'),
      );
      const issue = (name: string, cn: string, ca: string, ext: string[] = []) => {
        openssl(
          'req',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.csr`,
          ...subject(cn),
        );
        openssl(
          'x509',
          '-req',
          '-in',
          `${name}.csr`,
          '-CA',
          `${ca}.crt`,
          '-CAkey',
          `${ca}.key`,
          '-CAcreateserial',
          '-out',
          `${name}.crt`,
          '-days',
          '1',
          ...ext,
        );
      };
      openssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'rogue.key',
        '-out',
        'rogue.crt',
        '-days',
        '1',
        ...subject('rogue-ca'),
      );
      writeFileSync(file('san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
      issue('server', '127.0.0.1', 'ca', ['-extfile', 'san.cnf']);
      issue('client', 'g2p-ledger', 'ca');
      issue('other', 'g2p-ledger', 'rogue');
      pem = {
        ca: readFileSync(file('ca.crt'), 'utf8'),
        clientCert: readFileSync(file('client.crt'), 'utf8'),
        clientKey: readFileSync(file('client.key'), 'utf8'),
        otherCert: readFileSync(file('other.crt'), 'utf8'),
        otherKey: readFileSync(file('other.key'), 'utf8'),
      };
      server = createHttpsServer(
        {
          key: readFileSync(file('server.key')),
          cert: readFileSync(file('server.crt')),
          ca: pem.ca,
          requestCert: true,
          rejectUnauthorized: true,
        },
        (request, response) => {
          const peer = (request.socket as import('node:tls').TLSSocket).getPeerCertificate();
          response.end(JSON.stringify({ client: peer.subject?.CN }));
        },
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    }, 60_000);

    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    });

    it('presents the client certificate and trusts the DFSP by the CA bundle given', async () => {
      const credentials: OutboundCredentials = {
        auth: { kind: 'none' },
        clientTls: { certificate: pem.clientCert, privateKey: pem.clientKey, caBundle: pem.ca },
      };
      const result = await send(
        authenticatedFetch('tls-bank', credentials, createTokenCache()),
        url,
      );
      expect(result).toMatchObject({
        kind: 'answered',
        status: 200,
        text: '{"client":"g2p-ledger"}',
      });
    });

    it('is refused by the DFSP without a certificate its CA signed', async () => {
      const rogue: OutboundCredentials = {
        auth: { kind: 'none' },
        clientTls: { certificate: pem.otherCert, privateKey: pem.otherKey, caBundle: pem.ca },
      };
      const result = await send(authenticatedFetch('tls-bank', rogue, createTokenCache()), url);
      expect(result.kind === 'answered' && result.status === 200).toBe(false);
    });
  });
});
