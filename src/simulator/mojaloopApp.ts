import type { HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { downtimeGate } from './downtimeGate.js';
import {
  errorResponseBody,
  errorTransferBody,
  transferResponseBody,
  transferStatusBody,
  validationErrorBody,
} from './mojaloopMessages.js';
import type { MojaloopProcessor } from './mojaloopProcessor.js';
import { CORRELATION_ID, transferRequestSchema } from './mojaloopWire.js';
import { mountOperatorRoutes } from './operatorRoutes.js';
import type { SimulatorConfig } from './options.js';
import { describeIssues, readJson } from './requestBody.js';

/** What the Mojaloop SDK HTTP surface needs. */
export interface MojaloopAppDeps {
  config: SimulatorConfig;
  processor: MojaloopProcessor;
  now: () => Date;
  startedAtMs: number;
  /** Aborted on shutdown, releasing requests held by a `hang` downtime. */
  stop: AbortSignal;
}

/**
 * The SDK scheme adapter's outbound surface (../../../../../shared/specs/mojaloop-sdk/), with
 * AUTO_ACCEPT_PARTY and AUTO_ACCEPT_QUOTES on, so one POST runs the whole transfer:
 * - `POST /transfers`: blocks for the planned latency, then 200 `transferResponse` (COMPLETED,
 *   `fulfil.body.transferState` COMMITTED) or 500 `errorTransferResponse` (ERROR_OCCURRED,
 *   `statusCode` and `lastError` the Mojaloop error code); 400 `{ message, statusCode: 400 }`
 *   for a body the spec refuses. A repeated homeTransactionId gets its first transfer again.
 *   A planned `lost` answer cuts the connection after the transfer ended.
 * - `GET /transfers/{transferId}`: 200 `transferStatusResponse` (COMMITTED or ABORTED) for a
 *   transfer that reached the hub; otherwise the spec's only error, 500 `errorResponse` with
 *   statusCode `3208` (transfer id not found), as the SDK relays the hub's error.
 * - Downtime, shutdown and overload are 503 `errorResponse` (not in the spec, which lists 400,
 *   500 and 504: a proxy in front of an unreachable SDK). `/ledger`, `/statements`: operator view.
 */
export function createMojaloopApp(deps: MojaloopAppDeps): Hono<{ Bindings: HttpBindings }> {
  const { config, processor, now } = deps;
  const app = new Hono<{ Bindings: HttpBindings }>();
  const unavailable = (c: Context, message: string) =>
    c.json(errorResponseBody('503', message), 503);

  const limit = bodyLimit({
    maxSize: config.maxBodyBytes,
    onError: (c) => c.json(validationErrorBody(`body over ${config.maxBodyBytes} bytes`), 413),
  });
  const downtime = downtimeGate(
    { downtime: config.downtime, startedAtMs: deps.startedAtMs, now, stop: deps.stop },
    (c) => unavailable(c, 'SDK unreachable (simulated downtime)'),
  );
  app.use('/transfers', limit, downtime);
  app.use('/transfers/*', limit, downtime);

  app.post('/transfers', async (c) => {
    const raw = await readJson(c);
    if (!raw.ok) return c.json(validationErrorBody('body is not JSON'), 400);
    const parsed = transferRequestSchema.safeParse(raw.value);
    if (!parsed.success) return c.json(validationErrorBody(describeIssues(parsed.error)), 400);
    const result = await processor.submit(parsed.data);
    if (!result.ok) {
      return unavailable(c, result.reason === 'busy' ? 'too many transfers in flight' : 'stopping');
    }
    if (result.answerLost) {
      // The transfer ended; its answer never reaches the caller, who learns no transferId.
      c.env.incoming.socket.destroy();
    }
    const { transfer } = result;
    return transfer.outcome.kind === 'committed'
      ? c.json(transferResponseBody(transfer), 200)
      : c.json(errorTransferBody(transfer), 500);
  });

  app.get('/transfers/:transferId', (c) => {
    const transferId = c.req.param('transferId');
    if (!CORRELATION_ID.test(transferId)) {
      return c.json(validationErrorBody('transferId must be a UUID or a ULID'), 400);
    }
    const transfer = processor.find(transferId);
    const atHub =
      transfer !== undefined &&
      (transfer.outcome.kind === 'committed' || transfer.outcome.rejection.stage === 'transfer');
    if (transfer === undefined || !atHub) {
      return c.json(errorResponseBody('3208', 'Transfer ID not found'), 500);
    }
    return c.json(transferStatusBody(transfer), 200);
  });

  mountOperatorRoutes(app, {
    dfspId: config.dfspId,
    openingBalance: config.openingBalance,
    ledger: () => processor.ledger(),
    now,
    startedAtMs: deps.startedAtMs,
  });
  app.notFound((c) => c.json(errorResponseBody('404', 'no such endpoint'), 404));
  return app;
}
