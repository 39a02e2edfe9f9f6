import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCallback } from '../../src/adapters/dfsp/callbackSignature.js';
import { createG2pConnectConnector } from '../../src/adapters/dfsp/g2pConnect.js';
import type { DfspEndpoint } from '../../src/application/dfspConnector.js';
import type { StatusReport } from '../../src/domain/statusReport.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator.js';

/**
 * The ledger's connector against the project's DFSP simulator, over real HTTP on loopback: the
 * two halves of the G2P Connect conversation must agree with each other, not only with the spec.
 */
const SECRET = 'interop-secret-0123456789';

describe('G2P Connect connector against the DFSP simulator', () => {
  let simulator: RunningSimulator;
  let lossy: RunningSimulator;
  let receiver: ReturnType<typeof serve>;
  let callbackUrl: string;
  const reports: StatusReport[] = [];
  const verdicts: boolean[] = [];
  const connector = createG2pConnectConnector({ senderId: 'g2p-ledger', timeoutMs: 5_000 });

  beforeAll(async () => {
    const app = new Hono();
    app.post('/on-disburse', async (c) => {
      const raw = await c.req.text();
      const verdict = verifyCallback(
        c.req.header('x-signature'),
        SECRET,
        raw,
        Math.floor(Date.now() / 1000),
      );
      verdicts.push(verdict.ok);
      reports.push(...connector.parseStatusReport(JSON.parse(raw)));
      return c.json({ message: { ack_status: 'ACK' } });
    });
    receiver = await new Promise((resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(server),
      );
    });
    callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/on-disburse`;
    simulator = await startSimulator({ dfspId: 'bank-a', callbackUrl, secret: SECRET, seed: 7 });
    lossy = await startSimulator({ dfspId: 'bank-l', callbackUrl, secret: SECRET, lostRate: 1 });
  });
  afterAll(async () => {
    await simulator?.close();
    await lossy?.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  async function settle(dfsp: DfspEndpoint, ids: readonly string[]): Promise<StatusReport[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const statuses = await connector.queryStatus(dfsp, ids);
      if (statuses.every((status) => status.status === 'succeeded') || Date.now() > deadline) {
        return statuses;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const aGroup = (count: number) =>
    Array.from({ length: count }, (_, n) => ({
      paymentId: ulid(),
      payeeFa: `account:${5000 + n}@bank-a`,
      amountMinor: 10_050n + BigInt(n),
      currency: 'KES',
    }));

  it('is acknowledged and reports every payment back in a signed callback', async () => {
    const dfsp: DfspEndpoint = {
      dfspId: 'bank-a',
      baseUrl: simulator.url,
      payerFa: 'account:100200300@bank-a',
    };
    const payments = aGroup(40);
    const outcome = await connector.submit({ dfsp, transactionId: ulid(), callbackUrl, payments });
    expect(outcome.kind).toBe('accepted');
    const ids = payments.map((payment) => payment.paymentId);
    const deadline = Date.now() + 10_000;
    while (ids.some((id) => !reports.some((report) => report.referenceId === id))) {
      if (Date.now() > deadline) throw new Error('not every payment was reported back');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts.every(Boolean)).toBe(true);
    expect(
      reports.filter((report) => ids.includes(report.referenceId)).map((r) => r.status),
    ).toEqual(ids.map(() => 'succeeded'));
    const paid = simulator.ledger();
    expect(paid.find((entry) => entry.reference_id === ids[3])?.amount).toBe('100.53');
  });

  it('answers status queries when every callback is lost', async () => {
    const dfsp: DfspEndpoint = {
      dfspId: 'bank-l',
      baseUrl: lossy.url,
      payerFa: 'account:100200300@bank-l',
    };
    const payments = aGroup(10);
    const before = reports.length;
    expect(
      (await connector.submit({ dfsp, transactionId: ulid(), callbackUrl, payments })).kind,
    ).toBe('accepted');
    const ids = payments.map((payment) => payment.paymentId);
    expect((await settle(dfsp, ids)).map((status) => status.status)).toEqual(
      ids.map(() => 'succeeded'),
    );
    expect(reports.length).toBe(before);
    expect(
      lossy
        .ledger()
        .map((entry) => entry.reference_id)
        .sort(),
    ).toEqual([...ids].sort());
  });

  it('reports a re-sent payment as a duplicate, never paying it twice', async () => {
    const dfsp: DfspEndpoint = {
      dfspId: 'bank-a',
      baseUrl: simulator.url,
      payerFa: 'account:100200300@bank-a',
    };
    const payment = {
      paymentId: ulid(),
      payeeFa: 'account:777@bank-a',
      amountMinor: 5_000n,
      currency: 'KES',
    };
    expect(
      (await connector.submit({ dfsp, transactionId: ulid(), callbackUrl, payments: [payment] }))
        .kind,
    ).toBe('accepted');
    expect(
      (await connector.submit({ dfsp, transactionId: ulid(), callbackUrl, payments: [payment] }))
        .kind,
    ).toBe('accepted');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      simulator.ledger().filter((entry) => entry.reference_id === payment.paymentId),
    ).toHaveLength(1);
    const [status] = await connector.queryStatus(dfsp, [payment.paymentId]);
    expect(status?.status).toBe('succeeded');
  });
});
