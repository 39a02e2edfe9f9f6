import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME_MAPPING, type AcmePay, startAcmePay } from '../support/bespokeDfsp.js';
import {
  FAST_DISPATCH,
  loadAndApproveBatch,
  paymentsOfBatch,
  waitUntilFinal,
} from './disbursement.js';
import { call, expectCall, startSuiteService, type TestService } from './support.js';

/**
 * A DFSP whose API the ledger has never seen (Acme Pay, test/support/bespokeDfsp.ts), connected
 * only through `PUT /v1/dfsps/{dfspId}` with a mapping document: OAuth2 client credentials with
 * tokens that expire every few seconds, one payout per request, `X-Hub-Signature-256` webhooks.
 * 1,000 payments go through it with faults injected: refusals when busy, requests taken and never
 * answered, declines, lost and repeated webhooks. Every payment must end as Acme holds it: paid
 * once where Acme completed it, failed with Acme's reason where it declined, and nothing that
 * Acme paid held as failed.
 */
describe('1,000 payments through a bespoke API connected by a mapping', () => {
  const COUNT = 1_000;
  const WEBHOOK_SECRET = 'acme-webhook-secret-0123456789';
  const TOKEN_LIFETIME_SECONDS = 4;
  let service: TestService;
  let cleanup: () => Promise<void>;
  let acme: AcmePay;

  beforeAll(async () => {
    ({ service, cleanup } = await startSuiteService({ ...FAST_DISPATCH }));
    acme = await startAcmePay({
      webhookSecret: WEBHOOK_SECRET,
      tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS,
      seed: 21,
      faults: {
        busyRate: 0.05,
        silentRate: 0.02,
        declineRate: 0.05,
        lostWebhookRate: 0.1,
        duplicateWebhookRate: 0.1,
      },
    });
  }, 60_000);

  afterAll(async () => {
    await acme?.close();
    await cleanup?.();
  });

  const registration = () => ({
    name: 'Acme Pay',
    connector: 'mapped-http',
    mapping: ACME_MAPPING,
    baseUrl: acme.url,
    payerFa: 'account:9000000001@acme',
    currencies: ['KES'],
    faTypes: ['account'],
    callbackSecret: WEBHOOK_SECRET,
    callbackVerification: { kind: 'hmac-header', header: 'X-Hub-Signature-256', prefix: 'sha256=' },
    credentials: {
      auth: {
        kind: 'oauth2-client-credentials',
        tokenUrl: `${acme.url}/oauth/token`,
        clientId: acme.clientId,
        clientSecret: acme.clientSecret,
      },
    },
  });

  it('is registered by data alone; credentials are described, never shown', async () => {
    const registered = await expectCall<Record<string, unknown>>(
      service,
      'admin',
      'PUT',
      '/v1/dfsps/acme',
      201,
      registration(),
    );
    expect(registered).toMatchObject({
      connector: 'mapped-http',
      callbackVerification: 'hmac-header',
      credentials: { auth: 'oauth2-client-credentials', clientTls: false },
      // One payout per request: the mapping's limit becomes the DFSP's group size.
      maxBatchSize: 1,
    });
    const shown = await call(service, 'admin', 'GET', '/v1/dfsps/acme');
    expect(shown.status).toBe(200);
    expect(JSON.stringify(shown.body)).not.toContain(acme.clientSecret);
    expect(JSON.stringify(shown.body)).not.toContain(WEBHOOK_SECRET);
    expect(shown.body).toMatchObject({ mapping: { maxPaymentsPerRequest: 1 } });

    // The same registration again, without credentials: they stay, and nothing is recorded.
    const { credentials: _, ...withoutCredentials } = registration();
    const again = await expectCall<{ credentials: unknown }>(
      service,
      'admin',
      'PUT',
      '/v1/dfsps/acme',
      200,
      withoutCredentials,
    );
    expect(again.credentials).toEqual(registered.credentials);

    await expectCall(service, 'admin', 'PUT', '/v1/routing-rules', 200, {
      rules: [{ id: 'all-to-acme', when: {}, route: [{ dfspId: 'acme', weight: 1 }] }],
    });
  });

  it('previews the request a payment would produce, and tests the connection live', async () => {
    const preview = await expectCall<{
      method: string;
      url: string;
      headers: Record<string, string>;
      body: string;
    }>(service, 'admin', 'POST', '/v1/dfsps/acme/preview', 200, {
      payeeFa: 'account:0012345678@bank-a',
      amount: '12.50',
      currency: 'KES',
    });
    expect(preview.method).toBe('POST');
    expect(preview.url).toBe(`${acme.url}/v2/payouts`);
    expect(JSON.parse(preview.body)).toMatchObject({
      beneficiary: { account: '0012345678', bank: 'bank-a' },
      money: { value: '12.50', currency: 'KES' },
      webhook: `${service.baseUrl}/v1/dfsps/acme/callbacks`,
    });
    expect(JSON.stringify(preview)).not.toContain(acme.clientSecret);

    const badAmount = await call(service, 'admin', 'POST', '/v1/dfsps/acme/preview', {
      payeeFa: 'account:0012345678@bank-a',
      amount: '12.505',
      currency: 'KES',
    });
    expect(badAmount.status).toBe(400);

    const tested = await expectCall<{ steps: { step: string; ok: boolean; detail: string }[] }>(
      service,
      'admin',
      'POST',
      '/v1/dfsps/acme/test',
      200,
    );
    expect(tested.steps.map((step) => [step.step, step.ok])).toEqual([
      ['access_token', true],
      ['status_query', true],
    ]);
    // Acme's answer for a reference nobody holds is its explicit "not found".
    expect(tested.steps[1]?.detail).toContain('unknown_reference');
    expect(acme.payoutRequests()).toBe(0);
  });

  it('refuses a mapping that does not compile, naming the expression and position', async () => {
    const broken = structuredClone(registration()) as Record<string, unknown> & {
      mapping: { submit: { request: { body: string } } };
    };
    broken.mapping.submit.request.body = '{ "client_ref": payment.paymentId';
    const refused = await call(service, 'admin', 'PUT', '/v1/dfsps/acme-broken', broken);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      type: expect.stringContaining('invalid_mapping'),
      errors: [
        {
          path: 'mapping.submit.request.body',
          message: expect.stringMatching(/position \d+/),
        },
      ],
    });
    const absent = await call(service, 'admin', 'GET', '/v1/dfsps/acme-broken');
    expect(absent.status).toBe(404);
  });

  it('pays each payment exactly as Acme holds it, through faults', async () => {
    const startedMs = Date.now();
    const tokensBefore = acme.tokensIssued();
    const batch = await loadAndApproveBatch(service, COUNT, 'acme');
    const summary = await waitUntilFinal(service, batch, 240_000);
    const elapsedSeconds = (Date.now() - startedMs) / 1_000;

    const ledger = await paymentsOfBatch(service, batch.batchId);

    const completed = acme.completed();
    expect(ledger.size).toBe(COUNT);
    for (const [paymentId, payment] of ledger) {
      // Succeeded exactly where Acme completed it: nothing paid that the ledger holds failed.
      expect(payment.status, paymentId).toBe(completed.has(paymentId) ? 'succeeded' : 'failed');
      if (payment.status === 'failed') expect(payment.statusReason).toBe('acme.account_closed');
    }
    for (const paymentId of completed.keys()) expect(ledger.has(paymentId), paymentId).toBe(true);
    const paidMinor = [...completed.values()].reduce(
      (sum, value) => sum + BigInt(value.replace('.', '')),
      0n,
    );
    expect(BigInt((summary.byStatus.succeeded?.amount ?? '0.00').replace('.', ''))).toBe(paidMinor);
    expect(completed.size).toBeGreaterThan(COUNT * 0.9);

    // Acme's own payout id was recorded when it took each payout: its webhooks, which name only
    // that id, were matched by it.
    const [somePayment] = completed.keys();
    const history = await expectCall<{ events: { type: string; data: Record<string, unknown> }[] }>(
      service,
      'auditor',
      'GET',
      `/v1/payments/${somePayment}/events`,
      200,
    );
    expect(
      history.events.find((event) => event.type === 'PaymentAcceptedByDfsp')?.data,
    ).toMatchObject({ dfspId: 'acme', dfspTransactionId: expect.stringMatching(/^PO-\d+$/) });

    // One token request per expiry (and one more when a refresh races an expiry), never one per
    // payment: the tokens were shared by every request.
    const expiries = Math.ceil(elapsedSeconds / TOKEN_LIFETIME_SECONDS);
    const tokens = acme.tokensIssued() - tokensBefore;
    expect(tokens).toBeGreaterThanOrEqual(1);
    expect(tokens).toBeLessThanOrEqual(expiries + 2);
    expect(acme.unauthorized()).toBeLessThanOrEqual(acme.tokensIssued());
  }, 300_000);

  it('refuses a webhook with a forged signature and changes nothing', async () => {
    const before = await expectCall<{ events: unknown[] }>(
      service,
      'auditor',
      'GET',
      '/v1/events?limit=1000&type=PaymentFailed',
      200,
    );
    const body = JSON.stringify({
      type: 'payout.declined',
      data: { client_ref: '01JAAAAAAAAAAAAAAAAAAAAAAA', decline_reason: 'forged' },
    });
    const forged = createHmac('sha256', 'not-the-secret').update(body).digest('hex');
    const response = await fetch(`${service.baseUrl}/v1/dfsps/acme/callbacks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${forged}` },
      body,
    });
    expect(response.status).toBe(401);
    const after = await expectCall<{ events: unknown[] }>(
      service,
      'auditor',
      'GET',
      '/v1/events?limit=1000&type=PaymentFailed',
      200,
    );
    expect(after.events.length).toBe(before.events.length);
  });
});
