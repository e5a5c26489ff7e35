// The SQL of governance: policies, their history and waivers (see sql.h for the
// conventions).
#ifndef MESHPLANE_STORE_POSTGRES_GOVERNANCE_SQL_H_
#define MESHPLANE_STORE_POSTGRES_GOVERNANCE_SQL_H_

#include "store/postgres/sql.h"

namespace meshplane::store::pg::sql {

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

// The prepared statements above, registered on each new connection.
inline constexpr const Statement* kGovernancePrepared[] = {
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
};

#undef MP_POLICY_COLUMNS
#undef MP_WAIVER_COLUMNS

}  // namespace meshplane::store::pg::sql

#endif  // MESHPLANE_STORE_POSTGRES_GOVERNANCE_SQL_H_
