import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAST_DISPATCH,
  loadAndApproveBatch,
  registerProgramme,
  startDfspSimulators,
  waitUntilCompleted,
  waitUntilFinal,
} from './disbursement.js';
import { eventually, expectCall, startSuiteService, type TestService } from './support.js';
import {
  expectEveryStatusChangeReceived,
  expectedStatusChanges,
  startWebhookReceiver,
  type WebhookReceiver,
} from './webhookReceiver.js';

const PAYMENTS = 400;
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/**
 * Outbound webhooks end to end: the service (every role) dispatching a batch to three simulated
 * DFSPs, and a subscriber on loopback that verifies every signature with the reference library
 * and is down (connections refused, then 503) while the batch starts.
 */
describe('webhooks to a subscriber that is down for a while', () => {
  let service: TestService;
  let receiver: WebhookReceiver;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    let stopService: () => Promise<void>;
    ({ service, cleanup: stopService } = await startSuiteService({
      ...FAST_DISPATCH,
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_RETRY_MAX_MS: '400',
      WEBHOOK_TIMEOUT_MS: '2000',
    }));
    receiver = await startWebhookReceiver(SECRET);
    const simulators = await startDfspSimulators(service, 11, {
      rejectRate: 0.05,
      latencyMs: { min: 1, max: 10 },
    });
    await registerProgramme(service, simulators.urls, 100);
    cleanup = async () => {
      await stopService();
      await receiver.close();
      await simulators.close();
    };
  }, 60_000);

  afterAll(async () => {
    await cleanup?.();
  });

  it('delivers every status change of every payment at least once, in order per payment', async () => {
    await expectCall(service, 'admin', 'PUT', '/v1/webhooks/erp', 201, {
      url: receiver.url,
      events: ['payment.status_changed', 'batch.status_changed'],
      filters: { programIds: ['CT-OVC'] },
      secret: SECRET,
    });
    await receiver.setMode('down');
    const batch = await loadAndApproveBatch(service, PAYMENTS, 'webhooks');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const down = await expectCall<{ deliveries: { failedAttempts: number } }>(
      service,
      'admin',
      'GET',
      '/v1/webhooks/erp',
      200,
    );
    expect(down.deliveries.failedAttempts).toBeGreaterThan(0);
    await receiver.setMode('503');
    await eventually(
      async () => receiver.answered503() >= 3,
      'retries reached the 503 phase',
      10_000,
    );
    await receiver.setMode('ok');
    await waitUntilFinal(service, batch, 90_000);
    await waitUntilCompleted(service, batch);

    const expected = await expectedStatusChanges(service.stores.events);
    expect(expected.size).toBe(PAYMENTS);
    // Exactly the feed's status changes of each payment, first received in feed order.
    await expectEveryStatusChangeReceived(receiver, expected, 60_000);
    // Retries carried the same webhook-id and the same body.
    const bodies = new Map<string, string>();
    for (const message of receiver.received) {
      expect(bodies.get(message.webhookId) ?? message.body).toBe(message.body);
      bodies.set(message.webhookId, message.body);
    }
    await eventually(
      async () => receiver.received.some((message) => message.data.status === 'completed'),
      'the batch completion was delivered',
      10_000,
    );
    const batchIds = new Set<string>();
    const batchStatuses = receiver.received
      .filter((message) => message.type === 'batch.status_changed')
      .filter((message) => !batchIds.has(message.webhookId) && batchIds.add(message.webhookId))
      .map((message) => message.data.status);
    expect(batchStatuses).toEqual(['open', 'awaiting_approval', 'approved', 'completed']);
  }, 180_000);

  it('shows the attempts and delivers again under the same ids on a replay', async () => {
    const { items } = await expectCall<{
      items: { webhookId: string; outcome: string; attempt: number; position: string }[];
    }>(service, 'admin', 'GET', '/v1/webhooks/erp/deliveries?limit=5', 200);
    expect(items).toHaveLength(5);
    expect(items[0]?.outcome).toBe('delivered');
    const last = receiver.received.at(-1);
    const position = String(last?.data.position);
    const before = receiver.received.length;
    await expectCall(service, 'admin', 'POST', '/v1/webhooks/erp/replay', 204, {
      fromPosition: position,
    });
    await eventually(
      async () =>
        receiver.received.slice(before).some((message) => message.webhookId === last?.webhookId),
      'the replayed message arrived again under its id',
      10_000,
    );
  });
});
