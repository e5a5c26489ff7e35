// `meshplane policy test`: loading test files and their policy files,
// converting policies for the engine, running cases and reporting.
#include "cli/policy_test_runner.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/app.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/cli_test_util.h"
#include <nlohmann/json.hpp>

namespace meshplane::cli {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

namespace v1 = ::meshplane::v1;

class PolicyTestRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.Create("policy-test")); }

  std::string Write(const std::string& name, const std::string& text) {
    return dir_.Write(name, text);
  }

  int Run(const std::vector<std::string>& args, std::string* out,
          std::string* err) {
    test_util::CliResult r = test_util::RunCliAt("", "", args);
    *out = r.out;
    *err = r.err;
    return r.code;
  }

  test_util::ScratchDir dir_;
};

constexpr char kPolicies[] = R"(apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: products-have-owner}
spec:
  triggers: [dataproduct.create]
  condition: has(resource.owner_team)
  effect: DENY
  message: name an owner
  owner: governance
---
apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: sunset-ahead, domain: sales}
spec:
  triggers: [dataproduct.lifecycle]
  condition: resource.sunset_time - now >= duration("720h")
  effect: WARN
  messageExpression: '"sunset " + string(resource.sunset_time)'
---
apiVersion: meshplane.dev/v1
kind: Waiver
metadata: {name: legacy, policy: products-have-owner}
spec:
  resource: domains/sales/dataProducts/legacy
  reason: owner is being hired
  expireTime: 2027-01-01T00:00:00Z
)";

constexpr char kTests[] = R"(policies: [policies.yaml]
now: "2026-11-21T00:00:00Z"
cases:
  - name: no owner is denied
    trigger: dataproduct.create
    resource: {name: domains/sales/dataProducts/orders}
    expect: {outcome: DENY, violations: [products-have-owner],
             messages: [name an owner]}
  - name: the waiver exempts legacy
    trigger: dataproduct.create
    resource: {name: domains/sales/dataProducts/legacy}
    expect: {outcome: ALLOW, violations: [], warnings: []}
  - name: a sunset time is a timestamp, and the domain policy applies
    trigger: dataproduct.lifecycle
    resource: {name: domains/sales/dataProducts/orders,
               sunset_time: "2026-12-01T00:00:00Z"}
    previous: {name: domains/sales/dataProducts/orders}
    expect: {outcome: ALLOW, warnings: [sales/sunset-ahead],
             messages: ["sunset 2026-12-01T00:00:00Z"]}
  - name: outside the domain the domain policy does not apply
    trigger: dataproduct.lifecycle
    resource: {name: domains/hr/dataProducts/people,
               sunset_time: "2026-12-01T00:00:00Z"}
    previous: {name: domains/hr/dataProducts/people}
    expect: {outcome: ALLOW, warnings: []}
)";

TEST_F(PolicyTestRunnerTest, EnginePolicyKeepsEveryField) {
  v1::Policy p;
  p.set_name("domains/sales/policies/slo");
  p.add_triggers("dataproduct.create");
  p.set_condition("true");
  p.set_effect(v1::POLICY_EFFECT_REQUIRE_APPROVAL);
  p.set_enforcement(v1::POLICY_ENFORCEMENT_DRY_RUN);
  p.set_message("m");
  p.set_message_expression("'x'");
  p.set_waivable(false);
  policy::Policy e = EnginePolicy(p);
  EXPECT_EQ(e.name, "domains/sales/policies/slo");
  EXPECT_EQ(e.domain_id, "sales");
  EXPECT_THAT(e.triggers, ElementsAre("dataproduct.create"));
  EXPECT_EQ(e.effect, policy::Effect::kRequireApproval);
  EXPECT_EQ(e.enforcement, policy::Enforcement::kDryRun);
  EXPECT_EQ(e.message_expression, "'x'");
  EXPECT_FALSE(e.waivable);
  v1::Policy bare;
  bare.set_name("policies/owners");
  bare.set_effect(v1::POLICY_EFFECT_WARN);
  policy::Policy g = EnginePolicy(bare);
  EXPECT_EQ(g.domain_id, "");
  EXPECT_EQ(g.effect, policy::Effect::kWarn);
  EXPECT_EQ(g.enforcement, policy::Enforcement::kEnforced);
  EXPECT_TRUE(g.waivable);  // unset means waivable, as on the server
}

