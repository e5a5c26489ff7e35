-- Meshplane schema, version 5: access to output ports. Consumers file access
-- requests, grants answer them, and CheckAccess keeps a log of what it
-- decided. Conventions as in 0001_init.sql (ids text COLLATE "C", times
-- timestamptz, a revision per resource row).
--
-- Requests and grants are listed newest first, (create_time, id)
-- descending, with keyset paging; every list filter has an index in that
-- order, so a filtered page is an index range scan that stops after `limit`
-- rows.

-- A request for access to one output port. Its ids are server-assigned
-- UUIDs. grant_id ('' until approved) is not a foreign key: the request and
-- its grant are written in one transaction, in either order.
--
-- Deleting the port (with its product, or by dropping it from the product)
-- deletes its requests (ON DELETE CASCADE): a request for a port that no
-- longer exists cannot be decided any more, and the audit log keeps its
-- history.
CREATE TABLE access_requests (
  id              text COLLATE "C" PRIMARY KEY,
  uid             text NOT NULL,
  domain_id       text COLLATE "C" NOT NULL,
  product_id      text COLLATE "C" NOT NULL,
  port_id         text COLLATE "C" NOT NULL,
  consumer        text COLLATE "C" NOT NULL,
  requester       text COLLATE "C" NOT NULL,
  actions         text[] COLLATE "C" NOT NULL DEFAULT '{}',
  purpose         text NOT NULL DEFAULT '',
  duration_us     bigint NOT NULL DEFAULT 0,
  -- As stored: a PENDING request past expire_time is EXPIRED whether or not
  -- anything has written that down (model::AccessRequest::StateAt); the
  -- state list filter applies the same rule.
  state           text NOT NULL
                  CHECK (state IN ('PENDING', 'APPROVED', 'DENIED',
                                   'WITHDRAWN', 'EXPIRED')),
  -- text, not jsonb: kept byte for byte.
  decision_json   text NOT NULL DEFAULT '',
  grant_id        text COLLATE "C" NOT NULL DEFAULT '',
  reviewer        text NOT NULL DEFAULT '',
  review_comment  text NOT NULL DEFAULT '',
  create_time     timestamptz NOT NULL,
  update_time     timestamptz NOT NULL,
  expire_time     timestamptz NOT NULL,
  revision        bigint NOT NULL,
  CONSTRAINT access_requests_port_fk
    FOREIGN KEY (domain_id, product_id, port_id)
    REFERENCES output_ports (domain_id, product_id, port_id) ON DELETE CASCADE
);
-- The unfiltered list.
CREATE INDEX access_requests_time_idx
  ON access_requests (create_time DESC, id DESC);
-- The port filter; also the cascade when a port goes.
CREATE INDEX access_requests_port_idx ON access_requests
  (domain_id, product_id, port_id, create_time DESC, id DESC);
-- The product filter (any port of the product).
CREATE INDEX access_requests_product_idx ON access_requests
  (domain_id, product_id, create_time DESC, id DESC);
CREATE INDEX access_requests_consumer_idx ON access_requests
  (consumer, create_time DESC, id DESC);
CREATE INDEX access_requests_requester_idx ON access_requests
  (requester, create_time DESC, id DESC);
-- The state filter. EXPIRED reads two states (stored EXPIRED, and PENDING
-- past expire_time), so it merges two ranges of this index.
CREATE INDEX access_requests_state_idx ON access_requests
  (state, create_time DESC, id DESC);
-- PENDING as of now: only the requests still waiting (expire_time > now),
-- however many stored PENDING ones have expired without anything writing
-- EXPIRED down; those would otherwise all be read and filtered out.
CREATE INDEX access_requests_pending_idx ON access_requests (expire_time)
  WHERE state = 'PENDING';

