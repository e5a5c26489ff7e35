// The SQL of the registry: domains, teams, data products with their ports,
// search and lineage (see sql.h for the conventions).
#ifndef MESHPLANE_STORE_POSTGRES_REGISTRY_SQL_H_
#define MESHPLANE_STORE_POSTGRES_REGISTRY_SQL_H_

#include "store/postgres/sql.h"

namespace meshplane::store::pg::sql {

// ---------------------------------------------------------------- domains

#define MP_DOMAIN_COLUMNS                                                   \
  "d.id, d.uid, d.display_name, d.description, coalesce(d.parent_id, ''), " \
  "d.owner_team_id, d.labels::text, mp_us(d.create_time), "                 \
  "mp_us(d.update_time), d.revision"

inline constexpr Statement kGetDomain = {"get_domain",
                                         "SELECT " MP_DOMAIN_COLUMNS
                                         " FROM domains d WHERE d.id = $1"};

// Inserts unless the id is taken or a reference is missing (no row
// returned); kDiagnoseDomain then says which.
inline constexpr Statement kInsertDomain = {
    "insert_domain",
    "INSERT INTO domains (id, uid, display_name, description, parent_id, "
    "  owner_team_id, labels, create_time, update_time, revision) "
    "SELECT $1, $2, $3, $4, NULLIF($5::text, ''), $6, $7::jsonb, "
    "  mp_ts($8), mp_ts($9), $10::bigint "
    "WHERE EXISTS (SELECT 1 FROM teams WHERE id = $6) "
    "  AND ($5::text = '' OR EXISTS (SELECT 1 FROM domains WHERE id = $5)) "
    "ON CONFLICT (id) DO NOTHING RETURNING 1"};

// $1 id, $2 owner team, $3 parent ('' for none) -> revision of $1 or NULL,
// owner exists, parent exists.
inline constexpr Statement kDiagnoseDomain = {
    "diagnose_domain",
    "SELECT (SELECT revision FROM domains WHERE id = $1), "
    "  EXISTS (SELECT 1 FROM teams WHERE id = $2), "
    "  ($3::text = '' OR EXISTS (SELECT 1 FROM domains WHERE id = $3))"};

inline constexpr Statement kUpdateDomain = {
    "update_domain",
    "UPDATE domains SET uid = $2, display_name = $3, description = $4, "
    "  parent_id = NULLIF($5::text, ''), owner_team_id = $6, "
    "  labels = $7::jsonb, create_time = mp_ts($8), update_time = mp_ts($9), "
    "  revision = $10 "
    "WHERE id = $1 AND revision = $11 "
    "  AND EXISTS (SELECT 1 FROM teams WHERE id = $6) "
    "  AND ($5::text = '' OR EXISTS (SELECT 1 FROM domains WHERE id = $5)) "
    "RETURNING 1"};

inline constexpr Statement kDomainChildren = {
    "domain_children",
    "SELECT (SELECT count(*) FROM domains WHERE parent_id = $1), "
    "  (SELECT count(*) FROM data_products WHERE domain_id = $1)"};

inline constexpr Statement kDeleteDomain = {
    "delete_domain", "DELETE FROM domains WHERE id = $1 RETURNING 1"};

inline constexpr Statement kCountSubdomains = {
    "count_subdomains", "SELECT count(*) FROM domains WHERE parent_id = $1"};

inline constexpr Statement kCountDataProducts = {
    "count_data_products",
    "SELECT count(*) FROM data_products WHERE domain_id = $1"};

// The domain itself (depth 0) and its ancestors, nearest first. The path
// guards against a cycle that concurrent moves might have created.
inline constexpr Statement kDomainAncestors = {
    "domain_ancestors",
    "WITH RECURSIVE chain(id, parent_id, depth, path) AS ("
    "  SELECT id, parent_id, 0, ARRAY[id] FROM domains WHERE id = $1 "
    "  UNION ALL "
    "  SELECT p.id, p.parent_id, c.depth + 1, c.path || p.id "
    "  FROM chain c JOIN domains p ON p.id = c.parent_id "
    "  WHERE NOT p.id = ANY(c.path)) "
    "SELECT " MP_DOMAIN_COLUMNS
    " FROM chain c JOIN domains d ON d.id = c.id ORDER BY c.depth"};

// Unnamed: $1 parent ('' = any), $2 top level only, $3 owner ('' = any),
// $4 cursor (last id, '' for the first page), $5 limit.
inline constexpr const char* kListDomains =
    "SELECT " MP_DOMAIN_COLUMNS
    " FROM domains d "
    "WHERE ($1::text = '' OR d.parent_id = $1::text) "
    "  AND (NOT $2::boolean OR d.parent_id IS NULL) "
    "  AND ($3::text = '' OR d.owner_team_id = $3::text) "
    "  AND d.id > $4::text "
    "ORDER BY d.id LIMIT $5::integer";

// ------------------------------------------------------------------ teams

#define MP_TEAM_COLUMNS                                          \
  "t.id, t.uid, t.display_name, t.description, "                 \
  "coalesce((SELECT json_agg(m.principal ORDER BY m.principal) " \
  "  FROM team_members m WHERE m.team_id = t.id)::text, '[]'), " \
  "mp_us(t.create_time), mp_us(t.update_time), t.revision"

inline constexpr Statement kGetTeam = {
    "get_team", "SELECT " MP_TEAM_COLUMNS " FROM teams t WHERE t.id = $1"};

inline constexpr Statement kInsertTeam = {
    "insert_team",
    "INSERT INTO teams (id, uid, display_name, description, create_time, "
    "  update_time, revision) "
    "VALUES ($1, $2, $3, $4, mp_ts($5), mp_ts($6), $7) "
    "ON CONFLICT (id) DO NOTHING RETURNING 1"};

inline constexpr Statement kUpdateTeam = {
    "update_team",
    "UPDATE teams SET uid = $2, display_name = $3, description = $4, "
    "  create_time = mp_ts($5), update_time = mp_ts($6), revision = $7 "
    "WHERE id = $1 AND revision = $8 RETURNING 1"};

inline constexpr Statement kTeamRevision = {
    "team_revision", "SELECT revision FROM teams WHERE id = $1"};

// $1 team, $2 JSON array of principals: makes the member set exactly $2.
inline constexpr Statement kDeleteOtherMembers = {
    "delete_other_members",
    "DELETE FROM team_members WHERE team_id = $1 AND NOT principal = ANY("
    "  ARRAY(SELECT json_array_elements_text($2::json)))"};

inline constexpr Statement kInsertMembers = {
    "insert_members",
    "INSERT INTO team_members (team_id, principal) "
    "SELECT $1, m FROM json_array_elements_text($2::json) AS m "
    "ON CONFLICT DO NOTHING"};

// What a team still owns: first domain, domain count, first product, count,
// first policy, count.
inline constexpr Statement kTeamOwnerships = {
    "team_ownerships",
    "SELECT (SELECT id FROM domains WHERE owner_team_id = $1 ORDER BY id "
    "          LIMIT 1), "
    "  (SELECT count(*) FROM domains WHERE owner_team_id = $1), "
    "  (SELECT 'domains/' || domain_id || '/dataProducts/' || id "
    "     FROM data_products WHERE owner_team_id = $1 "
    "     ORDER BY domain_id, id LIMIT 1), "
    "  (SELECT count(*) FROM data_products WHERE owner_team_id = $1), "
    "  (SELECT CASE WHEN domain_id = '' THEN 'policies/' || id "
    "     ELSE 'domains/' || domain_id || '/policies/' || id END "
    "     FROM policies WHERE owner_team_id = $1 "
    "     ORDER BY domain_id, id LIMIT 1), "
    "  (SELECT count(*) FROM policies WHERE owner_team_id = $1)"};

inline constexpr Statement kDeleteTeam = {
    "delete_team", "DELETE FROM teams WHERE id = $1 RETURNING 1"};

// Unnamed: $1 member ('' = any), $2 cursor, $3 limit.
inline constexpr const char* kListTeams =
    "SELECT " MP_TEAM_COLUMNS
    " FROM teams t "
    "WHERE ($1::text = '' OR EXISTS (SELECT 1 FROM team_members m "
    "        WHERE m.team_id = t.id AND m.principal = $1::text)) "
    "  AND t.id > $2::text "
    "ORDER BY t.id LIMIT $3::integer";

inline constexpr Statement kTeamsOfPrincipal = {
    "teams_of_principal",
    "SELECT team_id FROM team_members WHERE principal = $1 ORDER BY team_id"};

// ---------------------------------------------------------- data products

// A product with its ports, each port list as one JSON array in port order
// (so a page of products is one query, not one per product).
#define MP_PRODUCT_COLUMNS                                                    \
  "p.domain_id, p.id, p.uid, p.display_name, p.description, "                 \
  "p.owner_team_id, p.lifecycle, p.tier, p.classification, "                  \
  "to_json(p.tags)::text, p.labels::text, mp_us(p.sunset_time), "             \
  "mp_us(p.create_time), mp_us(p.update_time), p.revision, "                  \
  "coalesce((SELECT json_agg(json_build_array(o.port_id, o.display_name, "    \
  "    o.type, o.server, o.location, o.description, o.contract_id, "          \
  "    o.availability_percent, o.max_staleness_us, o.completeness_percent, "  \
  "    o.latency_us, o.deprecated) ORDER BY o.ordinal) FROM output_ports o "  \
  "  WHERE o.domain_id = p.domain_id AND o.product_id = p.id)::text, "        \
  "  '[]'), "                                                                 \
  "coalesce((SELECT json_agg(json_build_array(i.port_id, "                    \
  "    i.source_domain_id, i.source_product_id, i.source_port_id, "           \
  "    i.description, i.deprecated) ORDER BY i.ordinal) FROM input_ports i "  \
  "  WHERE i.domain_id = p.domain_id AND i.product_id = p.id)::text, '[]'), " \
  "p.archetype, p.odps_document"

inline constexpr Statement kGetProduct = {
    "get_product",
    "SELECT " MP_PRODUCT_COLUMNS
    " FROM data_products p WHERE p.domain_id = $1 AND p.id = $2"};

inline constexpr Statement kInsertProduct = {
    "insert_product",
    "INSERT INTO data_products (domain_id, id, uid, display_name, "
    "  description, owner_team_id, lifecycle, tier, classification, tags, "
    "  labels, sunset_time, create_time, update_time, revision, archetype, "
    "  odps_document, port_text) "
    "SELECT $1, $2, $3, $4, $5, $6, $7, $8::integer, $9, "
    "  ARRAY(SELECT json_array_elements_text($10::json)), $11::jsonb, "
    "  mp_ts($12), mp_ts($13), mp_ts($14), $15::bigint, $16, $17, $18 "
    "WHERE EXISTS (SELECT 1 FROM domains WHERE id = $1) "
    "  AND EXISTS (SELECT 1 FROM teams WHERE id = $6) "
    "ON CONFLICT (domain_id, id) DO NOTHING RETURNING 1"};

// $1 domain, $2 product, $3 owner -> revision or NULL, domain exists,
// owner exists.
inline constexpr Statement kDiagnoseProduct = {
    "diagnose_product",
    "SELECT (SELECT revision FROM data_products "
    "          WHERE domain_id = $1 AND id = $2), "
    "  EXISTS (SELECT 1 FROM domains WHERE id = $1), "
    "  EXISTS (SELECT 1 FROM teams WHERE id = $3)"};

inline constexpr Statement kUpdateProduct = {
    "update_product",
    "UPDATE data_products SET uid = $3, display_name = $4, description = $5, "
    "  owner_team_id = $6, lifecycle = $7, tier = $8, classification = $9, "
    "  tags = ARRAY(SELECT json_array_elements_text($10::json)), "
    "  labels = $11::jsonb, sunset_time = mp_ts($12), "
    "  create_time = mp_ts($13), update_time = mp_ts($14), revision = $15, "
    "  archetype = $17, odps_document = $18, port_text = $19 "
    "WHERE domain_id = $1 AND id = $2 AND revision = $16 "
    "  AND EXISTS (SELECT 1 FROM teams WHERE id = $6) "
    "RETURNING 1"};

// $1 JSON array of {d, p, port}: the first source output port that does
// not exist.
inline constexpr Statement kMissingSource = {
    "missing_source",
    "SELECT s.d, s.p, s.port "
    "FROM json_to_recordset($1::json) AS s(d text, p text, port text) "
    "WHERE NOT EXISTS (SELECT 1 FROM output_ports o WHERE o.domain_id = s.d "
    "  AND o.product_id = s.p AND o.port_id = s.port) "
    "LIMIT 1"};

// $1 domain, $2 product, $3 JSON array of the output port ids that stay:
// the first input port of another product that reads a port going away.
inline constexpr Statement kReaderOfRemovedPort = {
    "reader_of_removed_port",
    "SELECT i.domain_id, i.product_id, i.port_id, i.source_port_id "
    "FROM input_ports i "
    "WHERE i.source_domain_id = $1 AND i.source_product_id = $2 "
    "  AND NOT i.source_port_id = ANY("
    "    ARRAY(SELECT json_array_elements_text($3::json))) "
    "  AND NOT (i.domain_id = $1 AND i.product_id = $2) "
    "ORDER BY 1, 2, 3 LIMIT 1"};

inline constexpr Statement kDeleteInputPorts = {
    "delete_input_ports",
    "DELETE FROM input_ports WHERE domain_id = $1 AND product_id = $2"};

// $3 JSON array of ports (see PostgresTransaction::OutputPortsJson).
inline constexpr Statement kUpsertOutputPorts = {
    "upsert_output_ports",
    "INSERT INTO output_ports (domain_id, product_id, port_id, ordinal, "
    "  display_name, type, server, location, description, contract_id, "
    "  availability_percent, max_staleness_us, completeness_percent, "
    "  latency_us, deprecated) "
    "SELECT $1, $2, x.id, x.ordinal, x.display_name, x.type, x.server, "
    "  x.location, x.description, x.contract_id, x.availability_percent, "
    "  x.max_staleness_us, x.completeness_percent, x.latency_us, "
    "  x.deprecated "
    "FROM json_to_recordset($3::json) AS x(id text, ordinal integer, "
    "  display_name text, type text, server text, location text, "
    "  description text, contract_id text, "
    "  availability_percent double precision, max_staleness_us bigint, "
    "  completeness_percent double precision, latency_us bigint, "
    "  deprecated boolean) "
    "ON CONFLICT (domain_id, product_id, port_id) DO UPDATE SET "
    "  ordinal = EXCLUDED.ordinal, display_name = EXCLUDED.display_name, "
    "  type = EXCLUDED.type, server = EXCLUDED.server, "
    "  location = EXCLUDED.location, description = EXCLUDED.description, "
    "  contract_id = EXCLUDED.contract_id, "
    "  availability_percent = EXCLUDED.availability_percent, "
    "  max_staleness_us = EXCLUDED.max_staleness_us, "
    "  completeness_percent = EXCLUDED.completeness_percent, "
    "  latency_us = EXCLUDED.latency_us, deprecated = EXCLUDED.deprecated"};

// $3 JSON array of the output port ids that stay.
inline constexpr Statement kDeleteOtherOutputPorts = {
    "delete_other_output_ports",
    "DELETE FROM output_ports WHERE domain_id = $1 AND product_id = $2 "
    "  AND NOT port_id = ANY(ARRAY(SELECT "
    "json_array_elements_text($3::json)))"};

inline constexpr Statement kInsertInputPorts = {
    "insert_input_ports",
    "INSERT INTO input_ports (domain_id, product_id, port_id, ordinal, "
    "  source_domain_id, source_product_id, source_port_id, description, "
    "  deprecated) "
    "SELECT $1, $2, x.id, x.ordinal, x.sd, x.sp, x.sport, x.description, "
    "  x.deprecated "
    "FROM json_to_recordset($3::json) AS x(id text, ordinal integer, "
    "  sd text, sp text, sport text, description text, deprecated boolean)"};

// Another product's input port that reads one of the product's ports.
inline constexpr Statement kFirstReader = {
    "first_reader",
    "SELECT i.domain_id, i.product_id, i.port_id, i.source_port_id "
    "FROM input_ports i "
    "WHERE i.source_domain_id = $1 AND i.source_product_id = $2 "
    "  AND NOT (i.domain_id = $1 AND i.product_id = $2) "
    "ORDER BY 1, 2, 3 LIMIT 1"};

inline constexpr Statement kDeleteProduct = {
    "delete_product",
    "DELETE FROM data_products WHERE domain_id = $1 AND id = $2 RETURNING 1"};

// Unnamed: $1 domain ('' = any), $2 include subdomains, $3 owner, $4
// lifecycle, $5 tag, $6 text (websearch syntax), $7/$8 cursor (last
// domain_id, id), $9 limit. The subdomain closure uses UNION, so a cycle
// cannot loop.
inline constexpr const char* kListProducts =
    "WITH RECURSIVE scope(id) AS ("
    "  SELECT $1::text COLLATE \"C\" "
    "  UNION "
    "  SELECT d.id FROM domains d JOIN scope s ON d.parent_id = s.id) "
    "SELECT " MP_PRODUCT_COLUMNS
    " FROM data_products p "
    "WHERE ($1::text = '' OR p.domain_id = ANY(CASE WHEN $2::boolean "
    "        THEN ARRAY(SELECT id FROM scope) ELSE ARRAY[$1::text] END)) "
    "  AND ($3::text = '' OR p.owner_team_id = $3::text) "
    "  AND ($4::text = '' OR p.lifecycle = $4::text) "
    "  AND ($5::text = '' OR p.tags @> ARRAY[$5::text]) "
    "  AND ($6::text = '' OR "
    "       p.search @@ websearch_to_tsquery('simple', $6::text)) "
    "  AND (p.domain_id, p.id) > ($7::text, $8::text) "
    "ORDER BY p.domain_id, p.id LIMIT $9::integer";

// SearchDataProducts (migrations/0013_product_search.sql). Both statements
// take $1 the tsquery ('' = no words), $2 domain (with its subdomains), $3
// owner team, $4 lifecycle, $5 tier (0 = any), $6 classification, $7 tag
// ('' = any). Run with exec_params, not prepared: each call is planned for
// its own values, so the filters that are '' fold away and the text match
// uses the GIN index.
#define MP_SEARCH_SCOPE                                   \
  "scope(id) AS ("                                        \
  "  SELECT $2::text COLLATE \"C\" WHERE $2::text <> '' " \
  "  UNION "                                              \
  "  SELECT d.id FROM domains d JOIN scope s ON d.parent_id = s.id)"

// The score (meshplane/store/registry.h, SearchResult): 3 when the words match
// the A-weighted lexemes (id, display name), 2 when they match A or B (tags,
// labels). $8 the cursor's score and $9, $10 its domain and id ($9 '' = none),
// $11 how many to skip, $12 the limit.
inline constexpr const char* kSearchProducts =
    "WITH RECURSIVE " MP_SEARCH_SCOPE
    ", "
    "hits AS ("
    "  SELECT p.*, CASE WHEN $1::text = '' THEN 0 "
    "    WHEN ts_filter(p.search_doc, '{a}') @@ to_tsquery('simple', $1::text) "
    "      THEN 3 "
    "    WHEN ts_filter(p.search_doc, '{a,b}') @@ "
    "      to_tsquery('simple', $1::text) THEN 2 "
    "    ELSE 1 END AS score "
    "  FROM data_products p "
    "  WHERE ($1::text = '' OR "
    "         p.search_doc @@ to_tsquery('simple', $1::text)) "
    "    AND ($2::text = '' OR p.domain_id IN (SELECT id FROM scope)) "
    "    AND ($3::text = '' OR p.owner_team_id = $3::text) "
    "    AND ($4::text = '' OR p.lifecycle = $4::text) "
    "    AND ($5::integer = 0 OR p.tier = $5::integer) "
    "    AND ($6::text = '' OR p.classification = $6::text) "
    "    AND ($7::text = '' OR p.tags @> ARRAY[$7::text])) "
    "SELECT " MP_PRODUCT_COLUMNS
    ", p.score FROM hits p "
    "WHERE $9::text = '' OR p.score < $8::integer "
    "   OR (p.score = $8::integer AND "
    "       (p.domain_id, p.id) > ($9::text, $10::text)) "
    "ORDER BY p.score DESC, p.domain_id, p.id "
    "OFFSET $11::integer LIMIT $12::integer";

// The facets and the total in one statement and one pass over the
// matching rows: each row carries one flag per filter, and one hashed
// GROUPING SETS aggregate counts, for each facet, the rows that pass every
// filter but the facet's own (and, for the total, all of them). A row that
// fails two filters counts nowhere and is left out early. The domain facet
// then adds each domain's count to its ancestors (`tree`); the tag facet
// unnests each distinct tag set once. GROUPING() bits, in the order of its
// arguments (domain first): 31 domain, 47 owner team, 55 lifecycle, 59
// tier, 61 classification, 62 tags, 63 the total. $8 the number of values
// per facet. Rows: facet, value, count; facet '' is the total.
inline constexpr const char* kSearchFacets =
    "WITH RECURSIVE " MP_SEARCH_SCOPE
    ", "
    "tree(id, ancestor) AS ("
    "  SELECT id, id FROM domains "
    "  UNION ALL "
    "  SELECT t.id, d.parent_id FROM tree t JOIN domains d ON d.id = "
    "t.ancestor "
    "  WHERE d.parent_id IS NOT NULL), "
    "m AS ("
    "  SELECT * FROM (SELECT p.domain_id, p.owner_team_id, p.lifecycle, "
    "      p.tier, p.classification, p.tags, "
    "      ($2::text = '' OR p.domain_id IN (SELECT id FROM scope)) AS fd, "
    "      ($3::text = '' OR p.owner_team_id = $3::text) AS ft, "
    "      ($4::text = '' OR p.lifecycle = $4::text) AS fl, "
    "      ($5::integer = 0 OR p.tier = $5::integer) AS fr, "
    "      ($6::text = '' OR p.classification = $6::text) AS fc, "
    "      ($7::text = '' OR p.tags @> ARRAY[$7::text]) AS fg "
    "    FROM data_products p "
    "    WHERE ($1::text = '' OR "
    "           p.search_doc @@ to_tsquery('simple', $1::text))) f "
    "  WHERE (NOT fd)::integer + (NOT ft)::integer + (NOT fl)::integer + "
    "        (NOT fr)::integer + (NOT fc)::integer + (NOT fg)::integer <= 1), "
    "agg AS ("
    "  SELECT domain_id, owner_team_id, lifecycle, tier, classification, tags, "
    "    GROUPING(domain_id, owner_team_id, lifecycle, tier, classification, "
    "             tags) AS g, "
    "    count(*) FILTER (WHERE ft AND fl AND fr AND fc AND fg) AS nd, "
    "    count(*) FILTER (WHERE fd AND fl AND fr AND fc AND fg) AS nt, "
    "    count(*) FILTER (WHERE fd AND ft AND fr AND fc AND fg) AS nl, "
    "    count(*) FILTER (WHERE fd AND ft AND fl AND fc AND fg) AS nr, "
    "    count(*) FILTER (WHERE fd AND ft AND fl AND fr AND fg) AS nc, "
    "    count(*) FILTER (WHERE fd AND ft AND fl AND fr AND fc) AS ng, "
    "    count(*) FILTER (WHERE fd AND ft AND fl AND fr AND fc AND fg) AS n "
    "  FROM m GROUP BY GROUPING SETS ((domain_id), (owner_team_id), "
    "    (lifecycle), (tier), (classification), (tags), ())), "
    "counts(facet, value, n) AS ("
    "  SELECT 'domain', t.ancestor, sum(a.nd)::bigint FROM agg a "
    "    JOIN tree t ON t.id = a.domain_id "
    "    WHERE a.g = 31 AND a.nd > 0 GROUP BY t.ancestor "
    "  UNION ALL "
    "  SELECT 'owner_team', owner_team_id, nt FROM agg "
    "    WHERE g = 47 AND nt > 0 "
    "  UNION ALL "
    "  SELECT 'lifecycle', lifecycle, nl FROM agg WHERE g = 55 AND nl > 0 "
    "  UNION ALL "
    "  SELECT 'tier', tier::text, nr FROM agg "
    "    WHERE g = 59 AND nr > 0 AND tier <> 0 "
    "  UNION ALL "
    "  SELECT 'classification', classification, nc FROM agg "
    "    WHERE g = 61 AND nc > 0 AND classification <> 'UNSPECIFIED' "
    "  UNION ALL "
    "  SELECT 'tag', tag, sum(a.ng)::bigint FROM agg a, unnest(a.tags) AS tag "
    "    WHERE a.g = 62 AND a.ng > 0 GROUP BY tag "
    "  UNION ALL "
    "  SELECT '', '', n FROM agg WHERE g = 63) "
    "SELECT facet, value, n FROM ("
    "  SELECT facet, value, n, row_number() OVER ("
    "    PARTITION BY facet ORDER BY n DESC, value COLLATE \"C\") AS rank "
    "  FROM counts) c "
    "WHERE facet = '' OR rank <= $8::integer "
    "ORDER BY facet, rank";

// Lineage: breadth-first over input ports up to $3 hops. `path` holds the
// products already expanded, so a cycle ends the walk; each edge is then
// reported once, at its shortest distance.
inline constexpr Statement kLineageDown = {
    "lineage_down",
    "WITH RECURSIVE walk(sd, sp, sport, cd, cp, cport, depth, path) AS ("
    "  SELECT i.source_domain_id, i.source_product_id, i.source_port_id, "
    "    i.domain_id, i.product_id, i.port_id, 1, "
    "    ARRAY[($1::text || '/' || $2::text) COLLATE \"C\"] "
    "  FROM input_ports i "
    "  WHERE i.source_domain_id = $1 AND i.source_product_id = $2 "
    "    AND $3::integer >= 1 "
    "  UNION ALL "
    "  SELECT i.source_domain_id, i.source_product_id, i.source_port_id, "
    "    i.domain_id, i.product_id, i.port_id, w.depth + 1, "
    "    w.path || (w.cd || '/' || w.cp) "
    "  FROM walk w JOIN input_ports i "
    "    ON i.source_domain_id = w.cd AND i.source_product_id = w.cp "
    "  WHERE w.depth < $3::integer "
    "    AND NOT (w.cd || '/' || w.cp) = ANY(w.path)) "
    "SELECT * FROM (SELECT DISTINCT ON (sd, sp, sport, cd, cp, cport) "
    "    sd, sp, sport, cd, cp, cport, depth FROM walk "
    "  ORDER BY sd, sp, sport, cd, cp, cport, depth) e "
    "ORDER BY depth, sd, sp, sport, cd, cp, cport"};

inline constexpr Statement kLineageUp = {
    "lineage_up",
    "WITH RECURSIVE walk(sd, sp, sport, cd, cp, cport, depth, path) AS ("
    "  SELECT i.source_domain_id, i.source_product_id, i.source_port_id, "
    "    i.domain_id, i.product_id, i.port_id, 1, "
    "    ARRAY[($1::text || '/' || $2::text) COLLATE \"C\"] "
    "  FROM input_ports i "
    "  WHERE i.domain_id = $1 AND i.product_id = $2 AND $3::integer >= 1 "
    "  UNION ALL "
    "  SELECT i.source_domain_id, i.source_product_id, i.source_port_id, "
    "    i.domain_id, i.product_id, i.port_id, w.depth + 1, "
    "    w.path || (w.sd || '/' || w.sp) "
    "  FROM walk w JOIN input_ports i "
    "    ON i.domain_id = w.sd AND i.product_id = w.sp "
    "  WHERE w.depth < $3::integer "
    "    AND NOT (w.sd || '/' || w.sp) = ANY(w.path)) "
    "SELECT * FROM (SELECT DISTINCT ON (sd, sp, sport, cd, cp, cport) "
    "    sd, sp, sport, cd, cp, cport, depth FROM walk "
    "  ORDER BY sd, sp, sport, cd, cp, cport, depth) e "
    "ORDER BY depth, sd, sp, sport, cd, cp, cport"};

// The first (by id) of the contracts a product owns, and how many.
inline constexpr Statement kProductContracts = {
    "product_contracts",
    "SELECT min(id), count(*) FROM contracts "
    "WHERE domain_id = $1 AND product_id = $2"};

// The prepared statements above, registered on each new connection.
inline constexpr const Statement* kRegistryPrepared[] = {
    &kGetDomain,        &kInsertDomain,       &kDiagnoseDomain,
    &kUpdateDomain,     &kDomainChildren,     &kDeleteDomain,
    &kCountSubdomains,  &kCountDataProducts,  &kDomainAncestors,
    &kGetTeam,          &kInsertTeam,         &kUpdateTeam,
    &kTeamRevision,     &kDeleteOtherMembers, &kInsertMembers,
    &kTeamOwnerships,   &kDeleteTeam,         &kTeamsOfPrincipal,
    &kGetProduct,       &kInsertProduct,      &kDiagnoseProduct,
    &kUpdateProduct,    &kMissingSource,      &kReaderOfRemovedPort,
    &kDeleteInputPorts, &kUpsertOutputPorts,  &kDeleteOtherOutputPorts,
    &kInsertInputPorts, &kFirstReader,        &kDeleteProduct,
    &kLineageDown,      &kLineageUp,          &kProductContracts,
};

#undef MP_DOMAIN_COLUMNS
#undef MP_TEAM_COLUMNS
#undef MP_PRODUCT_COLUMNS
#undef MP_SEARCH_SCOPE

}  // namespace meshplane::store::pg::sql

#endif  // MESHPLANE_STORE_POSTGRES_REGISTRY_SQL_H_
