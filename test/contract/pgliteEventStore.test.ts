import { createPostgresEventStore } from '../../src/adapters/postgres/postgresEventStore.js';
import { createMigratedPglite } from '../support/databases.js';
import { describeEventStoreContract } from './eventStoreContract.js';

// PGlite is one connection: the rival writer is a second store object on the same database,
// so races meet in the group-commit queue and the unique constraints rather than on two sockets.
describeEventStoreContract('Postgres adapter on PGlite', async () => {
  const db = await createMigratedPglite();
  return {
    store: createPostgresEventStore(db, { pollIntervalMs: 50 }),
    openSecondWriter: async () => createPostgresEventStore(db, { pollIntervalMs: 50 }),
    close: () => db.close(),
  };
});
