// The change of default compatibility mode (BACKWARD -> FULL) on a real
// PostgreSQL: a contract published under the old default, at the schema
// version before the change, keeps BACKWARD after the migration; a contract
// created afterwards without a mode gets FULL.
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/pg/pg_fixture.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/core/contracts.h"
#include "meshplane/core/registry.h"
#include "meshplane/store/postgres_store.h"

namespace meshplane::core {
namespace {

using ::testing::HasSubstr;

// The first schema version with FULL as the default.
constexpr int kFullDefaultSchema = 8;

constexpr absl::string_view kV1 = R"(apiVersion: v3.0.2
kind: DataContract
id: orders-contract
name: Orders
version: 1.0.0
status: active
schema:
  - name: orders
    properties:
      - {name: order_id, logicalType: string, required: true}
      - {name: note, logicalType: string}
)";

// `note` (optional) removed under a minor bump.
std::string WithoutNote(absl::string_view doc) {
  return absl::StrReplaceAll(
      doc, {{"version: 1.0.0", "version: 1.1.0"},
            {"      - {name: note, logicalType: string}\n", ""}});
}

// The released migrations up to (not including) kFullDefaultSchema.
class OldMigrations {
 public:
  OldMigrations() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mp-old-migrations-XXXXXX")
            .string();
    dir_ = mkdtemp(pattern.data());
    for (const auto& f :
         std::filesystem::directory_iterator(store::DefaultMigrationsDir())) {
      const std::string name = f.path().filename().string();
      if (name.size() > 4 && name[0] >= '0' && name[0] <= '9' &&
          std::stoi(name.substr(0, 4)) >= kFullDefaultSchema) {
        continue;
      }
      std::filesystem::copy(f.path(), dir_ + "/" + name);
    }
  }
  ~OldMigrations() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// Copies every row of `tables` (in this order, for the foreign keys) from
// the database at `from` into the one at `to`, whose tables have the same
// columns.
void CopyRows(const std::string& from, const std::string& to,
              std::initializer_list<const char*> tables) {
  pqxx::connection src(from);
  pqxx::connection dst(to);
  pqxx::work w(dst);
  for (const char* table : tables) {
    pqxx::nontransaction r(src);
    // The destination's columns: the later migrations add columns (products'
    // archetype and search text, ports' deprecated mark) that the old schema
    // does not have. Generated columns (data_products.search) are computed,
    // not copied.
    const std::string columns =
        w.exec_params1(
             "SELECT string_agg(quote_ident(column_name), ', ' "
             "                  ORDER BY ordinal_position) "
             "FROM information_schema.columns "
             "WHERE table_schema = current_schema() AND table_name = $1 "
             "  AND is_generated = 'NEVER'",
             table)[0]
            .as<std::string>();
    for (const pqxx::row& row : r.exec(
             absl::StrCat("SELECT row_to_json(t)::text FROM ", table, " t"))) {
      w.exec_params(
          absl::StrCat("INSERT INTO ", table, " (", columns, ") SELECT ",
                       columns, " FROM json_populate_record(NULL::", table,
                       ", $1::json)"),
          row[0].c_str());
    }
  }
  w.commit();
}

TEST(ContractModeMigrationTest,
     ContractPublishedUnderTheOldDefaultKeepsBackward) {
  const std::string url = testing::PgFixture::Get().NewEmptyDatabase();
  OldMigrations old;
  ASSERT_OK(store::Migrate(url, old.dir()));
  ASSERT_EQ(*store::CurrentSchemaVersion(url), kFullDefaultSchema - 1);

  auth::Authorizer authz;
  SimulatedClock clock;
  RequestContext admin, sam;
  admin.principal = {"user:admin", true, {}};
  sam.principal = {"user:sam", false, {"sales-team"}};
  {
    // Before the migration: the registry, and a contract as the old code
    // published it when no mode was asked for (its default was BACKWARD,
    // written to the row as such). This build's store opens only the
    // current schema, so the rows are made in a scratch database at it and
    // copied into the one at the old schema, the columns the old schema has
    // (CopyRows).
    const std::string scratch = testing::PgFixture::Get().NewEmptyDatabase();
    ASSERT_OK(store::Migrate(scratch, store::DefaultMigrationsDir()));
    ASSERT_OK_AND_ASSIGN(auto store,
                         store::PostgresStore::Open({.database_url = scratch}));
    Registry registry(*store, authz, clock);
    model::Team team;
    team.id = "sales-team";
    team.members = {"user:sam"};
    ASSERT_OK(registry.CreateTeam(admin, team).status());
    model::Domain domain;
    domain.id = "sales";
    domain.owner_team_id = "sales-team";
    ASSERT_OK(registry.CreateDomain(admin, domain).status());
    model::DataProduct orders;
    orders.domain_id = "sales";
    orders.id = "orders";
    orders.owner_team_id = "sales-team";
    ASSERT_OK(registry.CreateDataProduct(admin, orders).status());
    Contracts contracts(*store, authz, clock);
    PublishRequest request;
    request.product = model::ProductKey{"sales", "orders"};
    request.yaml = std::string(kV1);
    request.mode = "BACKWARD";
    ASSERT_OK(contracts.Publish(sam, request).status());
    CopyRows(scratch, url,
             {"teams", "team_members", "domains", "data_products",
              "output_ports", "input_ports", "contracts", "contract_versions"});
  }

  ASSERT_OK(store::Migrate(url, store::DefaultMigrationsDir()));
  ASSERT_GE(*store::CurrentSchemaVersion(url), kFullDefaultSchema);
  {
    // The column says what it holds, and has no default that could reach a
    // row.
    pqxx::connection conn(url);
    pqxx::nontransaction q(conn);
    pqxx::row column = q.exec1(
        "SELECT column_default IS NULL, "
        "       col_description('contracts'::regclass, ordinal_position) "
        "FROM information_schema.columns "
        "WHERE table_name = 'contracts' AND column_name = "
        "'compatibility_mode'");
    EXPECT_TRUE(column[0].as<bool>());
    EXPECT_THAT(column[1].as<std::string>(), HasSubstr("BACKWARD"));
  }

  ASSERT_OK_AND_ASSIGN(auto store,
                       store::PostgresStore::Open({.database_url = url}));
  Contracts contracts(*store, authz, clock);
  ASSERT_OK_AND_ASSIGN(auto stored,
                       contracts.GetContract(sam, "orders-contract"));
  EXPECT_EQ(stored.compatibility_mode, "BACKWARD");
  // It still behaves as BACKWARD: without a mode, dropping an optional
  // property is compatible there and a minor bump suffices.
  ASSERT_OK_AND_ASSIGN(
      CompatibilityReport report,
      contracts.CheckCompatibility(sam, WithoutNote(kV1), "", ""));
  EXPECT_EQ(report.mode, "BACKWARD");
  EXPECT_TRUE(report.compatible);
  EXPECT_EQ(report.required_bump, "MINOR");
  ASSERT_EQ(report.changes.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(report.changes[0].description,
                               "compatible under BACKWARD, which does not "
                               "protect existing consumers"))
      << report.changes[0].description;
  PublishRequest next;
  next.yaml = WithoutNote(kV1);
  ASSERT_OK_AND_ASSIGN(PublishResult published, contracts.Publish(sam, next));
  EXPECT_EQ(published.contract.compatibility_mode, "BACKWARD");

  // A contract created now without a mode gets FULL, and the same removal
  // is breaking there.
  const std::string fresh =
      absl::StrReplaceAll(kV1, {{"id: orders-contract", "id: fresh-contract"}});
  PublishRequest first;
  first.product = model::ProductKey{"sales", "orders"};
  first.yaml = fresh;
  ASSERT_OK_AND_ASSIGN(PublishResult created, contracts.Publish(sam, first));
  EXPECT_EQ(created.contract.compatibility_mode, "FULL");
  ASSERT_OK_AND_ASSIGN(
      CompatibilityReport full,
      contracts.CheckCompatibility(sam, WithoutNote(fresh), "", ""));
  EXPECT_EQ(full.mode, "FULL");
  EXPECT_FALSE(full.compatible);
  EXPECT_FALSE(full.version_satisfied);
  EXPECT_EQ(full.required_bump, "MAJOR");
}

}  // namespace
}  // namespace meshplane::core
