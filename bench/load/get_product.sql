-- pgbench script: the database work of one GetDataProduct as meshplaned
-- does it today: a REPEATABLE READ READ ONLY transaction around the one
-- prepared query of src/store/postgres/sql.h (kGetProduct), then a
-- rollback: three round trips (libpqxx sends "BEGIN; SET TRANSACTION ..."
-- as one). Run with -M prepared against the scratch database, whose
-- products g-1 .. g-1000 scripts/bench-server.sh creates.
\set n random(1, 1000)
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT p.domain_id, p.id, p.uid, p.display_name, p.description, p.owner_team_id, p.lifecycle, p.tier, p.classification, to_json(p.tags)::text, p.labels::text, mp_us(p.sunset_time), mp_us(p.create_time), mp_us(p.update_time), p.revision, coalesce((SELECT json_agg(json_build_array(o.port_id, o.display_name, o.type, o.server, o.location, o.description, o.contract_id, o.availability_percent, o.max_staleness_us, o.completeness_percent, o.latency_us) ORDER BY o.ordinal) FROM output_ports o WHERE o.domain_id = p.domain_id AND o.product_id = p.id)::text, '[]'), coalesce((SELECT json_agg(json_build_array(i.port_id, i.source_domain_id, i.source_product_id, i.source_port_id, i.description) ORDER BY i.ordinal) FROM input_ports i WHERE i.domain_id = p.domain_id AND i.product_id = p.id)::text, '[]') FROM data_products p WHERE p.domain_id = 'bench' AND p.id = 'g-' || :n::bigint;
ROLLBACK;
