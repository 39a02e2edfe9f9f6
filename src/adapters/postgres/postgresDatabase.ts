import pg from 'pg';
import type { SqlDatabase, SqlExecutor, SqlSession } from '../../application/sqlDatabase.js';

export interface PostgresDatabaseOptions {
  /** Pool size; default 10. */
  readonly maxConnections?: number;
  readonly applicationName?: string;
  /** How long to wait for a connection (a free one in the pool, or a new one); default 10 s. */
  readonly connectionTimeoutMs?: number;
  /**
   * The server cancels any statement of this pool's sessions running longer; default 30 s, 0 for
   * none. Migrations lift it for their own transaction (`SET LOCAL statement_timeout = 0`).
   */
  readonly statementTimeoutMs?: number;
}

/**
 * A connection that cannot be had in this time fails the request instead of queueing it without
 * end behind a pool exhausted by slow clients or a database that does not answer.
 */
export const CONNECTION_TIMEOUT_MS = 10_000;

/**
 * No statement of the service runs longer: a request, an append or a projection batch (at most
 * `PROJECTION_BATCH_SIZE` events a transaction) takes milliseconds; one that runs this long is
 * stuck behind a lock or asks too much, and is cancelled (its transaction rolls back) rather
 * than holding a connection. Migrations, which may build an index over every event, are exempt.
 */
export const STATEMENT_TIMEOUT_MS = 30_000;

/**
 * A {@link SqlDatabase} on a Postgres server through a `pg` pool.
 *
 * @example
 * const db = createPostgresDatabase('postgres://127.0.0.1:5432/ledger');
 */
export function createPostgresDatabase(
  connectionString: string,
  options: PostgresDatabaseOptions = {},
): SqlDatabase {
  const limits = {
    connectionTimeoutMillis: options.connectionTimeoutMs ?? CONNECTION_TIMEOUT_MS,
    statement_timeout: options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS,
  };
  const pool = new pg.Pool({
    connectionString,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'g2p-ledger',
    ...limits,
  });
  // An idle client that loses its connection emits here; without a listener it would crash the
  // process. The pool discards it and the next checkout opens a new one.
  pool.on('error', () => {});

  const query: SqlExecutor['query'] = async (text, params) => {
    const result = await pool.query(text, params as unknown[] | undefined);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  };

  return {
    engine: 'postgres',
    query,
    async execute(script) {
      await pool.query(script);
    },
    async transaction(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(executorOf(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        broken = error instanceof Error ? error : new Error(String(error));
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        // Passing the error destroys the connection: whatever session state the failure left
        // (a lock, a half-read result) goes with it.
        client.release(broken);
      }
    },
    async openSession(): Promise<SqlSession> {
      const client = await pool.connect();
      return {
        ...executorOf(client),
        async release() {
          // Session state (advisory locks) must not leak to the next user of this connection.
          client.release(true);
        },
      };
    },
    async listen(channel, onNotify) {
      const client = new pg.Client({ connectionString, ...limits });
      client.on('notification', (message) => {
        if (message.channel === channel) onNotify();
      });
      client.on('error', () => {});
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return async () => {
        await client.end().catch(() => {});
      };
    },
    async close() {
      await pool.end();
    },
  };
}

function executorOf(client: pg.PoolClient): SqlExecutor {
  return {
    async query(text, params) {
      const result = await client.query(text, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    },
    async execute(script) {
      await client.query(script);
    },
  };
}
