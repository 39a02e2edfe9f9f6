import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';

import type { AccessTokenVerifier } from '../application/accessTokens.js';
import type { AuthFailureLimiter } from './authFailureLimit.js';
import { problem, respondProblem } from './problems.js';
import { routePattern, UNMATCHED } from './routePattern.js';

/**
 * The roles of HTTP API v1 (DESIGN.md): who may call which endpoint. `programme` is a programme
 * system (OpenG2P) calling the G2P Bridge-compatible API for its own `programIds` only.
 */
export const ROLES = ['admin', 'operator', 'approver', 'auditor', 'reporter', 'programme'] as const;
export type Role = (typeof ROLES)[number];

/** Who a bearer token speaks for. */
export interface ApiPrincipal {
  readonly name: string;
  readonly roles: readonly Role[];
  /** The programmes a `programme` principal acts for; none: it acts for no programme. */
  readonly programIds?: readonly string[];
}

/** Configured bearer tokens, token → principal. */
export type ApiTokens = ReadonlyMap<string, ApiPrincipal>;

/** Paths anyone may call without a token. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set([
  '/healthz',
  '/readyz',
  '/metrics',
  '/openapi.json',
  '/docs',
  // The G2P Bridge's health check (BRIDGE_BASE_PATH/ping), public there too.
  '/g2p-bridge/ping',
]);

/**
 * DFSP status callbacks (`/v1/dfsps/{dfspId}/on-disburse`, `…/callbacks[/{token}]`): no bearer
 * token, since each is verified as its DFSP's registration says (a signature, or the unguessable
 * path token), and the route checks that itself.
 */
export const DFSP_CALLBACK_PATH = /^\/v1\/dfsps\/[^/]+\/(?:on-disburse|callbacks(?:\/[^/]+)?)$/;

/**
 * DFSP statements (`/v1/dfsps/{dfspId}/statements`): sent by an operator with a bearer token, or
 * by the DFSP itself, signed like a callback. Without an `Authorization` header the request goes
 * on, and the route demands the signature.
 */
export const DFSP_STATEMENTS_PATH = /^\/v1\/dfsps\/[^/]+\/statements$/;

const MAX_TOKENS = 1_000;
const MAX_TOKEN_LENGTH = 500;
// RFC 6750 b64token: the characters a bearer token may hold.
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const NAME = /^[A-Za-z0-9._@-]{1,100}$/;
const PROGRAM_ID = /^[A-Za-z0-9._-]{1,100}$/;
const BEARER = /^Bearer +(\S+) *$/i;
// Room for an identity provider's JWT carrying many roles; API tokens are shorter.
const MAX_AUTHORIZATION_LENGTH = 8_192;
// A compact JWS: three base64url parts; only such tokens go to the identity provider's check.
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Parses the `API_TOKENS` setting: comma-separated `token=name:role|role` entries; the
 * `programme` role names the programmes it acts for, `programme@CT-OVC+CT-EL`. Throws an
 * Error naming the entry (by position, never by its token) and what is wrong with it: a missing
 * `=` or `:`, a token or name with characters outside the allowed sets, an unknown role, a
 * programme role without programmes (or programmes on another role), a token given twice.
 *
 * @example
 * parseApiTokens('tok1=alice:admin|operator,tok2=bob:approver,tok3=ministry:programme@CT-OVC');
 * // Map { 'tok1' => { name: 'alice', roles: ['admin', 'operator'] },
 * //       'tok2' => { name: 'bob', roles: ['approver'] },
 * //       'tok3' => { name: 'ministry', roles: ['programme'], programIds: ['CT-OVC'] } }
 */
export function parseApiTokens(text: string): ApiTokens {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) {
    throw new Error('API_TOKENS lists no token: expected "token=name:role|role,…"');
  }
  if (entries.length > MAX_TOKENS) {
    throw new Error(`API_TOKENS lists ${entries.length} tokens; at most ${MAX_TOKENS}`);
  }
  const tokens = new Map<string, ApiPrincipal>();
  entries.forEach((entry, index) => {
    const where = `API_TOKENS entry ${index + 1}`;
    // The name and roles hold no "=", so the last one ends the token (which may end in "=").
    const equals = entry.lastIndexOf('=');
    const colon = entry.indexOf(':', equals + 1);
    if (equals < 1 || colon < 0) {
      throw new Error(`${where} must read "token=name:role|role"`);
    }
    const token = entry.slice(0, equals);
    const name = entry.slice(equals + 1, colon);
    const roleList = entry.slice(colon + 1);
    if (token.length > MAX_TOKEN_LENGTH || !TOKEN.test(token)) {
      throw new Error(
        `${where}: the token must be 1 to ${MAX_TOKEN_LENGTH} letters, digits or "-._~+/" (optionally ending in "=")`,
      );
    }
    if (!NAME.test(name)) {
      throw new Error(`${where}: the name must be 1 to 100 letters, digits or "._@-"`);
    }
    const roles = new Set<Role>();
    let programIds: string[] | undefined;
    for (const entryRole of roleList.split('|').map((text) => text.trim())) {
      const [role = '', programmes] = entryRole.split('@', 2);
      if ((role === 'programme') !== (programmes !== undefined)) {
        throw new Error(
          `${where}: the programme role, and only it, names programmes: "programme@A+B"`,
        );
      }
      if (programmes !== undefined) {
        programIds = programmes.split('+').map((id) => id.trim());
        if (programIds.some((id) => !PROGRAM_ID.test(id))) {
          throw new Error(`${where}: programme ids are 1 to 100 letters, digits or "._-"`);
        }
      }
      if (!isRole(role)) {
        throw new Error(
          `${where}: unknown role "${role.slice(0, 50)}"; roles are ${ROLES.join(', ')}`,
        );
      }
      roles.add(role);
    }
    if (tokens.has(token)) {
      throw new Error(`${where} repeats the token of an earlier entry`);
    }
    tokens.set(token, {
      name,
      roles: [...roles],
      ...(programIds === undefined ? {} : { programIds }),
    });
  });
  return tokens;
}

