import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCallback } from '../../src/adapters/dfsp/callbackSignature.js';
import { acknowledgementValidator, requestBodyValidator } from '../support/g2pConnectSpec.js';
import { type DisbursementStatus, onDisburse } from './disbursement.js';
import { call, eventually, expectCall, startSuiteService, type TestService } from './support.js';

/**
 * DFSP status callbacks through the HTTP API (`POST /v1/dfsps/{dfspId}/on-disburse`), signed as a
 * DFSP signs them, and the operator's retry of a failed payment. Runs on Postgres when
 * DATABASE_URL is set, on embedded PGlite otherwise.
 */

const SECRET_A = 'bank-a-callback-secret-0123456789';
const SECRET_B = 'bank-b-callback-secret-0123456789';
/** A closed port: nothing is ever delivered to the DFSPs. */
const NOWHERE = 'http://127.0.0.1:9';
const PAYMENTS = 8;

const dfsp = (name: string, id: string, callbackSecret: string) => ({
  name,
  connector: 'g2p-connect',
  baseUrl: NOWHERE,
  payerFa: `account:100200300@${id}`,
  currencies: ['KES'],
  faTypes: ['account'],
  callbackSecret,
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

interface PaymentRow {
  paymentId: string;
  status: string;
  statusReason: string | null;
  dfspId: string | null;
}

interface RecordedEvent {
  position: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

describe('DFSP callbacks', () => {
  let service: TestService;
  let cleanup: () => Promise<void>;
  let paymentIds: string[] = [];

  beforeAll(async () => {
    // The callbacks are under test, not the sending: the dispatcher holds, payments stay routed.
    ({ service, cleanup } = await startSuiteService({ DISPATCH_PAUSED: 'true' }));
    await expectCall(service, 'admin', 'PUT', '/v1/dfsps/bank-a', 201, {
      ...dfsp('Bank A', 'bank-a', SECRET_A),
    });
    await expectCall(service, 'admin', 'PUT', '/v1/dfsps/bank-b', 201, {
      ...dfsp('Bank B', 'bank-b', SECRET_B),
    });
    await expectCall(service, 'admin', 'PUT', '/v1/routing-rules', 200, {
      rules: [{ id: 'all-to-a', when: {}, route: [{ dfspId: 'bank-a', weight: 1 }] }],
    });
    const opened = await expectCall<{ batchId: string }>(
      service,
      'operator',
      'POST',
      '/v1/batches',
      201,
      {
        programId: 'CT-OVC',
        cycleId: '2026-11',
        currency: 'KES',
        declaredCount: PAYMENTS,
        declaredTotal: `${PAYMENTS * 100}.00`,
      },
    );
    const added = await expectCall<{ payments: { reference: string; paymentId: string }[] }>(
      service,
      'operator',
      'POST',
      `/v1/batches/${opened.batchId}/payments`,
      200,
      Array.from({ length: PAYMENTS }, (_, n) => ({
        reference: `r-${n}`,
        beneficiaryId: `b-${n}`,
        payeeFa: `account:${String(n).padStart(10, '0')}@bank-a`,
        amount: '100.00',
      })),
    );
    paymentIds = added.payments.map((entry) => entry.paymentId);
    await expectCall(service, 'operator', 'POST', `/v1/batches/${opened.batchId}/submit`, 204);
    await expectCall(service, 'approver', 'POST', `/v1/batches/${opened.batchId}/approve`, 204);
    await eventually(async () => {
      const statuses = await Promise.all(paymentIds.map(statusOf));
      return statuses.every((payment) => payment?.status === 'routed');
    }, `all ${PAYMENTS} payments routed`);
  });
  afterAll(async () => cleanup?.());

  /** The payment at `index` of the batch; each test takes its own. */
  function payment(index: number): string {
    const id = paymentIds[index];
    if (id === undefined) throw new Error(`no payment ${index}`);
    return id;
  }

  async function statusOf(paymentId: string): Promise<PaymentRow | undefined> {
    const answer = await call(service, 'reporter', 'GET', `/v1/payments/${paymentId}`);
    return answer.status === 200 ? (answer.body as PaymentRow) : undefined;
  }

  async function historyOf(paymentId: string): Promise<RecordedEvent[]> {
    const { events } = await expectCall<{ events: RecordedEvent[] }>(
      service,
      'auditor',
      'GET',
      `/v1/payments/${paymentId}/events`,
      200,
    );
    return events;
  }

  /** The position of the last event of the global feed, read through `GET /v1/events`. */
  async function feedHead(): Promise<string> {
    let after: string | undefined;
    for (;;) {
      const page = await expectCall<{ events: RecordedEvent[]; next: string }>(
        service,
        'auditor',
        'GET',
        `/v1/events?limit=1000${after === undefined ? '' : `&after=${after}`}`,
        200,
      );
      if (page.events.length === 0 && page.next === (after ?? page.next)) return page.next;
      after = page.next;
    }
  }

  async function postCallback(dfspId: string, rawBody: string, signature?: string) {
    return call(
      service,
      undefined,
      'POST',
      `/v1/dfsps/${dfspId}/on-disburse`,
      rawBody,
      signature === undefined ? {} : { 'x-signature': signature },
    );
  }

  /**
   * A callback signed with bank-a's secret at `atSeconds` (now by default; a report sent again
   * is signed anew, so later); expects the spec's acknowledgement.
   */
  async function acknowledged(rawBody: string, atSeconds = nowSeconds()) {
    const answer = await postCallback(
      'bank-a',
      rawBody,
      signCallback(SECRET_A, rawBody, atSeconds),
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(acknowledgementValidator()(answer.body)).toEqual([]);
    expect(answer.body).toEqual({
      message: {
        ack_status: 'ACK',
        timestamp: expect.any(String),
        correlation_id: answer.headers.get('x-correlation-id'),
      },
    });
    return answer;
  }

  /** Answers 4xx problem+json with `status` and appends nothing anywhere. */
  async function refusedWithoutChange(
    status: number,
    send: () => ReturnType<typeof postCallback>,
  ): Promise<{ errors?: { path: string; message: string }[]; type: string }> {
    const before = await feedHead();
    const answer = await send();
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await feedHead()).toBe(before);
    return answer.body as { errors?: { path: string; message: string }[]; type: string };
  }

  it('builds callbacks the spec accepts', () => {
    const body = JSON.parse(onDisburse([{ reference_id: payment(0), status: 'succ' }]));
    expect(requestBodyValidator('/on-disburse')(body)).toEqual([]);
  });

  it(
    'applies a signed succ: the payment succeeds, ' + 'and the same callback again changes nothing',
    async () => {
      const paymentId = payment(0);
      const rawBody = onDisburse([{ reference_id: paymentId, status: 'succ' }]);
      await acknowledged(rawBody);
      await eventually(
        async () => (await statusOf(paymentId))?.status === 'succeeded',
        'the payment succeeded',
      );
      const history = await historyOf(paymentId);
      const succeeded = history.filter((event) => event.type === 'PaymentSucceeded');
      expect(succeeded).toHaveLength(1);
      expect(succeeded[0]?.data).toMatchObject({ dfspId: 'bank-a', source: 'callback' });
      expect(succeeded[0]?.metadata.actor).toBe('dfsp:bank-a');

      const head = await feedHead();
      // The DFSP sends the report again, signed anew: acknowledged, nothing changes.
      await acknowledged(rawBody, nowSeconds() + 1);
      // The very same signed request again is a replay: refused, and nothing changes either.
      const signature = signCallback(SECRET_A, rawBody, nowSeconds() + 2);
      expect((await postCallback('bank-a', rawBody, signature)).status).toBe(200);
      expect((await postCallback('bank-a', rawBody, signature)).status).toBe(401);
      expect(await feedHead()).toBe(head);
      expect(await historyOf(paymentId)).toHaveLength(history.length);
      expect((await statusOf(paymentId))?.status).toBe('succeeded');
    },
  );

  it('fails a payment on rjct with its reason code; retry routes it again, once', async () => {
    const paymentId = payment(1);
    await acknowledged(
      onDisburse([
        {
          reference_id: paymentId,
          status: 'rjct',
          status_reason_code: 'rjct.payee_fa.invalid',
          status_reason_message: 'no such account',
        },
      ]),
    );
    await eventually(
      async () => (await statusOf(paymentId))?.status === 'failed',
      'the payment failed',
    );
    expect((await statusOf(paymentId))?.statusReason).toBe('rjct.payee_fa.invalid');

    await expectCall(service, 'operator', 'POST', `/v1/payments/${paymentId}/retry`, 204);
    await eventually(
      async () => (await statusOf(paymentId))?.status === 'routed',
      'the payment routed again',
    );
    const routed = await statusOf(paymentId);
    expect(routed).toMatchObject({ dfspId: 'bank-a', statusReason: null });
    const types = (await historyOf(paymentId)).map((event) => event.type);
    expect(types.slice(-2)).toEqual(['PaymentRetried', 'PaymentRouted']);

    const again = await call(service, 'operator', 'POST', `/v1/payments/${paymentId}/retry`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ type: expect.stringMatching(/payment_not_failed$/) });
  });

  it(
    'refuses to retry a payment that has not failed (409), ' +
      'an unknown one (404), or without the operator role',
    async () => {
      const before = await feedHead();
      const routed = await call(service, 'operator', 'POST', `/v1/payments/${payment(7)}/retry`);
      expect(routed.status).toBe(409);
      expect(routed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const unknown = await call(service, 'operator', 'POST', `/v1/payments/${ulid()}/retry`);
      expect(unknown.status).toBe(404);
      const reporter = await call(service, 'reporter', 'POST', `/v1/payments/${payment(7)}/retry`);
      expect(reporter.status).toBe(403);
      expect(await feedHead()).toBe(before);
    },
  );

  it('records a succ for a failed payment as a conflict, once, and leaves it failed', async () => {
    const paymentId = payment(2);
    await acknowledged(
      onDisburse([
        { reference_id: paymentId, status: 'rjct', status_reason_code: 'rjct.amount.invalid' },
      ]),
    );
    await eventually(
      async () => (await statusOf(paymentId))?.status === 'failed',
      'the payment failed',
    );
    const late = onDisburse([{ reference_id: paymentId, status: 'succ' }]);
    await acknowledged(late);
    const history = await historyOf(paymentId);
    const conflicts = history.filter((event) => event.type === 'PaymentStatusConflicted');
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]?.data).toMatchObject({
      dfspId: 'bank-a',
      reported: 'succeeded',
      ledgerStatus: 'failed',
      source: 'callback',
    });
    await acknowledged(late, nowSeconds() + 1);
    expect(await historyOf(paymentId)).toHaveLength(history.length);
    expect(await statusOf(paymentId)).toMatchObject({
      status: 'failed',
      statusReason: 'rjct.amount.invalid',
    });
  });

  describe('refuses a callback without a good signature (401, nothing appended)', () => {
    const body = () => onDisburse([{ reference_id: payment(3), status: 'succ' }]);
    const cases: [string, () => Promise<Awaited<ReturnType<typeof postCallback>>>][] = [
      ['no X-Signature', () => postCallback('bank-a', body())],
      ['an empty X-Signature', () => postCallback('bank-a', body(), '')],
      [
        "another DFSP's secret",
        () => {
          const raw = body();
          return postCallback('bank-a', raw, signCallback(SECRET_B, raw, nowSeconds()));
        },
      ],
      [
        'a signature of another body',
        () => {
          const signature = signCallback(SECRET_A, body(), nowSeconds());
          return postCallback('bank-a', body(), signature);
        },
      ],
      [
        'a timestamp 10 minutes old',
        () => {
          const raw = body();
          return postCallback('bank-a', raw, signCallback(SECRET_A, raw, nowSeconds() - 600));
        },
      ],
      [
        'a timestamp 10 minutes ahead',
        () => {
          const raw = body();
          return postCallback('bank-a', raw, signCallback(SECRET_A, raw, nowSeconds() + 600));
        },
      ],
      ['a malformed header', () => postCallback('bank-a', body(), 'sha256=abcdef')],
      [
        'a malformed timestamp',
        () => {
          const raw = body();
          const [, mac] = signCallback(SECRET_A, raw, nowSeconds()).split(',');
          return postCallback('bank-a', raw, `t=soon,${mac}`);
        },
      ],
      [
        'a truncated MAC',
        () => {
          const raw = body();
          return postCallback(
            'bank-a',
            raw,
            signCallback(SECRET_A, raw, nowSeconds()).slice(0, -2),
          );
        },
      ],
      [
        'an unknown DFSP',
        () => {
          const raw = body();
          return postCallback('bank-zz', raw, signCallback(SECRET_A, raw, nowSeconds()));
        },
      ],
      [
        'a DFSP id of the wrong shape',
        () => {
          const raw = body();
          return postCallback('Bank_A', raw, signCallback(SECRET_A, raw, nowSeconds()));
        },
      ],
    ];

    it.each(cases)('%s', async (_name, send) => {
      const problem = await refusedWithoutChange(401, send);
      expect(problem.type).toMatch(/unauthorized$/);
      expect((await statusOf(payment(3)))?.status).toBe('routed');
    });

    it('answers an unknown DFSP exactly as a bad signature', async () => {
      const raw = body();
      const unknown = await postCallback('bank-zz', raw, signCallback(SECRET_A, raw, nowSeconds()));
      const wrong = await postCallback('bank-a', raw, signCallback(SECRET_B, raw, nowSeconds()));
      expect(unknown.status).toBe(401);
      expect(unknown.body).toEqual(wrong.body);
      expect(unknown.headers.get('www-authenticate')).toBe(wrong.headers.get('www-authenticate'));
    });
  });

  it('acknowledges references the ledger does not hold, and appends nothing', async () => {
    const before = await feedHead();
    await acknowledged(
      onDisburse([
        { reference_id: ulid(), status: 'succ' },
        {
          reference_id: 'not-a-payment-id',
          status: 'rjct',
          status_reason_code: 'rjct.amount.invalid',
        },
      ]),
    );
    expect(await feedHead()).toBe(before);
  });

  it('refuses malformed JSON (400), after the signature, appending nothing', async () => {
    const raw = '{"message": {"disbursements_status": [';
    const problem = await refusedWithoutChange(400, () =>
      postCallback('bank-a', raw, signCallback(SECRET_A, raw, nowSeconds())),
    );
    expect(problem.type).toMatch(/malformed_json$/);
    expect(problem.errors?.map((error) => error.path)).toEqual(['(root)']);
    // Unsigned, the same body is a 401: nothing is parsed before the signature is checked.
    await refusedWithoutChange(401, () => postCallback('bank-a', raw));
  });

  it(
    'refuses a body without message.disbursements_status ' + '(400 naming it), appending nothing',
    async () => {
      const raw = JSON.stringify({
        header: { message_id: ulid(), action: 'on-disburse' },
        message: { transaction_id: ulid() },
      });
      const problem = await refusedWithoutChange(400, () =>
        postCallback('bank-a', raw, signCallback(SECRET_A, raw, nowSeconds())),
      );
      expect(problem.errors?.map((error) => error.path)).toEqual(['message.disbursements_status']);
    },
  );

  it(
    'refuses a status outside the spec (400 naming the entry), ' + 'applying none of the report',
    async () => {
      const raw = onDisburse([
        { reference_id: payment(4), status: 'succ' },
        { reference_id: payment(5), status: 'paid' as DisbursementStatus['status'] },
      ]);
      const problem = await refusedWithoutChange(400, () =>
        postCallback('bank-a', raw, signCallback(SECRET_A, raw, nowSeconds())),
      );
      expect(problem.errors?.map((error) => error.path)).toEqual([
        'message.disbursements_status[1].status',
      ]);
      expect((await statusOf(payment(4)))?.status).toBe('routed');
    },
  );

  it('takes 10,000 statuses in one callback, beyond the default body limit', async () => {
    const reason = 'x'.repeat(300);
    const raw = onDisburse(
      Array.from({ length: 10_000 }, (_, n) => ({
        // Not ULIDs ("U" is outside Crockford base 32): unknown without a read of the store.
        reference_id: `UNKNOWN${String(n).padStart(19, '0')}`,
        status: 'rjct' as const,
        status_reason_code: 'rjct.reference_id.invalid',
        status_reason_message: reason,
      })),
    );
    expect(raw.length).toBeGreaterThan(2 * 1024 * 1024);
    const before = await feedHead();
    await acknowledged(raw);
    expect(await feedHead()).toBe(before);
  });

  it('refuses a body over the callback limit (413) before reading it', async () => {
    const raw = 'x'.repeat(16 * 1024 * 1024 + 1);
    const problem = await refusedWithoutChange(413, () =>
      postCallback('bank-a', raw, signCallback(SECRET_A, raw, nowSeconds())),
    );
    expect(problem.type).toMatch(/body_too_large$/);
  });
});
