/**
 * The one seam between our SQL and the two engines that run it: Postgres over `pg`, and PGlite
 * (Postgres compiled to WASM, in-process). Everything above this file writes the same SQL for
 * both. Results come back as the engines give them, so SQL that returns 64-bit integers casts
 * them to text (`pg` gives strings, PGlite gives lossy numbers).
 */
export interface SqlExecutor {
  query<Row extends object = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<{ rows: Row[]; rowCount: number }>;
  /** Runs a script of several statements without parameters (a migration). */
  execute(script: string): Promise<void>;
}

export interface SqlDatabase extends SqlExecutor {
  readonly engine: 'postgres' | 'pglite';
  /**
   * Runs `work` in one transaction on one connection: committed when it resolves, rolled back
   * when it throws (and the error rethrown). A connection whose transaction failed is not reused.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * A session pinned to one connection for as long as the caller holds it: what a session-level
   * advisory lock needs. On PGlite there is only one session, so this is the database itself.
   */
  openSession(): Promise<SqlSession>;
  /** Calls `onNotify` for each NOTIFY on the channel, from any process; resolves to unlisten. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface SqlSession extends SqlExecutor {
  release(): Promise<void>;
}

/**
 * One versioned schema change. A migration is never edited once released: its checksum is
 * recorded, and a changed migration stops start-up instead of leaving two databases that claim
 * the same version with different schemas.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * An ordered list of migrations owned by one part of the service (`event-store`,
 * `read-models`).
 */
export interface MigrationSet {
  readonly component: string;
  readonly migrations: readonly Migration[];
}
