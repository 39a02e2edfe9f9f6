/**
 * Why a request signed by a DFSP (its status callback, its statement) is refused: the DFSP is not
 * known, or the signature is missing, malformed, stale, wrong, or was already used on a request
 * the ledger applied (`replayed`). Every refusal is a 401 that changes nothing.
 */
export type SignatureRefusal =
  | 'unknown_dfsp'
  | 'missing'
  | 'malformed'
  | 'stale'
  | 'mismatch'
  | 'replayed';

/** A signature being checked over a body that arrives in chunks. */
export interface SignatureCheck {
  update(chunk: Uint8Array): void;
  /** Once the whole body has passed through `update`: undefined when the signature is good. */
  refusal(): Promise<SignatureRefusal | undefined>;
  /**
   * Remembers the signature once the request it signed has been applied, so the same signed
   * request sent again is refused as `replayed` until it would be stale anyway. A request that
   * failed (a 5xx the DFSP retries) is not remembered.
   */
  accepted(): Promise<void>;
}

/** Signatures already used, shared by every process of the ledger. */
export interface SeenSignatures {
  seen(key: string): Promise<boolean>;
  /** Remembers `key` until `until`; remembering it twice is harmless. */
  remember(key: string, until: Date): Promise<void>;
}

/**
 * Checks that a request comes from the DFSP it names, by the signature it carries. A request of
 * an unknown DFSP (or of no well-formed DFSP id: `undefined`) is checked all the same, so that its
 * refusal takes as long as a wrong signature's and the answer cannot tell which DFSP ids exist.
 *
 * @example
 * const check = await authenticator.start(dfspId, request.headers.get('x-signature') ?? undefined);
 * if ('refused' in check) return unauthorized(check.refused);
 * check.update(body);
 * check.refusal(); // undefined: signed by the DFSP
 */
export interface DfspRequestAuthenticator {
  /**
   * The check of a request's signature header; a refusal that the header alone shows, at once.
   * `unknownDfsp: 'refuse-at-once'` gives up the equal timing where reading the body is costly (a
   * statement streams up to 50 MiB): an unknown DFSP's request is then refused before its body.
   */
  start(
    dfspId: string | undefined,
    signatureHeader: string | undefined,
    options?: { readonly unknownDfsp?: 'check-against-decoy' | 'refuse-at-once' },
  ): Promise<SignatureCheck | { readonly refused: SignatureRefusal }>;
}
