import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { describeCliError, parseCliArgs } from '../../src/simulator/cliArgs.js';
import type { SimulatorOptions } from '../../src/simulator/options.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator.js';

const secret = 'test-secret-0123456789abcdef';

interface Received {
  rawBody: string;
  signature: string;
  body: {
    header: { action: string; message_id: string; sender_id: string };
    message: {
      transaction_id: string;
      disbursements_status: {
        reference_id: string;
        status: string;
        status_reason_code?: string;
        timestamp: string;
      }[];
    };
  };
}

interface Receiver {
  url: string;
  received: Received[];
  /** Answer these HTTP statuses to the next callbacks, then 200. */
  failNext: number[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const failNext: number[] = [];
  const app = new Hono();
  app.post('/on-disburse', async (c) => {
    const rawBody = await c.req.text();
    const status = failNext.shift();
    if (status !== undefined) return c.body(null, status as 500);
    received.push({
      rawBody,
      signature: c.req.header('x-signature') ?? '',
      body: JSON.parse(rawBody) as Received['body'],
    });
    return c.json({ message: { ack_status: 'ACK' } });
  });
  const server: Server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver not on TCP');
  return {
    url: `http://127.0.0.1:${address.port}/on-disburse`,
    received,
    failNext,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Independent check of `t=<s>,v1=<hex HMAC-SHA256(secret, t.body)>`. */
function signatureValid(header: string, rawBody: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (match === null) return false;
  const [, t, v1] = match;
  if (t === undefined || v1 === undefined) return false;
  if (Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}

interface Item {
  reference_id: string;
  amount?: string;
  payee_fa?: string;
}

function disburseBody(transactionId: string, items: readonly Item[]) {
  return {
    header: {
      version: '1.0.0',
      message_id: `msg-${transactionId}`,
      message_ts: new Date().toISOString(),
      action: 'disburse',
      sender_id: 'g2p-ledger',
      sender_uri: 'http://127.0.0.1/on-disburse',
      total_count: items.length,
    },
    message: {
      transaction_id: transactionId,
      disbursements: items.map((item) => ({
        reference_id: item.reference_id,
        payer_fa: 'account:1@treasury',
        payee_fa: item.payee_fa ?? `token:${item.reference_id}@bank-a`,
        amount: item.amount ?? '10.00',
        currency_code: 'KES',
        payee_name: 'Joe John',
        note: 'relief',
        purpose: 'Farmer Relief 2023',
      })),
    },
  };
}

function statusQuery(referenceIds: readonly string[]) {
  return {
    header: {
      message_id: 'status-1',
      message_ts: new Date().toISOString(),
      action: 'disburse',
      sender_id: 'g2p-ledger',
      total_count: referenceIds.length,
    },
    message: {
      transaction_id: 'status-tx',
      txnstatus_request: {
        reference_id: 'status-ref',
        txn_type: 'disburse',
        attribute_type: 'reference_id_list',
        attribute_value: referenceIds,
      },
    },
  };
}

async function post(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

interface StatusLine {
  reference_id: string;
  status: string;
  status_reason_code?: string;
}

async function queryStatus(simulator: RunningSimulator, refs: readonly string[]) {
  const { json } = await post(`${simulator.url}/disburse/sync/txn/status`, statusQuery(refs));
  const body = json as {
    header: { action: string };
    message: {
      txnstatus_response: { txn_type: string; txn_status: { disbursements_status: StatusLine[] } };
    };
  };
  return body;
}

async function waitUntil(condition: () => boolean | Promise<boolean>, deadlineMs = 3_000) {
  const until = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met before deadline');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function setup(options: Partial<SimulatorOptions> = {}) {
  const receiver = await startReceiver();
  closers.push(receiver.close);
  const simulator = await startSimulator({
    dfspId: 'bank-a',
    callbackUrl: receiver.url,
    secret,
    seed: 1,
    callbackBackoffMs: 10,
    ...options,
  });
  closers.push(simulator.close);
  return { receiver, simulator };
}

const refs = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ reference_id: `${prefix}-${i}` }));

describe('DFSP simulator over HTTP', () => {
  it('acknowledges a valid disburse and calls back signed, covering every reference', async () => {
    const { receiver, simulator } = await setup();
    const { status, json } = await post(
      `${simulator.url}/disburse`,
      disburseBody('tx-1', refs('p', 3)),
    );

    expect(status).toBe(200);
    expect(json).toMatchObject({
      message: { ack_status: 'ACK', correlation_id: expect.any(String) },
    });
    await waitUntil(() => receiver.received.length === 1);
    const [callback] = receiver.received;
    if (callback === undefined) throw new Error('no callback');
    expect(signatureValid(callback.signature, callback.rawBody)).toBe(true);
    expect(signatureValid(callback.signature, `${callback.rawBody} `)).toBe(false);
    expect(callback.body.header).toMatchObject({ action: 'on-disburse', sender_id: 'bank-a' });
    expect(callback.body.message.transaction_id).toBe('tx-1');
    expect(
      callback.body.message.disbursements_status.map((s) => [s.reference_id, s.status]),
    ).toEqual([
      ['p-0', 'succ'],
      ['p-1', 'succ'],
      ['p-2', 'succ'],
    ]);
    expect(simulator.ledger().map((e) => e.reference_id)).toEqual(['p-0', 'p-1', 'p-2']);
  });

  it('answers a malformed request with HTTP 400 and ack_status ERR', async () => {
    const { receiver, simulator } = await setup();
    const missing = disburseBody('tx-bad', refs('b', 1)) as {
      message: Partial<{ disbursements: unknown }>;
    };
    delete missing.message.disbursements;

    for (const body of [
      missing,
      'not json',
      { ...disburseBody('tx-c', refs('c', 2)), header: { action: 'disburse' } },
    ]) {
      const { status, json } = await post(`${simulator.url}/disburse`, body);
      expect(status).toBe(400);
      expect(json).toMatchObject({
        message: { ack_status: 'ERR', error: { code: 'err.request.bad' } },
      });
    }
    const countMismatch = disburseBody('tx-d', refs('d', 2));
    countMismatch.header.total_count = 5;
    expect((await post(`${simulator.url}/disburse`, countMismatch)).status).toBe(400);
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses more disbursements than the per-request limit', async () => {
    const { simulator } = await setup({ maxDisbursementsPerRequest: 2 });
    const { status, json } = await post(
      `${simulator.url}/disburse`,
      disburseBody('tx-big', refs('x', 3)),
    );
    expect(status).toBe(400);
    expect(json).toMatchObject({ message: { ack_status: 'ERR' } });
  });

  it(
    'never pays a reference twice and reports ' + 'the repeat as rjct.reference_id.duplicate',
    async () => {
      const { receiver, simulator } = await setup();
      await post(
        `${simulator.url}/disburse`,
        disburseBody('tx-1', [
          { reference_id: 'r1' },
          { reference_id: 'bad', payee_fa: 'no address' },
        ]),
      );
      await waitUntil(() => receiver.received.length === 1);
      const rejected = (await queryStatus(simulator, ['bad'])).message.txnstatus_response.txn_status
        .disbursements_status;
      expect(rejected.map((s) => [s.status, s.status_reason_code])).toEqual([
        ['rjct', 'rjct.payee_fa.invalid'],
      ]);

      // A rejected reference is not held: sent again (corrected), it is decided afresh.
      const again = disburseBody('tx-2', [
        { reference_id: 'r1', amount: '99.00' },
        { reference_id: 'bad' },
        { reference_id: 'r2' },
        { reference_id: 'r2' },
      ]);
      expect((await post(`${simulator.url}/disburse`, again)).status).toBe(200);
      await waitUntil(() => receiver.received.length === 2);

      const second = receiver.received[1]?.body.message.disbursements_status ?? [];
      expect(second.map((s) => [s.reference_id, s.status, s.status_reason_code])).toEqual([
        ['r1', 'rjct', 'rjct.reference_id.duplicate'],
        ['bad', 'succ', undefined],
        ['r2', 'succ', undefined],
        ['r2', 'rjct', 'rjct.reference_id.duplicate'],
      ]);
      expect(simulator.ledger().map((e) => [e.reference_id, e.amount])).toEqual([
        ['r1', '10.00'],
        ['bad', '10.00'],
        ['r2', '10.00'],
      ]);
      const lines = (await queryStatus(simulator, ['r1', 'bad'])).message.txnstatus_response
        .txn_status.disbursements_status;
      expect(lines.map((s) => [s.status, s.status_reason_code])).toEqual([
        ['succ', undefined],
        ['succ', undefined],
      ]);
    },
  );

  it('rejects some disbursements with a spec reason at a seeded rate, reproducibly', async () => {
    const outcomes: string[][] = [];
    for (const run of [1, 2]) {
      const { receiver, simulator } = await setup({ rejectRate: 0.3, seed: 42 });
      await post(`${simulator.url}/disburse`, disburseBody(`tx-${run}`, refs('q', 40)));
      await waitUntil(() => receiver.received.length === 1);
      const lines = receiver.received[0]?.body.message.disbursements_status ?? [];
      const rejected = lines.filter((s) => s.status === 'rjct');
      expect(rejected.length).toBeGreaterThan(3);
      expect(rejected.length).toBeLessThan(25);
      for (const line of rejected) {
        expect(['rjct.payee_fa.invalid', 'rjct.amount.invalid', 'rjct.payer_fa.invalid']).toContain(
          line.status_reason_code,
        );
      }
      const succeeded = lines.filter((s) => s.status === 'succ').map((s) => s.reference_id);
      expect(simulator.ledger().map((e) => e.reference_id)).toEqual(succeeded);
      outcomes.push(
        lines.map((s) => `${s.reference_id}:${s.status}:${s.status_reason_code ?? ''}`),
      );
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
  });

  it('loses callbacks when told to, while the status query answers succ', async () => {
    const { receiver, simulator } = await setup({ lostRate: 1 });
    await post(`${simulator.url}/disburse`, disburseBody('tx-lost', refs('l', 2)));
    await waitUntil(async () => {
      const lines = (await queryStatus(simulator, ['l-0', 'l-1'])).message.txnstatus_response
        .txn_status.disbursements_status;
      return lines.every((s) => s.status === 'succ');
    });
    const answer = await queryStatus(simulator, ['l-0', 'nope']);
    expect(answer.header.action).toBe('on-disburse');
    expect(answer.message.txnstatus_response.txn_type).toBe('on-disburse');
    expect(answer.message.txnstatus_response.txn_status.disbursements_status).toMatchObject([
      { reference_id: 'l-0', status: 'succ' },
      { reference_id: 'nope', status: 'rjct', status_reason_code: 'rjct.reference_id.invalid' },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100)); // a callback, if sent, has landed
    expect(receiver.received).toHaveLength(0);
  });

  it('answers pdng for a reference not yet decided', async () => {
    const { simulator } = await setup({ latencyMs: { min: 60_000, max: 60_000 } });
    await post(`${simulator.url}/disburse`, disburseBody('tx-slow', refs('s', 1)));
    const lines = (await queryStatus(simulator, ['s-0'])).message.txnstatus_response.txn_status
      .disbursements_status;
    expect(lines).toMatchObject([{ reference_id: 's-0', status: 'pdng' }]);
  });

  it('sends the same callback twice at duplicate rate 1', async () => {
    const { receiver, simulator } = await setup({ duplicateRate: 1 });
    await post(`${simulator.url}/disburse`, disburseBody('tx-dup', refs('d', 2)));
    await waitUntil(() => receiver.received.length === 2);
    const [first, second] = receiver.received;
    expect(second?.rawBody).toBe(first?.rawBody);
    expect(signatureValid(second?.signature ?? '', second?.rawBody ?? '')).toBe(true);
    expect(simulator.ledger()).toHaveLength(2);
  });

  it('reorders an out-of-order callback', async () => {
    const { receiver, simulator } = await setup({ outOfOrderRate: 1, outOfOrderDelayMs: 0 });
    await post(`${simulator.url}/disburse`, disburseBody('tx-ooo', refs('o', 3)));
    await waitUntil(() => receiver.received.length === 1);
    const lines = receiver.received[0]?.body.message.disbursements_status ?? [];
    expect(lines.map((s) => s.reference_id)).toEqual(['o-2', 'o-1', 'o-0']);
  });

  it('retries a callback the receiver fails, with backoff', async () => {
    const { receiver, simulator } = await setup();
    receiver.failNext.push(500, 503);
    await post(`${simulator.url}/disburse`, disburseBody('tx-retry', refs('t', 1)));
    await waitUntil(() => receiver.received.length === 1);
    expect(receiver.failNext).toHaveLength(0);
  });

  it('answers 503 inside its downtime window and ACK after it', async () => {
    const { simulator } = await setup({ downtime: { fromMs: 0, forMs: 300, mode: '503' } });
    const down = await post(`${simulator.url}/disburse`, disburseBody('tx-down', refs('w', 1)));
    expect(down.status).toBe(503);
    expect(down.json).toEqual({
      errors: [{ code: 'err.service.unavailable', message: expect.any(String) }],
    });
    await waitUntil(
      async () =>
        (await post(`${simulator.url}/disburse`, disburseBody('tx-up', refs('w', 1)))).status ===
        200,
    );
  });

  it('holds requests in hang mode until the window ends', async () => {
    const { simulator } = await setup({ downtime: { fromMs: 0, forMs: 200, mode: 'hang' } });
    const startedAt = Date.now();
    const { status } = await post(
      `${simulator.url}/disburse`,
      disburseBody('tx-hang', refs('h', 1)),
    );
    expect(status).toBe(503);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(100);
  });

  it('exports the ledger as JSON and a statement CSV filtered by booking time', async () => {
    const { receiver, simulator } = await setup();
    await post(
      `${simulator.url}/disburse`,
      disburseBody('tx-s', [{ reference_id: 'a,1', amount: '5.25' }, { reference_id: 'b2' }]),
    );
    await waitUntil(() => receiver.received.length === 1);

    const ledger = (await (await fetch(`${simulator.url}/ledger`)).json()) as {
      entries: {
        reference_id: string;
        amount: string;
        currency: string;
        payer_fa: string;
        payee_fa: string;
        payee_name?: string;
        paid_at: string;
      }[];
    };
    expect(ledger.entries).toEqual(simulator.ledger());
    const response = await fetch(`${simulator.url}/statements`);
    expect(response.headers.get('content-type')).toContain('text/csv');
    const csv = await response.text();
    const header = 'reference_id,amount,currency,type,reversal,booked_at,payee_fa,narrative';
    expect(csv.trimEnd().split('\n')).toEqual([
      header,
      ...ledger.entries.map((e) =>
        [
          e.reference_id === 'a,1' ? '"a,1"' : e.reference_id,
          e.amount,
          e.currency,
          'debit',
          'false',
          e.paid_at,
          e.payee_fa,
          `${e.payee_fa} ${e.payee_name}`,
        ].join(','),
      ),
    ]);
    const firstPaid = ledger.entries[0]?.paid_at ?? '';
    const none = await (
      await fetch(
        `${simulator.url}/statements?from=2000-01-01T00:00:00Z&to=${encodeURIComponent(firstPaid)}`,
      )
    ).text();
    expect(none).toBe(`${header}\n`);
    expect((await fetch(`${simulator.url}/statements?from=yesterday`)).status).toBe(400);
  });
});

describe('DFSP simulator flags', () => {
  it('parses a full command line', () => {
    const options = parseCliArgs(
      [
        '--port',
        '4001',
        '--dfsp-id',
        'bank-a',
        '--callback-url',
        'http://127.0.0.1:8080/v1/dfsps/bank-a/on-disburse',
        '--secret',
        secret,
        '--latency-ms',
        '50-200',
        '--reject-rate',
        '0.05',
        '--down-from-ms',
        '10',
        '--down-for-ms',
        '20',
        '--down-mode',
        'hang',
        '--seed',
        '3',
      ],
      {},
    );
    expect(options).toMatchObject({
      port: 4001,
      latencyMs: { min: 50, max: 200 },
      rejectRate: 0.05,
      downtime: { fromMs: 10, forMs: 20, mode: 'hang' },
      seed: 3,
    });
  });

  it('names the bad flag', () => {
    const attempt = () =>
      parseCliArgs(
        ['--dfsp-id', 'bank-a', '--callback-url', 'http://x.test/cb', '--reject-rate', '2'],
        { DFSP_SIMULATOR_SECRET: secret },
      );
    expect(attempt).toThrow();
    try {
      attempt();
    } catch (error) {
      expect(describeCliError(error)).toContain('--reject-rate');
    }
  });
});
