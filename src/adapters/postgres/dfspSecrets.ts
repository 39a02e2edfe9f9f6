import { createHash } from 'node:crypto';
import type { MigrationSet } from './migrations.js';
import type { SqlExecutor } from './sqlDatabase.js';

/**
 * DFSP secrets (the callback secret that signs status reports) live here, outside the event log:
 * an event can never be erased, a secret must be replaceable and removable. Events record only a
 * fingerprint, so a change of secret still shows in the history.
 */
export const dfspSecretsMigrations: MigrationSet = {
  component: 'dfsp-secrets',
  migrations: [
    {
      version: 1,
      name: 'dfsp callback secrets',
      sql: `CREATE TABLE dfsp_secrets (
  dfsp_id text PRIMARY KEY,
  callback_secret text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
)`,
    },
  ],
};

export interface DfspSecrets {
  save(dfspId: string, callbackSecret: string): Promise<void>;
  callbackSecret(dfspId: string): Promise<string | undefined>;
}

/** The secrets table as a small store. */
export function createDfspSecrets(sql: SqlExecutor): DfspSecrets {
  return {
    async save(dfspId, callbackSecret) {
      await sql.query(
        `INSERT INTO dfsp_secrets (dfsp_id, callback_secret) VALUES ($1, $2)
         ON CONFLICT (dfsp_id) DO UPDATE SET callback_secret = excluded.callback_secret, updated_at = now()
         WHERE dfsp_secrets.callback_secret <> excluded.callback_secret`,
        [dfspId, callbackSecret],
      );
    },
    async callbackSecret(dfspId) {
      const { rows } = await sql.query<{ callback_secret: string }>(
        'SELECT callback_secret FROM dfsp_secrets WHERE dfsp_id = $1',
        [dfspId],
      );
      return rows[0]?.callback_secret;
    },
  };
}

/** The first 16 hex digits of the secret's SHA-256: enough to see it changed, useless to forge. */
export function secretFingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}
