import type { EventStore } from './eventStore.js';
import { ledgerStreams } from './ledgerStreams.js';

/**
 * Where DFSPs' callback secrets are kept, sealed, outside the event log (write-only to clients).
 * Each secret is kept under its fingerprint, the one its registration event records: the secret
 * in force is the one whose fingerprint the DFSP's latest registration names, so a secret saved
 * for a registration that was never recorded is never used.
 */
export interface DfspSecrets {
  /** 16 hex digits, the same for the same secret; useless for testing guesses without the key. */
  fingerprint(callbackSecret: string): string;
  /** Keeps the secret (sealed) under its fingerprint; saving it again changes nothing. */
  save(dfspId: string, fingerprint: string, callbackSecret: string): Promise<void>;
  /** The secret kept for the DFSP under `fingerprint`, if any. */
  callbackSecret(dfspId: string, fingerprint: string): Promise<string | undefined>;
}

/**
 * The callback secret in force for each DFSP: the one its latest `DfspRegistered`/`DfspUpdated`
 * names by fingerprint, read from the DFSP's stream (not a read model, so a change of secret
 * holds from the moment its event is appended). Undefined for a DFSP that is not registered.
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
  return async (dfspId) => {
    const { state } = await dfsps.load(dfspId);
    if (state.profile === undefined) return undefined;
    return secrets.callbackSecret(dfspId, state.profile.secretFingerprint);
  };
}
