// The conventions of the PostgreSQL store's SQL. Every statement is a named
// constant with $n parameters, in the <area>_sql.h of the resource area that
// runs it (registry_sql.h, identity_sql.h, governance_sql.h,
// contracts_sql.h, access_sql.h, slo_sql.h, events_sql.h; store_sql.h for
// the store's own). Values only ever travel as parameters, never inside the
// text.
//
// Statements (sql::Statement, a name and a text) are registered on each
// connection (lazily prepared by libpqxx on first use) and run with
// exec_prepared. The list queries, whose optional filters fold away only when
// the planner sees the actual values, run as unnamed statements (exec_params),
// which PostgreSQL plans afresh for each set of values (a "custom plan") and so
// always uses the right index. Each <area>_sql.h lists its prepared statements
// in k<Area>Prepared, which PostgresStore registers on every new connection;
// their names are PostgreSQL's names for them, unique across the files.
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

}  // namespace meshplane::store::pg::sql

#endif  // MESHPLANE_STORE_POSTGRES_SQL_H_
