import { PGlite } from '@electric-sql/pglite';
import type { SqlDatabase, SqlExecutor } from '../../application/sqlDatabase.js';

/**
 * A {@link SqlDatabase} on PGlite, in-process. `dataDir` is a folder that keeps the data across
 * restarts; omitted, the database lives in memory (tests). PGlite is a single connection: its
 * calls queue behind each other, so concurrency is tested on real Postgres.
 *
 * @example
 * const db = await createPgliteDatabase('./data/pglite');
 */
export async function createPgliteDatabase(dataDir?: string): Promise<SqlDatabase> {
  const pglite = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await pglite.waitReady;

  const executor = (target: Pick<PGlite, 'query' | 'exec'>): SqlExecutor => ({
    async query(text, params) {
      const result = await target.query(text, params as unknown[] | undefined);
      return {
        rows: result.rows as never[],
        rowCount: result.affectedRows ?? result.rows.length,
      };
    },
    async execute(script) {
      await target.exec(script);
    },
  });
  const database = executor(pglite);

  return {
    engine: 'pglite',
    query: database.query,
    execute: database.execute,
    transaction: (work) => pglite.transaction((tx) => work(executor(tx))),
    async openSession() {
      return { ...database, release: async () => {} };
    },
    async listen(channel, onNotify) {
      const unlisten = await pglite.listen(channel, onNotify);
      return unlisten;
    },
    async close() {
      await pglite.close();
    },
  };
}
