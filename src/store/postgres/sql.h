// Every SQL statement of the PostgreSQL store, as a named constant with $n
// parameters. Values only ever travel as parameters, never inside the text.
//
// Statements marked "prepared" are registered on each connection (lazily
// prepared by libpqxx on first use) and run with exec_prepared. The list
// queries, whose optional filters fold away only when the planner sees the
// actual values, run as unnamed statements (exec_params), which PostgreSQL
// plans afresh for each set of values (a "custom plan") and so always uses
// the right index.
//
// Times cross the wire as int64 microseconds since the epoch, converted
// exactly by mp_ts()/mp_us() (migrations/0001_init.sql).
#ifndef MESHPLANE_STORE_POSTGRES_SQL_H_
#define MESHPLANE_STORE_POSTGRES_SQL_H_

namespace meshplane::store::pg::sql {

struct Statement {
  const char* name;
  const char* text;
};

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

// The score (store.h, SearchResult): 3 when the words match the A-weighted
// lexemes (id, display name), 2 when they match A or B (tags, labels).
// $8 the cursor's score and $9, $10 its domain and id ($9 '' = none), $11
// how many to skip, $12 the limit.
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

// ------------------------------------------------------------- governance

// domain_id '' is a global policy; owner '' is stored as NULL.
#define MP_POLICY_COLUMNS                                             \
  "p.domain_id, p.id, p.uid, p.display_name, p.description, "         \
  "to_json(p.triggers)::text, p.condition, p.effect, p.enforcement, " \
  "p.message, p.message_expression, p.labels::text, "                 \
  "coalesce(p.owner_team_id, ''), p.waivable, mp_us(p.create_time), " \
  "mp_us(p.update_time), p.revision"

inline constexpr Statement kGetPolicy = {
    "get_policy", "SELECT " MP_POLICY_COLUMNS
                  " FROM policies p WHERE p.domain_id = $1 AND p.id = $2"};

// Inserts unless the key is taken or the domain or owner is missing (no row
// returned); kDiagnosePolicy then says which.
inline constexpr Statement kInsertPolicy = {
    "insert_policy",
    "INSERT INTO policies (domain_id, id, uid, display_name, description, "
    "  triggers, condition, effect, enforcement, message, "
    "  message_expression, labels, owner_team_id, waivable, create_time, "
    "  update_time, revision) "
    "SELECT $1, $2, $3, $4, $5, "
    "  ARRAY(SELECT json_array_elements_text($6::json)), $7, $8, $9, $10, "
    "  $11, $12::jsonb, NULLIF($13::text, ''), $14::boolean, mp_ts($15), "
    "  mp_ts($16), $17::bigint "
    "WHERE ($1::text = '' OR EXISTS (SELECT 1 FROM domains WHERE id = $1)) "
    "  AND ($13::text = '' OR EXISTS (SELECT 1 FROM teams WHERE id = $13)) "
    "ON CONFLICT (domain_id, id) DO NOTHING RETURNING 1"};

// $1 domain, $2 id, $3 owner ('' for none) -> revision or NULL, domain
// exists, owner exists.
inline constexpr Statement kDiagnosePolicy = {
    "diagnose_policy",
    "SELECT (SELECT revision FROM policies WHERE domain_id = $1 AND id = $2), "
    "  ($1::text = '' OR EXISTS (SELECT 1 FROM domains WHERE id = $1)), "
    "  ($3::text = '' OR EXISTS (SELECT 1 FROM teams WHERE id = $3))"};

inline constexpr Statement kUpdatePolicy = {
    "update_policy",
    "UPDATE policies SET uid = $3, display_name = $4, description = $5, "
    "  triggers = ARRAY(SELECT json_array_elements_text($6::json)), "
    "  condition = $7, effect = $8, enforcement = $9, message = $10, "
    "  message_expression = $11, labels = $12::jsonb, "
    "  owner_team_id = NULLIF($13::text, ''), waivable = $14::boolean, "
    "  create_time = mp_ts($15), update_time = mp_ts($16), revision = $17 "
    "WHERE domain_id = $1 AND id = $2 AND revision = $18 "
    "  AND ($13::text = '' OR EXISTS (SELECT 1 FROM teams WHERE id = $13)) "
    "RETURNING 1"};

// Waivers go with it (ON DELETE CASCADE); its revisions stay.
inline constexpr Statement kDeletePolicy = {
    "delete_policy",
    "DELETE FROM policies WHERE domain_id = $1 AND id = $2 RETURNING 1"};

inline constexpr Statement kAllPolicies = {
    "all_policies",
    "SELECT " MP_POLICY_COLUMNS " FROM policies p ORDER BY p.domain_id, p.id"};

// Unnamed: $1 domain, $2 any domain (then $1 is ignored), $3 trigger, $4
// effect, $5 enforcement, $6 owner ('' = any for $3..$6), $7/$8 cursor
// (last domain_id, id; '', '' for the first page), $9 limit.
inline constexpr const char* kListPolicies =
    "SELECT " MP_POLICY_COLUMNS
    " FROM policies p "
    "WHERE (CASE WHEN $2::boolean THEN p.domain_id > '' "
    "            ELSE p.domain_id = $1::text END) "
    "  AND ($3::text = '' OR p.triggers @> ARRAY[$3::text]) "
    "  AND ($4::text = '' OR p.effect = $4::text) "
    "  AND ($5::text = '' OR p.enforcement = $5::text) "
    "  AND ($6::text = '' OR p.owner_team_id = $6::text) "
    "  AND (p.domain_id, p.id) > ($7::text, $8::text) "
    "ORDER BY p.domain_id, p.id LIMIT $9::integer";

// $1 domain, $2 id, $3 revision, $4 the policy as JSON, $5 author, $6 time.
inline constexpr Statement kInsertPolicyRevision = {
    "insert_policy_revision",
    "INSERT INTO policy_revisions (domain_id, id, revision, document, "
    "  author, create_time) "
    "VALUES ($1, $2, $3, $4::jsonb, $5, mp_ts($6))"};

// $1 domain, $2 id, $3 cursor (sequences below it), $4 limit.
inline constexpr Statement kListPolicyRevisions = {
    "list_policy_revisions",
    "SELECT sequence, document::text, author, mp_us(create_time) "
    "FROM policy_revisions "
    "WHERE domain_id = $1 AND id = $2 AND sequence < $3::bigint "
    "ORDER BY sequence DESC LIMIT $4::integer"};

#define MP_WAIVER_COLUMNS                                                \
  "w.policy_domain_id, w.policy_id, w.id, w.uid, w.resource, w.reason, " \
  "mp_us(w.expire_time), w.created_by, mp_us(w.create_time), "           \
  "w.policy_revision"

inline constexpr Statement kInsertWaiver = {
    "insert_waiver",
    "INSERT INTO waivers (policy_domain_id, policy_id, id, uid, resource, "
    "  reason, expire_time, created_by, create_time, policy_revision) "
    "SELECT $1, $2, $3, $4, $5, $6, mp_ts($7), $8, mp_ts($9), $10::bigint "
    "WHERE EXISTS (SELECT 1 FROM policies WHERE domain_id = $1 AND id = $2) "
    "ON CONFLICT (policy_domain_id, policy_id, id) DO NOTHING RETURNING 1"};

// $1/$2 policy, $3 waiver -> waiver exists, policy exists.
inline constexpr Statement kDiagnoseWaiver = {
    "diagnose_waiver",
    "SELECT EXISTS (SELECT 1 FROM waivers WHERE policy_domain_id = $1 "
    "    AND policy_id = $2 AND id = $3), "
    "  EXISTS (SELECT 1 FROM policies WHERE domain_id = $1 AND id = $2)"};

inline constexpr Statement kGetWaiver = {
    "get_waiver",
    "SELECT " MP_WAIVER_COLUMNS
    " FROM waivers w WHERE w.policy_domain_id = $1 AND w.policy_id = $2 "
    "  AND w.id = $3"};

inline constexpr Statement kDeleteWaiver = {
    "delete_waiver",
    "DELETE FROM waivers WHERE policy_domain_id = $1 AND policy_id = $2 "
    "  AND id = $3 RETURNING 1"};

// Unnamed: $1/$2 policy, $3 all policies (then $1/$2 are ignored), $4
// resource ('' = any), $5 only expiring after this (NULL: no bound),
// $6/$7/$8 cursor (last policy domain_id, policy id, id), $9 limit.
inline constexpr const char* kListWaivers =
    "SELECT " MP_WAIVER_COLUMNS
    " FROM waivers w "
    "WHERE ($3::boolean OR (w.policy_domain_id = $1::text "
    "                       AND w.policy_id = $2::text)) "
    "  AND ($4::text = '' OR w.resource = $4::text) "
    "  AND ($5::bigint IS NULL OR w.expire_time > mp_ts($5::bigint)) "
    "  AND (w.policy_domain_id, w.policy_id, w.id) > "
    "      ($6::text, $7::text, $8::text) "
    "ORDER BY w.policy_domain_id, w.policy_id, w.id LIMIT $9::integer";

// Queued by PostgreSQL and delivered to listeners when the transaction
// commits (dropped on rollback).
inline constexpr Statement kNotify = {"notify", "SELECT pg_notify($1, $2)"};

// -------------------------------------------------------------- contracts

#define MP_CONTRACT_COLUMNS                                                 \
  "c.id, c.uid, c.domain_id, c.product_id, c.display_name, c.description, " \
  "c.compatibility_mode, c.state, c.deprecation_message, "                  \
  "c.latest_version, c.version_count, c.labels::text, "                     \
  "mp_us(c.create_time), mp_us(c.update_time), c.revision"

#define MP_CONTRACT_VERSION_COLUMNS                                     \
  "v.contract_id, v.version, v.major, v.minor, v.patch, v.prerelease, " \
  "v.status, v.original_yaml, v.normalized_json, v.content_hash, "      \
  "v.published_by, mp_us(v.create_time), v.report_json"

// Semver precedence, newest first (see migrations/0003_contracts.sql).
#define MP_VERSIONS_NEWEST_FIRST                         \
  " ORDER BY v.major DESC, v.minor DESC, v.patch DESC, " \
  "v.prerelease_order DESC, v.version DESC"

inline constexpr Statement kGetContract = {"get_contract",
                                           "SELECT " MP_CONTRACT_COLUMNS
                                           " FROM contracts c WHERE c.id = $1"};

// Inserts unless the id is taken or the product is missing (no row
// returned); kDiagnoseContract then says which.
inline constexpr Statement kInsertContract = {
    "insert_contract",
    "INSERT INTO contracts (id, uid, domain_id, product_id, display_name, "
    "  description, compatibility_mode, state, deprecation_message, "
    "  latest_version, version_count, labels, create_time, update_time, "
    "  revision) "
    "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::bigint, "
    "  $12::jsonb, mp_ts($13), mp_ts($14), $15::bigint "
    "WHERE EXISTS (SELECT 1 FROM data_products WHERE domain_id = $3 "
    "              AND id = $4) "
    "ON CONFLICT (id) DO NOTHING RETURNING 1"};

// $1 id, $2/$3 product -> revision or NULL, stored domain_id, stored
// product_id, the product exists.
inline constexpr Statement kDiagnoseContract = {
    "diagnose_contract",
    "SELECT c.revision, c.domain_id, c.product_id, "
    "  EXISTS (SELECT 1 FROM data_products WHERE domain_id = $2 AND id = $3) "
    "FROM (SELECT 1) one LEFT JOIN contracts c ON c.id = $1"};

// The product is immutable: a different one changes no row.
inline constexpr Statement kUpdateContract = {
    "update_contract",
    "UPDATE contracts SET uid = $2, display_name = $5, description = $6, "
    "  compatibility_mode = $7, state = $8, deprecation_message = $9, "
    "  latest_version = $10, version_count = $11::bigint, "
    "  labels = $12::jsonb, create_time = mp_ts($13), "
    "  update_time = mp_ts($14), revision = $15::bigint "
    "WHERE id = $1 AND domain_id = $3 AND product_id = $4 "
    "  AND revision = $16::bigint "
    "RETURNING 1"};

// Unnamed: $1/$2 product ('' = any), $3 domain ('' = any), $4 state
// ('' = any), $5 cursor (last id), $6 limit.
inline constexpr const char* kListContracts =
    "SELECT " MP_CONTRACT_COLUMNS
    " FROM contracts c "
    "WHERE ($1::text = '' OR (c.domain_id = $1::text "
    "                         AND c.product_id = $2::text)) "
    "  AND ($3::text = '' OR c.domain_id = $3::text) "
    "  AND ($4::text = '' OR c.state = $4::text) "
    "  AND c.id > $5::text "
    "ORDER BY c.id LIMIT $6::integer";

// The first (by id) of the contracts a product owns, and how many.
inline constexpr Statement kProductContracts = {
    "product_contracts",
    "SELECT min(id), count(*) FROM contracts "
    "WHERE domain_id = $1 AND product_id = $2"};

inline constexpr Statement kContractExists = {
    "contract_exists", "SELECT EXISTS (SELECT 1 FROM contracts WHERE id = $1)"};

// Inserts unless the version exists or the contract is missing (no row
// returned). $7 is model::PrereleaseOrderKey($6).
inline constexpr Statement kInsertContractVersion = {
    "insert_contract_version",
    "INSERT INTO contract_versions (contract_id, version, major, minor, "
    "  patch, prerelease, prerelease_order, status, original_yaml, "
    "  normalized_json, content_hash, published_by, create_time, "
    "  report_json) "
    "SELECT $1, $2, $3::bigint, $4::bigint, $5::bigint, $6, $7, $8, $9, "
    "  $10, $11, $12, mp_ts($13), $14 "
    "WHERE EXISTS (SELECT 1 FROM contracts WHERE id = $1) "
    "ON CONFLICT (contract_id, version) DO NOTHING RETURNING 1"};

inline constexpr Statement kGetContractVersion = {
    "get_contract_version",
    "SELECT " MP_CONTRACT_VERSION_COLUMNS
    " FROM contract_versions v WHERE v.contract_id = $1 AND v.version = $2"};

// $1 contract, $2 cursor (the version text of the last item, '' for the
// first page; a version the contract does not have gives no rows), $3
// limit.
inline constexpr Statement kListContractVersions = {
    "list_contract_versions",
    "SELECT " MP_CONTRACT_VERSION_COLUMNS
    " FROM contract_versions v "
    "WHERE v.contract_id = $1 "
    "  AND ($2::text = '' OR "
    "       (v.major, v.minor, v.patch, v.prerelease_order, v.version) < "
    "       (SELECT major, minor, patch, prerelease_order, version "
    "        FROM contract_versions WHERE contract_id = $1 AND version = "
    "$2)) " MP_VERSIONS_NEWEST_FIRST " LIMIT $3::integer"};

inline constexpr Statement kAllContractVersions = {
    "all_contract_versions",
    "SELECT " MP_CONTRACT_VERSION_COLUMNS
    " FROM contract_versions v WHERE v.contract_id = $1 "
    "ORDER BY v.major, v.minor, v.patch, v.prerelease_order, v.version"};

// $1 contract id -> port (domain, product, port, owner team), reader
// (domain, product, input port, owner team; NULL when nobody reads it).
inline constexpr Statement kContractReaders = {
    "contract_readers",
    "SELECT o.domain_id, o.product_id, o.port_id, op.owner_team_id, "
    "  i.domain_id, i.product_id, i.port_id, rp.owner_team_id "
    "FROM output_ports o "
    "JOIN data_products op ON op.domain_id = o.domain_id "
    "  AND op.id = o.product_id "
    "LEFT JOIN input_ports i ON i.source_domain_id = o.domain_id "
    "  AND i.source_product_id = o.product_id "
    "  AND i.source_port_id = o.port_id "
    "LEFT JOIN data_products rp ON rp.domain_id = i.domain_id "
    "  AND rp.id = i.product_id "
    "WHERE o.contract_id = $1 AND $1 <> '' "
    "ORDER BY o.domain_id, o.product_id, o.port_id, i.domain_id NULLS FIRST, "
    "  i.product_id, i.port_id"};

// ----------------------------------------------------------------- access

// Ports travel as (domain_id, product_id, port_id); actions as a JSON array
// of strings; a request's duration as int64 microseconds.
#define MP_ACCESS_REQUEST_COLUMNS                                        \
  "r.id, r.uid, r.domain_id, r.product_id, r.port_id, r.consumer, "      \
  "r.requester, to_json(r.actions)::text, r.purpose, r.duration_us, "    \
  "r.state, r.decision_json, r.grant_id, r.reviewer, r.review_comment, " \
  "mp_us(r.create_time), mp_us(r.update_time), mp_us(r.expire_time), "   \
  "r.revision"

#define MP_GRANT_COLUMNS                                            \
  "g.id, g.uid, g.domain_id, g.product_id, g.port_id, g.consumer, " \
  "to_json(g.actions)::text, g.purpose, g.access_request_id, "      \
  "g.granted_by, mp_us(g.create_time), mp_us(g.expire_time), "      \
  "mp_us(g.revoke_time), g.revoked_by, g.revoke_reason, g.revision"

#define MP_PORT_EXISTS(d, p, o)                             \
  "EXISTS (SELECT 1 FROM output_ports WHERE domain_id = " d \
  " AND product_id = " p " AND port_id = " o ")"

// Newest first; the keyset cursor is the last item's (create_time, id), NULL
// for the first page. Every list index is in this order (0005_access.sql).
#define MP_NEWEST_FIRST_AFTER(t, us, id)              \
  "(" us "::bigint IS NULL OR (" t ".create_time, " t \
  ".id) < "                                           \
  "(mp_ts(" us "::bigint), " id "::text))"

inline constexpr Statement kGetAccessRequest = {
    "get_access_request", "SELECT " MP_ACCESS_REQUEST_COLUMNS
                          " FROM access_requests r WHERE r.id = $1"};

// $1 id, $2 uid, $3/$4/$5 port, $6 consumer, $7 requester, $8 actions
// (JSON), $9 purpose, $10 duration (us), $11 state, $12 decision, $13 grant
// id, $14 reviewer, $15 review comment, $16/$17/$18 create, update and
// expire times, $19 revision. Inserts unless the id is taken or the port is
// missing (no row returned); kDiagnoseAccessRequest then says which.
inline constexpr Statement kInsertAccessRequest = {
    "insert_access_request",
    "INSERT INTO access_requests (id, uid, domain_id, product_id, port_id, "
    "  consumer, requester, actions, purpose, duration_us, state, "
    "  decision_json, grant_id, reviewer, review_comment, create_time, "
    "  update_time, expire_time, revision) "
    "SELECT $1, $2, $3, $4, $5, $6, $7, "
    "  ARRAY(SELECT json_array_elements_text($8::json)), $9, $10::bigint, "
    "  $11, $12, $13, $14, $15, mp_ts($16), mp_ts($17), mp_ts($18), "
    "  $19::bigint "
    "WHERE " MP_PORT_EXISTS("$3", "$4",
                            "$5") " ON CONFLICT (id) DO NOTHING RETURNING 1"};

// As kInsertAccessRequest, and $20 the expected revision.
inline constexpr Statement kUpdateAccessRequest = {
    "update_access_request",
    "UPDATE access_requests SET uid = $2, domain_id = $3, product_id = $4, "
    "  port_id = $5, consumer = $6, requester = $7, "
    "  actions = ARRAY(SELECT json_array_elements_text($8::json)), "
    "  purpose = $9, duration_us = $10, state = $11, decision_json = $12, "
    "  grant_id = $13, reviewer = $14, review_comment = $15, "
    "  create_time = mp_ts($16), update_time = mp_ts($17), "
    "  expire_time = mp_ts($18), revision = $19 "
    "WHERE id = $1 AND revision = $20 "
    "  AND " MP_PORT_EXISTS("$3", "$4", "$5") " RETURNING 1"};

// $1 id, $2/$3/$4 port -> revision of $1 or NULL, the port exists.
inline constexpr Statement kDiagnoseAccessRequest = {
    "diagnose_access_request",
    "SELECT (SELECT revision FROM access_requests WHERE id = "
    "$1), " MP_PORT_EXISTS("$2", "$3", "$4")};

// Unnamed: $1 state as of $2 ('' = any; see store::AccessRequestFilter),
// $2 now (us), $3/$4/$5 port ('' = any), $6/$7 product ('' = any), $8
// consumer ('' = any), $9 requester ('' = any), $10/$11 cursor (NULL for
// the first page), $12 limit. With the actual values the planner folds the
// CASE down to the one arm that applies.
inline constexpr const char* kListAccessRequests =
    "SELECT " MP_ACCESS_REQUEST_COLUMNS
    " FROM access_requests r "
    "WHERE ($1::text = '' OR CASE $1::text "
    "        WHEN 'PENDING' THEN r.state = 'PENDING' "
    "          AND r.expire_time > mp_ts($2::bigint) "
    "        WHEN 'EXPIRED' THEN r.state = 'EXPIRED' "
    "          OR (r.state = 'PENDING' AND r.expire_time <= mp_ts($2::bigint)) "
    "        ELSE r.state = $1::text END) "
    "  AND ($3::text = '' OR (r.domain_id = $3::text "
    "       AND r.product_id = $4::text AND r.port_id = $5::text)) "
    "  AND ($6::text = '' OR (r.domain_id = $6::text "
    "       AND r.product_id = $7::text)) "
    "  AND ($8::text = '' OR r.consumer = $8::text) "
    "  AND ($9::text = '' OR r.requester = $9::text) "
    "  AND " MP_NEWEST_FIRST_AFTER(
        "r", "$10",
        "$11") " ORDER BY r.create_time DESC, r.id DESC LIMIT $12::integer";

inline constexpr Statement kGetGrant = {
    "get_grant", "SELECT " MP_GRANT_COLUMNS " FROM grants g WHERE g.id = $1"};

// $1 id, $2 uid, $3/$4/$5 port, $6 consumer, $7 actions (JSON), $8
// purpose, $9 access request id, $10 granted by, $11 create time, $12
// expire time, $13 revoke time (NULL: not revoked), $14 revoked by, $15
// revoke reason, $16 revision. As kInsertAccessRequest.
inline constexpr Statement kInsertGrant = {
    "insert_grant",
    "INSERT INTO grants (id, uid, domain_id, product_id, port_id, consumer, "
    "  actions, purpose, access_request_id, granted_by, create_time, "
    "  expire_time, revoke_time, revoked_by, revoke_reason, revision) "
    "SELECT $1, $2, $3, $4, $5, $6, "
    "  ARRAY(SELECT json_array_elements_text($7::json)), $8, $9, $10, "
    "  mp_ts($11), mp_ts($12), mp_ts($13::bigint), $14, $15, $16::bigint "
    "WHERE " MP_PORT_EXISTS("$3", "$4",
                            "$5") " ON CONFLICT (id) DO NOTHING RETURNING 1"};

// As kInsertGrant, and $17 the expected revision.
inline constexpr Statement kUpdateGrant = {
    "update_grant",
    "UPDATE grants SET uid = $2, domain_id = $3, product_id = $4, "
    "  port_id = $5, consumer = $6, "
    "  actions = ARRAY(SELECT json_array_elements_text($7::json)), "
    "  purpose = $8, access_request_id = $9, granted_by = $10, "
    "  create_time = mp_ts($11), expire_time = mp_ts($12), "
    "  revoke_time = mp_ts($13::bigint), revoked_by = $14, "
    "  revoke_reason = $15, revision = $16 "
    "WHERE id = $1 AND revision = $17 "
    "  AND " MP_PORT_EXISTS("$3", "$4", "$5") " RETURNING 1"};

// $1 id, $2/$3/$4 port -> revision of $1 or NULL, the port exists.
inline constexpr Statement kDiagnoseGrant = {
    "diagnose_grant",
    "SELECT (SELECT revision FROM grants WHERE id = $1), " MP_PORT_EXISTS(
        "$2", "$3", "$4")};

// Unnamed: $1/$2/$3 port ('' = any), $4/$5 product ('' = any), $6
// consumers (JSON array; [] = any), $7 active only, $8 now (us), $9/$10
// cursor (NULL for the first page), $11 limit.
inline constexpr const char* kListGrants =
    "SELECT " MP_GRANT_COLUMNS
    " FROM grants g "
    "WHERE ($1::text = '' OR (g.domain_id = $1::text "
    "       AND g.product_id = $2::text AND g.port_id = $3::text)) "
    "  AND ($4::text = '' OR (g.domain_id = $4::text "
    "       AND g.product_id = $5::text)) "
    "  AND (json_array_length($6::json) = 0 OR g.consumer = ANY("
    "       ARRAY(SELECT json_array_elements_text($6::json)))) "
    "  AND (NOT $7::boolean OR (g.revoke_time IS NULL "
    "       AND g.expire_time > mp_ts($8::bigint))) "
    "  AND " MP_NEWEST_FIRST_AFTER(
        "g", "$9",
        "$10") " ORDER BY g.create_time DESC, g.id DESC LIMIT $11::integer";

// $1 now (us), $2 cursor (the last id, '' from the start), $3 limit: the
// partial index grants_active_idx in id order.
inline constexpr Statement kActiveGrants = {
    "active_grants",
    "SELECT " MP_GRANT_COLUMNS
    " FROM grants g "
    "WHERE g.revoke_time IS NULL AND g.expire_time > mp_ts($1::bigint) "
    "  AND g.id > $2::text "
    "ORDER BY g.id LIMIT $3::integer"};

// $1 JSON array of decisions (see PostgresTransaction's DecisionsJson): the
// whole batch in one statement, values only as that one parameter.
// json_to_recordset yields the elements in array order, so sequences follow
// the batch's order.
inline constexpr Statement kAppendAccessDecisions = {
    "append_access_decisions",
    "INSERT INTO access_decisions (time, caller, principal, domain_id, "
    "  product_id, port_id, action, allowed, grant_id, reason, "
    "  decision_json) "
    "SELECT mp_ts(x.time_us), x.caller, x.principal, x.domain_id, "
    "  x.product_id, x.port_id, x.action, x.allowed, x.grant_id, x.reason, "
    "  x.decision_json "
    "FROM json_to_recordset($1::json) AS x(time_us bigint, caller text, "
    "  principal text, domain_id text, product_id text, port_id text, "
    "  action text, allowed boolean, grant_id text, reason text, "
    "  decision_json text)"};

// ----------------------------------------------------------- service levels

// $1 JSON array of observations (see PostgresTransaction's
// ObservationsJson): the whole batch in one statement.
inline constexpr Statement kInsertObservations = {
    "insert_observations",
    "INSERT INTO slo_observations (domain_id, product_id, port_id, "
    "  objective, observe_time, value) "
    "SELECT x.domain_id, x.product_id, x.port_id, x.objective, "
    "  mp_ts(x.time_us), x.value "
    "FROM json_to_recordset($1::json) AS x(domain_id text, product_id text, "
    "  port_id text, objective text, time_us bigint, value double precision)"};

// $1/$2/$3 port, $4 objective, $5 before (us): a range of
// slo_observations_window_idx.
inline constexpr Statement kPruneObservations = {
    "prune_observations",
    "DELETE FROM slo_observations WHERE domain_id = $1 AND product_id = $2 "
    "  AND port_id = $3 AND objective = $4 "
    "  AND observe_time < mp_ts($5::bigint)"};

// $1/$2/$3 port, $4 objective, $5 limit, $6 at most (else at least), $7
// JSON array of window starts (us). One row per window, in order: the
// observations after its start and those that meet the target, then the
// newest observe_time of the series (NULL with none). Each window is one
// index-only range of slo_observations_window_idx (it includes `value`;
// counting observe_time, not sequence, keeps it index-only); no row leaves
// the server.
inline constexpr Statement kSummarizeObservations = {
    "summarize_observations",
    "SELECT count(o.observe_time), "
    "  count(o.observe_time) FILTER (WHERE CASE WHEN $6::boolean "
    "    THEN o.value <= $5::double precision "
    "    ELSE o.value >= $5::double precision END), "
    "  (SELECT mp_us(max(l.observe_time)) FROM slo_observations l "
    "   WHERE l.domain_id = $1 AND l.product_id = $2 AND l.port_id = $3 "
    "     AND l.objective = $4) "
    "FROM json_array_elements_text($7::json) WITH ORDINALITY AS w(since, ord) "
    "LEFT JOIN slo_observations o ON o.domain_id = $1 AND o.product_id = $2 "
    "  AND o.port_id = $3 AND o.objective = $4 "
    "  AND o.observe_time > mp_ts(w.since::bigint) "
    "GROUP BY w.ord ORDER BY w.ord"};

#define MP_BREACH_COLUMNS                                     \
  "b.id, b.domain_id, b.product_id, b.port_id, b.objective, " \
  "mp_us(b.start_time), mp_us(b.end_time), b.detail"

// $1 id, $2/$3/$4 port, $5 objective, $6 start, $7 end (NULL: open), $8
// detail. The id and the one open breach per objective are unique
// (ALREADY_EXISTS); the port is a foreign key (NOT_FOUND).
inline constexpr Statement kInsertBreach = {
    "insert_breach",
    "INSERT INTO slo_breaches (id, domain_id, product_id, port_id, "
    "  objective, start_time, end_time, detail) "
    "VALUES ($1, $2, $3, $4, $5, mp_ts($6::bigint), mp_ts($7::bigint), $8)"};

inline constexpr Statement kGetOpenBreach = {
    "get_open_breach",
    "SELECT " MP_BREACH_COLUMNS
    " FROM slo_breaches b WHERE b.domain_id = $1 AND b.product_id = $2 "
    "  AND b.port_id = $3 AND b.objective = $4 AND b.end_time IS NULL"};

// $1 id, $2 end (us). No row: absent or already closed (kBreachIsOpen
// tells which).
inline constexpr Statement kCloseBreach = {
    "close_breach",
    "UPDATE slo_breaches SET end_time = mp_ts($2::bigint) "
    "WHERE id = $1 AND end_time IS NULL RETURNING id"};

inline constexpr Statement kBreachIsOpen = {
    "breach_is_open",
    "SELECT end_time IS NULL FROM slo_breaches WHERE id = $1"};

// Unnamed: $1/$2 product, $3 port ('' = any), $4 open only, $5/$6 cursor
// (NULL for the first page), $7 limit. An index range of
// slo_breaches_port_idx or slo_breaches_product_idx.
inline constexpr const char* kListBreaches =
    "SELECT " MP_BREACH_COLUMNS
    " FROM slo_breaches b "
    "WHERE b.domain_id = $1 AND b.product_id = $2 "
    "  AND ($3::text = '' OR b.port_id = $3::text) "
    "  AND (NOT $4::boolean OR b.end_time IS NULL) "
    "  AND ($5::bigint IS NULL OR (b.start_time, b.id) < "
    "       (mp_ts($5::bigint), $6::text)) "
    "ORDER BY b.start_time DESC, b.id DESC LIMIT $7::integer";

// ----------------------------------------------------------------- tokens

#define MP_TOKEN_COLUMNS                                      \
  "id, principal, description, secret_hash, platform_admin, " \
  "mp_us(create_time), mp_us(expire_time), mp_us(revoke_time), created_by"

inline constexpr Statement kInsertToken = {
    "insert_token",
    "INSERT INTO api_tokens (id, principal, description, secret_hash, "
    "  platform_admin, create_time, expire_time, revoke_time, created_by) "
    "VALUES ($1, $2, $3, $4, $5, mp_ts($6), mp_ts($7), mp_ts($8), $9) "
    "ON CONFLICT (id) DO NOTHING RETURNING 1"};

inline constexpr Statement kGetToken = {
    "get_token", "SELECT " MP_TOKEN_COLUMNS " FROM api_tokens WHERE id = $1"};

inline constexpr Statement kRevokeToken = {
    "revoke_token",
    "UPDATE api_tokens SET revoke_time = coalesce(revoke_time, mp_ts($2)) "
    "WHERE id = $1 RETURNING 1"};

inline constexpr Statement kCountActiveAdminTokens = {
    "count_active_admin_tokens",
    "SELECT count(*) FROM api_tokens WHERE platform_admin "
    "  AND revoke_time IS NULL "
    "  AND (expire_time IS NULL OR expire_time > mp_ts($1))"};

// Unnamed: $1 principal ('' = any), $2 include revoked, $3 cursor, $4 limit.
inline constexpr const char* kListTokens =
    "SELECT " MP_TOKEN_COLUMNS
    " FROM api_tokens "
    "WHERE ($1::text = '' OR principal = $1::text) "
    "  AND ($2::boolean OR revoke_time IS NULL) "
    "  AND id > $3::text "
    "ORDER BY id LIMIT $4::integer";

// ---------------------------------------------------------------- webhooks

#define MP_WEBHOOK_COLUMNS                                                  \
  "id, url, to_json(resource_types)::text, domain_id, include_subdomains, " \
  "secret, creator, mp_us(create_time), delivered_sequence, "               \
  "failing_attempts, last_error, mp_us(next_attempt_time)"

inline constexpr Statement kInsertWebhook = {
    "insert_webhook",
    "INSERT INTO webhooks (id, url, resource_types, domain_id, "
    "  include_subdomains, secret, creator, create_time, delivered_sequence, "
    "  failing_attempts, last_error, next_attempt_time) "
    "VALUES ($1, $2, ARRAY(SELECT json_array_elements_text($3::json)), $4, "
    "  $5, $6, $7, mp_ts($8), $9, $10, $11, mp_ts($12)) "
    "ON CONFLICT (id) DO NOTHING RETURNING 1"};

inline constexpr Statement kGetWebhook = {
    "get_webhook", "SELECT " MP_WEBHOOK_COLUMNS " FROM webhooks WHERE id = $1"};

inline constexpr Statement kDeleteWebhook = {
    "delete_webhook", "DELETE FROM webhooks WHERE id = $1 RETURNING 1"};

// $1 now. The due webhook behind the feed that has waited longest; the
// ones another transaction holds are skipped, and the one returned is held
// until this transaction ends. An index range of webhooks_due_idx.
inline constexpr Statement kClaimDueWebhook = {
    "claim_due_webhook",
    "SELECT " MP_WEBHOOK_COLUMNS
    " FROM webhooks "
    "WHERE next_attempt_time <= mp_ts($1) "
    "  AND delivered_sequence < "
    "      (SELECT coalesce(max(sequence), 0) FROM events) "
    "ORDER BY next_attempt_time, id LIMIT 1 FOR UPDATE SKIP LOCKED"};

inline constexpr Statement kUpdateWebhookState = {
    "update_webhook_state",
    "UPDATE webhooks SET delivered_sequence = $2, failing_attempts = $3, "
    "  last_error = $4, next_attempt_time = mp_ts($5) "
    "WHERE id = $1 RETURNING 1"};

// Unnamed: $1 cursor ('' = from the start), $2 limit.
inline constexpr const char* kListWebhooks =
    "SELECT " MP_WEBHOOK_COLUMNS
    " FROM webhooks WHERE id > $1::text ORDER BY id LIMIT $2::integer";

// $1 JSON array of [webhook_id, event_sequence, event_type, attempt,
// time_us, http_status, success, error, duration_us], in append order.
// Returns the webhooks that were found (a missing one is NOT_FOUND).
inline constexpr Statement kAppendWebhookDeliveries = {
    "append_webhook_deliveries",
    "INSERT INTO webhook_deliveries (webhook_id, event_sequence, event_type, "
    "  attempt, time, http_status, success, error, duration_us) "
    "SELECT d->>0, (d->>1)::bigint, d->>2, (d->>3)::integer, "
    "  mp_ts((d->>4)::bigint), (d->>5)::integer, (d->>6)::boolean, d->>7, "
    "  (d->>8)::bigint "
    "FROM json_array_elements($1::json) WITH ORDINALITY AS a(d, n) "
    "ORDER BY n"};

// $1 webhook, $2 how many attempts to keep: deletes the older ones.
inline constexpr Statement kPruneWebhookDeliveries = {
    "prune_webhook_deliveries",
    "DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND sequence <= "
    "  (SELECT sequence FROM webhook_deliveries WHERE webhook_id = $1 "
    "   ORDER BY sequence DESC OFFSET $2 LIMIT 1)"};

// Unnamed: $1 webhook, $2 cursor (sequences below it; NULL for the first
// page), $3 limit.
inline constexpr const char* kListWebhookDeliveries =
    "SELECT webhook_id, event_sequence, event_type, attempt, mp_us(time), "
    "  http_status, success, error, duration_us, sequence "
    "FROM webhook_deliveries "
    "WHERE webhook_id = $1 "
    "  AND ($2::bigint IS NULL OR sequence < $2::bigint) "
    "ORDER BY sequence DESC LIMIT $3::integer";

// ------------------------------------------ audit, events and idempotency

inline constexpr Statement kAppendAudit = {
    "append_audit",
    "INSERT INTO audit_log (time, principal, method, resource, request_id, "
    "  before_json, after_json, outcome_code, outcome_message, "
    "  validate_only, decision_json, transport) "
    "VALUES (mp_ts($1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
    "RETURNING sequence"};

// Unnamed: $1 resource ('' = any), $2 principal ('' = any), $3 cursor
// (sequences below it), $4 limit.
inline constexpr const char* kListAudit =
    "SELECT sequence, mp_us(time), principal, method, resource, request_id, "
    "  before_json, after_json, outcome_code, outcome_message, "
    "  validate_only, decision_json, transport "
    "FROM audit_log "
    "WHERE ($1::text = '' OR resource = $1::text) "
    "  AND ($2::text = '' OR principal = $2::text) "
    "  AND sequence < $3::bigint "
    "ORDER BY sequence DESC LIMIT $4::integer";

// An event is appended unnumbered (sequence NULL) and numbered after its
// commit by kPublishEvents (migrations/0012_outbox_publication.sql): no
// lock here, so writers commit without waiting for each other. Returns the
// append id, which becomes the event's sequence unless a concurrent
// writer's event was numbered first.
inline constexpr Statement kAppendEvent = {
    "append_event",
    "INSERT INTO events (time, type, resource, domain_id, payload_json) "
    "VALUES (mp_ts($1), $2, $3, $4, $5) "
    "RETURNING append_id"};

// $1: wait for another publisher's turn (true), or return NULL at once.
// Autocommit only (the function refuses a transaction snapshot).
inline constexpr Statement kPublishEvents = {
    "publish_events", "SELECT mp_publish_events($1::boolean)"};

// After a write's commit, in autocommit: $1 whether it appended events (to
// publish, waiting for the publishers' turn), $2 a JSON array of [channel,
// payload] to notify. One round trip, and one short transaction that
// notifies in place of the write (see PostgresTransaction::Notify).
inline constexpr Statement kAfterCommit = {
    "after_commit",
    "SELECT CASE WHEN $1::boolean THEN mp_publish_events(true) END, "
    "  (SELECT count(pg_notify(n->>0, n->>1)) "
    "   FROM json_array_elements($2::json) AS n)"};

// Event retention keeps its watermark ("pruned through P") in the events
// table itself, so that it is durable, exact whatever the gaps in the
// sequence, and commits with the deletes, without a table of its own: the
// newest pruned event's row stays as a tombstone (empty type, no content)
// and every row before it is gone. So the tombstone, when there is one, is
// always the first row; no event has an empty type. A reader after N < P
// gets the tombstone as its first row: that is how ListEvents detects, in
// the same snapshot as its read, that events after N were pruned.
inline constexpr Statement kListEvents = {
    "list_events",
    "SELECT sequence, mp_us(time), type, resource, domain_id, payload_json "
    "FROM events WHERE sequence > $1 ORDER BY sequence LIMIT $2"};

inline constexpr Statement kLastEventSequence = {
    "last_event_sequence", "SELECT coalesce(max(sequence), 0) FROM events"};

// The first row of the primary key: the tombstone's sequence, else 0.
inline constexpr Statement kEventsPrunedThrough = {
    "events_pruned_through",
    "SELECT coalesce((SELECT CASE WHEN type = '' THEN sequence ELSE 0 END "
    "  FROM events WHERE sequence IS NOT NULL ORDER BY sequence LIMIT 1), 0)"};

// Pruners take turns without waiting: a replica that finds another one
// pruning skips its round. Next to the publishers' lock (1297109832, 2),
// which pruning must not take: publication would wait for it.
inline constexpr Statement kTryLockEventPruning = {
    "try_lock_event_pruning",
    "SELECT pg_try_advisory_xact_lock(1297109832, 3)"};

// The head of the feed, $1 rows, tombstone first if any: a range of the
// primary key, without the payloads.
inline constexpr Statement kEventsToPrune = {
    "events_to_prune",
    "SELECT sequence, mp_us(time), type = '' FROM events "
    "WHERE sequence IS NOT NULL ORDER BY sequence LIMIT $1"};

// Prunes through event $1: the rows before it (the old tombstone among
// them) go, and it becomes the tombstone.
inline constexpr Statement kPruneEventsThrough = {
    "prune_events_through",
    "WITH gone AS (DELETE FROM events WHERE sequence < $1) "
    "UPDATE events SET type = '', resource = '', domain_id = '', "
    "  payload_json = '' "
    "WHERE sequence = $1"};

inline constexpr Statement kTryLockRequest = {
    "try_lock_request", "SELECT pg_try_advisory_xact_lock($1::bigint)"};

// A write claims its request id before anything else: it inserts a
// placeholder (no hash, no response; kPutIdempotency fills it in before the
// commit, and a rollback removes it) and reads the stored answer only when
// the key is taken (no row returned). Under SERIALIZABLE a lookup first took
// a predicate lock on the primary key's page, which every concurrent write
// with a request id inserts into: the largest source of serialization
// failures of creates (docs/performance.md). The insert's conflict check
// takes none. A placeholder is never an answer (kGetIdempotency skips it).
// $4 the oldest create_time still answered: an expired record is reclaimed.
inline constexpr Statement kClaimIdempotency = {
    "claim_idempotency",
    "INSERT INTO idempotency AS i (principal, method, request_id, "
    "  request_hash, response, create_time) "
    "VALUES ($1, $2, $3, '', '', now()) "
    "ON CONFLICT (principal, method, request_id) DO UPDATE SET "
    "  request_hash = '', response = '', create_time = now() "
    "  WHERE i.create_time < mp_ts($4) OR i.request_hash = '' "
    "RETURNING 1"};

inline constexpr Statement kGetIdempotency = {
    "get_idempotency",
    "SELECT request_hash, response, mp_us(create_time) FROM idempotency "
    "WHERE principal = $1 AND method = $2 AND request_id = $3 "
    "  AND create_time >= mp_ts($4) AND request_hash <> ''"};

inline constexpr Statement kPutIdempotency = {
    "put_idempotency",
    "INSERT INTO idempotency (principal, method, request_id, request_hash, "
    "  response, create_time) "
    "VALUES ($1, $2, $3, $4, $5, mp_ts($6)) "
    "ON CONFLICT (principal, method, request_id) DO UPDATE SET "
    "  request_hash = EXCLUDED.request_hash, response = EXCLUDED.response, "
    "  create_time = EXCLUDED.create_time"};

// Records older than 24 hours before $1 (a record's time; NULL: the newest
// record's) may go. Relative to stored times, not to the database clock, so
// that servers driven by a simulated clock keep their records.
inline constexpr Statement kExpireIdempotency = {
    "expire_idempotency",
    "DELETE FROM idempotency WHERE create_time < coalesce(mp_ts($1::bigint), "
    "  (SELECT max(create_time) FROM idempotency)) - interval '24 hours'"};

// ------------------------------------------------------------------ misc

inline constexpr Statement kPing = {"ping", "SELECT 1"};

// Unnamed, once per new connection: $1 e.g. "30000ms" ("0ms" = no limit).
inline constexpr const char* kSetStatementTimeout =
    "SELECT set_config('statement_timeout', $1, false)";

// First in a transaction whose call has a deadline: its statements, lock
// waits included, end by then (SET LOCAL: until COMMIT or ROLLBACK).
// $1 e.g. "187ms".
inline constexpr Statement kSetTransactionTimeouts = {
    "set_transaction_timeouts",
    "SELECT set_config('statement_timeout', $1, true), "
    "set_config('lock_timeout', $1, true)"};

inline constexpr Statement kSchemaVersion = {
    "schema_version",
    "SELECT coalesce(max(version), 0) FROM schema_migrations"};

// ----------------------------------------------------------- web sessions

inline constexpr Statement kInsertWebSession = {
    "insert_web_session",
    "INSERT INTO web_sessions (id_hash, principal, credential, create_time, "
    "  expire_time) VALUES ($1, $2, $3, mp_ts($4), mp_ts($5)) "
    "ON CONFLICT (id_hash) DO NOTHING RETURNING 1"};

inline constexpr Statement kDeleteExpiredWebSessions = {
    "delete_expired_web_sessions",
    "DELETE FROM web_sessions WHERE expire_time < mp_ts($1)"};

inline constexpr Statement kGetWebSession = {
    "get_web_session",
    "SELECT id_hash, principal, credential, mp_us(create_time), "
    "mp_us(expire_time) FROM web_sessions WHERE id_hash = $1"};

inline constexpr Statement kDeleteWebSession = {
    "delete_web_session", "DELETE FROM web_sessions WHERE id_hash = $1"};

// Every prepared statement, registered on each new connection.
inline constexpr const Statement* kPrepared[] = {&kGetDomain,
                                                 &kInsertDomain,
                                                 &kDiagnoseDomain,
                                                 &kUpdateDomain,
                                                 &kDomainChildren,
                                                 &kDeleteDomain,
                                                 &kCountSubdomains,
                                                 &kCountDataProducts,
                                                 &kDomainAncestors,
                                                 &kGetTeam,
                                                 &kInsertTeam,
                                                 &kUpdateTeam,
                                                 &kTeamRevision,
                                                 &kDeleteOtherMembers,
                                                 &kInsertMembers,
                                                 &kTeamOwnerships,
                                                 &kDeleteTeam,
                                                 &kTeamsOfPrincipal,
                                                 &kGetProduct,
                                                 &kInsertProduct,
                                                 &kDiagnoseProduct,
                                                 &kUpdateProduct,
                                                 &kMissingSource,
                                                 &kReaderOfRemovedPort,
                                                 &kDeleteInputPorts,
                                                 &kUpsertOutputPorts,
                                                 &kDeleteOtherOutputPorts,
                                                 &kInsertInputPorts,
                                                 &kFirstReader,
                                                 &kDeleteProduct,
                                                 &kLineageDown,
                                                 &kLineageUp,
                                                 &kInsertToken,
                                                 &kGetToken,
                                                 &kRevokeToken,
                                                 &kCountActiveAdminTokens,
                                                 &kAppendAudit,
                                                 &kAppendEvent,
                                                 &kPublishEvents,
                                                 &kAfterCommit,
                                                 &kListEvents,
                                                 &kLastEventSequence,
                                                 &kEventsPrunedThrough,
                                                 &kTryLockEventPruning,
                                                 &kEventsToPrune,
                                                 &kPruneEventsThrough,
                                                 &kTryLockRequest,
                                                 &kClaimIdempotency,
                                                 &kGetIdempotency,
                                                 &kPutIdempotency,
                                                 &kExpireIdempotency,
                                                 &kPing,
                                                 &kSetTransactionTimeouts,
                                                 &kSchemaVersion,
                                                 &kGetPolicy,
                                                 &kInsertPolicy,
                                                 &kDiagnosePolicy,
                                                 &kUpdatePolicy,
                                                 &kDeletePolicy,
                                                 &kAllPolicies,
                                                 &kInsertPolicyRevision,
                                                 &kListPolicyRevisions,
                                                 &kInsertWaiver,
                                                 &kDiagnoseWaiver,
                                                 &kGetWaiver,
                                                 &kDeleteWaiver,
                                                 &kNotify,
                                                 &kGetContract,
                                                 &kInsertContract,
                                                 &kDiagnoseContract,
                                                 &kUpdateContract,
                                                 &kProductContracts,
                                                 &kContractExists,
                                                 &kInsertContractVersion,
                                                 &kGetContractVersion,
                                                 &kListContractVersions,
                                                 &kAllContractVersions,
                                                 &kContractReaders,
                                                 &kGetAccessRequest,
                                                 &kInsertAccessRequest,
                                                 &kUpdateAccessRequest,
                                                 &kDiagnoseAccessRequest,
                                                 &kGetGrant,
                                                 &kInsertGrant,
                                                 &kUpdateGrant,
                                                 &kDiagnoseGrant,
                                                 &kActiveGrants,
                                                 &kAppendAccessDecisions,
                                                 &kInsertObservations,
                                                 &kPruneObservations,
                                                 &kSummarizeObservations,
                                                 &kInsertBreach,
                                                 &kGetOpenBreach,
                                                 &kCloseBreach,
                                                 &kBreachIsOpen,
                                                 &kInsertWebhook,
                                                 &kGetWebhook,
                                                 &kDeleteWebhook,
                                                 &kClaimDueWebhook,
                                                 &kUpdateWebhookState,
                                                 &kAppendWebhookDeliveries,
                                                 &kPruneWebhookDeliveries,
                                                 &kInsertWebSession,
                                                 &kDeleteExpiredWebSessions,
                                                 &kGetWebSession,
                                                 &kDeleteWebSession};

#undef MP_DOMAIN_COLUMNS
#undef MP_TEAM_COLUMNS
#undef MP_PRODUCT_COLUMNS
#undef MP_TOKEN_COLUMNS
#undef MP_POLICY_COLUMNS
#undef MP_WAIVER_COLUMNS
#undef MP_CONTRACT_COLUMNS
#undef MP_CONTRACT_VERSION_COLUMNS
#undef MP_VERSIONS_NEWEST_FIRST
#undef MP_ACCESS_REQUEST_COLUMNS
#undef MP_GRANT_COLUMNS
#undef MP_BREACH_COLUMNS
#undef MP_WEBHOOK_COLUMNS
#undef MP_PORT_EXISTS
#undef MP_NEWEST_FIRST_AFTER

}  // namespace meshplane::store::pg::sql

#endif  // MESHPLANE_STORE_POSTGRES_SQL_H_
