import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator.js';
import {
  callbackUrlOf,
  FAST_DISPATCH,
  secretOf,
  simulatorLedger,
  submitTenShillingBatch,
} from './disbursement.js';
import { call, eventually, expectCall, startSuiteService, type TestService } from './support.js';

/**
 * Invariant 1 where it is hardest: a DFSP that takes every payment but answers only after the
 * dispatcher has given up waiting. Those sendings have an unknown outcome; the circuit opens and
 * the rest of the queue goes to the fallback, but no payment already sent may follow it: the
 * status query must find them held, and they succeed where they were sent.
 */
describe('a DFSP that pays but answers too late', () => {
  const COUNT = 50;
  let service: TestService;
  let cleanup: () => Promise<void>;
  let slow: SlowDfsp;
  let fallback: RunningSimulator;

  beforeAll(async () => {
    ({ service, cleanup } = await startSuiteService({
      ...FAST_DISPATCH,
      CIRCUIT_FAILURE_THRESHOLD: '1',
      CIRCUIT_COOLDOWN_MS: '60000',
    }));
    slow = await startSlowDfsp(4_000);
    fallback = await startSimulator({
      dfspId: 'fallback-bank',
      callbackUrl: callbackUrlOf(service, 'fallback-bank'),
      secret: secretOf('fallback-bank'),
    });
  }, 60_000);

  afterAll(async () => {
    await cleanup();
    await fallback.close();
    await slow.close();
  });

  it('never sends a payment of unknown outcome elsewhere; ' +
    'the status query settles it', async () => {
    for (const [dfspId, baseUrl] of [
      ['slow-bank', slow.url],
      ['fallback-bank', fallback.url],
    ] as const) {
      await expectCall(service, 'admin', 'PUT', `/v1/dfsps/${dfspId}`, 201, {
        name: dfspId,
        connector: 'g2p-connect',
        baseUrl,
        payerFa: `account:9000000001@${dfspId}`,
        currencies: ['KES'],
        faTypes: ['account'],
        maxBatchSize: 5,
        callbackSecret: secretOf(dfspId),
      });
    }
    await expectCall(service, 'admin', 'PUT', '/v1/routing-rules', 200, {
      rules: [
        {
          id: 'all',
          when: {},
          route: [{ dfspId: 'slow-bank', weight: 1 }],
          fallback: ['fallback-bank'],
        },
      ],
    });
    const { batchId } = await submitBatch(service, 'in-doubt', 'slow-bank', COUNT);
    await expectCall(service, 'approver', 'POST', `/v1/batches/${batchId}/approve`, 204);

    await eventually(async () => {
      const answer = await call(service, 'reporter', 'GET', `/v1/batches/${batchId}`);
      if (answer.status === 404) return false; // not projected yet
      const summary = answer.body as { byStatus: { succeeded: { count: number } } };
      return summary.byStatus.succeeded.count === COUNT;
    }, 'every payment succeeded');

    const atFallback = new Set((await simulatorLedger(fallback.url)).map((e) => e.reference_id));
    const atSlow = slow.received();
    // The slow DFSP took the groups in flight when its circuit opened (10 groups of 5, 4 at a
    // time, the first failure opens it); the rest of the queue went to the fallback.
    expect(atSlow.size).toBeGreaterThan(0);
    expect(atFallback.size).toBeGreaterThan(0);
    expect(atSlow.size + atFallback.size).toBe(COUNT);
    for (const reference of atSlow) expect(atFallback.has(reference)).toBe(false);
    // Each payment shows the DFSP that holds it.
    const page = await expectCall<{ items: { paymentId: string; dfspId: string }[] }>(
      service,
      'reporter',
      'GET',
      `/v1/payments?batchId=${batchId}&limit=100`,
      200,
    );
    for (const payment of page.items) {
      expect(payment.dfspId).toBe(atSlow.has(payment.paymentId) ? 'slow-bank' : 'fallback-bank');
    }
  }, 90_000);
});

/**
 * "Not held" only on the DFSP's explicit word: a DFSP whose status index lags behind its intake
 * answers status queries without the payments it took. That concludes nothing: the payments stay
 * `submitted`, are asked about again, and are never sent a second time.
 */
describe('a DFSP whose status answers omit payments it holds', () => {
  const COUNT = 3;
  let service: TestService;
  let cleanup: () => Promise<void>;
  let lagging: LaggingDfsp;

  beforeAll(async () => {
    ({ service, cleanup } = await startSuiteService({ ...FAST_DISPATCH }));
    lagging = await startLaggingDfsp();
  }, 60_000);

  afterAll(async () => {
    await cleanup();
    await lagging.close();
  });

  it('leaves them submitted and sends each once; they settle when the index catches up', async () => {
    await expectCall(service, 'admin', 'PUT', '/v1/dfsps/lagging-bank', 201, {
      name: 'lagging-bank',
      connector: 'g2p-connect',
      baseUrl: lagging.url,
      payerFa: 'account:9000000001@lagging-bank',
      currencies: ['KES'],
      faTypes: ['account'],
      callbackSecret: secretOf('lagging-bank'),
    });
    await expectCall(service, 'admin', 'PUT', '/v1/routing-rules', 200, {
      rules: [{ id: 'all', when: {}, route: [{ dfspId: 'lagging-bank', weight: 1 }] }],
    });
    const { batchId, paymentIds } = await submitBatch(
      service,
      'lagging-index',
      'lagging-bank',
      COUNT,
    );
    await expectCall(service, 'approver', 'POST', `/v1/batches/${batchId}/approve`, 204);

    const ASKED_AT_LEAST = 3;
    await eventually(
      async () => paymentIds.every((id) => lagging.timesAsked(id) >= ASKED_AT_LEAST),
      `every payment asked about ${ASKED_AT_LEAST} times`,
    );
    for (const paymentId of paymentIds) {
      const payment = await expectCall<{ status: string; attempts: number }>(
        service,
        'reporter',
        'GET',
        `/v1/payments/${paymentId}`,
        200,
      );
      expect(payment).toMatchObject({ status: 'submitted', attempts: 1 });
      expect(lagging.timesSent(paymentId)).toBe(1);
    }

    lagging.catchUp();
    await eventually(async () => {
      const answer = await call(service, 'reporter', 'GET', `/v1/batches/${batchId}`);
      const summary = answer.body as { byStatus?: { succeeded: { count: number } } };
      return summary.byStatus?.succeeded.count === COUNT;
    }, 'every payment succeeded once the index caught up');
    for (const paymentId of paymentIds) expect(lagging.timesSent(paymentId)).toBe(1);
  }, 90_000);
});

