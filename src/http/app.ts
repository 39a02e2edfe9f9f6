import { Hono } from 'hono';

export interface AppDependencies {
  /** Resolves when every store answers; rejects with the reason otherwise. */
  readonly checkReady: () => Promise<void>;
}

/**
 * The HTTP application. `/healthz` answers while the process runs; `/readyz` answers 200 only
 * when the stores answer, so a load balancer sends no traffic to an instance that cannot serve.
 *
 * @example
 * const response = await createApp(deps).request('/healthz');
 */
export function createApp(deps: AppDependencies): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await deps.checkReady();
      return c.json({ status: 'ready' });
    } catch (error) {
      return c.json(
        {
          type: 'about:blank',
          title: 'Not ready',
          status: 503,
          detail: error instanceof Error ? error.message : String(error),
        },
        503,
        { 'content-type': 'application/problem+json' },
      );
    }
  });
  return app;
}
