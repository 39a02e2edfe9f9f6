import { Agent, fetch as undiciFetch } from 'undici';
import { z } from 'zod';
import type { OutboundAuth, OutboundCredentials } from '../../domain/dfspConnection.js';
import { exchange, type FetchFunction, parseJson } from './httpExchange.js';

/**
 * Outbound credentials applied to every request to a DFSP: a header (bearer, basic, API key, an
 * OAuth2 access token) and, for mutual TLS, a client certificate. Connectors never see them: they
 * get a `fetch` that adds them.
 */

/** A token is renewed this long before it expires, or at 90 % of a life shorter than 10 min. */
const RENEW_BEFORE_MS = 60_000;
const TOKEN_TIMEOUT_MS = 10_000;
const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

const TokenAnswer = z.object({
  access_token: z.string().min(1).max(8_192),
  // Daraja sends "3599" as a string; RFC 6749 a number. Absent: an hour.
  expires_in: z.union([z.number(), z.string().regex(/^\d{1,9}$/)]).optional(),
});

/** Why no access token could be had: the payment request was never sent. */
export class CredentialsUnavailable extends Error {
  override readonly name = 'CredentialsUnavailable';
  override readonly cause = { code: 'CREDENTIALS_UNAVAILABLE' };
}

interface CachedToken {
  readonly token: string;
  readonly renewAtMs: number;
}

/**
 * OAuth2 access tokens by DFSP and credentials, shared by every request of this process to that
 * DFSP: one token request per expiry, never one per payment (Daraja invalidates the previous
 * token when it issues a new one). Concurrent requests wait for the same token request.
 */
export function createTokenCache(options: { readonly now?: () => number } = {}) {
  const now = options.now ?? Date.now;
  const tokens = new Map<string, CachedToken | Promise<CachedToken>>();
  let requested = 0;

  async function request(
    auth: Extract<OutboundAuth, { kind: 'oauth2-client-credentials' }>,
    fetchFn: FetchFunction,
  ): Promise<CachedToken> {
    requested += 1;
    const fields = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope !== undefined) fields.set('scope', auth.scope);
    if (auth.audience !== undefined) fields.set('audience', auth.audience);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth.clientAuthentication === 'basic') {
      headers.authorization = basic(auth.clientId, auth.clientSecret);
    } else {
      fields.set('client_id', auth.clientId);
      fields.set('client_secret', auth.clientSecret);
    }
    const get = auth.method === 'GET';
    const url = get
      ? `${auth.tokenUrl}${auth.tokenUrl.includes('?') ? '&' : '?'}${fields}`
      : auth.tokenUrl;
    if (!get) headers['content-type'] = 'application/x-www-form-urlencoded';
    const startedMs = now();
    const result = await exchange(fetchFn, {
      url,
      method: auth.method,
      headers,
      ...(get ? {} : { body: fields.toString() }),
      timeoutMs: TOKEN_TIMEOUT_MS,
      maxResponseBytes: MAX_TOKEN_ANSWER_BYTES,
    });
    if (result.kind !== 'answered') {
      throw new CredentialsUnavailable(`token endpoint: ${result.reason}`);
    }
    const answer = TokenAnswer.safeParse(parseJson(result.text));
    if (result.status < 200 || result.status > 299 || !answer.success) {
      throw new CredentialsUnavailable(`token endpoint answered HTTP ${result.status}`);
    }
    const lifetimeMs = Number(answer.data.expires_in ?? 3_600) * 1_000;
    const renewInMs = lifetimeMs - Math.min(RENEW_BEFORE_MS, lifetimeMs * 0.1);
    return { token: answer.data.access_token, renewAtMs: startedMs + renewInMs };
  }

  return {
    /** A valid access token for `key` (DFSP and credentials), requested only when needed. */
    async token(
      key: string,
      auth: Extract<OutboundAuth, { kind: 'oauth2-client-credentials' }>,
      fetchFn: FetchFunction,
    ): Promise<string> {
      const cached = tokens.get(key);
      if (cached !== undefined && !(cached instanceof Promise) && cached.renewAtMs > now()) {
        return cached.token;
      }
      if (cached instanceof Promise) return (await cached).token;
      const pending = request(auth, fetchFn);
      tokens.set(key, pending);
      try {
        const fresh = await pending;
        tokens.set(key, fresh);
        return fresh.token;
      } catch (error) {
        tokens.delete(key);
        throw error;
      }
    },
    /** Forgets `key`'s token (the DFSP refused it): the next request gets a new one. */
    forget(key: string, token: string): void {
      const cached = tokens.get(key);
      if (cached !== undefined && !(cached instanceof Promise) && cached.token === token) {
        tokens.delete(key);
      }
    },
    /** Token requests made so far (for tests and metrics). */
    requested: () => requested,
  };
}

