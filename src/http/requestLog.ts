import type { MiddlewareHandler } from 'hono';

import { routePattern } from './routePattern.js';

/**
 * Middleware: one structured log line per request once it is answered, with the correlation
 * id (from the context's logger), method, route pattern (`/v1/payments/:paymentId`, or
 * `unmatched`), status, duration and the principal's name. The raw path is never logged, nor
 * scanned: it is as long as a client makes it and may carry a financial address, where the
 * pattern is bounded and carries nothing of the request. Headers, query strings and bodies are
 * never logged either: they can carry tokens and financial addresses.
 */
export function requestLog(): MiddlewareHandler {
  return async function logRequest(c, next) {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const log = c.get('log');
    const level = status >= 500 ? 'error' : 'info';
    // Below the log level the entry (the route lookup) would be built for nothing.
    if (!log.isLevelEnabled(level)) return;
    const entry = {
      method: c.req.method,
      route: routePattern(c),
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      principal: c.get('principal')?.name,
    };
    if (level === 'error') log.error(entry, 'request failed');
    else log.info(entry, 'request answered');
  };
}
