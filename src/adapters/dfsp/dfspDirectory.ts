import type { DfspView, ReadModelQueries } from '../../application/readModels.js';

/** DFSPs read at most this often; a registration change reaches the dispatcher within it. */
const MAX_AGE_MS = 1_000;
const PAGE = 500;

/**
 * The registered DFSPs as the dispatcher and the status poller see them: the `dfsps` read model,
 * re-read at most once a second. Secrets are not in it (the read model never holds them).
 *
 * @example
 * const dfsps = await directory.current();
 * const bankA = dfsps.get('bank-a');
 */
export function createDfspDirectory(queries: ReadModelQueries) {
  let cached: { readonly atMs: number; readonly dfsps: ReadonlyMap<string, DfspView> } | undefined;
  return {
    async current(): Promise<ReadonlyMap<string, DfspView>> {
      const nowMs = Date.now();
      if (cached !== undefined && nowMs - cached.atMs < MAX_AGE_MS) return cached.dfsps;
      const dfsps = new Map<string, DfspView>();
      let cursor: string | undefined;
      do {
        const page = await queries.listDfsps({
          limit: PAGE,
          ...(cursor === undefined ? {} : { cursor }),
        });
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
export function endpointOf(dfsp: DfspView, timeoutMs: number) {
  return { dfspId: dfsp.dfspId, baseUrl: dfsp.baseUrl, payerFa: dfsp.payerFa, timeoutMs };
}