TEST_F(PolicyTestRunnerTest, LoadsPoliciesWaiversAndCases) {
  Write("policies.yaml", kPolicies);
  PolicyTestLoad load = LoadPolicyTestFile(Write("tests.yaml", kTests));
  ASSERT_THAT(load.errors, IsEmpty()) << load.errors[0];
  ASSERT_THAT(load.suite.policies, SizeIs(2));
  EXPECT_EQ(load.suite.policies[1].name, "domains/sales/policies/sunset-ahead");
  EXPECT_EQ(load.suite.policies[1].domain_id, "sales");
  ASSERT_THAT(load.suite.waivers, SizeIs(1));
  EXPECT_EQ(load.suite.waivers[0].policy, "policies/products-have-owner");
  ASSERT_THAT(load.suite.cases, SizeIs(4));
  const PolicyTestCase& c = load.suite.cases[0];
  EXPECT_EQ(c.name, "no owner is denied");
  EXPECT_EQ(c.location, dir_.path() + "/tests.yaml:4");
  EXPECT_EQ(c.input.resource_name, "domains/sales/dataProducts/orders");
  EXPECT_THAT(c.input.domain_chain, ElementsAre("sales"));
  EXPECT_EQ(c.input.now, absl::FromUnixSeconds(1795219200));
  EXPECT_EQ(c.expect_outcome, policy::Outcome::kDeny);
  ASSERT_TRUE(c.expect_violations.has_value());
  EXPECT_THAT(*c.expect_violations,
              ElementsAre("policies/products-have-owner"));
  EXPECT_FALSE(c.expect_warnings.has_value());
}

// Runs every case of `load`, which must have loaded without errors, and
// expects each to pass.
void ExpectEveryCasePasses(const PolicyTestLoad& load) {
  ASSERT_THAT(load.errors, IsEmpty()) << load.errors[0];
  auto set = policy::PolicySet::Build(load.suite.policies, load.suite.waivers);
  for (const PolicyTestCase& c : load.suite.cases) {
    PolicyCaseResult r = RunPolicyTestCase(*set, c);
    EXPECT_TRUE(r.passed) << c.name << ": "
                          << ::testing::PrintToString(r.failures);
  }
}

TEST_F(PolicyTestRunnerTest, EveryCaseOfAGoodFilePasses) {
  Write("policies.yaml", kPolicies);
  PolicyTestLoad load = LoadPolicyTestFile(Write("tests.yaml", kTests));
  ExpectEveryCasePasses(load);
}

TEST_F(PolicyTestRunnerTest, AWrongExpectationFailsWithExpectedAndActual) {
  Write("policies.yaml", kPolicies);
  PolicyTestLoad load = LoadPolicyTestFile(Write("tests.yaml", R"(
policies: [.]
now: "2026-11-21T00:00:00Z"
cases:
  - name: wrong
    trigger: dataproduct.create
    resource: {name: domains/sales/dataProducts/orders}
    expect: {outcome: ALLOW, violations: [], warnings: [products-have-owner],
             messages: [nowhere]}
)"));
  ASSERT_THAT(load.errors, IsEmpty()) << load.errors[0];
  auto set = policy::PolicySet::Build(load.suite.policies, load.suite.waivers);
  PolicyCaseResult r = RunPolicyTestCase(*set, load.suite.cases[0]);
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.failures,
              ElementsAre("expected outcome ALLOW, got DENY",
                          "expected violations [], got "
                          "[policies/products-have-owner]",
                          "expected warnings [policies/products-have-owner], "
                          "got []",
                          "expected a violation message containing "
                          "\"nowhere\""));
  EXPECT_THAT(r.details,
              Contains("violated: policies/products-have-owner (DENY, "
                       "ENFORCED): name an owner"));
}

