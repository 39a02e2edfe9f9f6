import type { Projection } from '../application/feedConsumer.js';

/**
 * One row per stream: its category (the name before the first `-`: `batch`, `payment`, `dfsp`),
 * its last revision and event type, and when it began and last changed. It lets auditors and
 * reporting tools list what exists without scanning the event log.
 */
export const streamSummaries: Projection = {
  name: 'stream-summaries',
  tables: ['stream_summaries'],
  // Stream names, types, positions and times only: the sealed feed does.
  readsPersonalData: false,
  async apply(tx, events) {
    // One statement per batch: the rows of one stream collapse to its first and last event.
    await tx.query(
      `INSERT INTO stream_summaries AS s (stream_id, category, last_revision, last_event_type,
         first_position, last_position, created_at, updated_at)
       SELECT DISTINCT ON (e.stream) e.stream, split_part(e.stream, '-', 1), e.revision, e.type,
         first_value(e.position) OVER (PARTITION BY e.stream ORDER BY e.position),
         e.position,
         first_value(e.occurred_at) OVER (PARTITION BY e.stream ORDER BY e.position),
         e.occurred_at
       FROM json_to_recordset($1::json)
         AS e(stream text, revision bigint, type text, position numeric, occurred_at timestamptz)
       ORDER BY e.stream, e.position DESC
       ON CONFLICT (stream_id) DO UPDATE SET
         last_revision = excluded.last_revision,
         last_event_type = excluded.last_event_type,
         last_position = excluded.last_position,
         updated_at = excluded.updated_at`,
      [
        JSON.stringify(
          events.map((event) => ({
            stream: event.stream,
            revision: String(event.revision),
            type: event.type,
            position: String(event.position),
            occurred_at: event.metadata.occurredAt,
          })),
        ),
      ],
    );
  },
};
