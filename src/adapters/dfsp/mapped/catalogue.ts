import type { ConnectionCatalogue } from '../../../application/connectionCatalogue.js';
import {
  type CallbackVerification,
  MappingDocument,
  type MappingDocumentInput,
} from '../../../domain/dfspConnection.js';
import type { DfspProfile } from '../../../domain/dfspEvents.js';
import { DomainError } from '../../../domain/domainError.js';
import { compileMapping } from './expressions.js';

/**
 * Mapping profiles shipped with the ledger: named, versioned mapping documents a registration
 * selects with `connector: "mapped-http", profile: "<name>"`. A registration records
 * `name@version`; a published version never changes (a change is a new version), so the history
 * says exactly which mapping was in force.
 */
export interface ShippedProfile {
  readonly name: string;
  readonly version: number;
  readonly mapping: MappingDocumentInput;
  /** How the protocol's callbacks are verified, unless a registration says otherwise. */
  readonly callbackVerification?: CallbackVerification;
}

/**
 * The profiles and the mapping check, as the command side needs them, plus the mapping in force
 * for a registration.
 *
 * @example
 * const catalogue = createConnectionCatalogue([mpesaB2c]);
 * catalogue.shippedProfile('mpesa-b2c').recordedAs; // 'mpesa-b2c@1'
 */
export function createConnectionCatalogue(profiles: readonly ShippedProfile[]) {
  const latest = new Map<string, ShippedProfile>();
  const byVersion = new Map<string, MappingDocument>();
  for (const profile of profiles) {
    const mapping = MappingDocument.parse(profile.mapping);
    compileMapping(mapping);
    byVersion.set(`${profile.name}@${profile.version}`, mapping);
    const current = latest.get(profile.name);
    if (current === undefined || current.version < profile.version)
      latest.set(profile.name, profile);
  }
  return {
    shippedProfile(name: string) {
      const profile = latest.get(name);
      if (profile === undefined) {
        const known = [...latest.keys()].join(', ') || 'none';
        throw new DomainError('unknown_profile', `no profile ${name} (shipped: ${known})`, [
          'profile',
        ]);
      }
      const recordedAs = `${profile.name}@${profile.version}`;
      return {
        recordedAs,
        mapping: byVersion.get(recordedAs) as MappingDocument,
        callbackVerification: profile.callbackVerification,
      };
    },
    checkMapping(mapping: MappingDocument): void {
      compileMapping(mapping);
    },
    /** The mapping a `mapped-http` registration names; undefined for another connector. */
    mappingOf(profile: DfspProfile): MappingDocument | undefined {
      if (profile.mapping !== undefined) return profile.mapping;
      if (profile.profile === undefined) return undefined;
      const mapping = byVersion.get(profile.profile);
      if (mapping === undefined) throw new Error(`profile ${profile.profile} is not shipped`);
      return mapping;
    },
  } satisfies ConnectionCatalogue & Record<string, unknown>;
}

export type ConnectionCatalogueAdapter = ReturnType<typeof createConnectionCatalogue>;
