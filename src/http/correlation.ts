import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../application/logger.js';

/** The header that carries a request's correlation id, in and out. */
export const CORRELATION_HEADER = 'X-Correlation-Id';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Middleware: takes the caller's `X-Correlation-Id` when it is 1 to 100 letters, digits or
 * `._:-` (anything else is ignored, never logged), otherwise draws a UUID; puts it and a child
 * logger carrying it on the context, and echoes it on the answer. Command handlers record it
 * as the events' `correlationId`.
 *
 * @example
 * app.use('*', correlation(logger));
 */
export function correlation(logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const offered = c.req.header(CORRELATION_HEADER);
    const correlationId =
      offered !== undefined && CORRELATION_ID.test(offered) ? offered : randomUUID();
    c.set('correlationId', correlationId);
    c.set('log', logger.child({ correlationId }));
    c.header(CORRELATION_HEADER, correlationId);
    await next();
    // An answer built by the context carries it already; only one made without it lacks it.
    // Setting it again anyway makes hono copy the answer into a new web Response whose body is
    // then streamed to the socket, a large part of the CPU time a read costs (bench/b4Queries).
    if (c.res.headers.get(CORRELATION_HEADER) !== correlationId) {
      c.header(CORRELATION_HEADER, correlationId);
    }
  };
}
