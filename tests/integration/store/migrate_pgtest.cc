// The migration runner against a real PostgreSQL: fresh databases, re-runs,
// concurrent replicas, edited files, and the append-only audit and access
// decision tables.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/pg/pg_fixture.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "meshplane/store/postgres_store.h"

namespace meshplane::store {
namespace {

using ::meshplane::testing::IsOk;
using ::meshplane::testing::PgFixture;
using ::meshplane::testing::StatusIs;

// A scratch copy of the migrations directory that a test may edit.
class ScratchMigrations {
 public:
  ScratchMigrations() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mp-migrations-XXXXXX")
            .string();
    dir_ = mkdtemp(pattern.data());
    std::filesystem::copy(DefaultMigrationsDir(), dir_);
  }
  ~ScratchMigrations() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& dir() const { return dir_; }
  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ + "/" + name, std::ios::trunc) << content;
  }
  void Append(const std::string& name, const std::string& content) {
    std::ofstream(dir_ + "/" + name, std::ios::app) << content;
  }

 private:
  std::string dir_;
};

// The version of the released migrations, and the file name a test's extra
// migration gets so that it comes right after them.
int Latest() {
  absl::StatusOr<int> latest = LatestMigrationVersion(DefaultMigrationsDir());
  EXPECT_TRUE(latest.ok()) << latest.status();
  return latest.value_or(0);
}
std::string NextFile(const std::string& name) {
  return absl::StrFormat("%04d_%s.sql", Latest() + 1, name);
}

int64_t Count(const std::string& url, const std::string& query) {
  pqxx::connection conn(url);
  pqxx::nontransaction q(conn);
  return q.exec1(query)[0].as<int64_t>();
}

TEST(MigrateTest, FreshDatabaseGetsTheWholeSchema) {
  std::string url = PgFixture::Get().NewEmptyDatabase();
  EXPECT_THAT(CurrentSchemaVersion(url), IsOk());
  EXPECT_EQ(*CurrentSchemaVersion(url), 0);
  ASSERT_OK(Migrate(url, DefaultMigrationsDir()));
  absl::StatusOr<int> latest = LatestMigrationVersion(DefaultMigrationsDir());
  ASSERT_OK(latest);
  EXPECT_GE(*latest, 1);
  EXPECT_EQ(*CurrentSchemaVersion(url), *latest);
  for (const char* table :
       {"domains",          "teams",        "team_members",
        "data_products",    "output_ports", "input_ports",
        "api_tokens",       "audit_log",    "events",
        "idempotency",      "policies",     "policy_revisions",
        "waivers",          "contracts",    "contract_versions",
        "access_requests",  "grants",       "access_decisions",
        "slo_observations", "slo_breaches", "schema_migrations"}) {
    EXPECT_EQ(Count(url, absl::StrCat("SELECT count(*) FROM pg_tables WHERE "
                                      "schemaname = 'public' AND tablename = '",
                                      table, "'")),
              1)
        << table;
  }
  // The checksum recorded is the file's SHA-256 (64 hex digits).
  EXPECT_EQ(Count(url,
                  "SELECT count(*) FROM schema_migrations WHERE "
                  "version = 1 AND name = '0001_init.sql' AND "
                  "length(checksum) = 64"),
            1);
  // A store opens on it.
  PostgresStoreOptions options;
  options.database_url = url;
  EXPECT_OK(PostgresStore::Open(options));
}

TEST(MigrateTest, RerunIsANoOp) {
  std::string url = PgFixture::Get().NewEmptyDatabase();
  ASSERT_OK(Migrate(url, DefaultMigrationsDir()));
  int64_t applied = Count(url, "SELECT count(*) FROM schema_migrations");
  ASSERT_OK(Migrate(url, DefaultMigrationsDir()));
  ASSERT_OK(Migrate(url, DefaultMigrationsDir()));
  EXPECT_EQ(Count(url, "SELECT count(*) FROM schema_migrations"), applied);
}

TEST(MigrateTest, ConcurrentReplicasApplyEachFileOnce) {
  std::string url = PgFixture::Get().NewEmptyDatabase();
  ScratchMigrations scratch;
  scratch.Write(NextFile("extra"),
                "CREATE TABLE mp_extra (id integer PRIMARY KEY);\n"
                "INSERT INTO mp_extra VALUES (1);\n");
  std::vector<absl::Status> results(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] { results[i] = Migrate(url, scratch.dir()); });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : results) EXPECT_OK(s);
  EXPECT_EQ(Count(url, "SELECT count(*) FROM schema_migrations"), Latest() + 1);
  // Had the extra file run twice, its INSERT would have failed or doubled.
  EXPECT_EQ(Count(url, "SELECT count(*) FROM mp_extra"), 1);
  EXPECT_EQ(*CurrentSchemaVersion(url), Latest() + 1);
}