TEST_F(PolicyTestRunnerTest, PrincipalTeamsAreTeamNamesAsOnTheServer) {
  Write("p.yaml", R"(apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: owners-only}
spec:
  triggers: [dataproduct.update]
  condition: resource.owner_team in principal.teams || principal.admin
  effect: DENY
  owner: governance
)");
  PolicyTestLoad load = LoadPolicyTestFile(Write("t.yaml", R"(
policies: [p.yaml]
principal: {name: "user:ana@example.com", teams: [sales-eng]}
cases:
  - name: member by default principal
    trigger: dataproduct.update
    resource: {name: domains/s/dataProducts/p, owner_team: teams/sales-eng}
    previous: {}
    expect: {outcome: ALLOW}
  - name: someone else
    trigger: dataproduct.update
    principal: {name: "user:bo@example.com", teams: [teams/hr]}
    resource: {name: domains/s/dataProducts/p, owner_team: teams/sales-eng}
    previous: {}
    expect: {outcome: DENY}
  - name: an admin
    trigger: dataproduct.update
    principal: {name: "user:root@example.com", teams: [], admin: true}
    resource: {name: domains/s/dataProducts/p, owner_team: teams/sales-eng}
    previous: {}
    expect: {outcome: ALLOW}
)"));
  ExpectEveryCasePasses(load);
}

TEST_F(PolicyTestRunnerTest, BadTestFilesReportEveryProblem) {
  Write("policies.yaml", kPolicies);
  PolicyTestLoad load = LoadPolicyTestFile(Write("tests.yaml", R"(
policies: [policies.yaml, missing.yaml]
cases:
  - name: x
    trigger: dataproduct.created
    resource: [not, a, map]
    expect: {outcome: MAYBE}
    expected: {outcome: DENY}
)"));
  std::string all = ::testing::PrintToString(load.errors);
  EXPECT_THAT(all, HasSubstr("missing.yaml"));
  EXPECT_THAT(all, HasSubstr("cases[0].trigger: unknown trigger "
                             "\\\"dataproduct.created\\\""));
  EXPECT_THAT(all, HasSubstr("cases[0].resource: expected a mapping"));
  EXPECT_THAT(all, HasSubstr("cases[0].expect.outcome: \\\"MAYBE\\\" is not "
                             "an outcome"));
  EXPECT_THAT(all, HasSubstr("tests.yaml:8:5: cases[0].expected: unknown key"));
}

TEST_F(PolicyTestRunnerTest, APolicyThatDoesNotCompileIsBadInput) {
  Write("broken.yaml", R"(apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: broken}
spec:
  triggers: [dataproduct.create]
  condition: resource.tier >
  effect: DENY
  owner: governance
)");
  std::string tests = Write("tests.yaml", R"(policies: [broken.yaml]
cases:
  - name: x
    trigger: dataproduct.create
    resource: {name: domains/sales/dataProducts/orders}
    expect: {outcome: ALLOW}
)");
  std::string out, err;
  EXPECT_EQ(Run({"policy", "test", "-f", tests}, &out, &err), 2);
  EXPECT_THAT(err,
              HasSubstr(dir_.path() + "/broken.yaml:1: policy policies/broken: "
                                      "condition: "));
  EXPECT_THAT(err, HasSubstr("^"));  // CEL's caret under the error
  EXPECT_THAT(err, HasSubstr("no test was run"));
  EXPECT_EQ(out, "");
}

TEST_F(PolicyTestRunnerTest, CommandPrintsPassFailAndASummary) {
  Write("policies.yaml", kPolicies);
  std::string good = Write("tests.yaml", kTests);
  std::string out, err;
  EXPECT_EQ(Run({"policy", "test", "-f", good}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("PASS  no owner is denied\n"));
  EXPECT_THAT(out, HasSubstr("4 passed, 0 failed\n"));

  std::string bad = Write("bad.yaml", R"(policies: [policies.yaml]
cases:
  - name: expects allow
    trigger: dataproduct.create
    resource: {name: domains/sales/dataProducts/orders}
    expect: {outcome: ALLOW}
)");
  EXPECT_EQ(Run({"policy", "test", "-f", good, "-f", bad}, &out, &err), 1);
  EXPECT_THAT(out, HasSubstr("FAIL  expects allow (" + bad +
                             ":3)\n"
                             "      expected outcome ALLOW, got DENY\n"));
  EXPECT_THAT(out, HasSubstr("4 passed, 1 failed\n"));

  EXPECT_EQ(Run({"policy", "test", "-f", good, "--run", "waiver", "-o", "json"},
                &out, &err),
            0);
  auto doc = nlohmann::json::parse(out);
  EXPECT_EQ(doc["passed"], 1);
  EXPECT_EQ(doc["cases"][0]["name"], "the waiver exempts legacy");
}

}  // namespace
}  // namespace meshplane::cli
