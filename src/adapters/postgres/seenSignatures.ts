import type { SeenSignatures } from '../../application/dfspRequestAuthentication.js';
import type { SqlExecutor } from '../../application/sqlDatabase.js';

/** Expired signatures removed per remembered one: the table never outgrows the window's traffic. */
const EXPIRED_DELETED_PER_INSERT = 10;

/**
 * The signatures of applied DFSP requests, in `seen_dfsp_signatures` (migration `dfsp-secrets`
 * 2), shared by every process on the database. Each insert also deletes a few expired rows.
 *
 * @example
 * const seen = createSeenSignatures(sql);
 * if (!(await seen.seen(key))) await seen.remember(key, new Date(Date.now() + 600_000));
 */
export function createSeenSignatures(sql: SqlExecutor): SeenSignatures {
  return {
    async seen(key) {
      const { rows } = await sql.query(
        'SELECT 1 FROM seen_dfsp_signatures WHERE signature_key = $1 AND expires_at > now()',
        [key],
      );
      return rows.length > 0;
    },
    async remember(key, until) {
      await sql.query(
        `WITH expired AS (
           DELETE FROM seen_dfsp_signatures WHERE signature_key IN (
             SELECT signature_key FROM seen_dfsp_signatures
             WHERE expires_at <= now() AND signature_key <> $1 LIMIT $3))
         INSERT INTO seen_dfsp_signatures (signature_key, expires_at) VALUES ($1, $2)
         ON CONFLICT (signature_key) DO UPDATE SET expires_at = excluded.expires_at`,
        [key, until.toISOString(), EXPIRED_DELETED_PER_INSERT],
      );
    },
  };
}