TEST(MigrateTest, EditedReleasedFileIsRefused) {
  std::string url = PgFixture::Get().NewEmptyDatabase();
  ScratchMigrations scratch;
  ASSERT_OK(Migrate(url, scratch.dir()));
  scratch.Append("0001_init.sql", "\n-- an innocent-looking edit\n");
  EXPECT_THAT(Migrate(url, scratch.dir()),
              StatusIs(absl::StatusCode::kFailedPrecondition, "0001_init.sql"));
}

TEST(MigrateTest, NewFileIsAppliedLaterAndFailedFileChangesNothing) {
  std::string url = PgFixture::Get().NewEmptyDatabase();
  ScratchMigrations scratch;
  ASSERT_OK(Migrate(url, scratch.dir()));
  const std::string broken = NextFile("broken");
  scratch.Write(broken,
                "CREATE TABLE mp_half (id integer);\n"
                "SELECT * FROM no_such_table;\n");
  EXPECT_THAT(Migrate(url, scratch.dir()),
              StatusIs(absl::StatusCode::kInvalidArgument, broken));
  EXPECT_EQ(*CurrentSchemaVersion(url), Latest());
  EXPECT_EQ(Count(url,
                  "SELECT count(*) FROM pg_tables WHERE tablename = "
                  "'mp_half'"),
            0);
  // Fixing an unreleased (never applied) file is fine.
  scratch.Write(broken, "CREATE TABLE mp_half (id integer);\n");
  ASSERT_OK(Migrate(url, scratch.dir()));
  EXPECT_EQ(*CurrentSchemaVersion(url), Latest() + 1);
  // An older build (without that file) refuses the newer database.
  EXPECT_THAT(Migrate(url, DefaultMigrationsDir()),
              StatusIs(absl::StatusCode::kFailedPrecondition, "newer build"));
}

TEST(MigrateTest, NoTransactionFileCanBuildAnIndexConcurrently) {
  std::string url = PgFixture::Get().NewEmptyDatabase();
  ScratchMigrations scratch;
  const std::string index = NextFile("index");
  scratch.Write(index,
                "-- meshplane:no-transaction\n"
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS mp_test_idx "
                "ON data_products (update_time);\n");
  ASSERT_OK(Migrate(url, scratch.dir()));
  EXPECT_EQ(*CurrentSchemaVersion(url), Latest() + 1);
  EXPECT_EQ(Count(url,
                  "SELECT count(*) FROM pg_indexes WHERE indexname = "
                  "'mp_test_idx'"),
            1);
  // Without the marker, PostgreSQL refuses it inside the transaction.
  std::string other = PgFixture::Get().NewEmptyDatabase();
  scratch.Write(index,
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS mp_test_idx "
                "ON data_products (update_time);\n");
  EXPECT_THAT(Migrate(other, scratch.dir()),
              StatusIs(absl::StatusCode::kInvalidArgument, index));
}

