import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';

/** The pattern of a request that matched no route (it will be answered 404). */
export const UNMATCHED = 'unmatched';

/**
 * The pattern of the route that answered (`/v1/batches/:batchId`), for metrics labels and logs:
 * bounded, unlike the path. Requests that matched no route are {@link UNMATCHED}.
 */
export function routePattern(c: Context): string {
  const handlers = matchedRoutes(c).filter((route) => route.method !== 'ALL');
  return handlers.at(-1)?.path ?? UNMATCHED;
}
