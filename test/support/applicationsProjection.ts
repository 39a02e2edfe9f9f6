import type { RecordedEvent } from '../../src/application/eventStore.js';
import type { Projection } from '../../src/application/feedConsumer.js';
import type { SqlExecutor } from '../../src/application/sqlDatabase.js';

/**
 * A projection that records every application of every event, with no uniqueness constraint, so
 * that an event applied twice shows as two rows instead of an error.
 */
export const applicationsTable = `
CREATE TABLE IF NOT EXISTS event_applications (
  event_id uuid NOT NULL,
  position numeric(20, 0) NOT NULL,
  runner text NOT NULL
)`;

export interface ApplicationsProjectionOptions {
  readonly runner?: string;
  /** Throw after applying this many events of a batch (inside the transaction). */
  readonly failAfter?: () => number | undefined;
  /** Apply row by row and slowly (≥ 1 ms an event), so a kill lands mid-batch. */
  readonly slow?: boolean;
}

export function applicationsProjection(options: ApplicationsProjectionOptions = {}): Projection {
  return {
    name: 'event-applications',
    tables: ['event_applications'],
    async apply(tx: SqlExecutor, events: readonly RecordedEvent[]) {
      const failAfter = options.failAfter?.();
      if (options.slow || failAfter !== undefined) {
        let count = 0;
        for (const event of events) {
          if (count === failAfter) throw new Error(`induced failure after ${count} events`);
          await insert(tx, [event], options.runner ?? 'test');
          count += 1;
          // At least a millisecond an event: a batch of 200 takes long enough to be killed in.
          if (options.slow) await new Promise((resolve) => setTimeout(resolve, 1));
        }
        return;
      }
      await insert(tx, events, options.runner ?? 'test');
    },
  };
}

async function insert(tx: SqlExecutor, events: readonly RecordedEvent[], runner: string) {
  await tx.query(
    `INSERT INTO event_applications (event_id, position, runner)
     SELECT e.id, e.position, $2 FROM json_to_recordset($1::json) AS e(id uuid, position numeric)`,
    [
      JSON.stringify(events.map((event) => ({ id: event.id, position: String(event.position) }))),
      runner,
    ],
  );
}

/** Counts of applications: every event once means `applications === distinctEvents`. */
export async function applicationCounts(sql: SqlExecutor) {
  const { rows } = await sql.query<{
    applications: string;
    distinct_events: string;
    runners: string[];
  }>(
    `SELECT count(*)::text AS applications, count(DISTINCT event_id)::text AS distinct_events,
            coalesce(array_agg(DISTINCT runner), '{}') AS runners
     FROM event_applications`,
  );
  return {
    applications: Number(rows[0]?.applications),
    distinctEvents: Number(rows[0]?.distinct_events),
    runners: rows[0]?.runners ?? [],
  };
}
