import type { SimulatorConfig } from './options.js';

/** Milliseconds left in the downtime window at `nowMs`, or 0 when the DFSP is up. */
export function downtimeRemainingMs(
  downtime: SimulatorConfig['downtime'],
  startedAtMs: number,
  nowMs: number,
): number {
  if (downtime === undefined) return 0;
  const from = startedAtMs + downtime.fromMs;
  const until = from + downtime.forMs;
  return nowMs >= from && nowMs < until ? until - nowMs : 0;
}