-- Access of one consumer to one output port. The store has no way to delete
-- a grant: it expires, or it is revoked (revoke_time set), and stays listed
-- for the record.
--
-- Deleting the port deletes its grants (ON DELETE CASCADE), for two
-- reasons:
--  - A grant must not outlive its port. Without the foreign key (or with
--    SET NULL) a port deleted and created again under the same name would
--    silently inherit the old port's grants, and so would hand its data to
--    consumers nobody approved for it.
--  - RESTRICT would make DeleteDataProduct and UpdateDataProduct refuse a
--    product while any grant, even an expired or revoked one, names one of
--    its ports; grants are never deleted, so such a product could never go,
--    and the store's contract for those methods lists no such refusal.
-- What the grant was stays in the audit log and in the decision log. The
-- service should revoke a product's active grants (and tell their holders)
-- before it deletes the product.
--
-- access_request_id ('' for grants made otherwise) is not a foreign key:
-- see access_requests.grant_id.
CREATE TABLE grants (
  id                 text COLLATE "C" PRIMARY KEY,
  uid                text NOT NULL,
  domain_id          text COLLATE "C" NOT NULL,
  product_id         text COLLATE "C" NOT NULL,
  port_id            text COLLATE "C" NOT NULL,
  consumer           text COLLATE "C" NOT NULL,
  actions            text[] COLLATE "C" NOT NULL DEFAULT '{}',
  purpose            text NOT NULL DEFAULT '',
  access_request_id  text COLLATE "C" NOT NULL DEFAULT '',
  granted_by         text NOT NULL DEFAULT '',
  create_time        timestamptz NOT NULL,
  expire_time        timestamptz NOT NULL,
  revoke_time        timestamptz,
  revoked_by         text NOT NULL DEFAULT '',
  revoke_reason      text NOT NULL DEFAULT '',
  revision           bigint NOT NULL,
  CONSTRAINT grants_port_fk FOREIGN KEY (domain_id, product_id, port_id)
    REFERENCES output_ports (domain_id, product_id, port_id) ON DELETE CASCADE
);
-- The unfiltered list.
CREATE INDEX grants_time_idx ON grants (create_time DESC, id DESC);
-- The port filter; also the cascade when a port goes.
CREATE INDEX grants_port_idx
  ON grants (domain_id, product_id, port_id, create_time DESC, id DESC);
-- The product filter.
CREATE INDEX grants_product_idx
  ON grants (domain_id, product_id, create_time DESC, id DESC);
-- Grants by consumer: the consumers filter (a principal and its teams, an
-- IN list: one range per consumer).
CREATE INDEX grants_consumer_idx
  ON grants (consumer, create_time DESC, id DESC);
-- The active_only list filter without other filters (revoked grants pile up
-- over time; expired ones are filtered on the heap row).
CREATE INDEX grants_unrevoked_time_idx ON grants (create_time DESC, id DESC)
  WHERE revoke_time IS NULL;
-- ActiveGrants: what the CheckAccess index loads, in id order, page by page.
CREATE INDEX grants_active_idx ON grants (id) INCLUDE (expire_time)
  WHERE revoke_time IS NULL;

-- The CheckAccess decision log. Append-only, as audit_log: the trigger below
-- refuses UPDATE, DELETE and TRUNCATE. No foreign keys: the log outlives
-- ports and grants, and records checks of ports that never existed.
--
-- No secondary indexes yet: this is the hot write path (CheckAccess
-- decisions are appended in batches), and nothing reads the log through
-- the store so far. Add the index together with the query that needs it.
CREATE TABLE access_decisions (
  sequence       bigserial PRIMARY KEY,
  time           timestamptz NOT NULL,
  caller         text COLLATE "C" NOT NULL DEFAULT '',
  principal      text COLLATE "C" NOT NULL DEFAULT '',
  domain_id      text COLLATE "C" NOT NULL DEFAULT '',
  product_id     text COLLATE "C" NOT NULL DEFAULT '',
  port_id        text COLLATE "C" NOT NULL DEFAULT '',
  action         text NOT NULL DEFAULT '',
  allowed        boolean NOT NULL,
  grant_id       text COLLATE "C" NOT NULL DEFAULT '',
  reason         text NOT NULL DEFAULT '',
  decision_json  text NOT NULL DEFAULT ''
);

-- mp_audit_log_is_append_only (0001) names audit_log in its message; this
-- one names the table it guards.
CREATE FUNCTION mp_table_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER access_decisions_no_update_delete
  BEFORE UPDATE OR DELETE ON access_decisions
  FOR EACH ROW EXECUTE FUNCTION mp_table_is_append_only();
CREATE TRIGGER access_decisions_no_truncate
  BEFORE TRUNCATE ON access_decisions
  FOR EACH STATEMENT EXECUTE FUNCTION mp_table_is_append_only();
