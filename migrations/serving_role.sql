-- The privileges of the serving role: what meshplaned needs to serve, and
-- nothing that can alter the schema or rewrite the audit tables.
--
-- Not a numbered migration: `meshplaned migrate --serving-role NAME`
-- applies it after the migrations on every run, in one transaction, with
-- :"serving_role" replaced by the quoted role name. By hand:
--   psql -v ON_ERROR_STOP=1 -v serving_role=NAME -1 -f serving_role.sql
-- Edit it in the same change as a migration that adds a table or a
-- sequence, or as code that needs a new verb on a table: tests fail while a
-- table of the schema is missing here, and the server tests run as a role
-- that has only these privileges.
--
-- Each table gets only the verbs the statements of src/store/postgres use
-- on it. Deletes that cascade from a parent run with the table owner's
-- rights and need no DELETE here. No table gets TRUNCATE, REFERENCES or
-- TRIGGER, and audit_log and access_decisions get SELECT and INSERT only.

-- Start from nothing, so that a privilege granted by hand, or one dropped
-- from this file, does not linger.
REVOKE ALL ON TABLE
  schema_migrations, teams, team_members, domains, data_products,
  output_ports, input_ports, api_tokens, audit_log, events, idempotency,
  policies, policy_revisions, waivers, contracts, contract_versions,
  access_requests, grants, access_decisions, slo_observations, slo_breaches,
  webhooks, webhook_deliveries, web_sessions
  FROM :"serving_role";
REVOKE ALL ON SEQUENCE
  audit_log_sequence_seq, events_sequence_seq,
  policy_revisions_sequence_seq, access_decisions_sequence_seq,
  slo_observations_sequence_seq, webhook_deliveries_sequence_seq
  FROM :"serving_role";

-- Start-up and readiness read the schema version.
GRANT SELECT ON TABLE schema_migrations TO :"serving_role";

-- Append-only: written in the transaction of each write, and by the
-- decision log; read by ListAuditRecords.
GRANT SELECT, INSERT ON TABLE audit_log, access_decisions
  TO :"serving_role";
-- History that is only ever appended to.
GRANT SELECT, INSERT ON TABLE policy_revisions, contract_versions
  TO :"serving_role";

-- The registry: created, updated (etag-checked) and deleted through the API.
-- Product writes also keep data_products.port_text, the ports' search text
-- (0011); SearchDataProducts only reads, and its functions
-- (mp_search_words, mp_product_search_doc) are executable by everyone.
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE
  teams, domains, data_products, policies
  TO :"serving_role";
-- Output ports are upserted by product writes (ON CONFLICT DO UPDATE) and
-- the ones a write drops are deleted; input ports and members are replaced.
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE output_ports
  TO :"serving_role";
GRANT SELECT, INSERT, DELETE ON TABLE input_ports, team_members
  TO :"serving_role";
-- Waivers are granted and withdrawn, never changed.
GRANT SELECT, INSERT, DELETE ON TABLE waivers TO :"serving_role";
-- Revoked (UPDATE), never deleted.
GRANT SELECT, INSERT, UPDATE ON TABLE api_tokens TO :"serving_role";
-- Contracts change state; their versions (above) are immutable.
GRANT SELECT, INSERT, UPDATE ON TABLE contracts TO :"serving_role";
-- Access requests are decided, grants revoked: updated, never deleted.
GRANT SELECT, INSERT, UPDATE ON TABLE access_requests, grants
  TO :"serving_role";

-- The event outbox: appended by writes; retention deletes old events and
-- turns the newest pruned one into the watermark tombstone (UPDATE).
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE events TO :"serving_role";
-- Request ids: upserted, and swept after 24 hours.
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE idempotency
  TO :"serving_role";
-- SLO observations are pruned past the longest window; breaches are closed.
GRANT SELECT, INSERT, DELETE ON TABLE slo_observations TO :"serving_role";
GRANT SELECT, INSERT, UPDATE ON TABLE slo_breaches TO :"serving_role";
-- Webhooks: created and deleted through the API, their cursor moved by the
-- delivery workers (SELECT ... FOR UPDATE SKIP LOCKED needs UPDATE); the
-- delivery log keeps the newest attempts and deletes older ones.
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE webhooks TO :"serving_role";
GRANT SELECT, INSERT, DELETE ON TABLE webhook_deliveries
  TO :"serving_role";
-- Browser sessions: created at sign-in, deleted at sign-out or expiry.
GRANT SELECT, INSERT, DELETE ON TABLE web_sessions TO :"serving_role";

-- nextval() of the bigserial columns that INSERTs fill.
GRANT USAGE ON SEQUENCE
  audit_log_sequence_seq, events_sequence_seq,
  policy_revisions_sequence_seq, access_decisions_sequence_seq,
  slo_observations_sequence_seq, webhook_deliveries_sequence_seq
  TO :"serving_role";
