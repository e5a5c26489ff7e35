-- pgbench script: the database work of one data product registration, as a
-- floor to compare CreateDataProduct with (scripts/bench-server.sh runs it
-- against a scratch database migrated with migrations/, in which the team and
-- the domain `bench` exist).
--
-- One transaction: the product row, its two output port rows (mp_load's
-- products have two) and one audit row whose after_json is about the size of
-- the product's JSON. Deliberately not included: the outbox event, the
-- idempotency record and the reads that the server's transaction also makes
-- (registration_full.sql adds those): this is the bare "insert product +
-- insert audit" the aim is stated against. Default isolation (READ
-- COMMITTED), simple protocol, one statement per round trip.
\set n random(1, 9000000000000000000)
BEGIN;
INSERT INTO data_products (domain_id, id, uid, display_name, description,
    owner_team_id, lifecycle, tier, classification, tags, labels,
    create_time, update_time, revision)
  VALUES ('bench', 'pg-' || :n, gen_random_uuid()::text,
    'Load test product pg-' || :n,
    'Orders placed on the web shop, one row per order line, refreshed hourly. Created by mp_load.',
    'bench', 'DRAFT', 2, 'INTERNAL', '{bench,orders}',
    '{"cost-center":  "cc-1234", "source":  "mp_load"}', now(), now(), 1);
INSERT INTO output_ports (domain_id, product_id, port_id, ordinal,
    display_name, type, server, location, description, availability_percent,
    max_staleness_us)
  VALUES
    ('bench', 'pg-' || :n, 'orders-v1', 0, 'Orders (table)', 'table',
     'postgres://warehouse.internal:5432/sales', 'sales.orders_v1',
     'One row per order line.', 99.9, 3600000000),
    ('bench', 'pg-' || :n, 'orders-stream', 1, 'Orders (stream)', 'topic',
     'kafka://broker.internal:9092', 'sales.orders.v1',
     'Order events as they happen.', NULL, NULL);
INSERT INTO audit_log (time, principal, method, resource, request_id,
    after_json, outcome_code)
  VALUES (now(), 'user:' || 'admin',
    'meshplane.v1.DataProductService/CreateDataProduct',
    'domains/bench/dataProducts/pg-' || :n, gen_random_uuid()::text,
    '{"name": "domains/bench/dataProducts/pg-' || :n || '","uid": "5f0c9a52-3b1e-4c41-9d0e-6a7d2f1c8b30","display_name": "Load test product","description": "Orders placed on the web shop, one row per order line, refreshed hourly. Created by mp_load.","owner_team": "teams/bench","lifecycle": "DRAFT","tier": 2,"classification": "INTERNAL","tags": ["bench","orders"],"labels": {"cost-center": "cc-1234","source": "mp_load"},"output_ports": [{"id": "orders-v1","display_name": "Orders (table)","type": "table","server": "postgres://warehouse.internal:5432/sales","location": "sales.orders_v1","description": "One row per order line.","objectives": {"availability_percent": 99.9,"max_staleness": "3600s"}},{"id": "orders-stream","display_name": "Orders (stream)","type": "topic","server": "kafka://broker.internal:9092","location": "sales.orders.v1","description": "Order events as they happen."}],"create_time": "2026-11-21T10:00:00Z","update_time": "2026-11-21T10:00:00Z","revision": 1}',
    0);
END;
