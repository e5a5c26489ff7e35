-- Meshplane schema, version 11: what the Open Data Product Standard (ODPS
-- 1.1) says of a product that earlier versions had no place for
-- (docs/descriptors.md#odps). Conventions as in 0001_init.sql.
--
-- archetype: ODPS `type` (source-aligned, aggregate, consumer-aligned or an
-- organisation's own id); '' when not declared.
-- odps_document: the ODPS YAML the product was last applied from, byte for
-- byte, so that `product get -o odps` gives back what was written; '' when
-- the product was not applied from ODPS. Never read by the server.
ALTER TABLE data_products
  ADD COLUMN archetype text NOT NULL DEFAULT '',
  ADD COLUMN odps_document text NOT NULL DEFAULT '';

-- ODPS 1.1 `deprecated` on ports: still served (or read), but not for new
-- consumers.
ALTER TABLE output_ports ADD COLUMN deprecated boolean NOT NULL DEFAULT false;
ALTER TABLE input_ports ADD COLUMN deprecated boolean NOT NULL DEFAULT false;
