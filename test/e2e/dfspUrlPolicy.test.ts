import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectCall, startSuiteService, type TestService } from './support.js';

const registration = (baseUrl: string) => ({
  name: 'Bank A',
  connector: 'g2p-connect',
  baseUrl,
  payerFa: 'account:9000000001@bank-a',
  currencies: ['KES'],
  faTypes: ['account'],
  callbackSecret: 'a-callback-secret-of-some-length',
});

/** The head of the global feed, for "nothing was appended". */
async function feedHead(service: TestService): Promise<string> {
  const { next } = await expectCall<{ next: string }>(
    service,
    'auditor',
    'GET',
    '/v1/events?limit=1000',
    200,
  );
  return next;
}

describe.each([
  ['as deployed (https only, no local host)', { ALLOW_INSECURE_DFSP_URLS: 'false' }],
  ['with the simulators allowed (http, 127.0.0.1)', {}],
])('where a DFSP may be reached, %s', (_, env) => {
  let service: TestService;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ service, cleanup } = await startSuiteService({ DISPATCH_PAUSED: 'true', ...env }));
  });
  afterAll(async () => cleanup());

  it.each([
    'https://169.254.169.254/latest/meta-data',
    'https://metadata.google.internal/computeMetadata/v1',
    'https://[fe80::1]:4001',
    'https://127.0.0.2:4001',
  ])('refuses %s with a 422 naming baseUrl, and records nothing', async (baseUrl) => {
    const head = await feedHead(service);
    const answer = await call(service, 'admin', 'PUT', '/v1/dfsps/bank-a', registration(baseUrl));
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(answer.body).toMatchObject({ errors: [{ path: 'baseUrl' }] });
    expect(await feedHead(service)).toBe(head);
  });

  it('takes a public https address', async () => {
    await expectCall(
      service,
      'admin',
      'PUT',
      '/v1/dfsps/bank-b',
      201,
      registration('https://api.bank-b.example/g2p'),
    );
  });
});

describe('a plain http DFSP on loopback', () => {
  it('is refused as deployed, and taken where the simulators are allowed', async () => {
    const strict = await startSuiteService({
      DISPATCH_PAUSED: 'true',
      ALLOW_INSECURE_DFSP_URLS: 'false',
    });
    try {
      const answer = await call(
        strict.service,
        'admin',
        'PUT',
        '/v1/dfsps/bank-a',
        registration('http://127.0.0.1:4001'),
      );
      expect(answer.status).toBe(422);
      expect(JSON.stringify(answer.body)).toMatch(/must be an https URL/);
    } finally {
      await strict.cleanup();
    }
    const allowed = await startSuiteService({ DISPATCH_PAUSED: 'true' });
    try {
      await expectCall(
        allowed.service,
        'admin',
        'PUT',
        '/v1/dfsps/bank-a',
        201,
        registration('http://127.0.0.1:4001'),
      );
    } finally {
      await allowed.cleanup();
    }
  });
});
