import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { except } from 'hono/combine';
import { problem, respondProblem } from './problems.js';

/** The largest request body, except on the payments and DFSP callback routes. */
export const DEFAULT_BODY_LIMIT_BYTES = 2 * 1024 * 1024;
/**
 * The largest body of `POST /v1/batches/{batchId}/payments`: 1,000 payments with every field at
 * its longest (about 2.7 KB each as ASCII JSON, 10 attributes included) fit.
 */
export const PAYMENTS_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
/**
 * The largest body of `POST /v1/dfsps/{dfspId}/on-disburse`: 10,000 statuses (the most one
 * report may hold) with every field the ledger reads at its longest (reference 256, timestamp 64,
 * reason code 99, reason message 999 characters: about 1.5 KB each as ASCII JSON) fit.
 */
export const CALLBACK_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/** Routes whose bodies may be larger than {@link DEFAULT_BODY_LIMIT_BYTES}, as Hono patterns. */
const PAYMENTS_PATH = '/v1/batches/:batchId/payments';
const ON_DISBURSE_PATH = '/v1/dfsps/:dfspId/on-disburse';
const STATEMENTS_PATH = '/v1/dfsps/:dfspId/statements';

/**
 * Mounts the body limits: the payments, DFSP callback and statement routes their own, every other
 * route {@link DEFAULT_BODY_LIMIT_BYTES}. `statementMaxBytes` is the statement readers' limit.
 *
 * @example
 * mountBodyLimits(app, statements.maxBytes);
 */
export function mountBodyLimits(app: Hono, statementMaxBytes: number): void {
  const special = [PAYMENTS_PATH, ON_DISBURSE_PATH, STATEMENTS_PATH];
  app.use('*', except(special, limitBody(DEFAULT_BODY_LIMIT_BYTES)));
  app.use(PAYMENTS_PATH, limitBody(PAYMENTS_BODY_LIMIT_BYTES));
  app.use(ON_DISBURSE_PATH, limitBody(CALLBACK_BODY_LIMIT_BYTES));
  app.use(STATEMENTS_PATH, limitDeclaredBody(statementMaxBytes));
}

/**
 * A limit on the declared `Content-Length` only: a statement's body is streamed, and its reader
 * refuses it past the same limit as the bytes arrive. Hono's body limit reads a chunked body
 * whole into memory before the route starts: 20 chunked uploads of 49 MiB were held at once.
 */
function limitDeclaredBody(maxBytes: number): MiddlewareHandler {
  return async function limitDeclaredRequestBody(c, next) {
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > maxBytes) return tooLarge(c, maxBytes);
    return next();
  };
}

/**
 * The 413 problem instead of Hono's plain-text one. The rest of the body is never read, so the
 * connection cannot carry another request: the answer says so, or a client reusing it would lose
 * its next request.
 */
function tooLarge(c: Context, maxBytes: number): Response {
  const detail = `the request body exceeds ${maxBytes} bytes`;
  return respondProblem(c, problem('body_too_large', 413, detail), { connection: 'close' });
}

/** Hono's body limit (the body read whole, up to `maxBytes`), answering {@link tooLarge}. */
function limitBody(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({ maxSize: maxBytes, onError: (c) => tooLarge(c, maxBytes) });
  return async function limitRequestBody(c, next) {
    // A GET or HEAD has no body to limit (a fetch Request never holds one), and asking for it
    // would build a whole web Request, with its stream and abort signal, on every read.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return limit(c, next);
  };
}
