/**
 * Who a verified access token speaks for: the principal's name and every role the token claims,
 * as the identity provider wrote them (the HTTP layer keeps those it knows). `issuer` says where
 * the name comes from.
 */
export interface AccessTokenClaims {
  readonly issuer: string;
  readonly name: string;
  readonly roles: readonly string[];
  /** The programmes a `programme` principal acts for (the programmes claim); none if absent. */
  readonly programIds?: readonly string[];
}

/** A verification's outcome: the claims, or why the token was refused (for logs, no token). */
export type AccessTokenVerification =
  | { readonly valid: true; readonly claims: AccessTokenClaims }
  | { readonly valid: false; readonly reason: string };

/**
 * Port: verifies a bearer access token issued by an identity provider (an OIDC JWT). Never
 * throws: a bad token, and a token that cannot be checked because the provider's keys do not
 * load, both answer `valid: false` with the reason.
 *
 * @example
 * const result = await verifier.verify(bearer);
 * if (result.valid) console.log(result.claims.name, result.claims.roles);
 */
export interface AccessTokenVerifier {
  verify(token: string): Promise<AccessTokenVerification>;
}
