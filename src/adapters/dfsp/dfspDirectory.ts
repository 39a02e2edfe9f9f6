import type { DfspToSendTo, WorkQueue } from '../../application/workQueue.js';
import { optional } from '../../domain/optional.js';

/** DFSPs read at most this often; a registration change reaches the dispatcher within it. */
const MAX_AGE_MS = 1_000;
const PAGE = 500;

/**
 * The registered DFSPs as the dispatcher and the status poller see them: the `dfsps` read model,
 * re-read at most once a second by `now` (ms since the epoch, `Date.now` by default). Secrets are
 * not in it (the read model never holds them).
 *
 * @example
 * const dfsps = await directory.current();
 * const bankA = dfsps.get('bank-a');
 */
export function createDfspDirectory(
  workQueue: Pick<WorkQueue, 'listDfsps'>,
  now: () => number = Date.now,
) {
  let cached:
    | { readonly atMs: number; readonly dfsps: ReadonlyMap<string, DfspToSendTo> }
    | undefined;
  return {
    async current(): Promise<ReadonlyMap<string, DfspToSendTo>> {
      const nowMs = now();
      if (cached !== undefined && nowMs - cached.atMs < MAX_AGE_MS) return cached.dfsps;
      const dfsps = new Map<string, DfspToSendTo>();
      let cursor: string | undefined;
      do {
        const page = await workQueue.listDfsps({ limit: PAGE, ...optional('cursor', cursor) });
        for (const dfsp of page.items) dfsps.set(dfsp.dfspId, dfsp);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      cached = { atMs: nowMs, dfsps };
      return dfsps;
    },
  };
}

export type DfspDirectory = ReturnType<typeof createDfspDirectory>;

/** How the connector reaches a DFSP of the directory. */
export function endpointOf(
  dfsp: Pick<DfspToSendTo, 'dfspId' | 'baseUrl' | 'payerFa'>,
  timeoutMs: number,
) {
  return { dfspId: dfsp.dfspId, baseUrl: dfsp.baseUrl, payerFa: dfsp.payerFa, timeoutMs };
}
