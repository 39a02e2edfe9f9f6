import { pino } from 'pino';
import type { Logger } from './application/logger.js';

/**
 * The service's structured logger (JSON lines on stdout). Child loggers carry the role and, on
 * requests, the correlation id. Authorization headers and secrets are redacted wherever they
 * appear under these keys. `destination` replaces stdout (a test reading what is logged).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'g2p-ledger' },
    redact: {
      paths: ['*.authorization', '*.callbackSecret', '*.password', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