interface LaggingDfsp {
  readonly url: string;
  /** `/disburse` requests that carried this reference. */
  timesSent(referenceId: string): number;
  /** Status queries that asked about this reference. */
  timesAsked(referenceId: string): number;
  /** From now on, status answers list what the DFSP took, `succ`. */
  catchUp(): void;
  close(): Promise<void>;
}

/**
 * A G2P Connect DFSP that acknowledges every disbursement at once and sends no callbacks, and
 * whose status answers list nothing (a well-formed, empty `disbursements_status`) until
 * `catchUp`; then `succ` for what it took.
 */
async function startLaggingDfsp(): Promise<LaggingDfsp> {
  const sent = new Map<string, number>();
  const asked = new Map<string, number>();
  const bump = (counts: Map<string, number>, id: string) =>
    counts.set(id, (counts.get(id) ?? 0) + 1);
  let caughtUp = false;
  const server: Server = createServer(
    withDfspBody((request, response, body) => {
      const now = new Date().toISOString();
      response.writeHead(200, { 'content-type': 'application/json' });
      if (request.url === '/disburse') {
        for (const d of body.message.disbursements ?? []) bump(sent, d.reference_id);
        response.end(
          JSON.stringify({ message: { ack_status: 'ACK', timestamp: now, correlation_id: 'c' } }),
        );
        return;
      }
      const ids = body.message.txnstatus_request?.attribute_value ?? [];
      for (const id of ids) bump(asked, id);
      const listed = caughtUp ? ids.filter((id) => sent.has(id)) : [];
      response.end(
        JSON.stringify({
          message: {
            txnstatus_response: {
              txn_type: 'disburse',
              txn_status: {
                disbursements_status: listed.map((id) => ({
                  reference_id: id,
                  status: 'succ',
                  timestamp: now,
                })),
              },
            },
          },
        }),
      );
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    timesSent: (id) => sent.get(id) ?? 0,
    timesAsked: (id) => asked.get(id) ?? 0,
    catchUp: () => {
      caughtUp = true;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface SlowDfsp {
  readonly url: string;
  received(): ReadonlySet<string>;
  close(): Promise<void>;
}

/**
 * A G2P Connect DFSP that takes every disbursement at once but acknowledges `delayMs` later (past
 * the dispatcher's time limit), sends no callbacks, and answers status queries at once: `succ` for
 * what it took, `rjct.reference_id.invalid` for anything else.
 */
async function startSlowDfsp(delayMs: number): Promise<SlowDfsp> {
  const received = new Set<string>();
  const server: Server = createServer(
    withDfspBody((request, response, body) => {
      const answer = (json: unknown) => {
        if (response.destroyed) return;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(json));
      };
      const now = new Date().toISOString();
      if (request.url === '/disburse') {
        for (const d of body.message.disbursements ?? []) received.add(d.reference_id);
        setTimeout(
          () => answer({ message: { ack_status: 'ACK', timestamp: now, correlation_id: 'c' } }),
          delayMs,
        );
        return;
      }
      const ids = body.message.txnstatus_request?.attribute_value ?? [];
      answer({
        message: {
          txnstatus_response: {
            txn_type: 'disburse',
            txn_status: {
              disbursements_status: ids.map((id) =>
                received.has(id)
                  ? { reference_id: id, status: 'succ', timestamp: now }
                  : {
                      reference_id: id,
                      status: 'rjct',
                      status_reason_code: 'rjct.reference_id.invalid',
                    },
              ),
            },
          },
        },
      });
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Opens a batch of `count` KES 10.00 payments to accounts at `provider`, fills and submits it. */
async function submitBatch(
  service: TestService,
  cycleId: string,
  provider: string,
  count: number,
): Promise<{ batchId: string; paymentIds: string[] }> {
  const payments = Array.from({ length: count }, (_, n) => ({
    reference: `r-${n}`,
    beneficiaryId: `b-${n}`,
    payeeFa: `account:${String(n).padStart(6, '0')}@${provider}`,
  }));
  return submitTenShillingBatch(service, cycleId, payments);
}

/** What the test DFSPs read of a request: the sent references, or the references asked about. */
interface DfspRequestBody {
  message: {
    disbursements?: { reference_id: string }[];
    txnstatus_request?: { attribute_value: string[] };
  };
}

/** A request listener that hands `handle` the request's JSON body once it has all arrived. */
function withDfspBody(
  handle: (request: IncomingMessage, response: ServerResponse, body: DfspRequestBody) => void,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as DfspRequestBody;
      handle(request, response, body);
    });
  };
}
