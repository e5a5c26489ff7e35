-- Meshplane schema, version 12: an outbox without a global commit lock.
-- Conventions as in 0001_init.sql.
--
-- Until now every write transaction took one advisory lock before its event
-- and held it to commit, so that sequences followed commit order; it was
-- held across the commit's WAL flush, so writes committed one per flush and
-- group commit never happened (docs/performance.md).
--
-- Now a write appends its event unnumbered: `sequence` is NULL, `append_id`
-- (drawn from the old sequence, so it continues the numbering) records the
-- order of appends, `xid` the writing transaction. After its commit the
-- writer (and, as a fallback, any reader of the feed) runs
-- mp_publish_events(), which numbers every committed unnumbered event in
-- one short transaction. Publishers take turns under the advisory lock
-- that appends used to take; writers never wait for each other's commits.
-- An event's sequence is therefore given only once it has committed, and
-- every number a publisher gives is above every number committed before:
-- a reader that resumes after N can never miss an event numbered N or
-- below later (the feed's contract, unchanged for clients).
--
-- Within one publication, events go in (xid, append_id) order, so a
-- transaction's events stay together; each gets
--   max(its append_id, previous sequence + 1),
-- so that while writers do not overlap, an event's sequence is the number
-- AppendEvent returned, gaps of rolled-back appends included.
ALTER TABLE events ALTER COLUMN sequence DROP DEFAULT;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ALTER COLUMN sequence DROP NOT NULL;
ALTER TABLE events ADD CONSTRAINT events_sequence_key UNIQUE (sequence);
ALTER SEQUENCE events_sequence_seq OWNED BY NONE;

ALTER TABLE events ADD COLUMN append_id bigint;
UPDATE events SET append_id = sequence;
ALTER TABLE events ALTER COLUMN append_id SET NOT NULL;
ALTER TABLE events
  ALTER COLUMN append_id SET DEFAULT nextval('events_sequence_seq');
ALTER TABLE events ADD CONSTRAINT events_append_id_key UNIQUE (append_id);
ALTER SEQUENCE events_sequence_seq OWNED BY events.append_id;

-- NULL for the events numbered before this migration.
ALTER TABLE events ADD COLUMN xid xid8;
ALTER TABLE events ALTER COLUMN xid SET DEFAULT pg_current_xact_id();

-- The events still to number: few at any time.
CREATE INDEX events_unpublished_idx ON events (append_id)
  WHERE sequence IS NULL;

-- Numbers the committed unnumbered events, at most 10,000 of them, and
-- notifies meshplane_events (payload: the newest sequence) when it numbered
-- any. Returns how many it numbered, or NULL when `wait` is false and
-- another publisher holds the turn (that one, or the next, numbers them).
-- Must run at READ COMMITTED (it does in autocommit): each statement below
-- then takes a new snapshot, after the lock, and sees what the previous
-- publisher committed. Under a transaction snapshot it would number events
-- twice, so it refuses to run there.
CREATE FUNCTION mp_publish_events(wait boolean) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  head bigint;
  numbered bigint;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'mp_publish_events runs at read committed only'
      USING ERRCODE = 'invalid_transaction_state';
  END IF;
  IF wait THEN
    PERFORM pg_advisory_xact_lock(1297109832, 2);
  ELSIF NOT pg_try_advisory_xact_lock(1297109832, 2) THEN
    RETURN NULL;
  END IF;
  SELECT coalesce(max(sequence), 0) INTO head FROM events;
  WITH pending AS (
    SELECT append_id,
           row_number() OVER (ORDER BY xid, append_id) AS n
    FROM events
    WHERE sequence IS NULL
    ORDER BY xid, append_id
    LIMIT 10000
  ), numbered_rows AS (
    SELECT append_id,
           n + greatest(head, max(append_id - n) OVER (
                 ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
             AS sequence
    FROM pending
  )
  UPDATE events e SET sequence = r.sequence
  FROM numbered_rows r
  WHERE e.append_id = r.append_id AND e.sequence IS NULL;
  GET DIAGNOSTICS numbered = ROW_COUNT;
  IF numbered > 0 THEN
    SELECT max(sequence) INTO head FROM events;
    PERFORM pg_notify('meshplane_events', head::text);
  END IF;
  RETURN numbered;
END
$$;
