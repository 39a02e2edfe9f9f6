import { createPostgresDatabase } from '../../src/adapters/postgres/postgresDatabase.js';
import { createPostgresEventStore } from '../../src/adapters/postgres/postgresEventStore.js';
import { createMigratedPostgres, databaseUrl, NO_POSTGRES } from '../support/databases.js';
import { describeEventStoreContract } from './eventStoreContract.js';

// The rival writer has its own pool: real concurrent connections racing in Postgres itself.
describeEventStoreContract(
  'Postgres adapter on Postgres',
  async () => {
    const { db, scratch, close } = await createMigratedPostgres();
    const rivalDb = createPostgresDatabase(scratch.url);
    return {
      store: createPostgresEventStore(db, { pollIntervalMs: 50 }),
      openSecondWriter: async () => createPostgresEventStore(rivalDb, { pollIntervalMs: 50 }),
      async close() {
        await rivalDb.close();
        await close();
      },
    };
  },
  databaseUrl ? {} : { skip: NO_POSTGRES },
);
