#include "meshplane/policy/engine.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/testing/matchers/status_matchers.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshplane::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

Policy Make(std::string name, std::string condition,
            std::vector<std::string> triggers = {"dataproduct.create"},
            std::string domain = "") {
  Policy p;
  p.name = std::move(name);
  p.domain_id = std::move(domain);
  p.triggers = std::move(triggers);
  p.condition = std::move(condition);
  p.revision = 3;
  return p;
}

Policy With(Policy p, Effect effect,
            Enforcement enforcement = Enforcement::kEnforced) {
  p.effect = effect;
  p.enforcement = enforcement;
  return p;
}

cel::Value Doc(const char* json) {
  absl::StatusOr<cel::Value> v = DocumentFromJson(json);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : cel::Value();
}

// A product of domain `sales` (a child of `commerce`).
EvalInput Input(std::string trigger = "dataproduct.create") {
  EvalInput in;
  in.trigger = std::move(trigger);
  in.resource_name = "domains/sales/dataProducts/orders";
  in.domain_chain = {"sales", "commerce"};
  in.resource = Doc(R"({"name": "orders", "owner_team": "teams/a", "tier": 2,
                        "description": ""})");
  in.principal = PrincipalValue("user:ana@example.com", {"teams/a"}, false);
  in.request = Doc("{}");
  in.domain = Doc(R"({"id": "sales", "parent_id": "commerce"})");
  in.now = kNow;
  return in;
}

std::vector<std::string> Names(const std::vector<Evaluated>& e) {
  std::vector<std::string> out;
  for (const Evaluated& x : e) out.push_back(x.policy);
  return out;
}

std::vector<std::string> Names(const std::vector<Violation>& v) {
  std::vector<std::string> out;
  for (const Violation& x : v) out.push_back(x.policy);
  return out;
}

TEST(EngineTest, EmptySetAllows) {
  Decision d = Evaluate(*PolicySet::Empty(), Input());
  EXPECT_EQ(d.outcome, Outcome::kAllow);
  EXPECT_THAT(d.evaluated, IsEmpty());
  EXPECT_EQ(PolicySet::Empty()->size(), 0u);
}

TEST(EngineTest, HoldingPolicyAllows) {
  auto set = PolicySet::Build(
      {Make("policies/owner", "has(resource.owner_team)")}, {}, 7);
  Decision d = Evaluate(*set, Input());
  EXPECT_EQ(d.outcome, Outcome::kAllow);
  EXPECT_EQ(d.set_version, 7);
  ASSERT_THAT(d.evaluated, SizeIs(1));
  EXPECT_EQ(d.evaluated[0].policy, "policies/owner");
  EXPECT_EQ(d.evaluated[0].revision, 3);
  EXPECT_FALSE(d.evaluated[0].violated);
  EXPECT_THAT(d.violations, IsEmpty());
}

TEST(EngineTest, Federation) {
  auto set = PolicySet::Build(
      {Make("policies/global", "false"),
       Make("domains/sales/policies/own", "false", {"dataproduct.create"},
            "sales"),
       Make("domains/commerce/policies/ancestor", "false",
            {"dataproduct.create"}, "commerce"),
       Make("domains/hr/policies/sibling", "false", {"dataproduct.create"},
            "hr"),
       Make("policies/other-trigger", "false", {"dataproduct.update"}),
       Make("domains/sales/policies/other-trigger", "false",
            {"contract.publish"}, "sales")},
      {});
  Decision d = Evaluate(*set, Input());
  EXPECT_EQ(d.outcome, Outcome::kDeny);
  EXPECT_THAT(Names(d.evaluated),
              ElementsAre("domains/commerce/policies/ancestor",
                          "domains/sales/policies/own", "policies/global"));
  EXPECT_THAT(d.violations,
              ElementsAre(Field(&Violation::scope, "domains/commerce"),
                          Field(&Violation::scope, "domains/sales"),
                          Field(&Violation::scope, "global")));
}