TEST(MigrateTest, DirectoryErrors) {
  std::string url = PgFixture::Get().NewEmptyDatabase();
  EXPECT_THAT(Migrate(url, "/nonexistent/migrations"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(LatestMigrationVersion("/nonexistent/migrations"),
              StatusIs(absl::StatusCode::kNotFound));
  ScratchMigrations scratch;
  scratch.Write("0001_duplicate.sql", "SELECT 1;\n");
  EXPECT_THAT(Migrate(url, scratch.dir()),
              StatusIs(absl::StatusCode::kInvalidArgument, "share version 1"));
}

TEST(MigrateTest, UnreachableDatabaseIsUnavailable) {
  absl::Time start = absl::Now();
  EXPECT_THAT(Migrate("postgresql://postgres@/x?host=/nonexistent-socket-dir"
                      "&port=1",
                      DefaultMigrationsDir()),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(
      CurrentSchemaVersion(
          "postgresql://postgres@/x?host=/nonexistent-socket-dir&port=1"),
      StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(MigrateTest, StoreRefusesAnUnmigratedDatabase) {
  PostgresStoreOptions options;
  options.database_url = PgFixture::Get().NewEmptyDatabase();
  EXPECT_THAT(PostgresStore::Open(options),
              StatusIs(absl::StatusCode::kFailedPrecondition, "migrate"));
}

TEST(MigrateTest, DefaultDirectoryCanBeOverridden) {
  std::string compiled = DefaultMigrationsDir();
  EXPECT_TRUE(std::filesystem::exists(compiled + "/0001_init.sql")) << compiled;
  setenv("MESHPLANE_MIGRATIONS_DIR", "/somewhere/else", 1);
  EXPECT_EQ(DefaultMigrationsDir(), "/somewhere/else");
  unsetenv("MESHPLANE_MIGRATIONS_DIR");
  EXPECT_EQ(DefaultMigrationsDir(), compiled);
}

// On a new database: inserts one row with `insert`, checks that each of
// `changes` is refused by the append-only trigger (its message contains
// `refusal`), and that `count` still counts that one row.
void ExpectAppendOnly(const char* insert,
                      std::initializer_list<const char*> changes,
                      const char* refusal, const char* count) {
  std::string url = PgFixture::Get().NewDatabase();
  pqxx::connection conn(url);
  {
    pqxx::work w(conn);
    w.exec(insert);
    w.commit();
  }
  for (const char* statement : changes) {
    SCOPED_TRACE(statement);
    pqxx::work w(conn);
    try {
      w.exec(statement);
      ADD_FAILURE() << "the statement succeeded";
    } catch (const pqxx::insufficient_privilege& e) {
      // SQLSTATE 42501; libpqxx 6.4 maps it to this type (without keeping
      // the code itself).
      EXPECT_THAT(e.what(), ::testing::HasSubstr(refusal));
    }
  }
  EXPECT_EQ(Count(url, count), 1);
}

TEST(MigrateTest, AuditLogIsAppendOnly) {
  ExpectAppendOnly(
      "INSERT INTO audit_log (time, principal, method, resource) "
      "VALUES (now(), 'user:a', 'M', 'domains/x')",
      {"UPDATE audit_log SET principal = 'user:mallory'",
       "DELETE FROM audit_log", "TRUNCATE audit_log"},
      "append-only",
      "SELECT count(*) FROM audit_log WHERE principal = 'user:a'");
}

TEST(MigrateTest, AccessDecisionLogIsAppendOnly) {
  ExpectAppendOnly(
      "INSERT INTO access_decisions (time, caller, principal, domain_id, "
      "  product_id, port_id, action, allowed) "
      "VALUES (now(), 'service:trino', 'user:a', 'd', 'p', 'v1', 'read', "
      "  false)",
      {"UPDATE access_decisions SET allowed = true",
       "DELETE FROM access_decisions", "TRUNCATE access_decisions"},
      "access_decisions is append-only",
      "SELECT count(*) FROM access_decisions WHERE NOT allowed");
}

// A later release's table gets the serving role's grants in the same
// migrate that creates it: serving_role.sql of that release lists it.
TEST(MigrateTest, ServingRoleGrantsFollowTheMigrationsOfTheRelease) {
  std::string url = PgFixture::Get().NewEmptyDatabase();
  ASSERT_OK(Migrate(url, DefaultMigrationsDir(), PgFixture::kServingRole));
  ScratchMigrations scratch;
  scratch.Write(NextFile("extra"), "CREATE TABLE extra (id integer);");
  scratch.Append("serving_role.sql",
                 "GRANT SELECT, INSERT ON TABLE extra TO :\"serving_role\";\n");
  ASSERT_OK(Migrate(url, scratch.dir(), PgFixture::kServingRole));
  pqxx::connection serving(PgFixture::ServingUrl(url));
  pqxx::work w(serving);
  w.exec("INSERT INTO extra VALUES (1)");
  EXPECT_EQ(w.exec1("SELECT count(*) FROM extra")[0].as<int>(), 1);
}

TEST(MigrateTest, ServingRoleNeedsItsGrantsFile) {
  std::string url = PgFixture::Get().NewEmptyDatabase();
  ScratchMigrations scratch;
  std::filesystem::remove(scratch.dir() + "/serving_role.sql");
  EXPECT_THAT(Migrate(url, scratch.dir(), PgFixture::kServingRole),
              StatusIs(absl::StatusCode::kNotFound, "serving_role.sql"));
  // Without a serving role the file is not needed, and is no migration.
  ASSERT_OK(Migrate(url, scratch.dir()));
  EXPECT_EQ(*CurrentSchemaVersion(url), Latest());
}

}  // namespace
}  // namespace meshplane::store
