import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { DisburseProcessor } from './disburseProcessor.js';
import { downtimeGate } from './downtimeGate.js';
import { ackBody, errAckBody, httpErrorBody, txnStatusResponseBody } from './messages.js';
import { mountOperatorRoutes } from './operatorRoutes.js';
import type { SimulatorConfig } from './options.js';
import { describeIssues, readJson } from './requestBody.js';
import { disburseBodySchema, txnStatusBodySchema } from './wireSchemas.js';

/** What the HTTP layer needs. */
export interface SimulatorAppDeps {
  config: SimulatorConfig;
  processor: DisburseProcessor;
  now: () => Date;
  startedAtMs: number;
  /** Aborted on shutdown, releasing requests held by a `hang` downtime. */
  stop: AbortSignal;
}

/**
 * The simulator's HTTP surface. G2P Connect endpoints answer the spec's acknowledgement; a
 * malformed request is HTTP 400 with `ack_status: ERR` and `err.request.bad` (the spec's
 * `default` response covers it), a refusal for load is 429 with `err.request.too_many_requests`,
 * downtime is 503 with the spec's HttpErrorResponse. `/ledger` and `/statements` are the
 * operator's view (`mountOperatorRoutes`).
 */
export function createSimulatorApp(deps: SimulatorAppDeps): Hono {
  const { config, processor, now } = deps;
  const app = new Hono();
  const tooLarge = (c: Context) =>
    c.json(errAckBody('err.request.bad', `body over ${config.maxBodyBytes} bytes`, now()), 413);

  app.use('/disburse', bodyLimit({ maxSize: config.maxBodyBytes, onError: tooLarge }));
  app.use('/disburse/*', bodyLimit({ maxSize: config.maxBodyBytes, onError: tooLarge }));
  const downtimeDeps = {
    downtime: config.downtime,
    startedAtMs: deps.startedAtMs,
    now,
    stop: deps.stop,
  };
  const downtime = downtimeGate(downtimeDeps, (c) =>
    c.json(httpErrorBody('err.service.unavailable', 'DFSP down (simulated)'), 503),
  );
  app.use('/disburse', downtime);
  app.use('/disburse/*', downtime);

  app.post('/disburse', async (c) => {
    const raw = await readJson(c);
    if (!raw.ok) return c.json(errAckBody('err.request.bad', 'body is not JSON', now()), 400);
    if (isEncrypted(raw.value)) {
      return c.json(
        errAckBody('err.encryption.invalid', 'encrypted messages are not supported', now()),
        400,
      );
    }
    const parsed = disburseBodySchema.safeParse(raw.value);
    if (!parsed.success) {
      return c.json(errAckBody('err.request.bad', describeIssues(parsed.error), now()), 400);
    }
    const { header, message } = parsed.data;
    if (message.disbursements.length > config.maxDisbursementsPerRequest) {
      const text = `rjct.total_count.limit_exceeded: at most ${config.maxDisbursementsPerRequest}`;
      return c.json(errAckBody('err.request.bad', text, now()), 400);
    }
    if (header.total_count !== message.disbursements.length) {
      return c.json(
        errAckBody(
          'err.request.bad',
          'rjct.total_count.invalid: header.total_count differs from disbursements',
          now(),
        ),
        400,
      );
    }
    const result = processor.accept(parsed.data);
    if (!result.accepted) {
      const status = result.code === 'err.service.unavailable' ? 503 : 429;
      return c.json(errAckBody(result.code, result.message, now()), status);
    }
    return c.json(ackBody(result.correlationId, now()), 200);
  });

  app.post('/disburse/sync/txn/status', async (c) => {
    const raw = await readJson(c);
    if (!raw.ok) return c.json(errAckBody('err.request.bad', 'body is not JSON', now()), 400);
    const parsed = txnStatusBodySchema.safeParse(raw.value);
    if (!parsed.success) {
      return c.json(errAckBody('err.request.bad', describeIssues(parsed.error), now()), 400);
    }
    const { header, message } = parsed.data;
    const referenceIds = message.txnstatus_request.attribute_value;
    if (referenceIds.length > config.maxDisbursementsPerRequest) {
      return c.json(
        errAckBody(
          'err.request.bad',
          `at most ${config.maxDisbursementsPerRequest} references`,
          now(),
        ),
        400,
      );
    }
    const lines = processor.statusOf(referenceIds);
    return c.json(
      txnStatusResponseBody(config.dfspId, header.sender_id, message.transaction_id, lines, now()),
      200,
    );
  });

  mountOperatorRoutes(app, {
    dfspId: config.dfspId,
    openingBalance: config.openingBalance,
    ledger: () => processor.ledger(),
    now,
    startedAtMs: deps.startedAtMs,
  });

  app.notFound((c) => c.json(httpErrorBody('err.request.not_found', 'no such endpoint'), 404));
  return app;
}

function isEncrypted(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || !('header' in value)) return false;
  const header = value.header;
  return (
    typeof header === 'object' &&
    header !== null &&
    'is_msg_encrypted' in header &&
    header.is_msg_encrypted === true
  );
}
