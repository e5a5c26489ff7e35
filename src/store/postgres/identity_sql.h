// The SQL of identity: API tokens and web sessions (see sql.h for the
// conventions).
#ifndef MESHPLANE_STORE_POSTGRES_IDENTITY_SQL_H_
#define MESHPLANE_STORE_POSTGRES_IDENTITY_SQL_H_

#include "store/postgres/sql.h"

namespace meshplane::store::pg::sql {

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

// The prepared statements above, registered on each new connection.
inline constexpr const Statement* kIdentityPrepared[] = {
    &kInsertToken,      &kGetToken,
    &kRevokeToken,      &kCountActiveAdminTokens,
    &kInsertWebSession, &kDeleteExpiredWebSessions,
    &kGetWebSession,    &kDeleteWebSession,
};

#undef MP_TOKEN_COLUMNS

}  // namespace meshplane::store::pg::sql

#endif  // MESHPLANE_STORE_POSTGRES_IDENTITY_SQL_H_
