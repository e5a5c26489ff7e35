// Governance end to end: policies applied with the real meshplane binary to
// the real meshplaned (on a fresh PostgreSQL database) refuse and warn about
// writes, and can be evaluated, revised, simulated and waived.
#include <cstdlib>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/e2e/server_test.h"
#include "tests/testing/pg/pg_fixture.h"
#include <nlohmann/json.hpp>

namespace meshplane::e2e {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class PolicyCliE2eTest : public ServerE2eTest {};

constexpr char kPolicies[] = R"(apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: products-have-description}
spec:
  triggers: [dataproduct.create, dataproduct.update]
  condition: has(resource.description) && resource.description != ""
  effect: DENY
  message: every data product has a description
  owner: governance
---
apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: products-have-display-name}
spec:
  triggers: [dataproduct.create, dataproduct.update]
  condition: has(resource.display_name) && resource.display_name != ""
  effect: WARN
  message: give the product a display name
  owner: governance
---
apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: domains-have-description}
spec:
  triggers: [domain.create]
  condition: has(resource.description) && resource.description != ""
  effect: WARN
  message: describe the domain
  owner: governance
)";

std::string Product(const std::string& id, const std::string& spec_extra) {
  return absl::StrCat(R"(apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: )",
                      id, R"(, domain: sales}
spec:
  ownerTeam: sales-eng
)",
                      spec_extra);
}

TEST_F(PolicyCliE2eTest, PoliciesGovernWrites) {
  ASSERT_NO_FATAL_FAILURE(CliAll(
      {{"team", "create", "governance"},
       {"team", "create", "sales-eng", "--member", "user:ana@example.com"}}));

  // Apply the policies (meshplane apply takes kind Policy too), then again.
  std::string policies = File("policies.yaml", kPolicies);
  CommandResult r = Cli({"apply", "-f", policies});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out,
            "policy/products-have-description created\n"
            "policy/products-have-display-name created\n"
            "policy/domains-have-description created\n");
  r = Cli({"policy", "apply", "-f", policies});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out,
            "policy/products-have-description unchanged\n"
            "policy/products-have-display-name unchanged\n"
            "policy/domains-have-description unchanged\n");
  r = Cli({"policy", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, AllOf(HasSubstr("policies/products-have-description"),
                           HasSubstr("WARN")));
  r = Cli({"policy", "get", "products-have-description", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json got = nlohmann::json::parse(r.out);
  EXPECT_EQ(got["status"]["revision"], 1);
  EXPECT_EQ(got["spec"]["owner"], "governance");

  // A WARN policy on domain.create: the domain is created, with a warning.
  r = Cli({"domain", "create", "sales", "--owner-team", "sales-eng"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("warning: policies/domains-have-description: "
                               "describe the domain"));

  // A product that violates the DENY policy is refused: exit 1, named.
  r = Cli({"apply", "-f",
           File("bad.yaml", Product("orders", "  displayName: Orders\n"))});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err,
              HasSubstr("policy policies/products-have-description (global, "
                        "DENY, ENFORCED, revision 1): every data product has "
                        "a description"));
  r = Cli({"product", "get", "sales/orders"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();

  // One that only breaks the WARN policy goes through, with a warning.
  r = Cli({"apply", "-f",
           File("warn.yaml", Product("orders", "  description: Orders.\n"))});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "dataProduct/sales/orders created\n");
  EXPECT_THAT(r.err, HasSubstr("warning: dataProduct/sales/orders: "
                               "policies/products-have-display-name: give the "
                               "product a display name"));

  // The decision log holds both decisions: the refusal with the policy
  // that made it, then the write with the policy that warned.
  r = Cli({"audit", "list", "--resource", "domains/sales/dataProducts/orders"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("DENY: policies/products-have-description"));
  EXPECT_THAT(r.out,
              HasSubstr("ALLOW (warned: policies/products-have-display-name)"));
  EXPECT_THAT(r.out, HasSubstr("FAILED_PRECONDITION"));
  r = Cli({"audit", "list", "--resource", "domains/sales/dataProducts/orders",
           "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("\"revision\": 1"));

  // Evaluate without writing.
  std::string resource = File("resource.yaml", R"(
name: domains/sales/dataProducts/draft
owner_team: teams/sales-eng
display_name: Draft
)");
  r = Cli(
      {"policy", "eval", "--trigger", "dataproduct.create", "-f", resource});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.out, AllOf(HasSubstr("outcome: DENY"),
                           HasSubstr("policies/products-have-description")));
  r = Cli({"policy", "eval", "--trigger", "dataproduct.create", "-f",
           File("ok.yaml", R"(
name: domains/sales/dataProducts/draft
description: fine
)")});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, AllOf(HasSubstr("outcome: ALLOW"),
                           HasSubstr("policies/products-have-display-name")));

  // Revise a policy: a new revision in its history.
  std::string revised = kPolicies;
  revised.replace(revised.find("every data product has a description"),
                  std::string("every data product has a description").size(),
                  "describe every data product");
  r = Cli({"policy", "apply", "-f", File("revised.yaml", revised)});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("policy/products-have-description updated\n"));
  r = Cli({"policy", "history", "products-have-description", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json history = nlohmann::json::parse(r.out);
  ASSERT_EQ(history["revisions"].size(), 2u) << r.out;
  EXPECT_EQ(history["revisions"][0]["policy"]["message"],
            "describe every data product");

  // Simulate the stored policy over the registry.
  r = Cli({"policy", "simulate", "products-have-display-name"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, AllOf(HasSubstr("domains/sales/dataProducts/orders"),
                           HasSubstr("evaluated")));

  // A waiver exempts one product from the DENY policy.
  r = Cli({"policy", "waive", "products-have-description", "--resource",
           "sales/legacy", "--reason", "migrated as is; described by Q1",
           "--expires", "30d"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out,
              HasSubstr("waiver/products-have-description/legacy created"));
  r = Cli({"apply", "-f",
           File("legacy.yaml", Product("legacy", "  displayName: Legacy\n"))});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"policy", "waivers"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("domains/sales/dataProducts/legacy"));
  r = Cli({"policy", "unwaive", "products-have-description", "legacy"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"policy", "waivers", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, Not(HasSubstr("legacy")));

  // Deleting a policy lifts it.
  r = Cli({"policy", "delete", "products-have-description"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"apply", "-f",
           File("free.yaml", Product("free", "  displayName: Free\n"))});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
}

}  // namespace
}  // namespace meshplane::e2e
