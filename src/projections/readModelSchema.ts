import type { MigrationSet } from '../adapters/postgres/migrations.js';

/**
 * The read-model tables. `projection_checkpoints` holds, per projection, the position of the
 * last event applied (NULL: none yet), written in the same transaction as the rows.
 */
export const readModelMigrations: MigrationSet = {
  component: 'read-models',
  migrations: [
    {
      version: 1,
      name: 'projection checkpoints and stream summaries',
      sql: `
CREATE TABLE projection_checkpoints (
  projection text PRIMARY KEY,
  position numeric(20, 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stream_summaries (
  stream_id text PRIMARY KEY,
  category text NOT NULL,
  last_revision bigint NOT NULL,
  last_event_type text NOT NULL,
  first_position numeric(20, 0) NOT NULL,
  last_position numeric(20, 0) NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX stream_summaries_category ON stream_summaries (category, stream_id);
`,
    },
  ],
};
