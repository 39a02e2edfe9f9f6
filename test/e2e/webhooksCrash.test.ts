import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../../src/adapters/postgres/postgresDatabase.js';
import { createPostgresEventStore } from '../../src/adapters/postgres/postgresEventStore.js';
import { createScratchPostgres, databaseUrl, type ScratchPostgres } from '../support/databases.js';
import { freePort } from '../support/freePort.js';
import {
  type DfspSimulators,
  loadAndApproveBatch,
  registerProgramme,
  startDfspSimulators,
  waitUntilFinal,
} from './disbursement.js';
import { type ServiceProcess, serviceProcess } from './serviceProcess.js';
import { eventually, expectCall } from './support.js';
import {
  expectEveryStatusChangeReceived,
  expectedStatusChanges,
  startWebhookReceiver,
  type WebhookReceiver,
} from './webhookReceiver.js';

const COUNT = Number(process.env.WEBHOOK_CRASH_PAYMENTS ?? 5_000);
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const WEBHOOK_TIMINGS = {
  WEBHOOK_RETRY_BASE_MS: '50',
  WEBHOOK_RETRY_MAX_MS: '500',
  WEBHOOK_TIMEOUT_MS: '2000',
};

/**
 * The service in its own process on Postgres, dispatching 5,000 payments while a webhook
 * subscriber is down (connections refused, then 503), killed with SIGKILL once while it works
 * through the backlog and started again: every status change of every payment arrives at least
 * once, and none before an earlier one of its payment.
 */
describe.skipIf(!databaseUrl)('webhooks across a SIGKILL of the service, on Postgres', () => {
  let scratch: ScratchPostgres;
  let service: ServiceProcess;
  let receiver: WebhookReceiver;
  let simulators: DfspSimulators | undefined;

  beforeAll(async () => {
    scratch = await createScratchPostgres();
    service = serviceProcess(scratch.url, await freePort());
    await service.start(WEBHOOK_TIMINGS);
    receiver = await startWebhookReceiver(SECRET);
    simulators = await startDfspSimulators(service, 31, {
      rejectRate: 0.03,
      latencyMs: { min: 1, max: 20 },
      callbackMaxAttempts: 2,
    });
  }, 60_000);

  afterAll(async () => {
    await service?.kill();
    await receiver?.close();
    await simulators?.close();
    await scratch?.drop();
  });

  it('delivers every status change at least once and in order per payment', async () => {
    const urls = simulators?.urls;
    if (urls === undefined) throw new Error('the simulators did not start');
    await registerProgramme(service, urls, 200);
    await expectCall(service, 'admin', 'PUT', '/v1/webhooks/erp', 201, {
      url: receiver.url,
      events: ['payment.status_changed'],
      secret: SECRET,
    });
    // Down while the whole batch is paid: a backlog of every status change builds up.
    await receiver.setMode('down');
    const startedMs = Date.now();
    const batch = await loadAndApproveBatch(service, COUNT, 'webhook-crash');
    await waitUntilFinal(service, batch, 240_000);
    await receiver.setMode('503');
    await eventually(
      async () => receiver.answered503() >= 2,
      'retries reached the 503 phase',
      20_000,
    );
    await receiver.setMode('ok');
    // Killed while it works through the backlog: some messages are in, most are not.
    await eventually(async () => receiver.received.length >= COUNT, 'deliveries under way', 60_000);
    const beforeKill = receiver.received.length;
    await service.kill();
    await service.start(WEBHOOK_TIMINGS);

    const db = createPostgresDatabase(scratch.url);
    try {
      const expected = await expectedStatusChanges(createPostgresEventStore(db));
      expect(expected.size).toBe(COUNT);
      const total = [...expected.values()].reduce((sum, positions) => sum + positions.length, 0);
      await expectEveryStatusChangeReceived(receiver, expected, 180_000);
      console.log(
        `${COUNT} payments, ${total} status changes, ${receiver.received.length} requests taken ` +
          `(${receiver.received.length - total} again), ${beforeKill} before the SIGKILL, ` +
          `${receiver.answered503()} answered 503, ${Date.now() - startedMs} ms`,
      );
    } finally {
      await db.close();
    }
  }, 600_000);
});
