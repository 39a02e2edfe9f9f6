import type { pino } from 'pino';

/** The structured logger every part writes to (pino); made by `createLogger` in `src/logger.ts`. */
export type Logger = pino.Logger;
