import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/simulator/cliArgs.js';
import { UNKNOWN_TRANSACTION_RESULT_CODE } from '../../src/simulator/mpesaResults.js';
import type { SimulatorOptions } from '../../src/simulator/options.js';
import {
  type RunningSimulator,
  type SimulatorRuntime,
  startSimulator,
} from '../../src/simulator/simulator.js';

const consumerKey = 'ledger-app-key';
const consumerSecret = 'ledger-app-secret';

interface ResultItem {
  Key: string;
  Value: string | number;
}

interface ResultBody {
  Result: {
    ResultType: number;
    ResultCode: number | string;
    ResultDesc: string;
    OriginatorConversationID: string;
    ConversationID: string;
    TransactionID: string;
    ResultParameters?: { ResultParameter: ResultItem[] };
    ReferenceData?: { ReferenceItem: ResultItem };
  };
}

interface Received {
  path: string;
  rawBody: string;
  signature: string | undefined;
  body: ResultBody;
}

interface Receiver {
  base: string;
  received: Received[];
  on(path: string): Received[];
  close(): Promise<void>;
}

/** A real HTTP server taking results at /result and /status (and timeouts at /timeout). */
async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const app = new Hono();
  app.post('/:kind', async (c) => {
    const rawBody = await c.req.text();
    received.push({
      path: c.req.path,
      rawBody,
      signature: c.req.header('x-signature'),
      body: JSON.parse(rawBody) as ResultBody,
    });
    return c.json({ ResultCode: 0, ResultDesc: 'Accepted' });
  });
  const server: Server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver not on TCP');
  return {
    base: `http://127.0.0.1:${address.port}`,
    received,
    on: (path) => received.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function setup(options: Partial<SimulatorOptions> = {}, runtime: SimulatorRuntime = {}) {
  const receiver = await startReceiver();
  closers.push(receiver.close);
  const simulator = await startSimulator(
    {
      protocol: 'mpesa-b2c',
      dfspId: 'mpesa-ke',
      consumerKey,
      consumerSecret,
      seed: 1,
      callbackBackoffMs: 10,
      ...options,
    },
    runtime,
  );
  closers.push(simulator.close);
  return { receiver, simulator };
}

function basic(key: string, secret: string): string {
  return `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
}

async function requestToken(
  simulator: RunningSimulator,
  authorization = basic(consumerKey, consumerSecret),
  grantType = 'client_credentials',
) {
  const response = await fetch(`${simulator.url}/oauth/v1/generate?grant_type=${grantType}`, {
    headers: { authorization },
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function token(simulator: RunningSimulator): Promise<string> {
  const { status, json } = await requestToken(simulator);
  expect(status).toBe(200);
  return String(json.access_token);
}

async function post(url: string, accessToken: string | undefined, body: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (accessToken !== undefined) headers.authorization = `Bearer ${accessToken}`;
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function b2cRequest(receiver: Receiver, id: string, overrides: Record<string, unknown> = {}) {
  return {
    OriginatorConversationID: id,
    InitiatorName: 'ledger_api',
    SecurityCredential: 'c2VjdXJpdHktY3JlZGVudGlhbA==',
    CommandID: 'BusinessPayment',
    Amount: 10,
    PartyA: 600992,
    PartyB: 254708374149,
    Remarks: 'Relief payment',
    QueueTimeOutURL: `${receiver.base}/timeout`,
    ResultURL: `${receiver.base}/result`,
    Occasion: 'Programme 2026',
    ...overrides,
  };
}

function pay(simulator: RunningSimulator, accessToken: string | undefined, body: unknown) {
  return post(`${simulator.url}/mpesa/b2c/v3/paymentrequest`, accessToken, body);
}

function queryStatus(
  simulator: RunningSimulator,
  receiver: Receiver,
  accessToken: string,
  ids: { OriginalConversationID?: string; TransactionID?: string },
) {
  return post(`${simulator.url}/mpesa/transactionstatus/v1/query`, accessToken, {
    Initiator: 'ledger_api',
    SecurityCredential: 'c2VjdXJpdHktY3JlZGVudGlhbA==',
    CommandID: 'TransactionStatusQuery',
    PartyA: 600992,
    IdentifierType: '4',
    ResultURL: `${receiver.base}/status`,
    QueueTimeOutURL: `${receiver.base}/timeout`,
    Remarks: 'reconciliation',
    ...ids,
  });
}

function parameter(body: ResultBody, key: string): string | number | undefined {
  return body.Result.ResultParameters?.ResultParameter.find((p) => p.Key === key)?.Value;
}

async function waitUntil(condition: () => boolean | Promise<boolean>, deadlineMs = 3_000) {
  const until = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met before deadline');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('M-Pesa B2C simulator: OAuth token', () => {
  it('issues a token for the Basic credentials, with expires_in as a string', async () => {
    const { simulator } = await setup();
    const { status, json } = await requestToken(simulator);
    expect(status).toBe(200);
    expect(json).toEqual({ access_token: expect.stringMatching(/^\S{20,}$/), expires_in: '3599' });
    expect(simulator.tokensIssued()).toBe(1);
  });

  it('refuses wrong credentials (400.008.01) and a wrong grant type (400.008.02)', async () => {
    const { simulator } = await setup();
    const wrongSecret = await requestToken(simulator, basic(consumerKey, 'nope'));
    expect(wrongSecret.status).toBe(400);
    expect(wrongSecret.json).toEqual({
      requestId: expect.any(String),
      errorCode: '400.008.01',
      errorMessage: expect.any(String),
    });
    const notBasic = await requestToken(simulator, 'Bearer abc');
    expect(notBasic.json.errorCode).toBe('400.008.01');
    const wrongGrant = await requestToken(simulator, undefined, 'password');
    expect(wrongGrant.status).toBe(400);
    expect(wrongGrant.json.errorCode).toBe('400.008.02');
    expect(simulator.tokensIssued()).toBe(0);
  });

  it('invalidates the previous token when a new one is issued', async () => {
    const { receiver, simulator } = await setup();
    const first = await token(simulator);
    expect((await pay(simulator, first, b2cRequest(receiver, 'oc-1'))).status).toBe(200);

    const second = await token(simulator);
    expect(second).not.toBe(first);
    const superseded = await pay(simulator, first, b2cRequest(receiver, 'oc-2'));
    expect(superseded.status).toBe(401);
    expect(superseded.json).toMatchObject({ errorCode: '400.003.01' });
    expect((await pay(simulator, second, b2cRequest(receiver, 'oc-2'))).status).toBe(200);
    expect(simulator.tokensIssued()).toBe(2);
  });

  it('refuses an expired token and a request without a Bearer header', async () => {
    let clockMs = Date.parse('2026-03-01T09:00:00Z');
    const { receiver, simulator } = await setup(
      { tokenLifetimeSeconds: 60 },
      { now: () => new Date(clockMs) },
    );
    const { json } = await requestToken(simulator);
    expect(json.expires_in).toBe('60');
    const accessToken = String(json.access_token);
    clockMs += 59_000;
    expect((await pay(simulator, accessToken, b2cRequest(receiver, 'oc-1'))).status).toBe(200);
    clockMs += 1_000;
    const expired = await pay(simulator, accessToken, b2cRequest(receiver, 'oc-2'));
    expect(expired.status).toBe(401);
    expect(expired.json.errorCode).toBe('400.003.01');

    const missing = await pay(simulator, undefined, {});
    expect(missing.status).toBe(401);
    expect(missing.json.errorCode).toBe('404.001.04');
    expect(simulator.ledger().map((e) => e.reference_id)).toEqual(['oc-1']);
  });
});

describe('M-Pesa B2C simulator: payment request', () => {
  it('acknowledges, posts an unsigned success result to ResultURL, and pays once', async () => {
    const { receiver, simulator } = await setup();
    const accessToken = await token(simulator);
    const { status, json } = await pay(simulator, accessToken, b2cRequest(receiver, 'pay-01'));

    expect(status).toBe(200);
    expect(json).toEqual({
      ConversationID: expect.stringMatching(/^AG_\d{8}_[0-9a-f]{20}$/),
      OriginatorConversationID: 'pay-01',
      ResponseCode: '0',
      ResponseDescription: expect.any(String),
    });
    await waitUntil(() => receiver.on('/result').length === 1);
    const [result] = receiver.on('/result');
    if (result === undefined) throw new Error('no result');
    expect(result.signature).toBeUndefined();
    expect(result.body.Result).toMatchObject({
      ResultType: 0,
      ResultCode: 0,
      OriginatorConversationID: 'pay-01',
      ConversationID: json.ConversationID,
      TransactionID: expect.stringMatching(/^[A-Z][A-Z0-9]{9}$/),
      ReferenceData: {
        ReferenceItem: { Key: 'QueueTimeoutURL', Value: `${receiver.base}/timeout` },
      },
    });
    expect(parameter(result.body, 'TransactionAmount')).toBe(10);
    expect(parameter(result.body, 'TransactionReceipt')).toBe(result.body.Result.TransactionID);
    expect(parameter(result.body, 'B2CUtilityAccountAvailableFunds')).toBe('999999990.00');
    expect(parameter(result.body, 'TransactionCompletedDateTime')).toMatch(
      /^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$/,
    );
    expect(simulator.ledger()).toMatchObject([
      {
        reference_id: 'pay-01',
        amount: '10',
        currency: 'KES',
        payer_fa: '600992',
        payee_fa: '254708374149',
      },
    ]);
  });

  it('reads Amount, PartyA and PartyB as numbers or digit strings', async () => {
    const { receiver, simulator } = await setup();
    const accessToken = await token(simulator);
    const asStrings = { Amount: '250', PartyA: '600992', PartyB: '254708374149' };
    const { status } = await pay(simulator, accessToken, b2cRequest(receiver, 's-1', asStrings));
    expect(status).toBe(200);
    await waitUntil(() => simulator.ledger().length === 1);
    expect(simulator.ledger()[0]?.amount).toBe('250');
  });

  it('refuses a repeated OriginatorConversationID: 500.002.1001, nothing paid again', async () => {
    const { receiver, simulator } = await setup();
    const accessToken = await token(simulator);
    expect((await pay(simulator, accessToken, b2cRequest(receiver, 'dup-1'))).status).toBe(200);
    const again = await pay(simulator, accessToken, b2cRequest(receiver, 'dup-1', { Amount: 99 }));

    expect(again.status).toBe(500);
    expect(again.json).toEqual({
      requestId: expect.any(String),
      errorCode: '500.002.1001',
      errorMessage: 'Duplicate OriginatorConversationID.',
    });
    await waitUntil(() => receiver.on('/result').length === 1);
    await settle();
    expect(receiver.on('/result')).toHaveLength(1);
    expect(simulator.ledger().map((e) => [e.reference_id, e.amount])).toEqual([['dup-1', '10']]);
  });

  it('answers 400.002.05 for invalid payloads and pays none of them', async () => {
    const { receiver, simulator } = await setup();
    const accessToken = await token(simulator);
    const valid = b2cRequest(receiver, 'bad');
    const { ResultURL: _dropped, ...withoutResultUrl } = valid;
    const bodies: unknown[] = [
      'not json',
      withoutResultUrl,
      { ...valid, PartyB: '0708374149' },
      { ...valid, PartyB: '+254708374149' },
      { ...valid, Amount: 10.5 },
      { ...valid, Amount: '10.00' },
      { ...valid, Amount: 0 },
      { ...valid, CommandID: 'Payout' },
      { ...valid, Remarks: 'x' },
      { ...valid, ResultURL: 'ftp://example.test/result' },
      { ...valid, Occassion: 'both spellings' },
      { ...valid, OriginatorConversationID: '' },
    ];
    for (const body of bodies) {
      const { status, json } = await pay(simulator, accessToken, body);
      expect(status).toBe(400);
      expect(json).toMatchObject({ errorCode: '400.002.05', errorMessage: expect.any(String) });
    }
    await settle();
    expect(receiver.received).toHaveLength(0);
    expect(simulator.ledger()).toHaveLength(0);
  });

  it('fails amounts outside KES 10–250,000 with ResultCode 2 and 3, no parameters', async () => {
    const { receiver, simulator } = await setup();
    const accessToken = await token(simulator);
    await pay(simulator, accessToken, b2cRequest(receiver, 'low', { Amount: 9 }));
    await pay(simulator, accessToken, b2cRequest(receiver, 'high', { Amount: 250_001 }));
    await waitUntil(() => receiver.on('/result').length === 2);

    const codes = Object.fromEntries(
      receiver.on('/result').map((r) => [r.body.Result.OriginatorConversationID, r.body.Result]),
    );
    expect(codes.low).toMatchObject({ ResultCode: 2, TransactionID: expect.any(String) });
    expect(codes.high).toMatchObject({ ResultCode: 3 });
    expect(codes.low?.ResultParameters).toBeUndefined();
    expect(simulator.ledger()).toHaveLength(0);
  });
});

describe('M-Pesa B2C simulator: faults', () => {
  it('rejects at a seeded rate with documented failure codes, reproducibly', async () => {
    const runs: string[][] = [];
    for (const run of [1, 2]) {
      const { receiver, simulator } = await setup({ rejectRate: 0.4, seed: 7 });
      const accessToken = await token(simulator);
      for (let i = 0; i < 12; i += 1) {
        await pay(simulator, accessToken, b2cRequest(receiver, `r${run}-${i}`));
      }
      await waitUntil(() => receiver.on('/result').length === 12);
      const byId = new Map(
        receiver.on('/result').map((r) => [r.body.Result.OriginatorConversationID, r.body]),
      );
      const outcomes = Array.from({ length: 12 }, (_, i) => {
        const code = byId.get(`r${run}-${i}`)?.Result.ResultCode;
        return String(code);
      });
      const failures = outcomes.filter((code) => code !== '0');
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.length).toBeLessThan(12);
      for (const code of failures) expect(['2040', '1', 'SFC_IC0003']).toContain(code);
      const paid = outcomes.flatMap((code, i) => (code === '0' ? [`r${run}-${i}`] : []));
      expect(simulator.ledger().map((e) => e.reference_id)).toEqual(paid);
      runs.push(outcomes);
    }
    expect(runs[0]).toEqual(runs[1]);
  });

  it('sends every result twice at duplicate rate 1, paying once', async () => {
    const { receiver, simulator } = await setup({ duplicateRate: 1 });
    const accessToken = await token(simulator);
    await pay(simulator, accessToken, b2cRequest(receiver, 'twice'));
    await waitUntil(() => receiver.on('/result').length === 2);
    const [first, second] = receiver.on('/result');
    expect(second?.rawBody).toBe(first?.rawBody);
    expect(simulator.ledger()).toHaveLength(1);
  });

  it('holds an out-of-order result back so a later one overtakes it', async () => {
    // Seed 12 at rate 0.5 holds back the first payment's result and not the second's.
    const { receiver, simulator } = await setup({
      outOfOrderRate: 0.5,
      outOfOrderDelayMs: 150,
      seed: 12,
    });
    const accessToken = await token(simulator);
    await pay(simulator, accessToken, b2cRequest(receiver, 'early'));
    await pay(simulator, accessToken, b2cRequest(receiver, 'late'));
    await waitUntil(() => receiver.on('/result').length === 2);
    const order = receiver.on('/result').map((r) => r.body.Result.OriginatorConversationID);
    expect(order).toEqual(['late', 'early']);
  });

  it('loses the result at lost rate 1; the status query still finds the payment', async () => {
    const { receiver, simulator } = await setup({ lostRate: 1 });
    const accessToken = await token(simulator);
    await pay(simulator, accessToken, b2cRequest(receiver, 'lost-1'));
    await waitUntil(() => simulator.ledger().length === 1);
    await settle();
    expect(receiver.on('/result')).toHaveLength(0);

    const ack = await queryStatus(simulator, receiver, accessToken, {
      OriginalConversationID: 'lost-1',
    });
    expect(ack.status).toBe(200);
    await waitUntil(() => receiver.on('/status').length === 1);
    const status = receiver.on('/status')[0]?.body;
    if (status === undefined) throw new Error('no status result');
    expect(status.Result.ResultCode).toBe(0);
    expect(parameter(status, 'TransactionStatus')).toBe('Completed');
  });

  it('answers 503 inside its downtime window, on the token call too', async () => {
    const { simulator } = await setup({ downtime: { fromMs: 0, forMs: 300, mode: '503' } });
    const down = await requestToken(simulator);
    expect(down.status).toBe(503);
    expect(down.json.errorCode).toBe('500.003.1001');
    await waitUntil(async () => (await requestToken(simulator)).status === 200);
  });

  it('holds requests in hang mode past a caller timeout', async () => {
    const { simulator } = await setup({ downtime: { fromMs: 0, forMs: 400, mode: 'hang' } });
    const attempt = fetch(`${simulator.url}/oauth/v1/generate?grant_type=client_credentials`, {
      headers: { authorization: basic(consumerKey, consumerSecret) },
      signal: AbortSignal.timeout(100),
    });
    await expect(attempt).rejects.toThrow();
    expect(simulator.tokensIssued()).toBe(0);
  });
});

describe('M-Pesa B2C simulator: transaction status query', () => {
  it('finds a payment by OriginalConversationID or TransactionID (ResultCode 0)', async () => {
    const { receiver, simulator } = await setup();
    const accessToken = await token(simulator);
    await pay(simulator, accessToken, b2cRequest(receiver, 'known-1'));
    await waitUntil(() => receiver.on('/result').length === 1);
    const receipt = receiver.on('/result')[0]?.body.Result.TransactionID ?? '';

    const byId = await queryStatus(simulator, receiver, accessToken, {
      OriginalConversationID: 'known-1',
      TransactionID: '',
    });
    expect(byId.status).toBe(200);
    expect(byId.json).toMatchObject({
      ResponseCode: '0',
      OriginatorConversationID: expect.any(String),
      ConversationID: expect.stringMatching(/^AG_/),
    });
    await queryStatus(simulator, receiver, accessToken, { TransactionID: receipt });
    await waitUntil(() => receiver.on('/status').length === 2);

    for (const status of receiver.on('/status').map((r) => r.body)) {
      expect(status.Result).toMatchObject({ ResultType: 0, ResultCode: 0, TransactionID: receipt });
      expect(parameter(status, 'OriginatorConversationID')).toBe('known-1');
      expect(parameter(status, 'ReceiptNo')).toBe(receipt);
      expect(parameter(status, 'TransactionStatus')).toBe('Completed');
      expect(parameter(status, 'Amount')).toBe(10);
    }
    const first = receiver.on('/status')[0]?.body;
    expect(first?.Result.OriginatorConversationID).toBe(byId.json.OriginatorConversationID);
  });

  it('reports a failed payment as TransactionStatus Failed', async () => {
    const { receiver, simulator } = await setup();
    const accessToken = await token(simulator);
    await pay(simulator, accessToken, b2cRequest(receiver, 'tiny', { Amount: 1 }));
    await waitUntil(() => receiver.on('/result').length === 1);
    await queryStatus(simulator, receiver, accessToken, { OriginalConversationID: 'tiny' });
    await waitUntil(() => receiver.on('/status').length === 1);
    const status = receiver.on('/status')[0]?.body;
    if (status === undefined) throw new Error('no status result');
    expect(parameter(status, 'TransactionStatus')).toBe('Failed');
  });

  it('answers an unknown id with the Transaction Status page failure code SFC_IC0003', async () => {
    expect(UNKNOWN_TRANSACTION_RESULT_CODE).toBe('SFC_IC0003');
    const { receiver, simulator } = await setup();
    const accessToken = await token(simulator);
    await pay(simulator, accessToken, b2cRequest(receiver, 'exists'));
    await waitUntil(() => receiver.on('/result').length === 1);
    const receipt = receiver.on('/result')[0]?.body.Result.TransactionID ?? '';

    const ack = await queryStatus(simulator, receiver, accessToken, {
      OriginalConversationID: 'never-sent',
    });
    expect(ack.status).toBe(200); // the query is accepted; the answer is the async result
    // Both ids given but naming different payments: not a payment either.
    await queryStatus(simulator, receiver, accessToken, {
      OriginalConversationID: 'never-sent',
      TransactionID: receipt,
    });
    await waitUntil(() => receiver.on('/status').length === 2);

    for (const status of receiver.on('/status').map((r) => r.body)) {
      expect(status.Result.ResultCode).toBe('SFC_IC0003');
      expect(status.Result.ResultDesc).toMatch(/no payment/i);
      expect(status.Result.ResultParameters).toBeUndefined();
    }
  });

  it('answers 400.002.05 for a query naming neither id', async () => {
    const { receiver, simulator } = await setup();
    const accessToken = await token(simulator);
    const { status, json } = await queryStatus(simulator, receiver, accessToken, {});
    expect(status).toBe(400);
    expect(json.errorCode).toBe('400.002.05');
  });
});

describe('M-Pesa B2C simulator: statements and flags', () => {
  it('states what was paid, each line referenced by its OriginatorConversationID', async () => {
    const { receiver, simulator } = await setup({ rejectRate: 0 });
    const accessToken = await token(simulator);
    await pay(simulator, accessToken, b2cRequest(receiver, 'PAY-A', { Amount: 10 }));
    // Below the minimum: ResultCode 2, not paid, not stated.
    await pay(simulator, accessToken, b2cRequest(receiver, 'PAY-B', { Amount: 5 }));
    await pay(simulator, accessToken, b2cRequest(receiver, 'PAY-C', { Amount: 1500 }));
    await waitUntil(() => receiver.on('/result').length === 3);

    const csv = await (await fetch(`${simulator.url}/statements?format=csv`)).text();
    const rows = csv.trim().split('\n').slice(1);
    expect(rows.map((row) => row.split(',').slice(0, 3))).toEqual([
      ['PAY-A', '10.00', 'KES'],
      ['PAY-C', '1500.00', 'KES'],
    ]);
  });

  it('parses the M-Pesa flags; callback-url and secret are not needed', () => {
    const options = parseCliArgs(
      [
        '--protocol',
        'mpesa-b2c',
        '--dfsp-id',
        'mpesa-ke',
        '--consumer-key',
        'k',
        '--token-lifetime-seconds',
        '120',
      ],
      { DFSP_SIMULATOR_CONSUMER_SECRET: 's' },
    );
    expect(options).toMatchObject({
      protocol: 'mpesa-b2c',
      consumerKey: 'k',
      consumerSecret: 's',
      tokenLifetimeSeconds: 120,
    });
    expect(() => parseCliArgs(['--dfsp-id', 'bank-a'], {})).toThrow(/callbackUrl|required/);
  });
});
