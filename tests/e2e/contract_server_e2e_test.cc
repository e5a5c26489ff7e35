// Data contracts end to end, as a producing team's CI runs them: the real
// meshplane binary against the real meshplaned (on a fresh PostgreSQL
// database). check, publish, get --original, history, list, deprecate, and
// their exit codes: 0 safe, 1 breaking or refused, 2 invalid file, 3
// server unreachable.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/server_test.h"
#include <nlohmann/json.hpp>

namespace meshplane::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ContractServerE2eTest : public ServerE2eTest {
 protected:
  void SetUp() override {
    ServerE2eTest::SetUp();
    if (HasFatalFailure()) return;
    // sales-eng owns sales/orders, whose port promises the contract;
    // finance's ledger reads that port. The CI job runs as a service that
    // is a member of sales-eng.
    SeedSalesOrders("service:orders-ci", R"(
  outputPorts:
    - {id: orders-v1, type: table, contract: orders-contract}
)");
    CliAll({{"team", "create", "finance-data"},
            {"domain", "create", "finance", "--owner-team",
             "teams/finance-data"}});
    ApplyProducts("ledger.yaml", R"(
apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: ledger, domain: finance}
spec:
  ownerTeam: teams/finance-data
  inputPorts:
    - {id: orders, source: domains/sales/dataProducts/orders/outputPorts/orders-v1}
)");
    ci_token_ = Token("service:orders-ci");
    ASSERT_FALSE(ci_token_.empty());
  }

  std::string Contract(const std::string& version, bool narrowed = false,
                       const std::string& extra = "") {
    std::string text = OrdersContract(version, extra);
    if (narrowed) {
      text = absl::StrReplaceAll(
          text, {{"logicalType: number", "logicalType: integer"}});
    }
    return File(
        absl::StrCat("orders-", version, narrowed ? "-n" : "", ".odcs.yaml"),
        text);
  }

  std::string ci_token_;
};

TEST_F(ContractServerE2eTest, TheCiCheckGivesTheRightVerdictAndExitCode) {
  // The first version: nothing to compare with, safe, then published.
  CommandResult r =
      Cli({"contract", "check", "-f", Contract("1.0.0")}, ci_token_);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"contract", "publish", "-f", Contract("1.0.0")}, ci_token_);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("published"));

  // A compatible change under a minor bump: safe.
  std::string currency =
      "      - name: currency\n        logicalType: string\n";
  r = Cli({"contract", "check", "-f", Contract("1.1.0", false, currency)},
          ci_token_);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("property_added"));

  // A breaking change under a minor bump: exit 1, the change on its line,
  // the version it needs, and the consumer it would break.
  std::string breaking = Contract("1.1.0", true);
  r = Cli({"contract", "check", "-f", breaking}, ci_token_);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("logical_type_narrowed"));
  EXPECT_THAT(r.out, HasSubstr(breaking + ":"));
  EXPECT_THAT(r.out, HasSubstr("2.0.0"));
  EXPECT_THAT(r.out, HasSubstr("finance/ledger"));
  r = Cli({"contract", "check", "-f", breaking, "--format", "github"},
          ci_token_);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("::error file=" + breaking));
  r = Cli({"contract", "check", "-f", breaking, "-o", "json"}, ci_token_);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  nlohmann::json report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["ok"], false);
  EXPECT_EQ(report["report"]["suggested_version"], "2.0.0") << r.out;

  // Publishing it is refused by the server, and the report is shown.
  r = Cli({"contract", "publish", "-f", breaking}, ci_token_);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("CONTRACT_VERSION_BUMP"));

  // The major bump: a deliberate break passes with --allow-breaking only.
  std::string major = Contract("2.0.0", true);
  r = Cli({"contract", "check", "-f", major}, ci_token_);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  r = Cli({"contract", "check", "-f", major, "--allow-breaking"}, ci_token_);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"contract", "publish", "-f", major}, ci_token_);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();

  // What was published, as the consumers see it.
  r = Cli({"contract", "history", "orders-contract"}, ci_token_);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("2.0.0"));
  EXPECT_THAT(r.out, HasSubstr("1.0.0"));
  EXPECT_THAT(r.out, Not(HasSubstr("1.1.0")));
  r = Cli({"contract", "get", "orders-contract", "--version", "1.0.0",
           "--original"},
          ci_token_);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, ReadFile(Contract("1.0.0")));
  r = Cli({"contract", "list", "--domain", "sales"}, ci_token_);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("orders-contract"));
}

TEST_F(ContractServerE2eTest, BadInputOutsidersAndAnUnreachableServer) {
  // An invalid file never reaches the server: exit 2.
  std::string bad = File("bad.odcs.yaml", "apiVersion: v3.0.2\nkind: Nope\n");
  CommandResult r = Cli({"contract", "check", "-f", bad}, ci_token_);
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  // Someone outside the owning team may check but not publish.
  const std::string erin = Token("user:erin@example.com");
  ASSERT_FALSE(erin.empty());
  r = Cli({"contract", "publish", "-f", Contract("1.0.0")}, erin);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("may not publish"));
  // No server at the address: exit 3.
  server_.Stop();
  r = Cli({"contract", "check", "-f", Contract("1.0.0")}, ci_token_);
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  // Deprecation needs the server too; with it gone the same code.
  r = Cli({"contract", "deprecate", "orders-contract", "--message", "x"});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
}

}  // namespace
}  // namespace meshplane::e2e