TEST(EngineTest, NoDomainMeansGlobalOnly) {
  auto set = PolicySet::Build({Make("policies/global", "true"),
                               Make("domains/sales/policies/own", "true",
                                    {"dataproduct.create"}, "sales")},
                              {});
  EvalInput in = Input();
  in.domain_chain.clear();
  EXPECT_THAT(Names(Evaluate(*set, in).evaluated),
              ElementsAre("policies/global"));
}

TEST(EngineTest, DenyWinsOverApprovalAndWarn) {
  auto set = PolicySet::Build(
      {With(Make("policies/a-warn", "false", {"access.request"}),
            Effect::kWarn),
       With(Make("policies/b-approve", "false", {"access.request"}),
            Effect::kRequireApproval),
       With(Make("policies/c-deny", "false", {"access.request"}),
            Effect::kDeny)},
      {});
  Decision d = Evaluate(*set, Input("access.request"));
  EXPECT_EQ(d.outcome, Outcome::kDeny);
  EXPECT_THAT(
      Names(d.violations),
      ElementsAre("policies/a-warn", "policies/b-approve", "policies/c-deny"));
  EXPECT_THAT(Names(d.Blocking()), ElementsAre("policies/c-deny"));
  EXPECT_THAT(Names(d.Warnings()), ElementsAre("policies/a-warn"));
}

TEST(EngineTest, WarnOnlyAllowsWithWarnings) {
  auto set = PolicySet::Build(
      {With(Make("policies/warn", "resource.description != ''"), Effect::kWarn),
       Make("policies/holds", "true")},
      {});
  Decision d = Evaluate(*set, Input());
  EXPECT_EQ(d.outcome, Outcome::kAllow);
  EXPECT_THAT(Names(d.Warnings()), ElementsAre("policies/warn"));
  EXPECT_THAT(d.Blocking(), IsEmpty());
  EXPECT_EQ(d.violations[0].effect, Effect::kWarn);
}

TEST(EngineTest, DryRunDenyIsReportedButNeverBlocks) {
  auto set = PolicySet::Build({With(Make("policies/dry", "false"),
                                    Effect::kDeny, Enforcement::kDryRun)},
                              {});
  Decision d = Evaluate(*set, Input());
  EXPECT_EQ(d.outcome, Outcome::kAllow);
  ASSERT_THAT(d.violations, SizeIs(1));
  EXPECT_EQ(d.violations[0].enforcement, Enforcement::kDryRun);
  EXPECT_THAT(Names(d.Warnings()), ElementsAre("policies/dry"));
  EXPECT_THAT(d.Blocking(), IsEmpty());
}

TEST(EngineTest, RequireApprovalOnAccessRequest) {
  auto set = PolicySet::Build({With(Make("policies/approve", "principal.admin",
                                         {"access.request", "access.check"}),
                                    Effect::kRequireApproval)},
                              {});
  Decision d = Evaluate(*set, Input("access.request"));
  EXPECT_EQ(d.outcome, Outcome::kRequireApproval);
  EXPECT_THAT(Names(d.Blocking()), ElementsAre("policies/approve"));
  // Elsewhere an approval cannot be asked for: the request is denied.
  Decision check = Evaluate(*set, Input("access.check"));
  EXPECT_EQ(check.outcome, Outcome::kDeny);
  EXPECT_THAT(Names(check.Blocking()), ElementsAre("policies/approve"));
}

TEST(EngineTest, DryRunApprovalDoesNotRequireApproval) {
  auto set = PolicySet::Build(
      {With(Make("policies/approve", "false", {"access.request"}),
            Effect::kRequireApproval, Enforcement::kDryRun)},
      {});
  EXPECT_EQ(Evaluate(*set, Input("access.request")).outcome, Outcome::kAllow);
}

Waiver MakeWaiver(std::string policy, std::string resource, absl::Time expire) {
  Waiver w;
  w.name = policy + "/waivers/w1";
  w.policy = std::move(policy);
  w.resource = std::move(resource);
  w.expire_time = expire;
  return w;
}

