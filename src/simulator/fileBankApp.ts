import { Hono } from 'hono';
import type { FileBank } from './fileBank.js';
import { httpErrorBody } from './messages.js';
import { mountOperatorRoutes } from './operatorRoutes.js';
import type { SimulatorConfig } from './options.js';

/** What the file bank's HTTP side needs. */
export interface FileBankAppDeps {
  config: SimulatorConfig;
  bank: FileBank;
  now: () => Date;
  startedAtMs: number;
}

/**
 * The file bank takes no payment calls: its HTTP side is the operator's view alone. `GET /health`
 * is 200 with the bank's counts (503 while its polls fail, an unreadable outbox say); `/ledger`
 * and `/statements` are the same as for every protocol (`mountOperatorRoutes`).
 */
export function createFileBankApp(deps: FileBankAppDeps): Hono {
  const { config, bank } = deps;
  const app = new Hono();
  app.get('/health', (c) => {
    const health = bank.health();
    return c.json({ dfsp_id: config.dfspId, ...health }, health.status === 'ok' ? 200 : 503);
  });
  mountOperatorRoutes(app, {
    dfspId: config.dfspId,
    openingBalance: config.openingBalance,
    ledger: bank.ledger,
    now: deps.now,
    startedAtMs: deps.startedAtMs,
  });
  app.notFound((c) => c.json(httpErrorBody('err.request.bad', 'no such resource'), 404));
  return app;
}
