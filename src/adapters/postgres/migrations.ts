import { createHash } from 'node:crypto';
import type { Migration, MigrationSet, SqlDatabase } from '../../application/sqlDatabase.js';

// Any fixed 64-bit key works; all that matters is that every process uses the same one.
const MIGRATION_LOCK_KEY = 7_347_001;

/**
 * Applies the migrations of each set that the database does not have yet, in version order.
 * Safe to run twice and from several processes at once: everything happens in one transaction
 * under a transaction-scoped advisory lock, so a second process waits, then finds nothing to do.
 * Answers the migrations it applied, as `component@version`.
 */
export async function migrate(db: SqlDatabase, sets: readonly MigrationSet[]): Promise<string[]> {
  for (const set of sets) assertOrdered(set);
  return db.transaction(async (tx) => {
    // Migrations are exempt from the service's statement time limit: building an index over
    // every event, or waiting for another process's migrations, may rightly take longer.
    await tx.query('SET LOCAL statement_timeout = 0');
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      component text NOT NULL,
      version integer NOT NULL,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (component, version)
    )`);
    const applied: string[] = [];
    for (const set of sets) {
      const { rows } = await tx.query<{ version: number; checksum: string }>(
        'SELECT version, checksum FROM schema_migrations WHERE component = $1',
        [set.component],
      );
      const known = new Map(rows.map((row) => [row.version, row.checksum]));
      for (const migration of set.migrations) {
        const checksum = checksumOf(migration);
        const recorded = known.get(migration.version);
        if (recorded !== undefined) {
          if (recorded !== checksum) {
            throw new Error(
              `migration ${set.component}@${migration.version} (${migration.name}) ` +
                'differs from the one applied to this database',
            );
          }
          continue;
        }
        await tx.execute(migration.sql);
        await tx.query(
          `INSERT INTO schema_migrations (component, version, name, checksum)
           VALUES ($1, $2, $3, $4)`,
          [set.component, migration.version, migration.name, checksum],
        );
        applied.push(`${set.component}@${migration.version}`);
      }
    }
    return applied;
  });
}

function assertOrdered(set: MigrationSet): void {
  set.migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `${set.component} migrations must be numbered 1, 2, 3…; ` +
          `found ${migration.version} at ${index + 1}`,
      );
    }
  });
}

function checksumOf(migration: Migration): string {
  return createHash('sha256').update(migration.sql).digest('hex');
}
