#include "meshplane/policy/policy.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshplane::policy {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Policy MakePolicy(std::vector<std::string> triggers, std::string condition) {
  Policy p;
  p.name = "policies/p";
  p.triggers = std::move(triggers);
  p.condition = std::move(condition);
  return p;
}

MATCHER_P2(IssueIs, field, substr, "") {
  return arg.field == field && arg.message.find(substr) != std::string::npos;
}

TEST(PolicyNamesTest, RoundTrip) {
  for (Effect e : {Effect::kDeny, Effect::kWarn, Effect::kRequireApproval}) {
    EXPECT_EQ(ParseEffect(EffectName(e)), e);
  }
  for (Enforcement e : {Enforcement::kEnforced, Enforcement::kDryRun}) {
    EXPECT_EQ(ParseEnforcement(EnforcementName(e)), e);
  }
  EXPECT_EQ(EffectName(Effect::kRequireApproval), "REQUIRE_APPROVAL");
  EXPECT_EQ(EnforcementName(Enforcement::kDryRun), "DRY_RUN");
  EXPECT_FALSE(ParseEffect("deny").has_value());
  EXPECT_FALSE(ParseEnforcement("").has_value());
}

TEST(TriggersTest, KnownAndVariables) {
  EXPECT_EQ(KnownTriggers().size(), 9u);
  EXPECT_TRUE(IsKnownTrigger("dataproduct.lifecycle"));
  EXPECT_TRUE(IsKnownTrigger("agent.call"));
  EXPECT_THAT(TriggerVariables("agent.call"),
              ElementsAre("resource", "principal", "request", "now", "domain"));
  EXPECT_FALSE(IsKnownTrigger("dataproduct.delete"));
  EXPECT_THAT(TriggerVariables("dataproduct.create"),
              ElementsAre("resource", "principal", "request", "now", "domain"));
  EXPECT_THAT(TriggerVariables("domain.update"),
              ElementsAre("resource", "principal", "request", "now", "domain",
                          "previous"));
}

TEST(PolicyTest, Scope) {
  Policy p;
  EXPECT_EQ(p.scope(), "global");
  p.domain_id = "sales";
  EXPECT_EQ(p.scope(), "domains/sales");
}

TEST(CheckPolicyTest, ValidPolicyHasNoIssues) {
  Policy p = MakePolicy(
      {"dataproduct.create", "dataproduct.update"},
      "has(resource.owner_team) && resource.description != '' "
      "&& principal.admin == false && now > timestamp('2020-01-01T00:00:00Z') "
      "&& (domain == null || domain.id != '') && request.size() >= 0");
  p.message_expression = "'product ' + resource.name + ' needs an owner'";
  EXPECT_THAT(CheckPolicy(p), IsEmpty());
}

TEST(CheckPolicyTest, PreviousOnUpdateTriggers) {
  Policy p = MakePolicy({"dataproduct.update", "dataproduct.lifecycle"},
                        "previous.owner_team == resource.owner_team");
  EXPECT_THAT(CheckPolicy(p), IsEmpty());
}

TEST(CheckPolicyTest, EmptyTriggers) {
  EXPECT_THAT(CheckPolicy(MakePolicy({}, "true")),
              ElementsAre(IssueIs("triggers", "at least one trigger")));
}

TEST(CheckPolicyTest, UnknownTriggerNamesItsIndex) {
  EXPECT_THAT(CheckPolicy(MakePolicy(
                  {"dataproduct.create", "dataproduct.delete"}, "true")),
              ElementsAre(IssueIs("triggers[1]",
                                  "unknown trigger \"dataproduct.delete\"")));
}

TEST(CheckPolicyTest, EmptyCondition) {
  EXPECT_THAT(CheckPolicy(MakePolicy({"dataproduct.create"}, "")),
              ElementsAre(IssueIs("condition", "required")));
}

