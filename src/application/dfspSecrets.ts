import type { OutboundCredentials } from '../domain/dfspConnection.js';
import type { DfspProfile } from '../domain/dfspEvents.js';
import type { EventStore } from './eventStore.js';
import { ledgerStreams } from './ledgerStreams.js';

/**
 * Where DFSPs' secrets (callback secrets, outbound credentials) are kept, sealed, outside the
 * event log (write-only to clients). Each secret is kept under its fingerprint, the one its
 * registration event records: the secret in force is the one whose fingerprint the DFSP's latest
 * registration names, so a secret saved for a registration that was never recorded is never used.
 */
export interface DfspSecrets {
  /** 16 hex digits, the same for the same secret; useless for testing guesses without the key. */
  fingerprint(secret: string): string;
  /** Keeps the secret (sealed) under its fingerprint; saving it again changes nothing. */
  save(dfspId: string, fingerprint: string, secret: string): Promise<void>;
  /** The secret kept for the DFSP under `fingerprint`, if any. */
  secret(dfspId: string, fingerprint: string): Promise<string | undefined>;
}

/** A DFSP's registration in force with the secrets it names. */
export interface DfspConnection {
  readonly profile: DfspProfile;
  /** Verifies its callbacks; undefined only where the secret row was lost. */
  readonly callbackSecret: string | undefined;
  /** Sent with every request to it; none set when undefined. */
  readonly credentials: OutboundCredentials | undefined;
}

/**
 * Each DFSP's registration in force and its secrets: the latest `DfspRegistered`/`DfspUpdated`,
 * read from the DFSP's stream (not a read model, so a change holds from the moment its event is
 * appended), with the secrets its fingerprints name. Undefined for a DFSP not registered.
 *
 * @example
 * const connectionOf = connectionInForce(store, secrets);
 * const bankA = await connectionOf('bank-a'); // { profile, callbackSecret, credentials }
 */
export function connectionInForce(
  store: EventStore,
  secrets: DfspSecrets,
): (dfspId: string) => Promise<DfspConnection | undefined> {
  const { dfsps } = ledgerStreams(store);
  return async (dfspId) => {
    const { state } = await dfsps.load(dfspId);
    const { profile } = state;
    if (profile === undefined) return undefined;
    const callbackSecret = await secrets.secret(dfspId, profile.secretFingerprint);
    const sealedCredentials =
      profile.credentials === undefined
        ? undefined
        : await secrets.secret(dfspId, profile.credentials.fingerprint);
    const credentials =
      sealedCredentials === undefined
        ? undefined
        : (JSON.parse(sealedCredentials) as OutboundCredentials);
    return { profile, callbackSecret, credentials };
  };
}

/**
 * The callback secret in force for each DFSP (see {@link connectionInForce}); undefined for a
 * DFSP that is not registered.
 *
 * @example
 * const secretOf = callbackSecretInForce(store, secrets);
 * await secretOf('bank-a');
 */
export function callbackSecretInForce(
  store: EventStore,
  secrets: DfspSecrets,
): (dfspId: string) => Promise<string | undefined> {
  const { dfsps } = ledgerStreams(store);
  // Only the callback secret: a signed callback does not pay for opening the credentials too.
  return async (dfspId) => {
    const { profile } = (await dfsps.load(dfspId)).state;
    return profile === undefined ? undefined : secrets.secret(dfspId, profile.secretFingerprint);
  };
}
