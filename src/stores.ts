import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createEventStoreDbEventStore } from './adapters/eventStore/eventStoreDbEventStore.js';
import {
  beneficiaryKeysMigrations,
  createPersonalDataVault,
} from './adapters/postgres/beneficiaryKeys.js';
import { lockDataDir } from './adapters/postgres/dataDirLock.js';
import { dfspSecretsMigrations } from './adapters/postgres/dfspSecrets.js';
import { eventStoreMigrations } from './adapters/postgres/eventStoreSchema.js';
import { fileExchangeMigrations } from './adapters/postgres/fileExchangeJournal.js';
import { migrate } from './adapters/postgres/migrations.js';
import { createPgliteDatabase } from './adapters/postgres/pgliteDatabase.js';
import { createPostgresDatabase } from './adapters/postgres/postgresDatabase.js';
import { createPostgresEventStore } from './adapters/postgres/postgresEventStore.js';
import { webhookMigrations } from './adapters/postgres/webhookSubscriptions.js';
import type { Sealer } from './adapters/secrets/sealing.js';
import type { EventStore } from './application/eventStore.js';
import type { FeedConsumer } from './application/feedConsumer.js';
import { protectPersonalData } from './application/personalDataProtection.js';
import type { PersonalDataVault } from './application/personalDataVault.js';
import type { MigrationSet, SqlDatabase } from './application/sqlDatabase.js';
import type { Config } from './config.js';
import { readModelMigrations } from './projections/readModelSchema.js';

export interface Stores {
  /** The event log, beneficiaries' personal data sealed in it ({@link protectPersonalData}). */
  readonly events: EventStore;
  /** The same log as stored, personal fields left sealed: for readers of none (see {@link feedFor}). */
  readonly sealedEvents: EventStore;
  /** Read models, checkpoints, keys and secrets, and (without EventStoreDB) the event tables. */
  readonly sql: SqlDatabase;
  /** Beneficiaries' keys: what erasure destroys. */
  readonly personalData: PersonalDataVault;
  /** Rejects with the reason if a store does not answer. */
  checkReady(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the stores the configuration selects (embedded PGlite, Postgres, or EventStoreDB with
 * Postgres read models) and brings their schemas up to date; personal data in events is sealed
 * under beneficiaries' keys, which are sealed by `sealer`. Answers the migrations applied.
 */
export async function openStores(
  config: Config,
  sealer: Sealer,
): Promise<{ stores: Stores; applied: string[] }> {
  const { sql, applied } = await openDatabase(config);
  let personalData: PersonalDataVault;
  try {
    personalData = await createPersonalDataVault(sql, sealer);
  } catch (error) {
    await sql.close();
    throw error;
  }
  const raw = config.EVENTSTORE_URL
    ? createEventStoreDbEventStore(config.EVENTSTORE_URL)
    : createPostgresEventStore(sql);
  const events = protectPersonalData(raw, personalData);
  const stores: Stores = {
    events,
    sealedEvents: raw,
    sql,
    personalData,
    async checkReady() {
      await sql.query('SELECT 1');
      await events.headPosition();
    },
    async close() {
      await events.close();
      await personalData.close();
      await sql.close();
    },
  };
  return { stores, applied };
}

/**
 * The feed a consumer follows: the log with personal data opened, or, for a projection that reads
 * none (`readsPersonalData: false`), as stored, so no beneficiary's key is used for it.
 */
export function feedFor(
  stores: Pick<Stores, 'events' | 'sealedEvents'>,
  consumer: FeedConsumer,
): EventStore {
  return 'readsPersonalData' in consumer && consumer.readsPersonalData === false
    ? stores.sealedEvents
    : stores.events;
}

/**
 * The SQL database alone, migrated: for tools that read no events (key rotation, benchmarks of
 * the read models).
 */
export async function openDatabase(
  config: Config,
): Promise<{ sql: SqlDatabase; applied: string[] }> {
  const sql = config.DATABASE_URL
    ? createPostgresDatabase(config.DATABASE_URL)
    : await openEmbedded(config.DATA_DIR);
  const shared = [
    readModelMigrations,
    dfspSecretsMigrations,
    beneficiaryKeysMigrations,
    fileExchangeMigrations,
    webhookMigrations,
  ];
  const sets: MigrationSet[] = config.EVENTSTORE_URL ? shared : [eventStoreMigrations, ...shared];
  try {
    return { sql, applied: await migrate(sql, sets) };
  } catch (error) {
    await sql.close();
    throw error;
  }
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
