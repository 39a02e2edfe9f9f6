/**
 * An ID-account mapper: the registry a programme keeps of which financial address pays each of
 * its beneficiaries (OpenG2P SPAR, any G2P Connect mapper). A payment whose beneficiary id is not
 * a financial address is resolved through its programme's mapper before it is routed
 * (DESIGN.md, "The programme's side").
 */

/** What the mapper said of one beneficiary id: its payee address, or why there is none. */
export type IdResolution =
  | { readonly kind: 'resolved'; readonly payeeFa: string }
  /** The mapper answered, and named no usable address: `reason` is its code and message. */
  | { readonly kind: 'unresolved'; readonly reason: string };

/** The mapper could not be asked or gave no usable answer: try again later, nothing is decided. */
export class IdMapperUnavailable extends Error {
  override readonly name = 'IdMapperUnavailable';
}

/** The ids one resolution request may carry. */
export const MAX_IDS_PER_RESOLUTION = 500;

export interface IdMapper {
  /**
   * Each of `beneficiaryIds` (at most {@link MAX_IDS_PER_RESOLUTION}) resolved through the
   * programme's mapper; every id asked is in the answer (each `unresolved` when the programme
   * has no mapper registered). Throws {@link IdMapperUnavailable} when the mapper cannot be
   * reached, refuses the request as a whole or answers what is not the protocol.
   */
  resolve(
    programId: string,
    beneficiaryIds: readonly string[],
  ): Promise<ReadonlyMap<string, IdResolution>>;
}
