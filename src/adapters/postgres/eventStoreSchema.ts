import type { MigrationSet } from '../../application/sqlDatabase.js';

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
 * Data and metadata are `json`, not `jsonb`: the text is kept exactly as appended (what an
 * auditor's hash must cover) and appends skip the conversion. The table is append-only: a
 * trigger refuses UPDATE, DELETE and TRUNCATE.
 */
/** The NOTIFY channel an append signals on commit, so subscribers in other processes wake. */
export const EVENTS_CHANNEL = 'ledger_events_appended';

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
  data json NOT NULL,
  metadata json NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ledger_events_stream_revision_key UNIQUE (stream_id, stream_revision)
);

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
  -- OTHERS does not cover a cancel; a lock leaked by one would stall every writer.
  EXCEPTION WHEN OTHERS OR query_canceled THEN
    PERFORM pg_advisory_unlock(7347002);
    RAISE;
  END;
  PERFORM pg_advisory_unlock(7347002);
  RETURN first_position;
END
$fn$;

-- Writes one group of appends as one statement (so, in autocommit, one transaction and one
-- round trip). Append n (1-based) goes to streams[n] if the stream's revision is expected[n]
-- ('no_stream', 'stream_exists' or a number) and carries counts[n] events; events is a JSON
-- array of every event in append order, {a: n, i: id, t: type, d: data, m: metadata}. Appends
-- that match are written, the others only reported. Answers, per append, the stream's last
-- revision before it, whether it was written, and the group's first position: positions follow
-- the order of the events, written appends only.
CREATE FUNCTION ledger_append(streams text[], expected text[], counts integer[], events json)
RETURNS TABLE (append_index integer, revision_before bigint, written boolean, first_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  befores bigint[];
  oks boolean[];
  total integer;
  first bigint;
BEGIN
  SELECT array_agg(c.before ORDER BY c.idx),
         array_agg(c.ok ORDER BY c.idx),
         coalesce(sum(counts[c.idx]) FILTER (WHERE c.ok), 0)
    INTO befores, oks, total
  FROM (
    SELECT s.idx::integer AS idx, latest.before,
           CASE expected[s.idx]
             WHEN 'no_stream' THEN latest.before IS NULL
             WHEN 'stream_exists' THEN latest.before IS NOT NULL
             ELSE coalesce(latest.before = expected[s.idx]::bigint, false)
           END AS ok
    FROM unnest(streams) WITH ORDINALITY AS s(stream, idx)
    LEFT JOIN LATERAL (
      SELECT e.stream_revision AS before FROM ledger_events e
      WHERE e.stream_id = s.stream ORDER BY e.stream_revision DESC LIMIT 1
    ) AS latest ON true
  ) AS c;

  IF total > 0 THEN
    first := ledger_reserve_positions(total);
    INSERT INTO ledger_events (global_position, transaction_id, event_id, stream_id,
                               stream_revision, event_type, data, metadata)
    SELECT first + row_number() OVER (ORDER BY ev.ord) - 1, pg_current_xact_id(), ev.i,
           streams[ev.a],
           coalesce(befores[ev.a], -1) + row_number() OVER (PARTITION BY ev.a ORDER BY ev.ord),
           ev.t, ev.d, ev.m
    FROM ROWS FROM (json_to_recordset(events) AS (a integer, i uuid, t text, d json, m json))
      WITH ORDINALITY AS ev(a, i, t, d, m, ord)
    WHERE oks[ev.a];
    PERFORM pg_notify('${EVENTS_CHANNEL}', '');
  END IF;

  RETURN QUERY SELECT i, befores[i], oks[i], first FROM generate_subscripts(oks, 1) AS i;
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
    {
      version: 2,
      name: 'events by type in feed order',
      // The feed filtered by type (`GET /v1/events?type=`, projections' filters) walks this
      // index in position order instead of scanning every event for the few of its types.
      sql: `
CREATE INDEX IF NOT EXISTS ledger_events_type_position_idx
  ON ledger_events (event_type, global_position);
`,
    },
  ],
};
