// The two database roles (docs/operations.md#database-roles): the schema is
// migrated by its owner, and meshplaned serves as a role that may read and
// append to the audit tables but not alter or erase them, nor change the
// schema; and the server works end to end as that role.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/pg/pg_fixture.h"
#include "tests/testing/server/eventually.h"
#include "tests/testing/server/process.h"
#include "tests/testing/server/server_fixture.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <signal.h>

#include "meshplane/store/postgres_store.h"

namespace meshplane::testing {
namespace {

const char kToken[] = "roles-bootstrap-token-0123456789";

// Roles are the PostgreSQL server's, shared by the tests of this binary:
// each test names its own.
struct Roles {
  std::string owner;
  std::string serving;
};

// `url` of the fixture (as postgres) connecting as `role`.
std::string As(const std::string& role, const std::string& url) {
  const std::string prefix = "postgresql://postgres@";
  return absl::StrCat("postgresql://", role, "@", url.substr(prefix.size()));
}

// A database as a production bootstrap makes it: owned by a plain LOGIN
// role (not a superuser) that migrates, and a LOGIN role to serve with.
// Returns the URL as postgres.
std::string Bootstrap(const Roles& roles) {
  std::string url = PgFixture::Get().NewEmptyDatabase();
  // postgresql://postgres@/<db>?host=...
  const size_t start = url.find("@/") + 2;
  const std::string db = url.substr(start, url.find('?') - start);
  ExecSql(PgFixture::Get().AdminUrl(),
          absl::StrCat("CREATE ROLE ", roles.owner, " LOGIN; CREATE ROLE ",
                       roles.serving, " LOGIN"));
  // Not in a transaction block: ALTER DATABASE may run in one, but keep it
  // apart from the role creation for clarity of failures.
  ExecSql(PgFixture::Get().AdminUrl(),
          absl::StrCat("ALTER DATABASE ", db, " OWNER TO ", roles.owner));
  return url;
}

// Runs `sql` as the connection's role in a transaction of its own; the
// SQLSTATE it failed with, or "ok".
std::string Attempt(pqxx::connection& conn, const std::string& sql) {
  try {
    pqxx::work w(conn);
    w.exec(sql);
    w.commit();
    return "ok";
  } catch (const pqxx::insufficient_privilege&) {
    return "42501";  // libpqxx 6.4 leaves sqlstate() empty for this class
  } catch (const pqxx::sql_error& e) {
    return e.sqlstate().empty() ? e.what() : e.sqlstate();
  }
}

// What the finding was about: the role the server runs as must not be
// able to rewrite history. Migrated by its owner with `meshplaned migrate
// --serving-role`, the serving role can append to and read the audit
// tables, and every way of altering or erasing them fails with a
// permission error (SQLSTATE 42501), as does creating anything in the
// schema. (On the code before the two roles, the server's role was the
// owner: `ALTER TABLE audit_log DISABLE TRIGGER USER; TRUNCATE audit_log`
// succeeded.)
TEST(DatabaseRolesTest, ServingRoleCannotAlterOrEraseTheAuditTables) {
  const Roles roles{"mp_owner_a", "mp_serving_a"};
  const std::string url = Bootstrap(roles);
  Process migrate(MESHPLANED_PATH,
                  {"migrate", "--database-url", As(roles.owner, url),
                   "--serving-role", roles.serving},
                  {});
  ASSERT_EQ(migrate.Wait(absl::Seconds(60)), 0);

  pqxx::connection serving(As(roles.serving, url));
  // What the server does: append, and read back.
  ASSERT_EQ(Attempt(serving,
                    "INSERT INTO audit_log (time, method) "
                    "VALUES (now(), 'test')"),
            "ok");
  ASSERT_EQ(Attempt(serving,
                    "INSERT INTO access_decisions (time, allowed) "
                    "VALUES (now(), false)"),
            "ok");
  ASSERT_EQ(Attempt(serving, "SELECT count(*) FROM audit_log"), "ok");

  for (const char* table : {"audit_log", "access_decisions"}) {
    const std::vector<std::string> refused = {
        absl::StrCat("UPDATE ", table, " SET time = now()"),
        absl::StrCat("DELETE FROM ", table),
        absl::StrCat("TRUNCATE ", table),
        absl::StrCat("ALTER TABLE ", table, " DISABLE TRIGGER USER"),
        absl::StrCat("ALTER TABLE ", table, " DISABLE TRIGGER ALL"),
        absl::StrCat("DROP TRIGGER ", table, "_no_truncate ON ", table),
        absl::StrCat("DROP TRIGGER ", table, "_no_update_delete ON ", table),
        absl::StrCat("ALTER TABLE ", table, " ADD COLUMN x integer"),
        absl::StrCat("ALTER TABLE ", table, " RENAME TO ", table, "_old"),
        absl::StrCat("ALTER TABLE ", table, " OWNER TO ", roles.serving),
        absl::StrCat("DROP TABLE ", table),
        absl::StrCat("CREATE RULE r AS ON INSERT TO ", table,
                     " DO INSTEAD NOTHING"),
        absl::StrCat("SELECT setval('", table, "_sequence_seq', 1)"),
    };
    for (const std::string& sql : refused) {
      EXPECT_EQ(Attempt(serving, sql), "42501") << sql;
    }
  }
  // The trigger function the append-only rule rests on, and the schema.
  for (const char* sql : {
           "CREATE OR REPLACE FUNCTION mp_audit_log_is_append_only() "
           "RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN OLD; END'",
           "DROP FUNCTION mp_table_is_append_only() CASCADE",
           "CREATE TABLE audit_log_copy (x integer)",
           "CREATE FUNCTION mp_us(t text) RETURNS bigint LANGUAGE sql "
           "AS 'SELECT 0::bigint'",
           "CREATE TABLE IF NOT EXISTS schema_migrations (version integer)",
           "DELETE FROM schema_migrations",
           "TRUNCATE events",
       }) {
    EXPECT_EQ(Attempt(serving, sql), "42501") << sql;
  }
  // Nothing was lost, and the triggers are still in place.
  EXPECT_EQ(QueryInt(url, "SELECT count(*) FROM audit_log"), 1);
  EXPECT_EQ(QueryInt(url, "SELECT count(*) FROM access_decisions"), 1);
  EXPECT_EQ(
      QueryInt(url,
               "SELECT count(*) FROM pg_trigger WHERE tgenabled = 'O' AND "
               "tgrelid IN ('audit_log'::regclass, "
               "'access_decisions'::regclass)"),
      4);
  // The store says the same of each role.
  EXPECT_OK(store::CheckServingRole(As(roles.serving, url)));
  EXPECT_THAT(store::CheckServingRole(As(roles.owner, url)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "owns audit_log and access_decisions"));
  EXPECT_THAT(
      store::CheckServingRole(url),
      StatusIs(absl::StatusCode::kFailedPrecondition, "is a superuser"));
}

// The serving role gets exactly serving_role.sql: every table of the
// schema is readable (a table that a new migration adds and the file
// forgets fails here), the audit tables take SELECT and INSERT only, no
// table takes TRUNCATE, REFERENCES or TRIGGER, and a privilege given by
// hand is taken back by the next migrate.
TEST(DatabaseRolesTest, ServingRoleHasExactlyTheGrantsOfTheFile) {
  const Roles roles{"mp_owner_b", "mp_serving_b"};
  const std::string url = Bootstrap(roles);
  const std::string owner = As(roles.owner, url);
  ASSERT_OK(
      store::Migrate(owner, store::DefaultMigrationsDir(), roles.serving));
  const std::string role = absl::StrCat("'", roles.serving, "'");
  // format(): the privilege functions would otherwise look names up in
  // other schemas before the WHERE clause filters them out.
  const std::string tables =
      "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
      "AND ";
  const std::string table =
      absl::StrCat(role, ", format('%I.%I', schemaname, tablename), ");
  ASSERT_EQ(QueryInt(url,
                     "SELECT count(*) FROM pg_tables WHERE schemaname = "
                     "current_schema()"),
            24)
      << "a migration added a table: add it to migrations/serving_role.sql "
         "and here";
  EXPECT_EQ(QueryInt(url, absl::StrCat(tables, "NOT has_table_privilege(",
                                       table, "'SELECT')")),
            0);
  EXPECT_EQ(QueryInt(url, absl::StrCat(tables, "has_table_privilege(", table,
                                       "'TRUNCATE, REFERENCES, TRIGGER')")),
            0);
  for (const char* table : {"audit_log", "access_decisions"}) {
    EXPECT_EQ(QueryInt(url, absl::StrCat("SELECT count(*) FROM "
                                         "information_schema.role_table_grants "
                                         "WHERE grantee = ",
                                         role, " AND table_name = '", table,
                                         "' AND privilege_type NOT IN "
                                         "('SELECT', 'INSERT')")),
              0)
        << table;
  }
  EXPECT_EQ(
      QueryInt(url, absl::StrCat("SELECT count(*) FROM pg_sequences WHERE "
                                 "schemaname = current_schema() AND NOT "
                                 "has_sequence_privilege(",
                                 role,
                                 ", format('%I.%I', schemaname, sequencename), "
                                 "'USAGE')")),
      0);

  ExecSql(owner,
          absl::StrCat("GRANT TRUNCATE ON audit_log TO ", roles.serving));
  {
    pqxx::connection serving(As(roles.serving, url));
    // The trigger still refuses; the privilege is what must not be there.
    EXPECT_EQ(Attempt(serving, "TRUNCATE audit_log"), "42501");
  }
  ASSERT_OK(
      store::Migrate(owner, store::DefaultMigrationsDir(), roles.serving));
  EXPECT_EQ(QueryInt(url, absl::StrCat(tables, "has_table_privilege(", table,
                                       "'TRUNCATE')")),
            0);
}

// `meshplaned migrate --serving-role` refuses a role that could alter the
// audit tables, before granting anything; a serving role cannot migrate.
TEST(DatabaseRolesTest,
     MigrateRefusesUnfitServingRolesAndServingRolesCannotMigrate) {
  const Roles roles{"mp_owner_c", "mp_serving_c"};
  const std::string url = Bootstrap(roles);
  const std::string owner = As(roles.owner, url);
  const std::string dir = store::DefaultMigrationsDir();
  EXPECT_THAT(store::Migrate(owner, dir, roles.owner),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "owns audit_log and access_decisions"));
  EXPECT_THAT(
      store::Migrate(owner, dir, "postgres"),
      StatusIs(absl::StatusCode::kFailedPrecondition, "is a superuser"));
  EXPECT_THAT(store::Migrate(owner, dir, "mp_nobody"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "\"mp_nobody\" does not exist"));
  // A member of the owner's role has its privileges.
  ExecSql(PgFixture::Get().AdminUrl(),
          "CREATE ROLE mp_owner_member_c LOGIN IN ROLE mp_owner_c");
  EXPECT_THAT(
      store::Migrate(owner, dir, "mp_owner_member_c"),
      StatusIs(absl::StatusCode::kFailedPrecondition, "owner's privileges"));
  ExecSql(owner,
          absl::StrCat("GRANT CREATE ON SCHEMA public TO ", roles.serving));
  EXPECT_THAT(store::Migrate(owner, dir, roles.serving),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "may CREATE in schema \"public\""));
  EXPECT_EQ(
      QueryInt(url, absl::StrCat("SELECT count(*) FROM "
                                 "information_schema.role_table_grants "
                                 "WHERE grantee IN ('",
                                 roles.serving, "', 'mp_owner_member_c')")),
      0)
      << "a refused role got grants";
  ExecSql(owner,
          absl::StrCat("REVOKE CREATE ON SCHEMA public FROM ", roles.serving));
  ASSERT_OK(store::Migrate(owner, dir, roles.serving));