TEST(EngineTest, WaiverApplies) {
  auto set = PolicySet::Build(
      {Make("policies/desc", "resource.description != ''")},
      {MakeWaiver("policies/desc", "domains/sales/dataProducts/orders",
                  kNow + absl::Hours(1))});
  Decision d = Evaluate(*set, Input());
  EXPECT_EQ(d.outcome, Outcome::kAllow);
  EXPECT_THAT(d.violations, IsEmpty());
  ASSERT_THAT(d.evaluated, SizeIs(1));
  EXPECT_FALSE(d.evaluated[0].violated);
  EXPECT_EQ(d.evaluated[0].waiver, "policies/desc/waivers/w1");
}

TEST(EngineTest, ExpiredWaiverDoesNotApply) {
  auto set = PolicySet::Build(
      {Make("policies/desc", "resource.description != ''")},
      {MakeWaiver("policies/desc", "domains/sales/dataProducts/orders", kNow)});
  Decision d = Evaluate(*set, Input());
  EXPECT_EQ(d.outcome, Outcome::kDeny);
  EXPECT_EQ(d.evaluated[0].waiver, "");
  // The same waiver one second earlier still applies: expiry is judged at
  // `now`.
  EvalInput earlier = Input();
  earlier.now = kNow - absl::Seconds(1);
  EXPECT_EQ(Evaluate(*set, earlier).outcome, Outcome::kAllow);
}

TEST(EngineTest, NonWaivablePolicyIgnoresWaiver) {
  Policy p = Make("policies/desc", "resource.description != ''");
  p.waivable = false;
  auto set = PolicySet::Build(
      {p}, {MakeWaiver("policies/desc", "domains/sales/dataProducts/orders",
                       absl::InfiniteFuture())});
  EXPECT_EQ(Evaluate(*set, Input()).outcome, Outcome::kDeny);
}

TEST(EngineTest, WaiverOfAnotherResourceDoesNotExempt) {
  auto set = PolicySet::Build(
      {Make("policies/desc", "resource.description != ''")},
      {MakeWaiver("policies/desc", "domains/sales/dataProducts/invoices",
                  absl::InfiniteFuture()),
       MakeWaiver("policies/other", "domains/sales/dataProducts/orders",
                  absl::InfiniteFuture())});
  EXPECT_EQ(Evaluate(*set, Input()).outcome, Outcome::kDeny);
}

TEST(EngineTest, EvaluationErrorFailsClosed) {
  auto set =
      PolicySet::Build({Make("policies/div", "resource.tier / 0 > 1")}, {});
  Decision d = Evaluate(*set, Input());
  EXPECT_EQ(d.outcome, Outcome::kDeny);
  ASSERT_THAT(d.violations, SizeIs(1));
  EXPECT_TRUE(d.violations[0].evaluation_error);
  EXPECT_THAT(d.violations[0].message, HasSubstr("policy failed to evaluate"));
  EXPECT_THAT(d.violations[0].message, HasSubstr("1:15: divide by zero"));
  EXPECT_TRUE(d.evaluated[0].violated);
  EXPECT_THAT(d.evaluated[0].error, HasSubstr("1:15: divide by zero"));
  EXPECT_THAT(d.Blocking(), SizeIs(1));
}

TEST(EngineTest, EvaluationErrorOfDryRunPolicyAllows) {
  auto set =
      PolicySet::Build({With(Make("policies/div", "resource.tier / 0 > 1"),
                             Effect::kDeny, Enforcement::kDryRun)},
                       {});
  Decision d = Evaluate(*set, Input());
  EXPECT_EQ(d.outcome, Outcome::kAllow);
  ASSERT_THAT(d.violations, SizeIs(1));
  EXPECT_TRUE(d.violations[0].evaluation_error);
}

