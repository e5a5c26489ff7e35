-- Meshplane schema, version 13: full-text search with facets
-- (SearchDataProducts, docs/api.md#search). Conventions as in 0001_init.sql.
--
-- Search matches words: runs of characters other than ASCII punctuation and
-- whitespace, so that `orders-v1`, `sales.orders` and `orders_v1` are each
-- two words, found by either. The column `search` (0001) stays as it was
-- for ListDataProducts' filter, whose websearch syntax (quotes, `or`, `-`)
-- needs the punctuation.

-- ASCII punctuation and whitespace become spaces. IMMUTABLE so that a
-- generated column can use it; the C++ query side splits words the same way
-- (core/registry.cc, SearchWords).
CREATE FUNCTION mp_search_words(t text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT regexp_replace(coalesce(t, ''),
                        '[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+', ' ', 'g')
$$;

-- Three weights rank a match: A for the id and display name, B for tags and
-- labels (keys and values), C for the description and the ports.
CREATE FUNCTION mp_product_search_doc(id text, display_name text,
                                      description text, tags text[],
                                      labels jsonb, port_text text)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('simple', mp_search_words(
             coalesce(id, '') || ' ' || coalesce(display_name, ''))), 'A') ||
         setweight(to_tsvector('simple', mp_search_words(
             coalesce(array_to_string(tags, ' '), '') || ' ' ||
             coalesce((SELECT string_agg(key || ' ' || value, ' ')
                         FROM jsonb_each_text(labels)), ''))), 'B') ||
         setweight(to_tsvector('simple', mp_search_words(
             coalesce(description, '') || ' ' || coalesce(port_text, ''))), 'C')
$$;

-- The searchable text of the product's ports (output ports: id, display
-- name, description, location; input ports: id, description), kept by the
-- store's product writes: a generated column cannot read other tables.
ALTER TABLE data_products ADD COLUMN port_text text NOT NULL DEFAULT '';

UPDATE data_products p SET port_text = concat_ws(' ',
  (SELECT string_agg(concat_ws(' ', o.port_id, o.display_name, o.description,
                               o.location), ' ' ORDER BY o.ordinal)
     FROM output_ports o
    WHERE o.domain_id = p.domain_id AND o.product_id = p.id),
  (SELECT string_agg(concat_ws(' ', i.port_id, i.description), ' '
                     ORDER BY i.ordinal)
     FROM input_ports i
    WHERE i.domain_id = p.domain_id AND i.product_id = p.id));

ALTER TABLE data_products ADD COLUMN search_doc tsvector GENERATED ALWAYS AS
  (mp_product_search_doc(id, display_name, description, tags, labels,
                         port_text)) STORED;

-- fastupdate off, as for data_products_search_idx (0001).
CREATE INDEX data_products_search_doc_idx ON data_products
  USING gin (search_doc) WITH (fastupdate = off);
-- The facet columns not indexed yet (domain: the primary key; owner team,
-- lifecycle: 0001; tags: the GIN index of 0001).
CREATE INDEX data_products_tier_idx ON data_products (tier, domain_id, id);
CREATE INDEX data_products_classification_idx
  ON data_products (classification, domain_id, id);
