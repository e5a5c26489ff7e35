// `meshplane contract test` as a producing team runs it: the real binary
// against a real PostgreSQL holding the data (a database of the test's
// private server) and, with --report, the real meshplaned recording the
// outcome as an observation of the port that promises the contract.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/e2e/server_test.h"
#include "tests/testing/pg/contract_on_pg.h"
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace meshplane::e2e {
namespace {

using ::testing::HasSubstr;

constexpr char kOwner[] = "user:owner@example.com";

// The schema of the contracts, on table TABLE.
constexpr char kSchema[] = R"(  - name: TABLE
    properties:
      - {name: id, logicalType: integer, required: true, unique: true}
      - name: status
        logicalType: string
        quality:
          - {metric: invalidValues, mustBe: 0,
             arguments: {validValues: [open, paid]}}
    quality:
      - {metric: rowCount, mustBeGreaterThan: 0}
)";

class ContractTestCliE2eTest : public ServerE2eTest {
 protected:
  void SetUp() override {
    ServerE2eTest::SetUp();
    if (HasFatalFailure()) return;
    data_url_ = testing::PgFixture::Get().NewEmptyDatabase();
    const size_t at = data_url_.find("@/");
    data_db_ = data_url_.substr(at + 2, data_url_.find('?') - at - 2);
    pqxx::connection c(data_url_);
    pqxx::nontransaction tx(c);
    tx.exec(
        "CREATE TABLE good (id integer, status text);"
        "INSERT INTO good VALUES (1, 'open'), (2, 'paid');"
        "CREATE TABLE bad (id integer, status text);"
        "INSERT INTO bad VALUES (1, 'open'), (1, 'lost');");
    SeedSalesOrders(kOwner, R"(
  outputPorts:
    - id: v1
      type: table
      contract: orders
      objectives: {completenessPercent: 100}
)");
    CommandResult r = Cli({"contract", "publish", "-f", ContractFile("good"),
                           "--product", "sales/orders"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    owner_ = Token(kOwner);
    ASSERT_FALSE(owner_.empty());
  }

  std::string ContractFile(const std::string& table,
                           const std::string& id = "orders") {
    return File(
        table + "-" + id + ".odcs.yaml",
        testing::ContractOnPrivatePg(
            id, data_db_, absl::StrReplaceAll(kSchema, {{"TABLE", table}})));
  }

  // The CLI as the owner, with libpq's user from the environment as a user
  // sets it; `extra` adds or overrides variables.
  CommandResult Test(std::vector<std::string> args,
                     std::map<std::string, std::string> extra = {}) {
    args.insert(args.begin(), {EnvOrDie("MESHPLANE_CLI"), "contract", "test"});
    std::map<std::string, std::string> env = {
        {"MESHPLANE_ADDR", server_.addr()},
        {"MESHPLANE_TOKEN", owner_},
        {"PGUSER", "postgres"},
        {"PGPASSWORD", "\x01"},
        {"MESHPLANE_CONTRACT_TEST_DSN", "\x01"}};
    for (const auto& [k, v] : extra) env[k] = v;
    return RunCommand(args, env);
  }

  nlohmann::json Completeness() {
    CommandResult r =
        Cli({"product", "status", "sales/orders", "-o", "json"}, owner_);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return Json(r)["output_ports"][0]["service_level_status"]["objectives"][0];
  }

  std::string data_url_, data_db_, owner_;
};

TEST_F(ContractTestCliE2eTest, ExitCodesAndOutput) {
  CommandResult r = Test({"-f", ContractFile("good"), "--server", "local"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("pass    good.id required: 0 NULLs"));
  EXPECT_THAT(r.out, HasSubstr("9 checks: 9 passed, 0 failed, 0 errors"));

  r = Test({"-f", ContractFile("bad")});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("FAIL    bad.id unique: 1 duplicate "
                               "(expected 0)  [schema[0].properties[0]]"));
  EXPECT_THAT(r.out, HasSubstr("FAIL    bad.status invalidValues: 1 "
                               "(expected = 0)"));

  r = Test({"-f", ContractFile("bad"), "-o", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  nlohmann::json j = Json(r);
  EXPECT_EQ(j["summary"].value("failed", -1), 2) << r.out;
  EXPECT_EQ(j["summary"].value("passed", -1), 7) << r.out;
  EXPECT_EQ(j.value("ok", true), false);
  EXPECT_EQ(j["database"], data_db_);

  // Bad input: exit 2, nothing tested.
  r = Test({"-f", ContractFile("good"), "--server", "prod"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("no server \"prod\""));
  r = Test({"-f", File("broken.yaml", "schema: 5\n")});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("not a valid ODCS contract"));
  r = Test({"-f", ContractFile("good"), "--port", "sales/orders/v1"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("--port is only used with --report"));
  // --report for a contract the server does not know: NOT_FOUND, exit 1.
  r = Test({"-f", ContractFile("good", "ghost"), "--report"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();

  // The data's server cannot be reached: exit 3, and the password of the
  // DSN override is not printed.
  r = Test({"-f", ContractFile("good")},
           {{"MESHPLANE_CONTRACT_TEST_DSN",
             "host=127.0.0.1 port=1 dbname=x password=s3cret "
             "connect_timeout=5"}});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("cannot connect to server \"local\""));
  EXPECT_THAT(r.err + r.out, ::testing::Not(HasSubstr("s3cret")));
}

TEST_F(ContractTestCliE2eTest, ReportRecordsTheMeasuredCompliance) {
  // Without --port: the port of the contract's product that promises it.
  CommandResult r = Test({"-f", ContractFile("good"), "--report"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("reported completeness 100% of "
                               "domains/sales/dataProducts/orders/"
                               "outputPorts/v1 (1 observation recorded)"));
  nlohmann::json c = Completeness();
  EXPECT_EQ(c.value("objective", ""), "OBJECTIVE_COMPLETENESS") << c;
  EXPECT_EQ(c["windows"][0].value("observations", ""), "1") << c;
  EXPECT_EQ(c.value("breached", true), false) << c;

  // 7 of 9 checks pass: the port misses its 100% and a breach opens.
  r = Test({"-f", ContractFile("bad"), "--report", "--port", "sales/orders/v1",
            "-o", "json"});
  ASSERT_EQ(r.exit_code, 1) << r.Describe();
  nlohmann::json j = Json(r);
  EXPECT_NEAR(j["report"].value("completeness_percent", 0.0), 100.0 * 7 / 9,
              1e-9);
  EXPECT_EQ(j["report"].value("recorded", 0), 1);
  c = Completeness();
  EXPECT_EQ(c["windows"][0].value("observations", ""), "2") << c;
  EXPECT_EQ(c["windows"][0].value("good", ""), "1") << c;
  EXPECT_EQ(c.value("breached", false), true) << c;
}

}  // namespace
}  // namespace meshplane::e2e
