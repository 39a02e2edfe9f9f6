import { pino } from 'pino';
import type { Logger } from './application/logger.js';

/**
 * The service's structured logger (JSON lines on stdout). Child loggers carry the role and, on
 * requests, the correlation id. Authorization headers and secrets are redacted wherever they
 * appear under these keys.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'g2p-ledger' },
    redact: {
      paths: ['*.authorization', '*.callbackSecret', '*.password', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  });
}
