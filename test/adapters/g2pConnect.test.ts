import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, test } from 'vitest';
import { createG2pConnectConnector } from '../../src/adapters/dfsp/g2pConnect.js';
import { fromG2pAmount, toG2pAmount } from '../../src/adapters/dfsp/g2pConnectMessages.js';
import {
  DfspMessageError,
  DfspQueryError,
  type DisbursementGroup,
} from '../../src/application/dfspConnector.js';
import { optional } from '../../src/domain/optional.js';
import {
  acknowledgementValidator,
  requestBodyValidator,
  responseValidator,
} from '../support/g2pConnectSpec.js';

type Answer = { status: number; body: unknown } | 'never';

interface TestDfsp {
  baseUrl: string;
  received: { path: string; body: unknown }[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real HTTP server on 127.0.0.1 answering every POST with `answer(path)`. */
async function startDfsp(answer: (path: string) => Answer): Promise<TestDfsp> {
  const received: TestDfsp['received'] = [];
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const app = new Hono();
  app.post('*', async (c) => {
    received.push({ path: c.req.path, body: await c.req.json() });
    const reply = answer(c.req.path);
    if (reply === 'never') {
      await released;
      return c.body(null, 503);
    }
    return c.json(reply.body as object, reply.status as 200);
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(listening),
    );
  });
  cleanups.push(async () => {
    release();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, received };
}

/** A port nothing listens on: bound, then closed again. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const connector = createG2pConnectConnector({
  senderId: 'ledger.example.org',
  timeoutMs: 2_000,
});

function groupFor(baseUrl: string, timeoutMs?: number): DisbursementGroup {
  return {
    dfsp: {
      dfspId: 'bank-a',
      baseUrl,
      payerFa: 'account:100200300@bank-a',
      ...optional('timeoutMs', timeoutMs),
    },
    transactionId: '01JABCDEFGHJKMNPQRSTVWXYZ0',
    callbackUrl: 'http://127.0.0.1:3000/v1/dfsps/bank-a/on-disburse',
    payments: [
      {
        paymentId: '01JPAYMENT00000000000000001',
        payeeFa: 'mobile:254700000001@mpesa',
        payeeName: 'Amina Njoroge',
        amountMinor: 150_000n,
        currency: 'KES',
        note: 'Cycle 2024-05',
        purpose: 'CT-OVC',
      },
      {
        paymentId: '01JPAYMENT00000000000000002',
        payeeFa: 'account:42@bank-a',
        amountMinor: 5n,
        currency: 'KES',
      },
    ],
  };
}

function ack(status: 'ACK' | 'NACK' | 'ERR', error?: { code: string; message: string }) {
  return {
    message: {
      ack_status: status,
      timestamp: '2024-05-01T10:00:00Z',
      correlation_id: 'corr-1',
      ...optional('error', error),
    },
  };
}

describe('submit', () => {
  test('sends a disburse request that conforms to the spec and takes ACK as accepted', async () => {
    expect(acknowledgementValidator()(ack('ACK'))).toEqual([]);
    const dfsp = await startDfsp(() => ({ status: 200, body: ack('ACK') }));

    const outcome = await connector.submit(groupFor(dfsp.baseUrl));

    expect(outcome).toMatchObject({ kind: 'accepted', correlationId: 'corr-1' });
    expect(dfsp.received).toHaveLength(1);
    const [request] = dfsp.received;
    expect(request?.path).toBe('/disburse');
    expect(requestBodyValidator('/disburse')(request?.body)).toEqual([]);
    expect(request?.body).toMatchObject({
      header: { action: 'disburse', total_count: 2, sender_uri: groupFor('').callbackUrl },
      message: {
        transaction_id: '01JABCDEFGHJKMNPQRSTVWXYZ0',
        disbursements: [
          { reference_id: '01JPAYMENT00000000000000001', amount: '1500.00', currency_code: 'KES' },
          {
            reference_id: '01JPAYMENT00000000000000002',
            amount: '0.05',
            payer_fa: 'account:100200300@bank-a',
          },
        ],
      },
    });
    const messageId = outcome.kind === 'accepted' ? outcome.messageId : 'not accepted';
    expect(request?.body).toMatchObject({ header: { message_id: messageId } });
  });

  test('refuses to send a payee address the spec cannot carry, and sends nothing', async () => {
    const dfsp = await startDfsp(() => ({ status: 200, body: ack('ACK') }));
    const group = groupFor(dfsp.baseUrl);
    const [first, second] = group.payments;
    if (first === undefined || second === undefined) throw new Error('two payments expected');
    const outcome = await connector.submit({
      ...group,
      payments: [{ ...first, payeeFa: 'mobile:+254700000001@mobile-x' }, second],
    });
    expect(outcome).toEqual({
      kind: 'unsendable',
      problems: [
        {
          paymentId: first.paymentId,
          code: 'payee_fa_unrepresentable',
          message: 'payee_fa has characters a G2P Connect financial address cannot carry',
        },
      ],
    });
    expect(dfsp.received).toHaveLength(0);
  });

  test("sends the caller's message id when the group names one (it was recorded before sending)", async () => {
    const dfsp = await startDfsp(() => ({ status: 200, body: ack('ACK') }));
    const outcome = await connector.submit({ ...groupFor(dfsp.baseUrl), messageId: 'recorded-1' });
    expect(outcome).toMatchObject({ kind: 'accepted', messageId: 'recorded-1' });
    expect(dfsp.received[0]?.body).toMatchObject({ header: { message_id: 'recorded-1' } });
  });

  test('takes NACK and ERR as rejected, retryable only for a transient error code', async () => {
    const nack = await startDfsp(() => ({ status: 200, body: ack('NACK') }));
    const busy = ack('ERR', { code: 'err.service.unavailable', message: 'try later' });
    const err = await startDfsp(() => ({ status: 200, body: busy }));

    expect(await connector.submit(groupFor(nack.baseUrl))).toMatchObject({
      kind: 'rejected',
      code: 'nack',
      retryable: false,
    });
    expect(await connector.submit(groupFor(err.baseUrl))).toMatchObject({
      kind: 'rejected',
      code: 'err.service.unavailable',
      message: 'try later',
      retryable: true,
    });
  });

  test('takes a 4xx as rejected with the body error', async () => {
    const errors = { errors: [{ code: 'err.sender_id.invalid', message: 'who are you' }] };
    const dfsp = await startDfsp(() => ({ status: 403, body: errors }));

    expect(await connector.submit(groupFor(dfsp.baseUrl))).toMatchObject({
      kind: 'rejected',
      code: 'err.sender_id.invalid',
      message: 'who are you',
      retryable: false,
    });
  });

  test('takes an HTTP 503 as unknown: the DFSP may hold the payments', async () => {
    const dfsp = await startDfsp(() => ({ status: 503, body: { errors: [] } }));

    expect(await connector.submit(groupFor(dfsp.baseUrl))).toMatchObject({ kind: 'unknown' });
  });

  test('takes an unreadable 2xx answer as unknown', async () => {
    const dfsp = await startDfsp(() => ({ status: 200, body: { ok: true } }));

    expect(await connector.submit(groupFor(dfsp.baseUrl))).toMatchObject({ kind: 'unknown' });
  });

  test('takes no answer within timeoutMs as unknown', async () => {
    const dfsp = await startDfsp(() => 'never');

    const outcome = await connector.submit(groupFor(dfsp.baseUrl, 150));

    expect(outcome).toMatchObject({ kind: 'unknown', reason: 'no complete answer within 150 ms' });
    expect(dfsp.received).toHaveLength(1);
  });

  test('takes a refused connection as unreachable', async () => {
    const port = await closedPort();

    const outcome = await connector.submit(groupFor(`http://127.0.0.1:${port}`));

    expect(outcome).toMatchObject({
      kind: 'unreachable',
      reason: 'connection failed (ECONNREFUSED)',
    });
  });

  test('sends nothing when an amount cannot be carried by the spec', async () => {
    const dfsp = await startDfsp(() => ({ status: 200, body: ack('ACK') }));
    const group = groupFor(dfsp.baseUrl);
    const bhd = {
      paymentId: 'p-bhd',
      payeeFa: 'account:7@bank-a',
      amountMinor: 1255n,
      currency: 'BHD',
    };

    const outcome = await connector.submit({ ...group, payments: [...group.payments, bhd] });

    expect(outcome).toMatchObject({
      kind: 'unsendable',
      problems: [{ paymentId: 'p-bhd', code: 'amount_unrepresentable' }],
    });
    expect(dfsp.received).toHaveLength(0);
  });
});

describe('amounts', () => {
  test.each([
    [150_000n, 'KES', '1500.00'],
    [5n, 'KES', '0.05'],
    [1500n, 'JPY', '1500.00'],
    [1250n, 'BHD', '1.25'],
    [1000n, 'BHD', '1.00'],
    [1n, 'JPY', '1.00'],
  ])('%s minor units of %s are sent as %s and read back exactly', (minor, currency, text) => {
    expect(toG2pAmount(minor, currency)).toEqual({ ok: true, amount: text });
    expect(fromG2pAmount(text, currency)).toBe(minor);
  });

  test.each([
    [1255n, 'BHD'],
    [1n, 'BHD'],
    [0n, 'KES'],
    [10n ** 15n, 'KES'],
    [1n, 'XXX'],
  ])('%s minor units of %s are refused, never rounded', (minor, currency) => {
    expect(toG2pAmount(minor, currency).ok).toBe(false);
  });

  test('a zero-decimal amount with a non-zero fraction is refused when read', () => {
    expect(() => fromG2pAmount('1500.50', 'JPY')).toThrow(DfspMessageError);
  });
});

describe('queryStatus', () => {
  const statusAnswer = {
    header: {
      version: '1.0.0',
      message_id: 'dfsp-msg-1',
      message_ts: '2024-05-01T10:05:00Z',
      action: 'on-disburse',
      status: 'succ',
      total_count: 2,
    },
    message: {
      transaction_id: 'q-1',
      correlation_id: 'corr-9',
      txnstatus_response: {
        txn_type: 'on-disburse',
        txn_status: {
          transaction_id: '01JABCDEFGHJKMNPQRSTVWXYZ0',
          disbursements_status: [
            { reference_id: 'p1', timestamp: '2024-05-01T10:01:00Z', status: 'succ' },
            {
              reference_id: 'p2',
              timestamp: '2024-05-01T10:01:00+03:00',
              status: 'rjct',
              status_reason_code: 'rjct.payee_fa.invalid',
              status_reason_message: 'no such account',
            },
          ],
        },
      },
    },
  };

  test('sends a spec-conforming query and reads the answer, unlisted ids as pending', async () => {
    expect(responseValidator('/disburse/sync/txn/status')(statusAnswer)).toEqual([]);
    const dfsp = await startDfsp(() => ({ status: 200, body: statusAnswer }));
    const endpoint = groupFor(dfsp.baseUrl).dfsp;

    const reports = await connector.queryStatus(endpoint, ['p1', 'p2', 'p3']);

    const [request] = dfsp.received;
    expect(request?.path).toBe('/disburse/sync/txn/status');
    expect(requestBodyValidator('/disburse/sync/txn/status')(request?.body)).toEqual([]);
    expect(request?.body).toMatchObject({
      header: { action: 'disburse', total_count: 3 },
      message: {
        txnstatus_request: {
          txn_type: 'disburse',
          attribute_type: 'reference_id_list',
          attribute_value: ['p1', 'p2', 'p3'],
        },
      },
    });
    expect(reports).toEqual([
      { referenceId: 'p1', status: 'succeeded', timestamp: '2024-05-01T10:01:00Z' },
      {
        referenceId: 'p2',
        status: 'failed',
        reasonCode: 'rjct.payee_fa.invalid',
        reasonMessage: 'no such account',
        timestamp: '2024-05-01T10:01:00+03:00',
      },
      { referenceId: 'p3', status: 'pending' },
    ]);
  });

  test('concludes nothing from an answer that omits every reference: a lagging index is not "not held"', async () => {
    const { txnstatus_response } = statusAnswer.message;
    const omitsAll = {
      header: { ...statusAnswer.header, total_count: 0 },
      message: {
        ...statusAnswer.message,
        txnstatus_response: {
          ...txnstatus_response,
          txn_status: { ...txnstatus_response.txn_status, disbursements_status: [] },
        },
      },
    };
    expect(responseValidator('/disburse/sync/txn/status')(omitsAll)).toEqual([]);
    const dfsp = await startDfsp(() => ({ status: 200, body: omitsAll }));

    const reports = await connector.queryStatus(groupFor(dfsp.baseUrl).dfsp, ['p1', 'p2']);

    expect(reports).toEqual([
      { referenceId: 'p1', status: 'pending' },
      { referenceId: 'p2', status: 'pending' },
    ]);
  });

  test('reads rjct.reference_id.invalid in a status answer as a reference the DFSP does not hold', async () => {
    const notFound = {
      message: {
        txnstatus_response: {
          txn_type: 'disburse',
          txn_status: {
            disbursements_status: [
              {
                reference_id: 'p9',
                status: 'rjct',
                status_reason_code: 'rjct.reference_id.invalid',
              },
            ],
          },
        },
      },
    };
    const dfsp = await startDfsp(() => ({ status: 200, body: notFound }));
    const reports = await connector.queryStatus(groupFor(dfsp.baseUrl).dfsp, ['p9']);
    expect(reports).toEqual([{ referenceId: 'p9', status: 'unknown_reference' }]);
  });

  test('throws DfspQueryError when no usable answer comes', async () => {
    const down = await startDfsp(() => ({ status: 503, body: {} }));
    const garbled = await startDfsp(() => ({ status: 200, body: { message: {} } }));
    const endpoint = groupFor(down.baseUrl).dfsp;

    await expect(connector.queryStatus(endpoint, ['p1'])).rejects.toThrow(DfspQueryError);
    await expect(
      connector.queryStatus({ ...endpoint, baseUrl: garbled.baseUrl }, ['p1']),
    ).rejects.toThrow(/message\.txnstatus_response/);
  });
});

describe('parseStatusReport', () => {
  const onDisburse = (entries: unknown[]) => ({
    header: {
      version: '1.0.0',
      message_id: 'cb-1',
      message_ts: '2024-05-01T10:02:00Z',
      action: 'on-disburse',
      status: 'succ',
    },
    message: { transaction_id: 't-1', disbursements_status: entries },
  });

  test('maps succ, rjct and a duplicate reference, which is never a failure', () => {
    const body = onDisburse([
      { reference_id: 'p1', timestamp: '2024-05-01T10:01:00Z', status: 'succ' },
      {
        reference_id: 'p2',
        timestamp: '2024-05-01T10:01:00Z',
        status: 'rjct',
        status_reason_code: 'rjct.amount.invalid',
      },
      {
        reference_id: 'p3',
        timestamp: '2024-05-01T10:01:00Z',
        status: 'rjct',
        status_reason_code: 'rjct.reference_id.duplicate',
      },
      { reference_id: 'p4', timestamp: '2024-05-01T10:01:00Z', status: 'pdng' },
    ]);
    expect(requestBodyValidator('/on-disburse')(body)).toEqual([]);

    expect(connector.parseStatusReport(body).map((r) => [r.referenceId, r.status])).toEqual([
      ['p1', 'succeeded'],
      ['p2', 'failed'],
      ['p3', 'duplicate'],
      ['p4', 'pending'],
    ]);
  });

  test('tolerates a missing header, timestamp and reason', () => {
    const body = { message: { disbursements_status: [{ reference_id: 'p1', status: 'succ' }] } };

    expect(connector.parseStatusReport(body)).toEqual([{ referenceId: 'p1', status: 'succeeded' }]);
  });

  test.each([
    [onDisburse([{ reference_id: 'p1', status: 'done' }]), 'message.disbursements_status.0.status'],
    [onDisburse([{ status: 'succ' }]), 'message.disbursements_status.0.reference_id'],
    [
      onDisburse([{ reference_id: 'p1', status: 'succ', timestamp: 'yesterday' }]),
      'message.disbursements_status.0.timestamp',
    ],
    [{ message: { disbursements_status: 'p1' } }, 'message.disbursements_status'],
    [{ header: { is_msg_encrypted: true }, message: {} }, 'header.is_msg_encrypted'],
    ['not json', ''],
  ])('refuses a malformed body, naming the field (%#)', (body, path) => {
    expect(() => connector.parseStatusReport(body)).toThrow(DfspMessageError);
    try {
      connector.parseStatusReport(body);
    } catch (error) {
      expect(error instanceof DfspMessageError && error.path).toBe(path);
    }
  });

  test('refuses more than 10,000 statuses in one report', () => {
    const entry = { reference_id: 'p', status: 'succ' };
    const body = onDisburse(Array.from({ length: 10_001 }, () => entry));

    expect(() => connector.parseStatusReport(body)).toThrow(/disbursements_status/);
  });
});
