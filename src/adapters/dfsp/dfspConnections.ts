import {
  type DfspConnector,
  type DfspEndpoint,
  DfspQueryError,
  type DfspTransactionIndex,
  type DisbursementGroup,
  type SubmitOutcome,
} from '../../application/dfspConnector.js';
import type { DfspConnection } from '../../application/dfspSecrets.js';
import type { FileExchangeJournal } from '../../application/fileExchangeJournal.js';
import { canonicalJson } from '../../domain/canonicalJson.js';
import { optional } from '../../domain/optional.js';
import { callbackPathToken } from './callbackVerification.js';
import type { FetchFunction } from './httpExchange.js';
import { createFilesConnector, type FilesConnector } from './iso20022/filesConnector.js';
import type { ConnectionCatalogueAdapter } from './mapped/catalogue.js';
import { compileMapping } from './mapped/expressions.js';
import { createMappedHttpConnector, type MappedHttpConnector } from './mapped/mappedHttp.js';
import {
  accessTokenOf,
  authenticatedFetch,
  type TokenCache,
  transportFor,
} from './outboundAuth.js';

interface CachedConnection {
  readonly atMs: number;
  /** The registration it was built from, as canonical JSON: rebuilt only when that changes. */
  readonly key: string;
  readonly connected: ConnectedDfsp;
}

/** A registration is read again at most this often; a change reaches the senders within it. */
const MAX_AGE_MS = 1_000;

/** One DFSP's connection in force, with the connector built for it. */
export type ConnectedDfsp = (
  | { readonly kind: 'g2p-connect'; readonly connector: DfspConnector }
  | {
      readonly kind: 'mapped-http';
      readonly connector: MappedHttpConnector;
      /** The callback URL handed to the DFSP in its requests. */
      readonly callbackUrl: string;
    }
  | { readonly kind: 'iso20022-files'; readonly connector: FilesConnector }
) & {
  readonly connection: DfspConnection;
  /** The OAuth2 access token requests carry (shared, cached); none for other credentials. */
  readonly accessToken: (() => Promise<string>) | undefined;
};

export interface DfspConnectionsDeps {
  /** The registration in force and its secrets (`connectionInForce`). */
  readonly connectionOf: (dfspId: string) => Promise<DfspConnection | undefined>;
  readonly catalogue: ConnectionCatalogueAdapter;
  /** The G2P Connect connector sending through `fetch`. */
  readonly g2pConnect: (fetch: FetchFunction) => DfspConnector;
  /** The ledger's public base URL, for callback URLs. */
  readonly publicUrl: string;
  readonly timeoutMs: number;
  readonly tokens: TokenCache;
  /** The DFSPs' own ids of payments, for mapped reports and status queries that name them. */
  readonly transactionIndex: DfspTransactionIndex;
  /** What was sent to and read from banks that take files. */
  readonly fileJournal: FileExchangeJournal;
  /** Fault tests only: the file connector's pause before renaming a payment file. */
  readonly fileRenameDelayMs?: number;
  readonly now?: () => number;
}

/**
 * Every DFSP's connection as configured, not coded: the connector its registration names, its
 * mapping compiled, its credentials applied to every request. `connector` is the one the
 * dispatcher and the status poller use; it picks each DFSP's own by the DFSP id of the request.
 *
 * @example
 * const connections = createDfspConnections({ connectionOf, catalogue, g2pConnect, publicUrl,
 *   timeoutMs: 10_000, tokens: createTokenCache() });
 * await connections.connector.submit(group);
 */
