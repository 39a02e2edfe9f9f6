import type { Http2Bindings, HttpBindings } from '@hono/node-server';
import { createSimulatorApp } from './app.js';
import { createDisburseProcessor } from './disburseProcessor.js';
import { startFileBank } from './fileBank.js';
import { createFileBankApp } from './fileBankApp.js';
import { createMojaloopApp } from './mojaloopApp.js';
import { createMojaloopProcessor } from './mojaloopProcessor.js';
import { createMpesaApp } from './mpesaApp.js';
import { createMpesaProcessor } from './mpesaProcessor.js';
import { createMpesaTokenIssuer } from './mpesaTokens.js';
import type { SimulatorConfig } from './options.js';
import type { LedgerEntry } from './referenceBook.js';

/** One protocol's HTTP app over its back office. */
export interface ProtocolSurface {
  /** The app's `fetch`, for `getRequestListener` on an HTTP/1 server (HttpBindings). */
  fetch(request: Request, env: HttpBindings | Http2Bindings): Response | Promise<Response>;
  ledger(): readonly LedgerEntry[];
  /** M-Pesa access tokens issued; 0 for the other protocols. */
  tokensIssued(): number;
  /**
   * Stops the back office: scheduled callbacks dropped, waiting transfers ended (the file bank:
   * its poll under way finished, its journal closed).
   */
  close(): void | Promise<void>;
}

/** What every surface is built with. */
export interface SurfaceDeps {
  now: () => Date;
  startedAtMs: number;
  stop: AbortSignal;
  /** Told about a callback given up on, by the id of what it reported. */
  onCallbackGivenUp: (id: string, reason: string) => void;
  /** Told about other trouble (the file bank's failed polls); never given addresses. */
  warn: (message: string, fields: Record<string, string>) => void;
}

/** Builds the surface of `config.protocol` (the file bank's reloads its journal first). */
export async function createProtocolSurface(
  config: SimulatorConfig,
  deps: SurfaceDeps,
): Promise<ProtocolSurface> {
  const { now } = deps;
  const hooks = { onCallbackGivenUp: deps.onCallbackGivenUp };
  const shared = { config, now, startedAtMs: deps.startedAtMs, stop: deps.stop };
  switch (config.protocol) {
    case 'g2p-connect': {
      const processor = createDisburseProcessor(config, now, hooks);
      const app = createSimulatorApp({ ...shared, processor });
      return {
        fetch: app.fetch,
        ledger: processor.ledger,
        tokensIssued: () => 0,
        close: processor.close,
      };
    }
    case 'mpesa-b2c': {
      const processor = createMpesaProcessor(config, now, hooks);
      const { consumerKey, consumerSecret, tokenLifetimeSeconds } = config;
      const tokens = createMpesaTokenIssuer({
        consumerKey,
        consumerSecret,
        tokenLifetimeSeconds,
        now,
      });
      const app = createMpesaApp({ ...shared, processor, tokens });
      return {
        fetch: app.fetch,
        ledger: processor.ledger,
        tokensIssued: tokens.issued,
        close: processor.close,
      };
    }
    case 'mojaloop-sdk': {
      const processor = createMojaloopProcessor(config, now);
      const app = createMojaloopApp({ ...shared, processor });
      return {
        fetch: app.fetch,
        ledger: processor.ledger,
        tokensIssued: () => 0,
        close: processor.close,
      };
    }
    case 'iso20022-files': {
      const bank = await startFileBank(config, { now, warn: deps.warn });
      const app = createFileBankApp({ config, bank, now, startedAtMs: deps.startedAtMs });
      return { fetch: app.fetch, ledger: bank.ledger, tokensIssued: () => 0, close: bank.close };
    }
    default: {
      const unknown: never = config.protocol;
      throw new Error(`simulator: unknown protocol ${String(unknown)}`);
    }
  }
}