  // Up to date, the serving role still may not run the migrations: their
  // first statement needs CREATE on the schema.
  EXPECT_THAT(store::Migrate(As(roles.serving, url), dir),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "migrate with the URL of the role that "
                       "owns it"));
}

// The server serves as the serving role: a write lands with its audit row,
// CheckAccess decisions are logged, retention prunes old events, and a
// webhook's delivery worker moves its state. A server as the serving role
// needs no DDL at start on a current schema, and on one that is behind it
// waits for `meshplaned migrate` instead of failing on DDL.
TEST(DatabaseRolesTest, MeshplanedServesAsTheServingRole) {
  const Roles roles{"mp_owner_d", "mp_serving_d"};
  const std::string url = Bootstrap(roles);
  const std::string owner = As(roles.owner, url);
  const std::string serving = As(roles.serving, url);

  // Behind (empty), as the serving role: waits --db-wait, then gives up.
  {
    Process early(MESHPLANED_PATH,
                  {"serve", "--listen", "127.0.0.1:0", "--http-listen", "",
                   "--db-wait", "1s", "--database-url", serving},
                  {});
    EXPECT_EQ(early.Wait(absl::Seconds(30)), 1);
  }
  ASSERT_OK(
      store::Migrate(owner, store::DefaultMigrationsDir(), roles.serving));
  // An event from two days ago, for retention to prune at start.
  ExecSql(owner,
          "INSERT INTO events (time, type, resource) "
          "VALUES (now() - interval '2 days', 'team.created', 'teams/old'), "
          "(now() - interval '2 days', 'team.created', 'teams/old2')");

  ServeProcess server = StartServe(
      MESHPLANED_PATH, serving, kToken,
      {"--pool-size", "4", "--log-level", "warn", "--decision-log", "durable",
       "--event-retention", "24h", "--webhook-retry-min", "1s"});
  ASSERT_GT(server.port, 0) << "meshplaned did not start as the serving role";
  const std::shared_ptr<grpc::Channel>& channel = server.channel;

  // A write and its audit row, in one transaction.
  {
    v1::CreateTeamRequest r;
    r.set_team_id("sales-eng");
    r.mutable_team()->add_members("user:ana@example.com");
    v1::Team out;
    auto ctx = ServerFixture::Context(kToken);
    grpc::Status s =
        v1::TeamService::NewStub(channel)->CreateTeam(ctx.get(), r, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(QueryInt(url,
                     "SELECT count(*) FROM audit_log WHERE resource = "
                     "'teams/sales-eng' AND outcome_code = 0"),
            1);
  // A CheckAccess decision, committed before the answer (durable log).
  {
    v1::CheckAccessRequest r;
    r.set_principal("user:ana@example.com");
    r.set_output_port("domains/sales/dataProducts/orders/outputPorts/v1");
    v1::CheckAccessResponse out;
    auto ctx = ServerFixture::Context(kToken);
    grpc::Status s =
        v1::AccessService::NewStub(channel)->CheckAccess(ctx.get(), r, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_FALSE(out.allowed());
  }
  EXPECT_EQ(QueryInt(url,
                     "SELECT count(*) FROM access_decisions WHERE principal = "
                     "'user:ana@example.com' AND NOT allowed"),
            1);
  // Retention's pass at start: the old events are gone but for the
  // watermark's tombstone; the team's event is kept.
  const std::string old_events =
      "SELECT count(*) FROM events WHERE resource LIKE 'teams/old%'";
  Eventually([&] { return QueryInt(url, old_events) == 0; }, absl::Seconds(30));
  EXPECT_EQ(QueryInt(url, old_events), 0);
  EXPECT_EQ(QueryInt(url, "SELECT count(*) FROM events WHERE type = ''"), 1);
  EXPECT_EQ(QueryInt(url,
                     "SELECT count(*) FROM events WHERE resource = "
                     "'teams/sales-eng'"),
            1);
  // A webhook whose receiver is down: a worker takes it FOR UPDATE, logs
  // the failed attempt and moves its backoff.
  {
    v1::CreateWebhookRequest r;
    r.set_webhook_id("down");
    r.mutable_webhook()->set_url("http://127.0.0.1:1/hook");
    r.mutable_webhook()->set_secret("0123456789abcdef0123456789abcdef");
    v1::Webhook out;
    auto ctx = ServerFixture::Context(kToken);
    grpc::Status s =
        v1::EventService::NewStub(channel)->CreateWebhook(ctx.get(), r, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const std::string failing =
      "SELECT count(*) FROM webhooks WHERE id = 'down' AND "
      "failing_attempts > 0";
  Eventually([&] { return QueryInt(url, failing) > 0; }, absl::Seconds(30));
  EXPECT_EQ(QueryInt(url, failing), 1);
  EXPECT_GE(QueryInt(url,
                     "SELECT count(*) FROM webhook_deliveries WHERE "
                     "webhook_id = 'down' AND NOT success"),
            1);
  server.process->Signal(SIGTERM);
  EXPECT_EQ(server.process->Wait(absl::Seconds(30)), 0);
}

}  // namespace
}  // namespace meshplane::testing
