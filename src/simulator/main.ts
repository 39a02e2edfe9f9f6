import { createLogger } from '../logger.js';
import { describeCliError, parseCliArgs, usage, wantsHelp } from './cliArgs.js';
import type { SimulatorOptions } from './options.js';
import { startSimulator } from './simulator.js';

/** CLI entry point: `npm run simulator -- --dfsp-id bank-a --callback-url … --secret …`. */
async function main(): Promise<void> {
  if (wantsHelp(process.argv.slice(2))) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  let options: SimulatorOptions;
  try {
    options = parseCliArgs(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`dfsp simulator: bad flags\n${describeCliError(error)}\n\n${usage}\n`);
    process.exitCode = 2;
    return;
  }
  const log = createLogger(process.env.LOG_LEVEL ?? 'info').child({ role: 'dfsp-simulator' });
  const simulator = await startSimulator(options, {
    warn: (message, fields) => log.warn(fields, message),
  });
  log.info(
    { url: simulator.url, dfspId: options.dfspId, protocol: options.protocol ?? 'g2p-connect' },
    'dfsp simulator listening',
  );

  const shutdown = (signal: string) => {
    log.info({ signal }, 'dfsp simulator stopping');
    void simulator.close().then(() => log.info('dfsp simulator stopped'));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

void main().catch((error: unknown) => {
  process.stderr.write(
    `dfsp simulator: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
});