// A failure counts as a violation of the policy's own effect: a broken WARN
// rule warns, a broken approval rule asks for approval.
TEST(EngineTest, EvaluationErrorKeepsThePolicysEffect) {
  auto set = PolicySet::Build(
      {With(Make("policies/warn", "resource.missing", {"access.request"}),
            Effect::kWarn),
       With(Make("policies/approve", "resource.tier / 0 > 1",
                 {"access.request"}),
            Effect::kRequireApproval)},
      {});
  Decision d = Evaluate(*set, Input("access.request"));
  EXPECT_EQ(d.outcome, Outcome::kRequireApproval);
  ASSERT_THAT(d.violations, SizeIs(2));
  EXPECT_TRUE(d.violations[0].evaluation_error);
  EXPECT_TRUE(d.violations[1].evaluation_error);
  EXPECT_THAT(Names(d.Warnings()), ElementsAre("policies/warn"));
  EXPECT_THAT(Names(d.Blocking()), ElementsAre("policies/approve"));
}

TEST(EngineTest, WaiverExemptsFromAFailingPolicy) {
  auto set = PolicySet::Build(
      {Make("policies/div", "resource.tier / 0 > 1")},
      {MakeWaiver("policies/div", "domains/sales/dataProducts/orders",
                  absl::InfiniteFuture())});
  Decision d = Evaluate(*set, Input());
  EXPECT_EQ(d.outcome, Outcome::kAllow);
  EXPECT_EQ(d.evaluated[0].waiver, "policies/div/waivers/w1");
  EXPECT_THAT(d.evaluated[0].error, HasSubstr("divide by zero"));
}

TEST(EngineTest, MissingFieldAndNonBoolFailClosed) {
  auto set = PolicySet::Build(
      {Make("policies/missing", "resource.no_such_field == 'x'"),
       Make("policies/nonbool", "resource.tier")},
      {});
  Decision d = Evaluate(*set, Input());
  EXPECT_EQ(d.outcome, Outcome::kDeny);
  ASSERT_THAT(d.violations, SizeIs(2));
  EXPECT_TRUE(d.violations[0].evaluation_error);
  EXPECT_THAT(d.violations[1].message,
              HasSubstr("condition yielded int, not bool"));
}

TEST(EngineTest, BrokenPolicyFailsClosed) {
  auto set = PolicySet::Build({Make("policies/broken", "resource.tier =="),
                               Make("policies/fine", "true")},
                              {});
  EXPECT_EQ(set->size(), 2u);
  auto broken = set->Broken();
  ASSERT_THAT(broken, SizeIs(1));
  EXPECT_EQ(broken[0].first, "policies/broken");
  EXPECT_THAT(broken[0].second, HasSubstr("condition: "));
  Decision d = Evaluate(*set, Input());
  EXPECT_EQ(d.outcome, Outcome::kDeny);
  ASSERT_THAT(d.violations, SizeIs(1));
  EXPECT_EQ(d.violations[0].policy, "policies/broken");
  EXPECT_TRUE(d.violations[0].evaluation_error);
  EXPECT_THAT(d.evaluated[0].error, HasSubstr("does not compile"));
}

TEST(EngineTest, EvaluateOneOfABrokenPolicyFailsClosed) {
  auto set =
      PolicySet::Build({Make("policies/broken", "resource.tier ==")}, {});
  Violation v;
  std::optional<Evaluated> e =
      EvaluateOne(*set, "policies/broken", Input(), &v);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->violated);
  EXPECT_TRUE(v.evaluation_error);
  EXPECT_THAT(v.message, HasSubstr("does not compile"));
}

TEST(EngineTest, Messages) {
  Policy expr = Make("policies/a", "false");
  expr.message = "static";
  expr.message_expression =
      "'product ' + resource.name + ' of ' + principal.id";
  Policy fixed = Make("policies/b", "false");
  fixed.message = "needs a description";
  Policy none = Make("policies/c", "false");
  Policy failing = Make("policies/d", "false");
  failing.message = "fallback";
  failing.message_expression = "resource.missing";
  auto set = PolicySet::Build({expr, fixed, none, failing}, {});
  Decision d = Evaluate(*set, Input());
  ASSERT_THAT(d.violations, SizeIs(4));
  EXPECT_EQ(d.violations[0].message, "product orders of ana@example.com");
  EXPECT_EQ(d.violations[1].message, "needs a description");
  EXPECT_THAT(d.violations[2].message, HasSubstr("policies/c"));
  EXPECT_EQ(d.violations[3].message, "fallback");
}

