import type { MiddlewareHandler } from 'hono';

import { maskAddresses } from './masking.js';
import { routePattern } from './routePattern.js';

/**
 * Middleware: one structured log line per request once it is answered, with the correlation
 * id (from the context's logger), method, route pattern, path, status, duration and the
 * principal's name. Headers, query strings and bodies are never logged: they can carry tokens
 * and financial addresses; anything in the path that looks like one (`type:id@provider`) is
 * masked.
 */
export function requestLog(): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const log = c.get('log');
    const level = status >= 500 ? 'error' : 'info';
    // Below the log level the entry (the route lookup, the masking) would be built for nothing.
    if (!log.isLevelEnabled(level)) return;
    const entry = {
      method: c.req.method,
      route: routePattern(c),
      path: maskAddresses(c.req.path).slice(0, 300),
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      principal: c.get('principal')?.name,
    };
    if (level === 'error') log.error(entry, 'request failed');
    else log.info(entry, 'request answered');
  };
}
