import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/simulator/cliArgs.js';
import type { SimulatorOptions } from '../../src/simulator/options.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function setup(options: Partial<SimulatorOptions> = {}) {
  const simulator = await startSimulator({
    protocol: 'mojaloop-sdk',
    dfspId: 'payer-dfsp',
    seed: 1,
    ...options,
  });
  closers.push(simulator.close);
  return simulator;
}

function transferRequest(homeTransactionId: string, overrides: Record<string, unknown> = {}) {
  return {
    homeTransactionId,
    from: { idType: 'ACCOUNT_ID', idValue: 'treasury-001', displayName: 'Programme Treasury' },
    to: { idType: 'MSISDN', idValue: '254708374149', firstName: 'Amina', lastName: 'Otieno' },
    amountType: 'SEND',
    currency: 'KES',
    amount: '10.5',
    transactionType: 'TRANSFER',
    note: 'relief',
    ...overrides,
  };
}

interface Answer {
  status: number;
  json: Record<string, unknown> & {
    transferId?: string;
    currentState?: string;
    statusCode?: string | number;
    fulfil?: { body: { transferState: string; fulfilment?: string; completedTimestamp?: string } };
    transferState?: {
      transferId: string;
      currentState: string;
      lastError?: {
        httpStatusCode: number;
        mojaloopError: { errorInformation: { errorCode: string; errorDescription: string } };
      };
    };
  };
}

