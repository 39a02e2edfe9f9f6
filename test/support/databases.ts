import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  beneficiaryKeysMigrations,
  createPersonalDataVault,
} from '../../src/adapters/postgres/beneficiaryKeys.js';
import { eventStoreMigrations } from '../../src/adapters/postgres/eventStoreSchema.js';
import { migrate } from '../../src/adapters/postgres/migrations.js';
import { createPgliteDatabase } from '../../src/adapters/postgres/pgliteDatabase.js';
import { createPostgresDatabase } from '../../src/adapters/postgres/postgresDatabase.js';
import { createPostgresEventStore } from '../../src/adapters/postgres/postgresEventStore.js';
import { createSealer, type Sealer } from '../../src/adapters/secrets/sealing.js';
import type { EventStore } from '../../src/application/eventStore.js';
import { protectPersonalData } from '../../src/application/personalDataProtection.js';
import type { PersonalDataVault } from '../../src/application/personalDataVault.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';

/** The Postgres server the suite may use; unset, Postgres-only tests report themselves skipped. */
export const databaseUrl = process.env.DATABASE_URL;

export const NO_POSTGRES =
  'DATABASE_URL is not set: this test needs real Postgres (npm test with DATABASE_URL=postgres://…)';

export interface ScratchPostgres {
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * A new, empty database on the DATABASE_URL server, so every test file starts clean and files
 * can run side by side. Dropped (with its connections) by `drop`.
 */
export async function createScratchPostgres(): Promise<ScratchPostgres> {
  if (!databaseUrl) throw new Error(NO_POSTGRES);
  const name = `g2p_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A migrated in-memory PGlite database. */
export async function createMigratedPglite(): Promise<SqlDatabase> {
  const db = await createPgliteDatabase();
  await migrate(db, [eventStoreMigrations]);
  return db;
}

/** A migrated database on a scratch Postgres; closing drops it. */
export async function createMigratedPostgres(): Promise<{
  db: SqlDatabase;
  scratch: ScratchPostgres;
  close(): Promise<void>;
}> {
  const scratch = await createScratchPostgres();
  const db = createPostgresDatabase(scratch.url);
  await migrate(db, [eventStoreMigrations]);
  return {
    db,
    scratch,
    async close() {
      await db.close();
      await scratch.drop();
    },
  };
}

/**
 * The event log on `db` as the service opens it: personal data sealed under beneficiaries' keys
 * kept in the same database (migrated here), under a random master key. Close the vault before
 * the database: it listens for erasures.
 */
export async function protectedEventStore(
  db: SqlDatabase,
  options: { readonly pollIntervalMs?: number } = {},
): Promise<{ store: EventStore; vault: PersonalDataVault; sealer: Sealer }> {
  await migrate(db, [beneficiaryKeysMigrations]);
  const sealer = createSealer(randomBytes(32));
  const vault = await createPersonalDataVault(db, sealer);
  return {
    store: protectPersonalData(createPostgresEventStore(db, options), vault),
    vault,
    sealer,
  };
}
