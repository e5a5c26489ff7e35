// The SQL of the store itself: sessions, transactions, health, the schema
// version (see sql.h for the conventions).
#ifndef MESHPLANE_STORE_POSTGRES_STORE_SQL_H_
#define MESHPLANE_STORE_POSTGRES_STORE_SQL_H_

#include "store/postgres/sql.h"

namespace meshplane::store::pg::sql {

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

// Queued by PostgreSQL and delivered to listeners when the transaction
// commits (dropped on rollback).
inline constexpr Statement kNotify = {"notify", "SELECT pg_notify($1, $2)"};

// The prepared statements above, registered on each new connection.
inline constexpr const Statement* kStorePrepared[] = {
    &kPing,
    &kSetTransactionTimeouts,
    &kSchemaVersion,
    &kNotify,
};

}  // namespace meshplane::store::pg::sql

#endif  // MESHPLANE_STORE_POSTGRES_STORE_SQL_H_
