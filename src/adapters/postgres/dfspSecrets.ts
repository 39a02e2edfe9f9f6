import { createHash } from 'node:crypto';
import type { DfspSecrets } from '../../application/dfspSecrets.js';
import type { MigrationSet, SqlDatabase, SqlExecutor } from '../../application/sqlDatabase.js';
import type { Sealer } from '../secrets/sealing.js';

/**
 * DFSP secrets (the callback secret that signs status reports, outbound credentials) live here, outside the event log:
 * an event can never be erased, a secret must be replaceable and removable. Events record only a
 * fingerprint, so a change of secret still shows in the history. Since version 3 each row is one
 * secret of one DFSP under its fingerprint, sealed (AES-256-GCM, the DFSP id as associated data)
 * with the id of the master key that sealed it; `callback_secret` is the plaintext of rows written
 * before, sealed at start-up by {@link sealPlaintextSecrets} and then emptied.
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
    {
      version: 3,
      name: 'dfsp callback secrets sealed, one row per fingerprint',
      sql: `ALTER TABLE dfsp_secrets DROP CONSTRAINT dfsp_secrets_pkey;
ALTER TABLE dfsp_secrets ALTER COLUMN callback_secret DROP NOT NULL;
ALTER TABLE dfsp_secrets ADD COLUMN fingerprint text;
ALTER TABLE dfsp_secrets ADD COLUMN key_id text;
ALTER TABLE dfsp_secrets ADD COLUMN sealed text;
CREATE UNIQUE INDEX dfsp_secrets_by_fingerprint ON dfsp_secrets (dfsp_id, fingerprint);
ALTER TABLE dfsp_secrets ADD CONSTRAINT dfsp_secrets_sealed_or_plaintext CHECK (
  (callback_secret IS NULL) = (sealed IS NOT NULL AND key_id IS NOT NULL AND fingerprint IS NOT NULL)
)`,
    },
  ],
};

/** What a callback secret is bound to when sealed: a sealed value cannot move to another DFSP. */
const boundTo = (dfspId: string) => `dfsp-callback-secret:${dfspId}`;

/** The secrets table as a small store, sealing and unsealing with `sealer`. */
export function createDfspSecrets(sql: SqlExecutor, sealer: Sealer): DfspSecrets {
  return {
    fingerprint: (secret) => sealer.fingerprint(secret),
    async save(dfspId, fingerprint, secret) {
      await sql.query(
        `INSERT INTO dfsp_secrets (dfsp_id, fingerprint, key_id, sealed) VALUES ($1, $2, $3, $4)
         ON CONFLICT (dfsp_id, fingerprint) DO UPDATE
           SET key_id = excluded.key_id, sealed = excluded.sealed, updated_at = now()`,
        [dfspId, fingerprint, sealer.keyId, sealer.seal(secret, boundTo(dfspId))],
      );
    },
    async secret(dfspId, fingerprint) {
      const { rows } = await sql.query<{ key_id: string; sealed: string }>(
        `SELECT key_id, sealed FROM dfsp_secrets
         WHERE dfsp_id = $1 AND fingerprint = $2 AND sealed IS NOT NULL`,
        [dfspId, fingerprint],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      if (row.key_id !== sealer.keyId) {
        throw new Error(`a secret of ${dfspId} is sealed under another master key`);
      }
      return sealer.unseal(row.sealed, boundTo(dfspId));
    },
  };
}

/** The fingerprint events recorded before version 3: kept only to file the rows sealed here. */
function sha256Fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

/**
 * At start-up: seals the plaintext rows of databases made before sealing (under the fingerprint
 * their events recorded, the SHA-256 prefix of those days) and empties their plaintext, in one
 * transaction, so none is lost and none stays readable; then refuses to go on if a row is sealed
 * under another master key (a changed `SECRETS_KEY` without `npm run rotate-secrets-key`).
 * Answers how many rows it sealed.
 */
export async function sealPlaintextSecrets(db: SqlDatabase, sealer: Sealer): Promise<number> {
  return db.transaction(async (tx) => {
    const sealed = await sealPlaintextRows(tx, sealer);
    const foreign = await tx.query<{ count: string }>(
      'SELECT count(*)::text AS count FROM dfsp_secrets WHERE key_id <> $1',
      [sealer.keyId],
    );
    const count = Number(foreign.rows[0]?.count ?? '0');
    if (count > 0) {
      throw new Error(
        `${count} DFSP secret(s) are sealed under another master key: SECRETS_KEY (or ` +
          'SECRETS_KEY_FILE, or DATA_DIR/secrets-key) changed without npm run rotate-secrets-key',
      );
    }
    return sealed;
  });
}

/** Seals the rows still in plaintext, under the SHA-256 fingerprint their events recorded. */
async function sealPlaintextRows(tx: SqlExecutor, sealer: Sealer): Promise<number> {
  const { rows } = await tx.query<{ dfsp_id: string; callback_secret: string }>(
    'SELECT dfsp_id, callback_secret FROM dfsp_secrets WHERE sealed IS NULL FOR UPDATE',
  );
  for (const row of rows) {
    await tx.query(
      `UPDATE dfsp_secrets
       SET fingerprint = $2, key_id = $3, sealed = $4, callback_secret = NULL, updated_at = now()
       WHERE dfsp_id = $1 AND sealed IS NULL`,
      [
        row.dfsp_id,
        sha256Fingerprint(row.callback_secret),
        sealer.keyId,
        sealer.seal(row.callback_secret, boundTo(row.dfsp_id)),
      ],
    );
  }
  return rows.length;
}

/**
 * Re-seals every value sealed under `from` under `to`, inside the caller's transaction (all or
 * nothing). Values already under `to` are left as they are, so a rotation that was interrupted
 * can be run again; a value under neither key stops it, and rows still in plaintext are sealed
 * under `to`. Fingerprints in events stay as they are: they are history. Answers how many
 * values it re-sealed and how many were already under `to`.
 */
export async function resealSecrets(
  tx: SqlExecutor,
  from: Sealer,
  to: Sealer,
): Promise<{ resealed: number; alreadyNew: number; plaintextSealed: number }> {
  const plaintextSealed = await sealPlaintextRows(tx, to);
  const { rows } = await tx.query<{
    dfsp_id: string;
    fingerprint: string;
    key_id: string;
    sealed: string;
  }>(
    `SELECT dfsp_id, fingerprint, key_id, sealed FROM dfsp_secrets
     WHERE sealed IS NOT NULL ORDER BY dfsp_id, fingerprint FOR UPDATE`,
  );
  let resealed = 0;
  for (const row of rows) {
    if (row.key_id === to.keyId) continue;
    if (row.key_id !== from.keyId) {
      throw new Error(`the secret of ${row.dfsp_id} is sealed under an unknown key ${row.key_id}`);
    }
    const plaintext = from.unseal(row.sealed, boundTo(row.dfsp_id));
    await tx.query(
      `UPDATE dfsp_secrets SET key_id = $3, sealed = $4, updated_at = now()
       WHERE dfsp_id = $1 AND fingerprint = $2`,
      [row.dfsp_id, row.fingerprint, to.keyId, to.seal(plaintext, boundTo(row.dfsp_id))],
    );
    resealed += 1;
  }
  return { resealed, alreadyNew: rows.length - resealed - plaintextSealed, plaintextSealed };
}
