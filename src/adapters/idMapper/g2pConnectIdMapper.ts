import { ulid } from 'ulid';
import {
  type IdMapper,
  IdMapperUnavailable,
  type IdResolution,
  MAX_IDS_PER_RESOLUTION,
} from '../../application/idMapper.js';
import { canonicalJson } from '../../domain/canonicalJson.js';
import type { OutboundCredentials } from '../../domain/dfspConnection.js';
import { errorOf } from '../dfsp/g2pConnectMessages.js';
import {
  exchange,
  type FetchFunction,
  type HttpExchangeResult,
  MAX_TIMEOUT_MS,
  parseJson,
} from '../dfsp/httpExchange.js';
import {
  authenticatedFetch,
  createTokenCache,
  type TokenCache,
  transportFor,
} from '../dfsp/outboundAuth.js';
import { buildResolveRequest, parseResolveAnswer, type ResolveRequest } from './mapperMessages.js';

/** Where a programme's mapper is reached, and the credentials every request to it carries. */
export interface MapperEndpoint {
  /** Base URL; `/mapper/sync/resolve` hangs under it. */
  readonly url: string;
  readonly credentials?: OutboundCredentials | undefined;
}

/** Options of `createG2pConnectIdMapper`. */
export interface G2pConnectIdMapperOptions {
  /** The mapper registered for a programme; undefined when it has none. */
  readonly mapperOf: (programId: string) => Promise<MapperEndpoint | undefined>;
  /** Per-request limit, from connect to the last byte of the answer, in [1, 300000]. */
  readonly timeoutMs: number;
  /** The ledger's `sender_id` as registered with the mappers. */
  readonly senderId: string;
  /** OAuth2 access tokens, shared with the DFSP connections; a cache of its own by default. */
  readonly tokens?: TokenCache;
  /** The HTTP client under the credentials; global `fetch` (or undici's, for mTLS) by default. */
  readonly fetch?: FetchFunction;
  /** The clock for `message_ts`; the system clock by default. */
  readonly now?: () => Date;
}

/** Largest answer read: 500 items with long messages fit many times over. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Programmes whose HTTP transport (an mTLS connection pool) is kept between resolutions. */
const MAX_KEPT_TRANSPORTS = 1_000;
/** An HTTP error code (`err.request.unauthorized`) the mapper's error body may name. */
const ERROR_CODE = /^[a-z0-9._-]{1,64}$/i;

/**
 * An `IdMapper` speaking the G2P Connect mapper API v1.0.0: one `POST {url}/mapper/sync/resolve`
 * per call to the programme's mapper, with its credentials (bearer, basic, API key, OAuth2 client
 * credentials with the token cached as `id-mapper:<programId>`, mutual TLS). Bounded: at most 500
 * ids (more is a `RangeError`), `timeoutMs` per request, an answer of at most 16 MiB. A mapper
 * that cannot be reached, answers other than 2xx or answers what is not the protocol is
 * `IdMapperUnavailable`, its message naming the HTTP status or the failure and never a secret.
 *
 * @example
 * const mapper = createG2pConnectIdMapper({ mapperOf, timeoutMs: 10_000, senderId: 'ledger.example.org' });
 * await mapper.resolve('prog-1', ['NID-1']); // Map { 'NID-1' => { kind: 'resolved', payeeFa: '…' } }
 */
export function createG2pConnectIdMapper(options: G2pConnectIdMapperOptions): IdMapper {
  const { timeoutMs } = options;
  if (options.senderId.trim() === '') throw new Error('senderId must not be empty');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new RangeError(`timeoutMs must be an integer in [1, ${MAX_TIMEOUT_MS}]`);
  }
  const tokens = options.tokens ?? createTokenCache();
  const now = options.now ?? (() => new Date());
  const transportOf = createTransports(options.fetch);

  return {
    async resolve(programId, beneficiaryIds): Promise<ReadonlyMap<string, IdResolution>> {
      if (beneficiaryIds.length > MAX_IDS_PER_RESOLUTION) {
        throw new RangeError(
          `at most ${MAX_IDS_PER_RESOLUTION} ids per resolution, got ${beneficiaryIds.length}`,
        );
      }
      if (beneficiaryIds.length === 0) return new Map();
      const mapper = await options.mapperOf(programId);
      if (mapper === undefined) {
        // Not a passing failure: nothing can resolve these ids until a mapper is registered.
        const reason = `programme ${programId} has no ID mapper registered`;
        return new Map(beneficiaryIds.map((id) => [id, { kind: 'unresolved', reason }]));
      }
      const unavailable = (problem: string, cause?: unknown) =>
        new IdMapperUnavailable(`ID mapper of programme ${programId}: ${problem}`, { cause });
      const url = resolveUrlOf(mapper.url);
      if (url === undefined) {
        throw unavailable('its URL is not an http(s) URL without user name and password');
      }
      const messageTs = now().toISOString();
      const request = buildResolveRequest(
        beneficiaryIds,
        { messageId: ulid(), messageTs, senderId: options.senderId },
        ulid,
      );
      const fetchFn = authenticatedFetch(
        `id-mapper:${programId}`,
        mapper.credentials,
        tokens,
        transportOf(programId, mapper.credentials),
      );
      const result = await exchange(fetchFn, {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(request.body),
        timeoutMs,
        maxResponseBytes: MAX_RESPONSE_BYTES,
      });
      try {
        return answerOf(result, request);
      } catch (error) {
        if (!(error instanceof IdMapperUnavailable)) throw error;
        throw unavailable(error.message, error);
      }
    },
  };
}

/** The resolutions an exchange brought back; `IdMapperUnavailable` naming why there are none. */
function answerOf(result: HttpExchangeResult, request: ResolveRequest): Map<string, IdResolution> {
  if (result.kind !== 'answered') throw new IdMapperUnavailable(result.reason);
  const json = parseJson(result.text);
  if (result.status < 200 || result.status > 299) {
    const code = errorOf(json)?.code;
    const named = code !== undefined && ERROR_CODE.test(code) ? ` (${code})` : '';
    throw new IdMapperUnavailable(`it answered HTTP ${result.status}${named}`);
  }
  if (result.text === undefined) throw new IdMapperUnavailable('its answer is over 16 MiB');
  if (json === undefined) throw new IdMapperUnavailable('its answer is not JSON');
  return parseResolveAnswer(json, request);
}

/**
 * `{url}/mapper/sync/resolve`, or undefined for a URL that is not http(s) or that carries a user
 * name or password (a fetch error would quote it, secret and all).
 */
function resolveUrlOf(base: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  if (parsed.username !== '' || parsed.password !== '') return undefined;
  return `${base.replace(/\/+$/, '')}/mapper/sync/resolve`;
}

/**
 * The transport for a programme's mapper: `base` when given, else one per programme and client
 * certificate, kept while they are unchanged (an mTLS agent holds a pool of connections).
 */
function createTransports(base: FetchFunction | undefined) {
  const kept = new Map<string, { readonly key: string; readonly fetch: FetchFunction }>();
  return (programId: string, credentials: OutboundCredentials | undefined): FetchFunction => {
    if (base !== undefined) return base;
    const key = canonicalJson(credentials?.clientTls ?? null);
    const found = kept.get(programId);
    if (found?.key === key) return found.fetch;
    const [oldest] = kept.keys();
    if (kept.size >= MAX_KEPT_TRANSPORTS && oldest !== undefined) kept.delete(oldest);
    const fetchFn = transportFor(credentials);
    kept.set(programId, { key, fetch: fetchFn });
    return fetchFn;
  };
}
