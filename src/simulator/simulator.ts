import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { type SimulatorOptions, simulatorOptionsSchema } from './options.js';
import { createProtocolSurface } from './protocolSurface.js';
import type { LedgerEntry } from './referenceBook.js';

/** A running DFSP simulator. */
export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:4001`; the protocol's paths hang under it. */
  url: string;
  port: number;
  /** Everything paid so far, each payment at most once, whatever the protocol. */
  ledger(): readonly LedgerEntry[];
  /** M-Pesa access tokens issued so far (each one invalidates the previous); 0 otherwise. */
  tokensIssued(): number;
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
 * Starts a DFSP simulator on real HTTP (127.0.0.1, port 0 = any free port by default), speaking
 * `options.protocol`: G2P Connect disburse (the default), M-Pesa Daraja B2C (`mpesa-b2c`), the
 * Mojaloop SDK scheme adapter's outbound transfers (`mojaloop-sdk`), or none at all: a bank
 * taking ISO 20022 payment files in `filesRoot` (`iso20022-files`, see `startFileBank`). Options
 * are validated (a bad one throws a zod error naming it).
 *
 * @example
 * const dfsp = await startSimulator({ dfspId: 'bank-a', secret, callbackUrl, rejectRate: 0.05 });
 * // POST `${dfsp.url}/disburse` …
 * await dfsp.close();
 * const mpesa = await startSimulator({ protocol: 'mpesa-b2c', dfspId: 'mpesa' });
 * // GET `${mpesa.url}/oauth/v1/generate?grant_type=client_credentials`, then POST
 * // `${mpesa.url}/mpesa/b2c/v3/paymentrequest` …
 */
export async function startSimulator(
  options: SimulatorOptions,
  runtime: SimulatorRuntime = {},
): Promise<RunningSimulator> {
  const config = simulatorOptionsSchema.parse(options);
  const now = runtime.now ?? (() => new Date());
  const warn = runtime.warn ?? (() => {});
  const stop = new AbortController();
  const surface = await createProtocolSurface(config, {
    now,
    startedAtMs: now().getTime(),
    stop: stop.signal,
    onCallbackGivenUp: (id, reason) => warn('callback given up', { transaction_id: id, reason }),
    warn,
  });
  const server = createServer(
    getRequestListener(surface.fetch, {
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
    ledger: () => surface.ledger(),
    tokensIssued: () => surface.tokensIssued(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        stop.abort();
        const backOffice = Promise.resolve(surface.close());
        server.close(() => void backOffice.then(resolve, resolve));
        server.closeIdleConnections();
        // Held (hang-mode) requests answer once `stop` fires; anything left is cut.
        setTimeout(() => server.closeAllConnections(), 100).unref();
      });
      return closing;
    },
  };
}
