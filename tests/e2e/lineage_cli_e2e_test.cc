// Declared inputs and access (docs/access.md) through the real meshplane
// binary against the real meshplaned: the README's tour on the demo mesh,
// with its grants as scripts/run.sh makes them, and a member of payments
// who owns nothing in sales. Declaring that refunds reads sales' orders is
// refused (exit 1, naming the field and the reason) until the team holds a
// grant; a reader with a grant keeps sales from deleting orders; a reader
// without one does not keep its source alive.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/e2e/server_test.h"
#include <nlohmann/json.hpp>

namespace meshplane::e2e {
namespace {

using ::testing::HasSubstr;

// The README tour's descriptor, as written there.
constexpr char kRefunds[] = R"(apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: refunds, domain: payments}
spec:
  displayName: Refunds
  description: Every refund, one row each, within 5 minutes.
  ownerTeam: teams/payments
  tier: 2
  classification: CONFIDENTIAL
  tags: [finance]
  outputPorts:
    - {id: refunds-v1, type: table, server: postgres://warehouse/payments,
       location: payments.refunds, objectives: {availabilityPercent: 99.5}}
  inputPorts:
    - {id: orders, source: domains/sales/dataProducts/orders/outputPorts/orders-v1}
)";

class LineageCliE2eTest : public ServerE2eTest {};

TEST_F(LineageCliE2eTest, TheTourDeclaresInputsWithGrants) {
  // The demo mesh and its grants, as scripts/run.sh loads them.
  CommandResult r =
      Cli({"apply", "-f", EnvOrDie("MESHPLANE_EXAMPLES") + "/demo/mesh.yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  for (const auto& [port, team] :
       std::vector<std::pair<std::string, std::string>>{
           {"sales/orders/orders-events", "marketing-analytics"},
           {"sales/customers/customers-v1", "marketing-analytics"},
           {"sales/orders/orders-v1", "finance-data"},
           {"sales-emea/emea-orders/emea-orders-v1", "finance-data"}}) {
    r = Cli({"access", "request", port, "--for", "team:" + team, "--purpose",
             "demo mesh lineage"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }

  // The tour: payments, with Ana (who is in sales-eng too) and Pia (who is
  // not, and so may not declare reads of sales' ports on her own).
  ASSERT_NO_FATAL_FAILURE(CliAll(
      {{"team", "create", "payments", "--member", "user:ana@example.com"},
       {"domain", "create", "payments", "--owner-team", "teams/payments"},
       {"team", "add-member", "payments", "user:pia@example.com"}}));
  const std::string pia = Token("user:pia@example.com");
  const std::string file = File("refunds.yaml", kRefunds);
  r = Cli({"product", "apply", "-f", file, "--dry-run"}, pia);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  r = Cli({"product", "apply", "-f", file}, pia);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("data_product.input_ports[0].source: "
                               "teams/payments may not read "
                               "domains/sales/dataProducts/orders/outputPorts/"
                               "orders-v1"));
  EXPECT_THAT(r.err, HasSubstr("reason: INPUT_NOT_GRANTED"));

  // The tour's step: read access for the team first.
  r = Cli({"access", "request", "sales/orders/orders-v1", "--for",
           "team:payments", "--purpose", "refund reconciliation", "-o", "json"},
          pia);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string grant = Json(r).value("grant", "");
  ASSERT_FALSE(grant.empty()) << r.out;
  r = Cli({"product", "apply", "-f", file, "--dry-run"}, pia);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"product", "apply", "-f", file}, pia);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"product", "publish", "domains/payments/dataProducts/refunds"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();

  // Sales may not delete orders while granted readers (and its own team's
  // emea-orders) read it.
  const std::string bo = Token("user:bo@example.com");
  r = Cli({"product", "delete", "sales/orders"}, bo);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("reason: HAS_CONSUMERS"));

  // A reader without a grant (an admin may declare one) keeps nothing.
  r = Cli({"product", "apply", "-f", File("returns.yaml", R"(
apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: returns, domain: sales}
spec:
  ownerTeam: teams/sales-eng
  outputPorts:
    - {id: returns-v1, type: table}
)")},
          bo);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"product", "apply", "-f", File("audit.yaml", R"(
apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: refund-audit, domain: payments}
spec:
  ownerTeam: teams/payments
  inputPorts:
    - {id: returns, source: domains/sales/dataProducts/returns/outputPorts/returns-v1}
)")});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"product", "delete", "sales/returns"}, bo);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"product", "get", "payments/refund-audit", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Json(r)["spec"].value("inputPorts", nlohmann::json::array()).size(),
            0u)
      << r.out;
}

}  // namespace
}  // namespace meshplane::e2e
