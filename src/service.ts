import type { Hono } from 'hono';
import { batchProcessor } from './adapters/batchProcessor.js';
import { createLedgerCommands } from './adapters/commands/ledger.js';
import { paymentAsOf } from './adapters/paymentHistory.js';
import { createDfspSecrets } from './adapters/postgres/dfspSecrets.js';
import type { Config } from './config.js';
import { createApp } from './http/app.js';
import { parseApiTokens } from './http/auth.js';
import type { Logger } from './logger.js';
import { projections } from './projections/projections.js';
import { createReadModelQueries } from './projections/readModelQueries.js';
import { openStores, type Stores } from './stores.js';
import { superviseFeedConsumers } from './supervisor.js';

export interface Service {
  readonly app: Hono;
  readonly stores: Stores;
  readonly migrationsApplied: readonly string[];
  /** Stops the roles and closes the stores. */
  stop(): Promise<void>;
}

/**
 * Assembles the service for a configuration: opens and migrates the stores, starts the
 * background roles it names (`projector` keeps the read models current, `dispatcher` runs the
 * batch processor) and builds the HTTP application. `main.ts` serves the app; tests drive it with
 * `app.request`.
 */
export async function startService(
  config: Config,
  apiTokens: string,
  logger: Logger,
): Promise<Service> {
  const tokens = parseApiTokens(apiTokens);
  const { stores, applied } = await openStores(config);
  const queries = createReadModelQueries(stores.sql);
  const commands = createLedgerCommands({
    store: stores.events,
    secrets: createDfspSecrets(stores.sql),
  });
  const shutdown = new AbortController();
  const roles: Promise<unknown>[] = [];
  const background = { batchSize: config.PROJECTION_BATCH_SIZE, signal: shutdown.signal };
  if (config.ROLES.includes('projector')) {
    roles.push(
      superviseFeedConsumers(stores, projections, {
        ...background,
        logger: logger.child({ role: 'projector' }),
      }),
    );
  }
  if (config.ROLES.includes('dispatcher')) {
    const processor = batchProcessor(stores.events, queries);
    roles.push(
      superviseFeedConsumers(stores, [processor], {
        ...background,
        logger: logger.child({ role: 'dispatcher' }),
      }),
    );
  }
  const app = createApp({
    commands,
    queries,
    events: stores.events,
    tokens,
    logger,
    checkReady: () => stores.checkReady(),
    replay: (paymentId, asOf) => paymentAsOf(stores.events, paymentId, asOf),
  });
  return {
    app,
    stores,
    migrationsApplied: applied,
    async stop() {
      shutdown.abort();
      await Promise.allSettled(roles);
      await stores.close();
    },
  };
}
