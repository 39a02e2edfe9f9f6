import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { ensureApiTokenFile } from './adapters/apiTokenFile.js';
import { ConfigError, describeMode, loadConfig, publicUrlOf } from './config.js';
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
      'API_TOKENS is not set: ' +
        'using one token per role from the token file (readable by its owner only)',
    );
  }
  // Listen first: with PORT=0 the address DFSPs call back on is known only once bound. Requests
  // that come before the service is ready are answered 503.
  let handle: Hono['fetch'] = () => new Response('starting', { status: 503 });
  let server: ReturnType<typeof serve> | undefined;
  let publicUrl = publicUrlOf(config);
  if (config.ROLES.includes('api')) {
    server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const listening = serve(
        { fetch: (...args) => handle(...args), port: config.PORT, hostname: config.HOST },
        () => resolve(listening),
      );
    });
    const { port } = server.address() as AddressInfo;
    publicUrl = publicUrlOf({ ...config, PORT: port });
    logger.info(
      { address: publicUrlOf({ ...config, PORT: port, PUBLIC_URL: undefined }) },
      'listening',
    );
  }
  const service = await startService({ ...config, PUBLIC_URL: publicUrl }, apiTokens, logger);
  handle = service.app.fetch;
  logger.info(
    {
      mode: describeMode(config),
      roles: config.ROLES,
      migrationsApplied: service.migrationsApplied,
      publicUrl,
    },
    'stores open',
  );

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
