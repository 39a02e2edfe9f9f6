import { createHash } from 'node:crypto';

/** Where DFSPs' callback secrets are kept, outside the event log (write-only to clients). */
export interface DfspSecrets {
  save(dfspId: string, callbackSecret: string): Promise<void>;
  callbackSecret(dfspId: string): Promise<string | undefined>;
}

/** The first 16 hex digits of the secret's SHA-256: enough to see it changed, useless to forge. */
export function secretFingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}
