-- Meshplane schema, version 7: webhooks. A webhook POSTs the events of the
-- feed that match its filters to a URL, in sequence order, and keeps a log
-- of its delivery attempts. Conventions as in 0001_init.sql.

-- A subscription and its delivery cursor. Every event with a sequence up to
-- delivered_sequence was delivered (or skipped as not matching). A delivery
-- worker takes a webhook with SELECT ... FOR UPDATE SKIP LOCKED, so one
-- worker at a time, on any replica, delivers its events, in order.
CREATE TABLE webhooks (
  id                  text COLLATE "C" PRIMARY KEY,
  url                 text NOT NULL,
  -- Type prefixes ("domain", "dataproduct", ...); empty for all.
  resource_types      text[] NOT NULL DEFAULT '{}',
  -- A domain id ('' for all). Not a foreign key: a webhook outlives the
  -- domain it watched (its deletion is the last event it matches).
  domain_id           text COLLATE "C" NOT NULL DEFAULT '',
  include_subdomains  boolean NOT NULL DEFAULT false,
  -- The HMAC key. Signing needs it as given, so it cannot be hashed:
  -- protect the database (and its backups) accordingly.
  secret              text NOT NULL,
  creator             text NOT NULL,
  create_time         timestamptz NOT NULL,
  delivered_sequence  bigint NOT NULL DEFAULT 0,
  failing_attempts    integer NOT NULL DEFAULT 0,
  last_error          text NOT NULL DEFAULT '',
  next_attempt_time   timestamptz NOT NULL
);
-- Finding the due webhooks.
CREATE INDEX webhooks_due_idx ON webhooks (next_attempt_time);

-- The delivery log: one row per attempt, the newest few hundred per
-- webhook (older rows are deleted as new ones are appended).
CREATE TABLE webhook_deliveries (
  sequence        bigserial PRIMARY KEY,
  webhook_id      text COLLATE "C" NOT NULL
                  REFERENCES webhooks (id) ON DELETE CASCADE,
  event_sequence  bigint NOT NULL,
  event_type      text NOT NULL,
  attempt         integer NOT NULL,
  time            timestamptz NOT NULL,
  http_status     integer NOT NULL,
  success         boolean NOT NULL,
  error           text NOT NULL DEFAULT '',
  duration_us     bigint NOT NULL
);
CREATE INDEX webhook_deliveries_webhook_idx
  ON webhook_deliveries (webhook_id, sequence);