async function postTransfer(
  simulator: RunningSimulator,
  body: unknown,
  signal?: AbortSignal,
): Promise<Answer> {
  const response = await fetch(`${simulator.url}/transfers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
  return { status: response.status, json: (await response.json()) as Answer['json'] };
}

async function getTransfer(simulator: RunningSimulator, transferId: string): Promise<Answer> {
  const response = await fetch(`${simulator.url}/transfers/${transferId}`);
  return { status: response.status, json: (await response.json()) as Answer['json'] };
}

async function waitUntil(condition: () => boolean | Promise<boolean>, deadlineMs = 3_000) {
  const until = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met before deadline');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Mojaloop SDK simulator: POST /transfers', () => {
  it('completes a transfer synchronously: 200 COMPLETED, COMMITTED with a fulfilment', async () => {
    const simulator = await setup();
    const { status, json } = await postTransfer(simulator, transferRequest('pay-1'));

    expect(status).toBe(200);
    expect(json).toMatchObject({
      transferId: expect.stringMatching(uuid),
      homeTransactionId: 'pay-1',
      amount: '10.5',
      currency: 'KES',
      currentState: 'COMPLETED',
      quoteId: expect.stringMatching(uuid),
      fulfil: {
        body: {
          transferState: 'COMMITTED',
          fulfilment: expect.stringMatching(/^[A-Za-z0-9-_]{43}$/),
          completedTimestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*\.\d{3}Z$/),
        },
      },
    });
    expect(json.lastError).toBeUndefined();
    expect(simulator.ledger()).toMatchObject([
      {
        reference_id: 'pay-1',
        amount: '10.5',
        currency: 'KES',
        payer_fa: 'ACCOUNT_ID:treasury-001',
        payee_fa: 'MSISDN:254708374149',
        payee_name: 'Amina Otieno',
      },
    ]);
  });

  it('answers a repeated homeTransactionId with the same transfer, paying once', async () => {
    const simulator = await setup({ latencyMs: { min: 100, max: 100 } });
    // Two at once (the second arrives while the first is in flight), then one more later.
    const [first, second] = await Promise.all([
      postTransfer(simulator, transferRequest('once')),
      postTransfer(simulator, transferRequest('once', { amount: '99' })),
    ]);
    const third = await postTransfer(simulator, transferRequest('once'));

    expect(first.status).toBe(200);
    expect(second.json.transferId).toBe(first.json.transferId);
    expect(third.json).toEqual(first.json);
    expect(simulator.ledger().map((e) => [e.reference_id, e.amount])).toEqual([['once', '10.5']]);
  });

  it('answers 400 { message, statusCode: 400 } for a body the spec refuses', async () => {
    const simulator = await setup();
    const valid = transferRequest('bad');
    const { to: _to, ...withoutTo } = valid;
    const bodies: unknown[] = [
      'not json',
      withoutTo,
      { ...valid, amount: '10.50' }, // trailing zero
      { ...valid, amount: '10.00' },
      { ...valid, amount: 10 }, // a number
      { ...valid, amount: '-1' },
      { ...valid, currency: 'kes' },
      { ...valid, amountType: 'BOTH' },
      { ...valid, transactionType: 'PAYMENT' },
      { ...valid, transferId: '0d5c1e47-94a7-4f8e-9a2e-1f1d4f1c9b11' }, // unknown field
      { ...valid, to: { idType: 'PHONE', idValue: '254708374149' } },
      { ...valid, to: { idType: 'MSISDN', idValue: '' } },
      { ...valid, homeTransactionId: '' },
    ];
    for (const body of bodies) {
      const { status, json } = await postTransfer(simulator, body);
      expect(status).toBe(400);
      expect(json).toEqual({ message: expect.any(String), statusCode: 400 });
    }
    expect(simulator.ledger()).toHaveLength(0);
  });

  it('fails an amount finer than the currency allows at the quote stage (3100)', async () => {
    const simulator = await setup();
    const { status, json } = await postTransfer(
      simulator,
      transferRequest('fine', { amount: '10.005' }),
    );
    expect(status).toBe(500);
    expect(json).toMatchObject({
      statusCode: '3100',
      transferState: { currentState: 'ERROR_OCCURRED', transferId: expect.stringMatching(uuid) },
    });
    expect(simulator.ledger()).toHaveLength(0);
  });
});

describe('Mojaloop SDK simulator: faults', () => {
  it('rejects at a seeded rate: HTTP 500, ERROR_OCCURRED, a Mojaloop error code', async () => {
    const runs: string[][] = [];
    for (const _run of [1, 2]) {
      const simulator = await setup({ rejectRate: 0.5, seed: 5 });
      const outcomes: string[] = [];
      for (let i = 0; i < 10; i += 1) {
        const { status, json } = await postTransfer(simulator, transferRequest(`r-${i}`));
        if (status === 200) {
          outcomes.push('COMMITTED');
          continue;
        }
        expect(status).toBe(500);
        const errorCode = json.transferState?.lastError?.mojaloopError.errorInformation.errorCode;
        expect(['3204', '5101', '5104']).toContain(errorCode);
        expect(json).toMatchObject({
          statusCode: errorCode,
          message: expect.any(String),
          transferState: {
            homeTransactionId: `r-${i}`,
            transferId: expect.stringMatching(uuid),
            currentState: 'ERROR_OCCURRED',
            lastError: { httpStatusCode: 500 },
          },
        });
        outcomes.push(String(errorCode));
      }
      const paid = outcomes.flatMap((o, i) => (o === 'COMMITTED' ? [`r-${i}`] : []));
      expect(paid.length).toBeGreaterThan(0);
      expect(paid.length).toBeLessThan(10);
      expect(simulator.ledger().map((e) => e.reference_id)).toEqual(paid);
      runs.push(outcomes);
    }
    expect(runs[0]).toEqual(runs[1]);
  });

  it('cuts the connection at lost rate 1 after paying; a retry gets the transfer', async () => {
    const simulator = await setup({ lostRate: 1 });
    await expect(postTransfer(simulator, transferRequest('lost-1'))).rejects.toThrow();
    expect(simulator.ledger().map((e) => e.reference_id)).toEqual(['lost-1']);

    const retry = await postTransfer(simulator, transferRequest('lost-1'));
    expect(retry.status).toBe(200);
    expect(retry.json).toMatchObject({ currentState: 'COMPLETED', homeTransactionId: 'lost-1' });
    expect(simulator.ledger()).toHaveLength(1);
  });

  it('has no effect at duplicate rate 1: a synchronous answer cannot come twice', async () => {
    const simulator = await setup({ duplicateRate: 1 });
    const { status } = await postTransfer(simulator, transferRequest('dup-1'));
    expect(status).toBe(200);
    expect(simulator.ledger()).toHaveLength(1);
  });

  it('still completes a transfer whose caller timed out first, leaving it in doubt', async () => {
    const simulator = await setup({ latencyMs: { min: 300, max: 300 } });
    const attempt = postTransfer(simulator, transferRequest('slow-1'), AbortSignal.timeout(50));
    await expect(attempt).rejects.toThrow(); // no answer, so no transferId to ask about
    expect(simulator.ledger()).toHaveLength(0);
    await waitUntil(() => simulator.ledger().length === 1);

    const retry = await postTransfer(simulator, transferRequest('slow-1'));
    expect(retry.json.currentState).toBe('COMPLETED');
    expect(simulator.ledger()).toHaveLength(1);
  });

  it('holds requests in hang downtime past a caller timeout, paying nothing', async () => {
    const simulator = await setup({ downtime: { fromMs: 0, forMs: 400, mode: 'hang' } });
    const attempt = postTransfer(simulator, transferRequest('hang-1'), AbortSignal.timeout(100));
    await expect(attempt).rejects.toThrow();
    expect(simulator.ledger()).toHaveLength(0);
  });

  it('answers 503 errorResponse inside a 503 downtime window, and completes after it', async () => {
    const simulator = await setup({ downtime: { fromMs: 0, forMs: 300, mode: '503' } });
    const down = await postTransfer(simulator, transferRequest('down-1'));
    expect(down.status).toBe(503);
    expect(down.json).toEqual({ statusCode: '503', message: expect.any(String) });
    await waitUntil(
      async () => (await postTransfer(simulator, transferRequest('down-1'))).status === 200,
    );
    expect(simulator.ledger()).toHaveLength(1);
  });
});

describe('Mojaloop SDK simulator: GET /transfers/{transferId}', () => {
  it('states a completed transfer: COMPLETED, fulfil.body.transferState COMMITTED', async () => {
    const simulator = await setup();
    const posted = await postTransfer(simulator, transferRequest('get-1'));
    const transferId = posted.json.transferId ?? '';
    const { status, json } = await getTransfer(simulator, transferId);

    expect(status).toBe(200);
    expect(json).toEqual({
      transferId,
      currentState: 'COMPLETED',
      fulfil: {
        body: {
          transferState: 'COMMITTED',
          fulfilment: posted.json.fulfil?.body.fulfilment,
          completedTimestamp: posted.json.fulfil?.body.completedTimestamp,
        },
      },
    });
  });

  it('answers an unknown transferId with 500 statusCode 3208 (the spec lists no 404)', async () => {
    const simulator = await setup();
    const { status, json } = await getTransfer(simulator, '0d5c1e47-94a7-4f8e-9a2e-1f1d4f1c9b11');
    expect(status).toBe(500);
    expect(json).toEqual({ statusCode: '3208', message: 'Transfer ID not found' });
    expect((await getTransfer(simulator, 'not-an-id')).status).toBe(400);
  });

  it('states a transfer rejected at the transfer stage ABORTED; earlier ones 3208', async () => {
    const simulator = await setup({ rejectRate: 1, seed: 5 });
    const seen = new Set<string>();
    for (let i = 0; i < 12; i += 1) {
      const { json } = await postTransfer(simulator, transferRequest(`x-${i}`));
      const transferId = json.transferState?.transferId ?? '';
      const code = String(json.statusCode);
      seen.add(code);
      const state = await getTransfer(simulator, transferId);
      if (code === '5104') {
        expect(state.status).toBe(200);
        expect(state.json.fulfil?.body.transferState).toBe('ABORTED');
        expect(state.json.fulfil?.body.fulfilment).toBeUndefined();
      } else {
        expect(state.status).toBe(500);
        expect(state.json.statusCode).toBe('3208');
      }
    }
    expect(seen.has('5104')).toBe(true);
    expect(simulator.ledger()).toHaveLength(0);
  });
});

describe('Mojaloop SDK simulator: statements and flags', () => {
  it('states what was paid, each line referenced by its homeTransactionId', async () => {
    const simulator = await setup();
    await postTransfer(simulator, transferRequest('HT-1', { amount: '10' }));
    await postTransfer(simulator, transferRequest('HT-2', { amount: '0.005' })); // 3100: unpaid
    await postTransfer(simulator, transferRequest('HT-3', { amount: '2500.75' }));

    const csv = await (await fetch(`${simulator.url}/statements?format=csv`)).text();
    const rows = csv.trim().split('\n').slice(1);
    expect(rows.map((row) => row.split(',').slice(0, 3))).toEqual([
      ['HT-1', '10.00', 'KES'],
      ['HT-3', '2500.75', 'KES'],
    ]);
  });

  it('parses --protocol mojaloop-sdk without callback-url or secret', () => {
    const options = parseCliArgs(['--protocol', 'mojaloop-sdk', '--dfsp-id', 'payer-dfsp'], {});
    expect(options).toMatchObject({ protocol: 'mojaloop-sdk', dfspId: 'payer-dfsp' });
    expect(() => parseCliArgs(['--protocol', 'swift', '--dfsp-id', 'payer-dfsp'], {})).toThrow();
  });
});
