/**
 * A projection runner in its own process, for the kill test: runs the applications projection
 * against WORKER_DATABASE_URL until killed.
 */
import { createPostgresDatabase } from '../../src/adapters/postgres/postgresDatabase.js';
import { createPostgresEventStore } from '../../src/adapters/postgres/postgresEventStore.js';
import { runProjection } from '../../src/projections/projectionRunner.js';
import { applicationsProjection } from './applicationsProjection.js';

const url = process.env.WORKER_DATABASE_URL;
if (!url) throw new Error('WORKER_DATABASE_URL is required');
const db = createPostgresDatabase(url);
const store = createPostgresEventStore(db);
await runProjection(
  store,
  db,
  applicationsProjection({ runner: `pid-${process.pid}`, slow: true }),
  {
    batchSize: 200,
    lockRetryMs: 100,
  },
);