TEST(EngineTest, EveryViolationReportedInNameOrder) {
  auto set = PolicySet::Build(
      {Make("policies/c", "false"),
       Make("domains/sales/policies/b", "false", {"dataproduct.create"},
            "sales"),
       Make("policies/ok", "true"), Make("policies/a", "1 > 2")},
      {});
  Decision d = Evaluate(*set, Input());
  EXPECT_THAT(Names(d.violations), ElementsAre("domains/sales/policies/b",
                                               "policies/a", "policies/c"));
  EXPECT_THAT(Names(d.evaluated),
              ElementsAre("domains/sales/policies/b", "policies/a",
                          "policies/c", "policies/ok"));
}

TEST(EngineTest, VariablesAreBound) {
  auto set = PolicySet::Build(
      {Make("policies/vars",
            "principal.kind == 'user' && 'teams/a' in principal.teams && "
            "domain.id == 'sales' && now == timestamp('2023-11-14T22:13:20Z') "
            "&& "
            "request == {}"),
       Make("policies/prev", "previous.tier < resource.tier",
            {"dataproduct.update"})},
      {});
  EXPECT_EQ(Evaluate(*set, Input()).outcome, Outcome::kAllow);
  EvalInput update = Input("dataproduct.update");
  update.previous = Doc(R"({"tier": 1})");
  Decision d = Evaluate(*set, update);
  EXPECT_EQ(d.outcome, Outcome::kAllow);
  EXPECT_THAT(Names(d.evaluated), ElementsAre("policies/prev"));
  // Without `previous` the update policy cannot evaluate: it fails closed.
  update.previous.reset();
  EXPECT_EQ(Evaluate(*set, update).outcome, Outcome::kDeny);
}

TEST(EngineTest, PolicyWithSeveralTriggersAndDuplicateChain) {
  auto set = PolicySet::Build(
      {Make("domains/sales/policies/p", "false",
            {"dataproduct.create", "dataproduct.create", "dataproduct.update"},
            "sales")},
      {});
  EvalInput in = Input();
  in.domain_chain = {"sales", "sales"};
  Decision d = Evaluate(*set, in);
  EXPECT_THAT(Names(d.evaluated), ElementsAre("domains/sales/policies/p"));
}

TEST(EngineTest, FindAndEvaluateOne) {
  auto set = PolicySet::Build(
      {Make("domains/hr/policies/desc", "resource.description != ''",
            {"dataproduct.create"}, "hr"),
       Make("policies/ok", "true")},
      {});
  ASSERT_NE(set->Find("policies/ok"), nullptr);
  EXPECT_EQ(set->Find("policies/ok")->condition, "true");
  EXPECT_EQ(set->Find("policies/nope"), nullptr);

  // Scope is ignored: the policy of `hr` is evaluated for a `sales` product.
  Violation v;
  std::optional<Evaluated> e =
      EvaluateOne(*set, "domains/hr/policies/desc", Input(), &v);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->violated);
  EXPECT_EQ(v.policy, "domains/hr/policies/desc");
  EXPECT_EQ(v.scope, "domains/hr");
  EXPECT_EQ(v.effect, Effect::kDeny);

  EXPECT_FALSE(EvaluateOne(*set, "policies/nope", Input(), &v).has_value());
  EXPECT_FALSE(EvaluateOne(*set, "policies/ok", Input("dataproduct.update"), &v)
                   .has_value());
  e = EvaluateOne(*set, "policies/ok", Input(), nullptr);
  ASSERT_TRUE(e.has_value());
  EXPECT_FALSE(e->violated);
}

TEST(EngineTest, OutcomeNames) {
  EXPECT_EQ(OutcomeName(Outcome::kAllow), "ALLOW");
  EXPECT_EQ(OutcomeName(Outcome::kDeny), "DENY");
  EXPECT_EQ(OutcomeName(Outcome::kRequireApproval), "REQUIRE_APPROVAL");
}

}  // namespace
}  // namespace meshplane::policy