TEST(CheckPolicyTest, PreviousRefusedWhenATriggerDoesNotBindIt) {
  std::vector<PolicyIssue> issues =
      CheckPolicy(MakePolicy({"dataproduct.create", "dataproduct.update"},
                             "resource.owner_team == previous.owner_team"));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].field, "condition");
  EXPECT_THAT(issues[0].message, HasSubstr("previous"));
  // The position of `previous`: line 1, column 24, with a caret.
  EXPECT_THAT(issues[0].message, HasSubstr(":1:24:"));
  EXPECT_THAT(issues[0].message, HasSubstr("^"));
}

TEST(CheckPolicyTest, SyntaxErrorHasLineAndColumn) {
  std::vector<PolicyIssue> issues = CheckPolicy(
      MakePolicy({"dataproduct.create"}, "resource.tier ==\n  && true"));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].field, "condition");
  EXPECT_THAT(issues[0].message, HasSubstr(":2:3:"));
  EXPECT_THAT(issues[0].message, HasSubstr("^"));
}

TEST(CheckPolicyTest, ConditionMustBeBool) {
  EXPECT_THAT(
      CheckPolicy(MakePolicy({"dataproduct.create"}, "1 + 2")),
      ElementsAre(IssueIs("condition",
                          "condition must be a bool expression, got int")));
  // dyn is accepted: its type is only known at run time.
  EXPECT_THAT(
      CheckPolicy(MakePolicy({"dataproduct.create"}, "resource.enabled")),
      IsEmpty());
}

TEST(CheckPolicyTest, BadMessageExpression) {
  Policy p = MakePolicy({"dataproduct.create"}, "true");
  p.message_expression = "resource.name +";
  EXPECT_THAT(CheckPolicy(p), ElementsAre(IssueIs("message_expression", "1:")));
  p.message_expression = "size(resource.name)";
  EXPECT_THAT(CheckPolicy(p),
              ElementsAre(IssueIs(
                  "message_expression",
                  "message_expression must be a string expression, got int")));
  p.message_expression = "previous.name";
  EXPECT_THAT(CheckPolicy(p),
              ElementsAre(IssueIs("message_expression", "previous")));
}

TEST(CheckPolicyTest, RequireApprovalOnlyOnAccessTriggers) {
  Policy p = MakePolicy({"access.request", "access.check"}, "true");
  p.effect = Effect::kRequireApproval;
  EXPECT_THAT(CheckPolicy(p), IsEmpty());
  p.triggers = {"access.request", "dataproduct.create"};
  EXPECT_THAT(CheckPolicy(p),
              ElementsAre(IssueIs("effect", "not to \"dataproduct.create\"")));
}

TEST(CheckPolicyTest, AgentCallPoliciesAreCheckedLikeAnyOther) {
  // docs/mcp.md's example: the tool and its arguments in `request`.
  Policy p = MakePolicy({"agent.call"},
                        "request.tool != 'request_access' || "
                        "resource.classification != 'RESTRICTED'");
  EXPECT_THAT(CheckPolicy(p), IsEmpty());
  p.condition = "size(request.arguments.purpose) >= 40";
  EXPECT_THAT(CheckPolicy(p), IsEmpty());
  // No `previous` on a tool call, and no approval to wait for.
  p.condition = "previous.tier == resource.tier";
  EXPECT_THAT(CheckPolicy(p), ElementsAre(IssueIs("condition", "previous")));
  p.condition = "true";
  p.effect = Effect::kRequireApproval;
  EXPECT_THAT(CheckPolicy(p),
              ElementsAre(IssueIs("effect", "not to \"agent.call\"")));
}

TEST(CheckPolicyTest, ReportsEveryIssue) {
  Policy p = MakePolicy({"nope"}, "1");
  p.message_expression = "2";
  p.effect = Effect::kRequireApproval;
  EXPECT_THAT(CheckPolicy(p),
              ElementsAre(Field(&PolicyIssue::field, "triggers[0]"),
                          Field(&PolicyIssue::field, "condition"),
                          Field(&PolicyIssue::field, "message_expression"),
                          AllOf(Field(&PolicyIssue::field, "effect"))));
}

}  // namespace
}  // namespace meshplane::policy
