import type { Handler, MiddlewareHandler } from 'hono';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

import { routePattern } from './routePattern.js';

/** Counts answered requests by method, route pattern and status. */
export const HTTP_REQUESTS_TOTAL = 'http_requests_total';
/** Request durations in seconds by method, route pattern and status. */
export const HTTP_REQUEST_DURATION = 'http_request_duration_seconds';

const LABELS = ['method', 'route', 'status'] as const;
type Label = (typeof LABELS)[number];
// A metric default metrics always register: its presence means they are collected already.
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const DEFAULT_METRIC_MARKER = 'process_cpu_user_seconds_total';

/** The HTTP metrics of one registry: a middleware that records, a handler that exposes. */
export interface HttpMetrics {
  readonly record: MiddlewareHandler;
  readonly expose: Handler;
}

/**
 * Metrics for the HTTP API on `registry` (a new one when omitted): prom-client's default process
 * metrics (unless the registry has them already), `http_requests_total` and
 * `http_request_duration_seconds`, labelled by route pattern, never by path, so the number of
 * series stays bounded. Calling it twice on one registry reuses the metrics.
 *
 * @example
 * const metrics = createHttpMetrics(new Registry());
 * app.use('*', metrics.record);
 * app.get('/metrics', metrics.expose);
 */
export function createHttpMetrics(registry: Registry = new Registry()): HttpMetrics {
  if (registry.getSingleMetric(DEFAULT_METRIC_MARKER) === undefined) {
    collectDefaultMetrics({ register: registry });
  }
  const requests =
    existing(registry, HTTP_REQUESTS_TOTAL, Counter<Label>) ??
    new Counter({
      name: HTTP_REQUESTS_TOTAL,
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: LABELS,
      registers: [registry],
    });
  const durations =
    existing(registry, HTTP_REQUEST_DURATION, Histogram<Label>) ??
    new Histogram({
      name: HTTP_REQUEST_DURATION,
      help: 'HTTP request durations in seconds, by method, route pattern and status',
      labelNames: LABELS,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });

  return {
    async record(c, next) {
      const started = performance.now();
      await next();
      const labels = {
        method: KNOWN_METHODS.has(c.req.method) ? c.req.method : 'OTHER',
        route: routePattern(c),
        status: String(c.res.status),
      };
      requests.inc(labels);
      durations.observe(labels, (performance.now() - started) / 1_000);
    },
    async expose(c) {
      return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
    },
  };
}

function existing<Metric>(
  registry: Registry,
  name: string,
  kind: abstract new (...args: never[]) => Metric,
): Metric | undefined {
  const metric: unknown = registry.getSingleMetric(name);
  if (metric === undefined) return undefined;
  if (!(metric instanceof kind)) {
    throw new Error(`metric ${name} is registered with another type`);
  }
  return metric;
}
