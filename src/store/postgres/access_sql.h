// The SQL of access: requests, grants and the decision log (see sql.h for the
// conventions).
#ifndef MESHPLANE_STORE_POSTGRES_ACCESS_SQL_H_
#define MESHPLANE_STORE_POSTGRES_ACCESS_SQL_H_

#include "store/postgres/sql.h"

namespace meshplane::store::pg::sql {

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

// The prepared statements above, registered on each new connection.
inline constexpr const Statement* kAccessPrepared[] = {
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
};

#undef MP_ACCESS_REQUEST_COLUMNS
#undef MP_GRANT_COLUMNS
#undef MP_PORT_EXISTS
#undef MP_NEWEST_FIRST_AFTER

}  // namespace meshplane::store::pg::sql

#endif  // MESHPLANE_STORE_POSTGRES_ACCESS_SQL_H_
