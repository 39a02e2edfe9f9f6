import { serve } from '@hono/node-server';
import { ConfigError, describeMode, loadConfig } from './config.js';
import { createApp } from './http/app.js';
import { createLogger } from './logger.js';
import { projections } from './projections/projections.js';
import { runProjector } from './projector.js';
import { openStores } from './stores.js';

/** The composition root: configuration, stores, and the roles this process runs. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`g2p-ledger: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const { stores, applied } = await openStores(config);
  logger.info({ mode: describeMode(config), migrationsApplied: applied }, 'stores open');

  const shutdown = new AbortController();
  const running: Promise<unknown>[] = [];

  if (config.ROLES.includes('projector')) {
    running.push(
      runProjector(stores, projections, {
        batchSize: config.PROJECTION_BATCH_SIZE,
        signal: shutdown.signal,
        logger: logger.child({ role: 'projector' }),
      }),
    );
  }

  let server: ReturnType<typeof serve> | undefined;
  if (config.ROLES.includes('api')) {
    const app = createApp({ checkReady: () => stores.checkReady() });
    server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (address) => {
      logger.info({ address: `http://${address.address}:${address.port}` }, 'listening');
    });
  }

  const stop = async (signal: string) => {
    if (shutdown.signal.aborted) return;
    logger.info({ signal }, 'shutting down');
    shutdown.abort();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await Promise.allSettled(running);
    await stores.close();
    logger.info('stopped');
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `g2p-ledger failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
