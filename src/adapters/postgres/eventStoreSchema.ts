import type { MigrationSet } from './migrations.js';

/**
 * The Postgres event store's tables.
 *
 * Global order is commit-visibility order. Each appending transaction calls
 * `ledger_reserve_positions` as its first write: under a short session lock it takes its
 * transaction id and a range of positions together, so transaction ids and positions rise in the
 * same order. A reader then returns only events whose transaction id is below the oldest running
 * transaction (`pg_snapshot_xmin`): those form a gap-free prefix of the positions, so no reader
 * ever moves past an event that commits late.
 *
 * The table is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE.
 */
export const eventStoreMigrations: MigrationSet = {
  component: 'event-store',
  migrations: [
    {
      version: 1,
      name: 'events, positions by commit visibility, append-only',
      sql: `
CREATE SEQUENCE ledger_event_position_seq AS bigint START WITH 1;

CREATE TABLE ledger_events (
  global_position bigint PRIMARY KEY,
  transaction_id xid8 NOT NULL,
  event_id uuid NOT NULL UNIQUE,
  stream_id text NOT NULL,
  stream_revision bigint NOT NULL CHECK (stream_revision >= 0),
  event_type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ledger_events_stream_revision_key UNIQUE (stream_id, stream_revision)
);

CREATE INDEX ledger_events_type_position ON ledger_events (event_type, global_position);

CREATE FUNCTION ledger_reserve_positions(event_count integer) RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
  first_position bigint;
BEGIN
  IF event_count < 1 THEN
    RAISE EXCEPTION 'ledger_reserve_positions: event_count must be positive, got %', event_count;
  END IF;
  -- The transaction id must be taken inside the lock, or the order argument above fails.
  IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
    RAISE EXCEPTION 'ledger_reserve_positions must be the first write of its transaction';
  END IF;
  PERFORM pg_advisory_lock(7347002);
  BEGIN
    PERFORM pg_current_xact_id();
    first_position := nextval('ledger_event_position_seq');
    IF event_count > 1 THEN
      PERFORM setval('ledger_event_position_seq', first_position + event_count - 1);
    END IF;
  EXCEPTION WHEN OTHERS THEN
    PERFORM pg_advisory_unlock(7347002);
    RAISE;
  END;
  PERFORM pg_advisory_unlock(7347002);
  RETURN first_position;
END
$fn$;

CREATE FUNCTION ledger_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'ledger_events is append-only: % refused', TG_OP;
END
$fn$;

CREATE TRIGGER ledger_events_append_only
  BEFORE UPDATE OR DELETE ON ledger_events
  FOR EACH ROW EXECUTE FUNCTION ledger_events_refuse_change();

CREATE TRIGGER ledger_events_no_truncate
  BEFORE TRUNCATE ON ledger_events
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_events_refuse_change();
`,
    },
  ],
};

/** The NOTIFY channel an append signals on commit, so subscribers in other processes wake. */
export const EVENTS_CHANNEL = 'ledger_events_appended';
