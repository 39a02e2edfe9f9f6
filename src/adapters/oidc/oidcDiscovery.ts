import { z } from 'zod';

/** How long discovery may take before the attempt is given up (the next request tries again). */
const DISCOVERY_TIMEOUT_MS = 5_000;
/** A discovery document is a few KB; anything much larger is not one. */
const MAX_DISCOVERY_BYTES = 256 * 1024;

const DiscoveryDocument = z.object({
  issuer: z.string().min(1),
  jwks_uri: z.url({ protocol: /^https?$/ }),
});

/**
 * The `jwks_uri` of an OpenID provider, read from `{issuer}/.well-known/openid-configuration`.
 * Throws when the document cannot be fetched in time, is not JSON with a `jwks_uri`, or names
 * another issuer (OpenID Connect Discovery 1.0, section 4.3: the two must be identical).
 *
 * @example
 * const jwksUrl = await discoverJwksUrl('https://keycloak.example/realms/openg2p');
 */
export async function discoverJwksUrl(issuer: string): Promise<URL> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, {
    headers: { accept: 'application/json' },
    redirect: 'error',
    signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`OIDC discovery at ${url} answered ${response.status}`);
  const text = await response.text();
  if (text.length > MAX_DISCOVERY_BYTES) {
    throw new Error(`OIDC discovery at ${url} answered over ${MAX_DISCOVERY_BYTES} bytes`);
  }
  const document = DiscoveryDocument.safeParse(JSON.parse(text));
  if (!document.success) throw new Error(`OIDC discovery at ${url} gave no valid jwks_uri`);
  if (document.data.issuer !== issuer) {
    throw new Error(`OIDC discovery at ${url} names the issuer ${document.data.issuer}`);
  }
  return new URL(document.data.jwks_uri);
}
