import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** A signing key of the test provider: its `kid`, algorithm and private half. */
export interface ProviderKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
}

/** A key pair made here, for `alg`, with its public JWK. */
export async function aProviderKey(kid: string, alg: ProviderKey['alg']): Promise<ProviderKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, jwk };
}

/**
 * A minimal OpenID provider on loopback (a real `node:http` server on 127.0.0.1, port 0): the
 * discovery document and a JWKS of the keys in `published`, which a test may change to rotate
 * keys. Counts JWKS fetches.
 */
export async function startOidcProvider(realm = 'openg2p') {
  const published: ProviderKey[] = [];
  let jwksFetches = 0;
  const server: Server = createServer((request, response) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const issuer = `${base}/realms/${realm}`;
    if (request.url === `/realms/${realm}/.well-known/openid-configuration`) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/protocol/openid-connect/certs` }));
    } else if (request.url === `/realms/${realm}/protocol/openid-connect/certs`) {
      jwksFetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: published.map((key) => key.jwk) }));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/${realm}`;
  return {
    issuer,
    jwksUrl: `${issuer}/protocol/openid-connect/certs`,
    published,
    jwksFetches: () => jwksFetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The claims of a Keycloak access token, with what a test overrides. */
export interface TokenSpec {
  readonly issuer: string;
  readonly audience?: string;
  readonly username?: string;
  readonly roles?: readonly string[];
  readonly expiresAt?: number;
  readonly notBefore?: number;
  /** More claims for the payload (a programmes claim, say). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** A JWT signed by `key`, shaped as Keycloak issues access tokens. */
export function signToken(key: ProviderKey, spec: TokenSpec): Promise<string> {
  const now = Math.floor(Date.now() / 1_000);
  const jwt = new SignJWT({
    preferred_username: spec.username ?? 'olga',
    realm_access: { roles: spec.roles ?? ['operator', 'offline_access', 'uma_authorization'] },
    typ: 'Bearer',
    ...spec.claims,
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(spec.issuer)
    .setAudience(spec.audience ?? 'g2p-ledger')
    .setSubject('5f1c0d2e-0000-4000-8000-000000000001')
    .setIssuedAt(now)
    .setExpirationTime(spec.expiresAt ?? now + 300);
  if (spec.notBefore !== undefined) jwt.setNotBefore(spec.notBefore);
  return jwt.sign(key.privateKey);
}
