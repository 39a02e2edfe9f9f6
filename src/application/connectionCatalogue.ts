import type { CallbackVerification, MappingDocument } from '../domain/dfspConnection.js';

/**
 * What the connectors know that a registration must be checked against: the mapping profiles
 * shipped with the ledger, and whether a mapping document's expressions compile. Implemented by
 * the `mapped-http` connector's adapter.
 */
export interface ConnectionCatalogue {
  /**
   * A shipped profile's latest version: the `name@version` a registration records, and its
   * mapping. Throws a `DomainError` (`unknown_profile`) for a name the ledger does not ship.
   */
  shippedProfile(name: string): {
    readonly recordedAs: string;
    readonly mapping: MappingDocument;
    /** How the protocol's callbacks are verified, unless the registration says otherwise. */
    readonly callbackVerification: CallbackVerification | undefined;
  };
  /**
   * Compiles every expression of `mapping`. Throws a `DomainError` (`invalid_mapping`) whose path
   * names the expression (`mapping.submit.request.body`) and whose message gives the position.
   */
  checkMapping(mapping: MappingDocument): void;
}
