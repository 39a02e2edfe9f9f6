import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createEventStoreDbEventStore } from './adapters/eventStore/eventStoreDbEventStore.js';
import { lockDataDir } from './adapters/postgres/dataDirLock.js';
import { dfspSecretsMigrations } from './adapters/postgres/dfspSecrets.js';
import { eventStoreMigrations } from './adapters/postgres/eventStoreSchema.js';
import { migrate } from './adapters/postgres/migrations.js';
import { createPgliteDatabase } from './adapters/postgres/pgliteDatabase.js';
import { createPostgresDatabase } from './adapters/postgres/postgresDatabase.js';
import { createPostgresEventStore } from './adapters/postgres/postgresEventStore.js';
import type { EventStore } from './application/eventStore.js';
import type { MigrationSet, SqlDatabase } from './application/sqlDatabase.js';
import type { Config } from './config.js';
import { readModelMigrations } from './projections/readModelSchema.js';

export interface Stores {
  readonly events: EventStore;
  /** Read models, checkpoints and (without EventStoreDB) the event tables. */
  readonly sql: SqlDatabase;
  /** Rejects with the reason if a store does not answer. */
  checkReady(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the stores the configuration selects (embedded PGlite, Postgres, or EventStoreDB with
 * Postgres read models) and brings their schemas up to date. Answers the migrations applied.
 */
export async function openStores(config: Config): Promise<{ stores: Stores; applied: string[] }> {
  const sql = config.DATABASE_URL
    ? createPostgresDatabase(config.DATABASE_URL)
    : await openEmbedded(config.DATA_DIR);
  const sets: MigrationSet[] = config.EVENTSTORE_URL
    ? [readModelMigrations, dfspSecretsMigrations]
    : [eventStoreMigrations, readModelMigrations, dfspSecretsMigrations];
  let applied: string[];
  try {
    applied = await migrate(sql, sets);
  } catch (error) {
    await sql.close();
    throw error;
  }
  const events = config.EVENTSTORE_URL
    ? createEventStoreDbEventStore(config.EVENTSTORE_URL)
    : createPostgresEventStore(sql);
  const stores: Stores = {
    events,
    sql,
    async checkReady() {
      await sql.query('SELECT 1');
      await events.headPosition();
    },
    async close() {
      await events.close();
      await sql.close();
    },
  };
  return { stores, applied };
}

async function openEmbedded(dataDir: string): Promise<SqlDatabase> {
  const directory = path.resolve(dataDir);
  await mkdir(path.join(directory, 'pglite'), { recursive: true, mode: 0o700 });
  const unlock = await lockDataDir(directory);
  try {
    const db = await createPgliteDatabase(path.join(directory, 'pglite'));
    return {
      ...db,
      async close() {
        await db.close();
        await unlock();
      },
    };
  } catch (error) {
    await unlock();
    throw error;
  }
}
