import type { MiddlewareHandler } from 'hono';
import { bearerToken, sameSecret, unauthorized } from './auth.js';
import type { AuthFailureLimiter } from './authFailureLimit.js';

/**
 * Middleware for `/metrics`: with a `token` (`METRICS_TOKEN`), the request must carry
 * `Authorization: Bearer <token>` (compared in constant time) or gets the 401 problem of a bad API
 * token, counted by `limiter`; without one, `/metrics` stays public.
 *
 * @example
 * app.use('/metrics', metricsAuth(config.METRICS_TOKEN, limiter));
 */
export function metricsAuth(
  token: string | undefined,
  limiter: AuthFailureLimiter,
): MiddlewareHandler {
  return async function metricsToken(c, next) {
    if (token === undefined) return next();
    const refusal = limiter.refusal(c);
    if (refusal !== undefined) return refusal;
    const presented = bearerToken(c.req.header('authorization'));
    if (presented === undefined || !sameSecret(presented, token)) {
      limiter.failed(c);
      return unauthorized(c, 'send Authorization: Bearer <METRICS_TOKEN>');
    }
    return next();
  };
}
