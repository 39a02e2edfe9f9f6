import type { DfspSecrets } from '../../application/dfspSecrets.js';
import type { MigrationSet, SqlExecutor } from '../../application/sqlDatabase.js';

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
    {
      version: 2,
      name: 'signatures of applied DFSP requests (replay refusal)',
      sql: `CREATE TABLE seen_dfsp_signatures (
  signature_key text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX seen_dfsp_signatures_expiry ON seen_dfsp_signatures (expires_at)`,
    },
  ],
};

/** The secrets table as a small store. */
export function createDfspSecrets(sql: SqlExecutor): DfspSecrets {
  return {
    async save(dfspId, callbackSecret) {
      await sql.query(
        `INSERT INTO dfsp_secrets (dfsp_id, callback_secret) VALUES ($1, $2)
         ON CONFLICT (dfsp_id) DO UPDATE
           SET callback_secret = excluded.callback_secret, updated_at = now()
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
