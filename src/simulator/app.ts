import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ulid } from 'ulid';
import type { z } from 'zod';
import { abortableSleep } from '../application/abortableSleep.js';
import type { DisburseProcessor } from './disburseProcessor.js';
import { downtimeRemainingMs } from './downtimeWindow.js';
import { ackBody, errAckBody, httpErrorBody, txnStatusResponseBody } from './messages.js';
import type { SimulatorConfig } from './options.js';
import { buildStatement } from './statement.js';
import { renderStatement } from './statementFormats.js';
import { parseStatementQuery } from './statementQuery.js';
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

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
}

async function readJson(c: Context): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: await c.req.json() };
  } catch {
    return { ok: false };
  }
}

/**
 * The simulator's HTTP surface. G2P Connect endpoints answer the spec's acknowledgement; a
 * malformed request is HTTP 400 with `ack_status: ERR` and `err.request.bad` (the spec's
 * `default` response covers it), a refusal for load is 429 with `err.request.too_many_requests`,
 * downtime is 503 with the spec's HttpErrorResponse. `/ledger` and `/statements` are the
 * operator's view and ignore downtime: `GET /statements?from&to&format=csv|mt940|camt053
 * &currency&inject=…` states the funding account (see `buildStatement`, `applyInjections`), with
 * header `x-injected` mapping each injection to the reference it touched; a bad query is 400, a
 * statement that cannot be drawn up (too few payments for an injection, say) 422.
 */
export function createSimulatorApp(deps: SimulatorAppDeps): Hono {
  const { config, processor, now } = deps;
  const app = new Hono();
  const tooLarge = (c: Context) =>
    c.json(errAckBody('err.request.bad', `body over ${config.maxBodyBytes} bytes`, now()), 413);

  app.use('/disburse', bodyLimit({ maxSize: config.maxBodyBytes, onError: tooLarge }));
  app.use('/disburse/*', bodyLimit({ maxSize: config.maxBodyBytes, onError: tooLarge }));
  app.use('/disburse', downtime);
  app.use('/disburse/*', downtime);

  async function downtime(c: Context, next: () => Promise<void>) {
    const remainingMs = downtimeRemainingMs(config.downtime, deps.startedAtMs, now().getTime());
    if (remainingMs === 0) return next();
    if (config.downtime?.mode === 'hang') await abortableSleep(remainingMs, deps.stop);
    c.header('retry-after', String(Math.max(1, Math.ceil(remainingMs / 1000))));
    return c.json(httpErrorBody('err.service.unavailable', 'DFSP down (simulated)'), 503);
  }

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

  app.get('/ledger', (c) => {
    const entries = processor.ledger();
    return c.json({ dfsp_id: config.dfspId, count: entries.length, entries });
  });

  app.get('/statements', (c) => {
    const query = parseStatementQuery(c.req.query());
    if (!query.ok) return c.json(httpErrorBody('err.request.bad', query.message), 400);
    const { format, ...request } = query.value;
    const built = buildStatement(processor.ledger(), request, {
      dfspId: config.dfspId,
      openingBalance: config.openingBalance,
      startedAt: new Date(deps.startedAtMs),
      createdAt: now(),
      unknownReference: ulid(),
    });
    if (!built.ok) return c.json(httpErrorBody('err.request.bad', built.message), 422);
    const rendered = renderStatement(built.statement, format);
    if (!rendered.ok) return c.json(httpErrorBody('err.request.bad', rendered.message), 422);
    c.header('content-type', rendered.contentType);
    c.header('x-injected', asciiJson(built.statement.injected));
    return c.body(rendered.body, 200);
  });

  app.notFound((c) => c.json(httpErrorBody('err.request.not_found', 'no such endpoint'), 404));
  return app;
}

/** JSON with every non-ASCII character escaped, so it fits in an HTTP header. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
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
