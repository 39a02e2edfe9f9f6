import type { Context, MiddlewareHandler } from 'hono';
import { abortableSleep } from '../application/abortableSleep.js';
import { downtimeRemainingMs } from './downtimeWindow.js';
import type { SimulatorConfig } from './options.js';

/** What the gate needs to know about the run. */
export interface DowntimeGateDeps {
  downtime: SimulatorConfig['downtime'];
  startedAtMs: number;
  now: () => Date;
  /** Aborted on shutdown, releasing requests held by a `hang` downtime. */
  stop: AbortSignal;
}

/**
 * A middleware refusing requests inside the downtime window with `refuse(c)` (the protocol's own
 * 503 body) and a `retry-after` header. In `hang` mode it first holds the request until the
 * window ends, so a caller with a shorter timeout never hears back.
 *
 * @example app.use('/transfers', downtimeGate(deps, (c) => c.json({ message: 'down' }, 503)));
 */
export function downtimeGate(
  deps: DowntimeGateDeps,
  refuse: (c: Context) => Response,
): MiddlewareHandler {
  return async function downtime(c, next) {
    const remainingMs = downtimeRemainingMs(deps.downtime, deps.startedAtMs, deps.now().getTime());
    if (remainingMs === 0) return next();
    if (deps.downtime?.mode === 'hang') await abortableSleep(remainingMs, deps.stop);
    c.header('retry-after', String(Math.max(1, Math.ceil(remainingMs / 1000))));
    return refuse(c);
  };
}
