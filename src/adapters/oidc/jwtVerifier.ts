import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import type {
  AccessTokenVerification,
  AccessTokenVerifier,
} from '../../application/accessTokens.js';
import { discoverJwksUrl } from './oidcDiscovery.js';

/** Asymmetric algorithms only: no `none`, no HMAC keyed with something public. */
const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
/** Clock skew tolerated between us and the identity provider on `exp` and `nbf`. */
const CLOCK_TOLERANCE_SECONDS = 30;
/**
 * After a key-set fetch, an unknown `kid` waits this long before the next fetch: a rotated key
 * is picked up within it, and tokens with made-up `kid`s cannot make us hammer the provider.
 */
const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
const JWKS_TIMEOUT_MS = 5_000;
/** The key set is fetched again at least this often, so retired keys stop verifying. */
const JWKS_MAX_AGE_MS = 10 * 60_000;
const MAX_ROLES = 100;
const MAX_NAME_LENGTH = 100;

export interface OidcSettings {
  /** `iss` must equal it (`OIDC_ISSUER`). */
  readonly issuer: string;
  /** `aud` must include it (`OIDC_AUDIENCE`). */
  readonly audience: string;
  /** The key set (`OIDC_JWKS_URL`); discovered from the issuer when absent. */
  readonly jwksUrl?: URL | undefined;
  /** Dotted path of the roles claim (`OIDC_ROLES_CLAIM`), e.g. `realm_access.roles`. */
  readonly rolesClaim: string;
  /** The claim naming the principal (`OIDC_PRINCIPAL_CLAIM`), e.g. `preferred_username`. */
  readonly principalClaim: string;
  /**
   * Dotted path of the claim listing the programmes a `programme` principal acts for
   * (`OIDC_PROGRAMS_CLAIM`); without it, no JWT principal acts for a programme.
   */
  readonly programsClaim?: string;
  /** See {@link DEFAULT_JWKS_COOLDOWN_MS}; shorter only in tests. */
  readonly jwksCooldownMs?: number;
}

/**
 * An {@link AccessTokenVerifier} for an OpenID provider's JWTs (Keycloak, as OpenG2P runs it):
 * signature by a key of the provider's JWKS (fetched when a `kid` is new, see
 * {@link DEFAULT_JWKS_COOLDOWN_MS}), issuer, audience, `exp` (required) and `nbf`. Discovery, when
 * no JWKS URL is given, happens on the first token and is retried on the next after a failure.
 *
 * @example
 * const verifier = createOidcVerifier({
 *   issuer: 'https://keycloak.example/realms/openg2p', audience: 'g2p-ledger',
 *   rolesClaim: 'realm_access.roles', principalClaim: 'preferred_username',
 * });
 */
export function createOidcVerifier(settings: OidcSettings): AccessTokenVerifier {
  let keySet: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keys = () => {
    if (keySet !== undefined) return keySet;
    const loading = (
      settings.jwksUrl === undefined
        ? discoverJwksUrl(settings.issuer)
        : Promise.resolve(settings.jwksUrl)
    ).then((url) =>
      createRemoteJWKSet(url, {
        cooldownDuration: settings.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS,
        timeoutDuration: JWKS_TIMEOUT_MS,
        cacheMaxAge: JWKS_MAX_AGE_MS,
      }),
    );
    // A failed discovery is not kept: the next token tries again.
    loading.catch(() => {
      keySet = undefined;
    });
    keySet = loading;
    return loading;
  };
  return {
    async verify(token): Promise<AccessTokenVerification> {
      try {
        const { payload } = await jwtVerify(token, await keys(), {
          issuer: settings.issuer,
          audience: settings.audience,
          algorithms: ALGORITHMS,
          requiredClaims: ['exp'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        });
        return claimsOf(payload, settings);
      } catch (error) {
        return { valid: false, reason: reasonOf(error) };
      }
    },
  };
}

function claimsOf(payload: JWTPayload, settings: OidcSettings): AccessTokenVerification {
  const name = payload[settings.principalClaim];
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    return { valid: false, reason: `the ${settings.principalClaim} claim is not a short string` };
  }
  if (/[\p{Cc}\s]/u.test(name)) {
    return {
      valid: false,
      reason: `the ${settings.principalClaim} claim holds spaces or controls`,
    };
  }
  const roles = rolesAt(payload, settings.rolesClaim);
  const programIds =
    settings.programsClaim === undefined ? [] : rolesAt(payload, settings.programsClaim);
  return {
    valid: true,
    claims: {
      issuer: settings.issuer,
      name,
      roles,
      ...(programIds.length === 0 ? {} : { programIds }),
    },
  };
}

/** The strings at a dotted path of the payload: an array of them, or one space-separated. */
function rolesAt(payload: JWTPayload, path: string): string[] {
  let value: unknown = payload;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return [];
    value = (value as Record<string, unknown>)[key];
  }
  const list = typeof value === 'string' ? value.split(/\s+/) : Array.isArray(value) ? value : [];
  return list.filter((role): role is string => typeof role === 'string').slice(0, MAX_ROLES);
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JOSEError) return `${error.code}: ${error.message}`;
  return `the key set could not be loaded: ${error instanceof Error ? error.message : 'unknown'}`;
}
