// The SQL of service levels: observations and breaches (see sql.h for the
// conventions).
#ifndef MESHPLANE_STORE_POSTGRES_SLO_SQL_H_
#define MESHPLANE_STORE_POSTGRES_SLO_SQL_H_

#include "store/postgres/sql.h"

namespace meshplane::store::pg::sql {

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

// The prepared statements above, registered on each new connection.
inline constexpr const Statement* kSloPrepared[] = {
    &kInsertObservations, &kPruneObservations, &kSummarizeObservations,
    &kInsertBreach,       &kGetOpenBreach,     &kCloseBreach,
    &kBreachIsOpen,
};

#undef MP_BREACH_COLUMNS

}  // namespace meshplane::store::pg::sql

#endif  // MESHPLANE_STORE_POSTGRES_SLO_SQL_H_
