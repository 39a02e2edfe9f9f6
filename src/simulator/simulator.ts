import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createSimulatorApp } from './app.js';
import { createDisburseProcessor } from './disburseProcessor.js';
import { type SimulatorOptions, simulatorOptionsSchema } from './options.js';
import type { LedgerEntry } from './referenceBook.js';

/** A running DFSP simulator. */
export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:4001`; the G2P Connect paths hang under it. */
  url: string;
  port: number;
  /** Everything paid so far. */
  ledger(): readonly LedgerEntry[];
  /** Stops listening, drops undelivered callbacks, releases held requests. */
  close(): Promise<void>;
}

/** Extra, non-configuration inputs: a clock and a place to report trouble. */
export interface SimulatorRuntime {
  now?: () => Date;
  /** Told about callbacks given up on and server errors; never given secrets or addresses. */
  warn?: (message: string, fields: Record<string, string>) => void;
}

/**
 * Starts a G2P Connect DFSP simulator on real HTTP (127.0.0.1, port 0 = any free port by
 * default). Options are validated (a bad one throws a zod error naming it).
 *
 * @example
 * const dfsp = await startSimulator({ dfspId: 'bank-a', secret, callbackUrl, rejectRate: 0.05 });
 * // POST `${dfsp.url}/disburse` …
 * await dfsp.close();
 */
export async function startSimulator(
  options: SimulatorOptions,
  runtime: SimulatorRuntime = {},
): Promise<RunningSimulator> {
  const config = simulatorOptionsSchema.parse(options);
  const now = runtime.now ?? (() => new Date());
  const warn = runtime.warn ?? (() => {});
  const stop = new AbortController();
  const processor = createDisburseProcessor(config, now, {
    onCallbackGivenUp: (transactionId, reason) =>
      warn('callback given up', { transaction_id: transactionId, reason }),
  });
  const app = createSimulatorApp({
    config,
    processor,
    now,
    startedAtMs: now().getTime(),
    stop: stop.signal,
  });
  const server = createServer(
    getRequestListener(app.fetch, {
      errorHandler: (error) => {
        warn('request failed', { error: error instanceof Error ? error.message : String(error) });
      },
    }),
  );
  server.requestTimeout = 60_000;
  server.headersTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('simulator: server is not listening on a TCP port');
  }
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${hostInUrl}:${address.port}`,
    port: address.port,
    ledger: () => processor.ledger(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        stop.abort();
        processor.close();
        server.close(() => resolve());
        server.closeIdleConnections();
        // Held (hang-mode) requests answer once `stop` fires; anything left is cut.
        setTimeout(() => server.closeAllConnections(), 100).unref();
      });
      return closing;
    },
  };
}
