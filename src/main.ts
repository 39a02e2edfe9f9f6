import { serve } from '@hono/node-server';
import { ensureApiTokenFile } from './adapters/apiTokenFile.js';
import { ConfigError, describeMode, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startService } from './service.js';

/** The composition root: configuration, API tokens, the service, and its HTTP listener. */
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
  let apiTokens = config.API_TOKENS;
  if (apiTokens === undefined) {
    const tokenFile = await ensureApiTokenFile(config.DATA_DIR);
    apiTokens = tokenFile.spec;
    logger.info(
      { file: tokenFile.file, created: tokenFile.created },
      'API_TOKENS is not set: using one token per role from the token file (readable by its owner only)',
    );
  }
  const service = await startService(config, apiTokens, logger);
  logger.info(
    {
      mode: describeMode(config),
      roles: config.ROLES,
      migrationsApplied: service.migrationsApplied,
    },
    'stores open',
  );

  let server: ReturnType<typeof serve> | undefined;
  if (config.ROLES.includes('api')) {
    server = serve(
      { fetch: service.app.fetch, port: config.PORT, hostname: config.HOST },
      (address) =>
        logger.info({ address: `http://${address.address}:${address.port}` }, 'listening'),
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await service.stop();
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