export function createDfspConnections(deps: DfspConnectionsDeps) {
  const now = deps.now ?? Date.now;
  const cache = new Map<string, CachedConnection>();
  const reloading = new Map<string, Promise<ConnectedDfsp | undefined>>();

  function build(dfspId: string, connection: DfspConnection): ConnectedDfsp {
    const { profile, credentials } = connection;
    if (profile.connector === 'iso20022-files' && profile.files !== undefined) {
      const connector = createFilesConnector({
        dfspId,
        baseUrl: profile.baseUrl,
        files: profile.files,
        credentials,
        journal: deps.fileJournal,
        timeoutMs: deps.timeoutMs,
        ...optional('renameDelayMs', deps.fileRenameDelayMs),
      });
      return { kind: 'iso20022-files', connection, accessToken: undefined, connector };
    }
    const cacheKey = `${dfspId}\n${profile.credentials?.fingerprint ?? ''}`;
    const transport = transportFor(credentials);
    const fetchFn = authenticatedFetch(cacheKey, credentials, deps.tokens, transport);
    const accessToken = accessTokenOf(cacheKey, credentials, deps.tokens, transport);
    const mapping = deps.catalogue.mappingOf(profile);
    if (mapping === undefined) {
      return { kind: 'g2p-connect', connection, accessToken, connector: deps.g2pConnect(fetchFn) };
    }
    const callbackUrl = callbackUrlOf(dfspId, connection);
    const connector = createMappedHttpConnector({
      mapping: compileMapping(mapping),
      parameters: profile.parameters ?? {},
      secrets: credentials?.secrets ?? {},
      fetch: fetchFn,
      callbackUrl,
      dfspId,
      transactionIndex: deps.transactionIndex,
      timeoutMs: deps.timeoutMs,
    });
    return { kind: 'mapped-http', connection, accessToken, connector, callbackUrl };
  }

  function callbackUrlOf(dfspId: string, connection: DfspConnection): string {
    const base = `${deps.publicUrl}/v1/dfsps/${encodeURIComponent(dfspId)}/callbacks`;
    const pathToken =
      connection.profile.callbackVerification?.kind === 'path-token' &&
      connection.callbackSecret !== undefined;
    return pathToken
      ? `${base}/${callbackPathToken(connection.callbackSecret ?? '', dfspId)}`
      : base;
  }

  /** The DFSP's connection in force (read again at most once a second); undefined if none. */
  function connectedDfsp(dfspId: string): Promise<ConnectedDfsp | undefined> {
    const cached = cache.get(dfspId);
    if (cached !== undefined && now() - cached.atMs < MAX_AGE_MS) {
      return Promise.resolve(cached.connected);
    }
    // Requests that find it stale together wait for one reading, not one each.
    let reading = reloading.get(dfspId);
    if (reading === undefined) {
      reading = reload(dfspId, cached).finally(() => reloading.delete(dfspId));
      reloading.set(dfspId, reading);
    }
    return reading;
  }

  async function reload(
    dfspId: string,
    cached: CachedConnection | undefined,
  ): Promise<ConnectedDfsp | undefined> {
    const connection = await deps.connectionOf(dfspId);
    if (connection === undefined) {
      cache.delete(dfspId);
      return undefined;
    }
    const key = canonicalJson(connection.profile);
    const connected =
      cached !== undefined && cached.key === key ? cached.connected : build(dfspId, connection);
    cache.set(dfspId, { atMs: now(), key, connected });
    return connected;
  }

  const connector: Pick<DfspConnector, 'submit' | 'queryStatus'> = {
    async submit(group: DisbursementGroup): Promise<SubmitOutcome> {
      const connected = await connectedDfsp(group.dfsp.dfspId);
      const messageId = group.messageId ?? group.transactionId;
      if (connected === undefined) {
        return { kind: 'unreachable', messageId, reason: 'the DFSP is not registered' };
      }
      return connected.connector.submit(group);
    },
    async queryStatus(dfsp: DfspEndpoint, referenceIds: readonly string[]) {
      const connected = await connectedDfsp(dfsp.dfspId);
      if (connected === undefined) throw new DfspQueryError(dfsp.dfspId, 'not registered');
      return connected.connector.queryStatus(dfsp, referenceIds);
    },
  };

  return { connector, connectedDfsp };
}

export type DfspConnections = ReturnType<typeof createDfspConnections>;