/** What {@link authenticate} checks bearer tokens against, and who counts its failures. */
export interface Authentication {
  /** Configured API tokens (`API_TOKENS`). */
  readonly tokens: ApiTokens;
  /** The identity provider's access tokens (OIDC); without it only API tokens are accepted. */
  readonly accessTokens?: AccessTokenVerifier | undefined;
  /** Failed authentications per client address; a limited address gets 429s. */
  readonly limiter: AuthFailureLimiter;
}

/**
 * Middleware: every request but those to {@link PUBLIC_PATHS} must carry
 * `Authorization: Bearer <token>` with a configured API token or, when an identity provider is
 * configured, one of its JWTs; otherwise it gets a 401 problem, the same whichever check failed,
 * and the failure counts against the client's address (see {@link AuthFailureLimiter}). A request
 * that matches no route goes on to its 404 without one: the routes are public in /openapi.json
 * anyway. An API token is compared with every configured one in constant time (SHA-256 digests,
 * `timingSafeEqual`, no early exit), so the answer's timing says nothing about how much of a
 * token was right. A JWT's principal is `oidc:<name>`, an API token's `user:<name>`; roles in the
 * JWT that are not {@link ROLES} are ignored.
 */
export function authenticate({ tokens, accessTokens, limiter }: Authentication): MiddlewareHandler {
  const known = [...tokens].map(([token, principal]) => ({ digest: sha256(token), principal }));
  return async function bearerAuthentication(c, next) {
    if (isPublic(c.req.path) || routePattern(c) === UNMATCHED) return next();
    const header = c.req.header('authorization');
    if (header === undefined && DFSP_STATEMENTS_PATH.test(c.req.path)) return next();
    const refusal = limiter.refusal(c);
    if (refusal !== undefined) return refusal;
    const presented = bearerToken(header);
    if (presented === undefined) {
      limiter.failed(c);
      return unauthorized(c, 'send Authorization: Bearer <token>');
    }
    const digest = sha256(presented);
    let found: ApiPrincipal | undefined;
    for (const entry of known) {
      if (timingSafeEqual(entry.digest, digest)) found = entry.principal;
    }
    if (found !== undefined) {
      c.set('principal', { ...found, actor: `user:${found.name}` });
      return next();
    }
    if (accessTokens !== undefined && JWT.test(presented)) {
      const verified = await accessTokens.verify(presented);
      if (verified.valid) {
        const { name, programIds } = verified.claims;
        const roles = ledgerRoles(verified.claims.roles);
        c.set('principal', {
          name,
          roles,
          // Only a programme principal acts for programmes (the programmes claim).
          ...(roles.includes('programme') && programIds !== undefined ? { programIds } : {}),
          actor: `oidc:${name}`,
        });
        return next();
      }
      c.get('log').info({ reason: verified.reason }, 'access token refused');
    }
    limiter.failed(c);
    return unauthorized(c, 'the bearer token is not valid');
  };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length > MAX_AUTHORIZATION_LENGTH) return undefined;
  return BEARER.exec(header)?.[1];
}

/** Whether `presented` is `secret`, compared in constant time (SHA-256 digests). */
export function sameSecret(presented: string, secret: string): boolean {
  return timingSafeEqual(sha256(presented), sha256(secret));
}

/**
 * Route middleware: the authenticated principal must hold one of `roles`, or the request gets a
 * 403 problem naming them. Runs before request validation, so a caller without the role learns
 * nothing about the request's shape.
 *
 * @example
 * createRoute({ method: 'post', path: '/v1/batches', middleware: [requireRoles('operator')], … });
 */
export function requireRoles(...roles: readonly Role[]): MiddlewareHandler {
  return async (c, next) => {
    const principal = c.get('principal');
    if (principal === undefined) return unauthorized(c, 'send Authorization: Bearer <token>');
    if (!principal.roles.some((role) => roles.includes(role))) {
      return respondProblem(
        c,
        problem(
          'forbidden',
          403,
          `this needs the role ${roles.join(' or ')}; ${principal.name} has ${principal.roles.join(', ')}`,
        ),
      );
    }
    return next();
  };
}

/** The 401 problem of every failed bearer authentication. */
export function unauthorized(c: Context, detail: string) {
  return respondProblem(c, problem('unauthorized', 401, detail), {
    'www-authenticate': 'Bearer realm="g2p-ledger"',
  });
}

function ledgerRoles(claimed: readonly string[]): Role[] {
  return [...new Set(claimed.filter(isRole))];
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Health, metrics, the API's documentation (with Swagger UI's own files) and DFSP callbacks
 * (authenticated by their signature) need no token.
 */
export function isPublic(path: string): boolean {
  return PUBLIC_PATHS.has(path) || path.startsWith('/docs/') || DFSP_CALLBACK_PATH.test(path);
}
