import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The token call's answer: a token, or the Daraja error code to refuse with. */
export type TokenIssue =
  | { ok: true; accessToken: string; expiresInSeconds: number }
  | { ok: false; errorCode: '400.008.01' | '400.008.02'; errorMessage: string };

/** Why a bearer token is refused, as Daraja's gateway codes it (API.md §2). */
export type TokenRefusal =
  | { errorCode: '404.001.04'; errorMessage: string }
  | { errorCode: '400.003.01'; errorMessage: string };

/** The OAuth side of the simulated Daraja app. */
export interface MpesaTokenIssuer {
  /** Answers `GET /oauth/v1/generate`: checks grant type and `Basic` credentials. */
  issue(grantType: string | undefined, authorization: string | undefined): TokenIssue;
  /** Null when `authorization` carries the current, unexpired token; else why not. */
  refusal(authorization: string | undefined): TokenRefusal | null;
  /** Tokens issued so far. */
  issued(): number;
}

/** What the issuer is configured with. */
export interface MpesaTokenConfig {
  consumerKey: string;
  consumerSecret: string;
  tokenLifetimeSeconds: number;
  now: () => Date;
}

/**
 * The token issuer of one Daraja app. As Safaricom's FAQ says (API.md §1), **issuing a token
 * invalidates the previous one**: only the latest token is accepted, until it expires.
 *
 * @example
 * const tokens = createMpesaTokenIssuer({
 *   consumerKey: 'key',
 *   consumerSecret: 'secret',
 *   tokenLifetimeSeconds: 3599,
 *   now: () => new Date(),
 * });
 * tokens.issue('client_credentials', `Basic ${btoa('key:secret')}`); // { ok: true, … }
 */
export function createMpesaTokenIssuer(config: MpesaTokenConfig): MpesaTokenIssuer {
  const expected = digest(`${config.consumerKey}:${config.consumerSecret}`);
  let current: { token: string; expiresAtMs: number } | undefined;
  let issued = 0;

  return {
    issue(grantType, authorization) {
      const basic = /^Basic ([A-Za-z0-9+/=]{1,1024})$/.exec(authorization ?? '')?.[1];
      if (basic === undefined) {
        return {
          ok: false,
          errorCode: '400.008.01',
          errorMessage: 'Invalid Authentication passed',
        };
      }
      if (grantType !== 'client_credentials') {
        return { ok: false, errorCode: '400.008.02', errorMessage: 'Invalid grant type passed' };
      }
      const presented = digest(Buffer.from(basic, 'base64').toString('utf8'));
      // Wrong credentials: Daraja's documented codes name only the auth type (§1); the same
      // code is the closest documented one.
      if (!timingSafeEqual(presented, expected)) {
        return {
          ok: false,
          errorCode: '400.008.01',
          errorMessage: 'Invalid Authentication passed',
        };
      }
      const token = randomBytes(21).toString('base64url');
      current = { token, expiresAtMs: config.now().getTime() + config.tokenLifetimeSeconds * 1000 };
      issued += 1;
      return { ok: true, accessToken: token, expiresInSeconds: config.tokenLifetimeSeconds };
    },
    refusal(authorization) {
      const bearer = /^Bearer (\S{1,512})$/.exec(authorization ?? '')?.[1];
      if (bearer === undefined) {
        return { errorCode: '404.001.04', errorMessage: 'Invalid Authentication Header' };
      }
      const valid =
        current !== undefined &&
        bearer === current.token &&
        config.now().getTime() < current.expiresAtMs;
      return valid ? null : { errorCode: '400.003.01', errorMessage: 'Invalid Access Token' };
    },
    issued: () => issued,
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