export type TokenCache = ReturnType<typeof createTokenCache>;

/**
 * A `fetch` that sends `credentials` with every request to one DFSP. An OAuth2 token the DFSP
 * refuses (401: it was invalidated, e.g. by a token issued to another process) is dropped and the
 * request sent once more with a new one: a 401 means the DFSP did not take the request.
 *
 * @example
 * const fetchFn = authenticatedFetch('bank-a', credentials, tokens);
 * await exchange(fetchFn, { url, method: 'POST', headers, body, timeoutMs, maxResponseBytes });
 */
export function authenticatedFetch(
  cacheKey: string,
  credentials: OutboundCredentials | undefined,
  tokens: TokenCache,
  base: FetchFunction = transportFor(credentials),
): FetchFunction {
  const auth = credentials?.auth ?? { kind: 'none' as const };
  if (auth.kind !== 'oauth2-client-credentials') {
    const header = staticHeader(auth);
    return (url, init) => base(url, { ...init, headers: { ...init.headers, ...header } });
  }
  return async (url, init) => {
    for (let attempt = 1; ; attempt += 1) {
      const token = await tokens.token(cacheKey, auth, base);
      const response = await base(url, {
        ...init,
        headers: { ...init.headers, authorization: `Bearer ${token}` },
      });
      if (response.status !== 401 || attempt === 2) return response;
      await response.body?.cancel();
      tokens.forget(cacheKey, token);
    }
  };
}

/**
 * The OAuth2 access token `authenticatedFetch` sends for these credentials (the same cache
 * entry); undefined for credentials of another kind. For a live test of a connection.
 */
export function accessTokenOf(
  cacheKey: string,
  credentials: OutboundCredentials | undefined,
  tokens: TokenCache,
  base: FetchFunction = transportFor(credentials),
): (() => Promise<string>) | undefined {
  const auth = credentials?.auth;
  if (auth?.kind !== 'oauth2-client-credentials') return undefined;
  return () => tokens.token(cacheKey, auth, base);
}

/** The header a static credential adds; the secrets it holds are never logged. */
export function staticHeader(auth: OutboundAuth): Record<string, string> {
  switch (auth.kind) {
    case 'none':
    case 'oauth2-client-credentials':
    // SSH credentials are for SFTP (the file connector), never sent in an HTTP header.
    case 'ssh-password':
    case 'ssh-private-key':
      return {};
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'basic':
      return { authorization: basic(auth.username, auth.password) };
    case 'api-key':
      return { [auth.header.toLowerCase()]: auth.value };
  }
}

/**
 * Global `fetch`, or undici's with a client certificate where mutual TLS is set (one agent, so
 * one pool of connections, per call: build it once per DFSP connection).
 */
export function transportFor(credentials: OutboundCredentials | undefined): FetchFunction {
  const tls = credentials?.clientTls;
  if (tls === undefined) return (url, init) => fetch(url, init);
  const agent = new Agent({
    connect: {
      cert: tls.certificate,
      key: tls.privateKey,
      ...(tls.caBundle === undefined ? {} : { ca: tls.caBundle }),
    },
  });
  return async (url, init) =>
    (await undiciFetch(url, { ...init, dispatcher: agent })) as unknown as Response;
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}
