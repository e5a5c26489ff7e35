// Governance over InMemoryStore and a SimulatedClock: who may write which
// policy, type checking on write, governed registry writes (deny, warn,
// dry run, fail closed), waivers that expire by the clock, the decision in
// the audit record, the effective set, and two instances kept coherent by
// the store's notifications.
#include "meshplane/core/governance.h"

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/memstore/in_memory_store.h"
#include "tests/unit/core/core_test_util.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/common/errors.h"
#include "meshplane/core/registry.h"

namespace meshplane::core {
namespace {

using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Code = absl::StatusCode;

std::vector<std::string> Names(const std::vector<PolicyViolationDetail>& v) {
  std::vector<std::string> out;
  for (const auto& x : v) out.push_back(x.policy);
  return out;
}

class GovernanceTest : public test_util::GovernedRegistryTest {
 protected:
  void SetUp() override {
    GovernedRegistryTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(
        test_util::CreateTeams(registry_, admin_,
                               {{"governance", {"user:gina"}},
                                {"sales-team", {"user:sam"}},
                                {"finance-team", {"user:fin"}}}));
    ASSERT_OK(
        registry_.CreateDomain(admin_, Domain("sales", "sales-team")).status());
    ASSERT_OK(
        registry_.CreateDomain(admin_, Domain("emea", "sales-team", "sales"))
            .status());
    ASSERT_OK(registry_.CreateDomain(admin_, Domain("finance", "finance-team"))
                  .status());
    sam_.principal = {"user:sam", false, {"sales-team"}};
    gina_.principal = {"user:gina", false, {"governance"}};
  }

  static model::Domain Domain(const std::string& id, const std::string& owner,
                              const std::string& parent = "") {
    model::Domain d;
    d.id = id;
    d.owner_team_id = owner;
    d.parent_id = parent;
    return d;
  }

  static model::Policy Policy(const std::string& domain, const std::string& id,
                              const std::string& condition,
                              const std::string& effect = "DENY",
                              const std::string& enforcement = "ENFORCED") {
    model::Policy p;
    p.domain_id = domain;
    p.id = id;
    p.triggers = {"dataproduct.create"};
    p.condition = condition;
    p.effect = effect;
    p.enforcement = enforcement;
    p.message = id + " does not hold";
    p.owner_team_id = "governance";
    return p;
  }

  absl::StatusOr<model::DataProduct> Product(const std::string& domain,
                                             const std::string& id,
                                             const std::string& description,
                                             RequestContext ctx) {
    model::DataProduct p;
    p.domain_id = domain;
    p.id = id;
    p.owner_team_id = "sales-team";
    p.description = description;
    return registry_.CreateDataProduct(ctx, p);
  }

  RequestContext sam_;
  RequestContext gina_;
};

TEST_F(GovernanceTest, ScopesDecideWhoMayWrite) {
  EXPECT_THAT(governance_.CreatePolicy(sam_, Policy("", "g", "true")).status(),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(
      governance_.CreatePolicy(sam_, Policy("finance", "f", "true")).status(),
      StatusIs(Code::kPermissionDenied));
  EXPECT_OK(
      governance_.CreatePolicy(sam_, Policy("sales", "s", "true")).status());
  EXPECT_OK(
      governance_.CreatePolicy(sam_, Policy("emea", "e", "true")).status());
  EXPECT_OK(governance_.CreatePolicy(admin_, Policy("", "g", "true")).status());
  EXPECT_THAT(governance_.DeletePolicy(sam_, {"", "g"}, ""),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(
      governance_.CreatePolicy(admin_, Policy("nowhere", "x", "true")).status(),
      StatusIs(Code::kNotFound));
}

TEST_F(GovernanceTest, ADomainPolicysOwnerTeamMayEditIt) {
  // docs/governance.md: `owner` is the team that may edit the policy.
  // sales/s belongs to governance, which does not own the domain.
  ASSERT_OK(
      governance_.CreatePolicy(sam_, Policy("sales", "s", "true")).status());
  model::Policy patch = Policy("sales", "s", "true");
  patch.description = "edited by its owner team";
  ASSERT_OK_AND_ASSIGN(
      model::Policy edited,
      governance_.UpdatePolicy(gina_, patch, {{"description"}}, ""));
  EXPECT_EQ(edited.description, "edited by its owner team");
  // Handing it to another team stays with the domain's owners.
  patch.owner_team_id = "finance-team";
  EXPECT_THAT(governance_.UpdatePolicy(gina_, patch, {{"owner"}}, "").status(),
              StatusIs(Code::kPermissionDenied));
  EXPECT_OK(governance_.UpdatePolicy(sam_, patch, {{"owner"}}, "").status());
  // Now governance is no longer its owner.
  EXPECT_THAT(
      governance_.UpdatePolicy(gina_, patch, {{"description"}}, "").status(),
      StatusIs(Code::kPermissionDenied));
  // A global policy stays with platform admins, whatever its owner.
  ASSERT_OK(governance_.CreatePolicy(admin_, Policy("", "g", "true")).status());
  EXPECT_THAT(
      governance_
          .UpdatePolicy(gina_, Policy("", "g", "true"), {{"description"}}, "")
          .status(),
      StatusIs(Code::kPermissionDenied));
}

TEST_F(GovernanceTest, PoliciesAreTypeCheckedWhenWritten) {
  absl::Status s =
      governance_.CreatePolicy(admin_, Policy("", "bad", "resource.tier == "))
          .status();
  ASSERT_THAT(s, StatusIs(Code::kInvalidArgument));
  auto fields = GetFieldViolations(s);
  ASSERT_THAT(fields, SizeIs(1));
  EXPECT_EQ(fields[0].field, "policy.condition");
  EXPECT_THAT(fields[0].description, HasSubstr("1:"));
  model::Policy p = Policy("", "no-triggers", "true");
  p.triggers.clear();
  EXPECT_THAT(governance_.CreatePolicy(admin_, p).status(),
              StatusIs(Code::kInvalidArgument));
  p = Policy("", "bad-effect", "true", "EXPLODE");
  EXPECT_THAT(governance_.CreatePolicy(admin_, p).status(),
              StatusIs(Code::kInvalidArgument));
  p = Policy("", "no-owner", "true");
  p.owner_team_id.clear();
  EXPECT_THAT(governance_.CreatePolicy(admin_, p).status(),
              StatusIs(Code::kInvalidArgument));
}

TEST_F(GovernanceTest, GovernedWritesDenyWarnAndDryRun) {
  ASSERT_OK(governance_
                .CreatePolicy(admin_, Policy("", "described",
                                             "has(resource.description)"))
                .status());
  ASSERT_OK(governance_
                .CreatePolicy(admin_,
                              Policy("", "long",
                                     "size(resource.description) > 20", "WARN"))
                .status());
  ASSERT_OK(governance_
                .CreatePolicy(
                    sam_, Policy("sales", "tagged", "size(resource.tags) > 0",
                                 "DENY", "DRY_RUN"))
                .status());
  absl::Status s = Product("emea", "a", "", sam_).status();
  ASSERT_THAT(s, StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(GetReason(s), "POLICY_VIOLATION");
  // Only the enforced deny blocks; the detail names it (the dry-run and
  // the failing WARN are not blocking).
  EXPECT_THAT(Names(GetPolicyViolations(s)), ElementsAre("policies/described"));

  std::vector<PolicyViolationDetail> warnings;
  RequestContext ctx = sam_;
  ctx.warnings = &warnings;
  ASSERT_OK(Product("emea", "a", "short", ctx).status());
  EXPECT_THAT(Names(warnings),
              ElementsAre("domains/sales/policies/tagged", "policies/long"));
  EXPECT_EQ(warnings[0].enforcement, "DRY_RUN");
  EXPECT_EQ(warnings[1].effect, "WARN");

  // The decision is in the audit record of the write.
  RequestContext reader = admin_;
  auto txn = store_.Begin(store::TxnMode::kReadOnly);
  ASSERT_OK(txn.status());
  auto page =
      (*txn)->events().ListAudit({"domains/emea/dataProducts/a", ""}, {"", 10});
  ASSERT_OK(page.status());
  ASSERT_THAT(page->items, SizeIs(2));  // newest first: the write, the refusal
  EXPECT_THAT(page->items[0].decision_json, HasSubstr("\"outcome\":\"ALLOW\""));
  EXPECT_THAT(page->items[0].decision_json, HasSubstr("policies/long"));
  EXPECT_THAT(page->items[1].decision_json, HasSubstr("\"outcome\":\"DENY\""));
  EXPECT_NE(page->items[1].outcome_code, 0);
}

TEST_F(GovernanceTest, ValidateOnlyIsDecidedToo) {
  ASSERT_OK(governance_
                .CreatePolicy(admin_, Policy("", "described",
                                             "has(resource.description)"))
                .status());
  RequestContext dry = sam_;
  dry.validate_only = true;
  EXPECT_THAT(Product("sales", "x", "", dry).status(),
              StatusIs(Code::kFailedPrecondition));
  dry.validate_only = true;
  model::Policy p = Policy("", "v", "true");
  RequestContext admin_dry = admin_;
  admin_dry.validate_only = true;
  ASSERT_OK(governance_.CreatePolicy(admin_dry, p).status());
  EXPECT_THAT(governance_.GetPolicy(admin_, {"", "v"}).status(),
              StatusIs(Code::kNotFound));
}

TEST_F(GovernanceTest, RunTimeErrorsFailClosed) {
  ASSERT_OK(governance_
                .CreatePolicy(
                    admin_, Policy("", "zero",
                                   "1 / (resource.tier - resource.tier) == 1"))
                .status());
  absl::Status s = Product("sales", "x", "d", sam_).status();
  ASSERT_THAT(s, StatusIs(Code::kFailedPrecondition));
  auto v = GetPolicyViolations(s);
  ASSERT_THAT(v, SizeIs(1));
  EXPECT_TRUE(v[0].evaluation_error);
}

TEST_F(GovernanceTest, WaiversExpireByThemselves) {
  ASSERT_OK(governance_
                .CreatePolicy(admin_, Policy("", "described",
                                             "has(resource.description)"))
                .status());
  model::Waiver w;
  w.policy = {"", "described"};
  w.id = "legacy";
  w.resource = "domains/sales/dataProducts/legacy";
  w.reason = "imported as is";
  w.expire_time = clock_.Now() + absl::Hours(1);
  EXPECT_THAT(governance_.CreateWaiver(sam_, w).status(),
              StatusIs(Code::kPermissionDenied));
  ASSERT_OK(governance_.CreateWaiver(gina_, w).status());
  ASSERT_OK(Product("sales", "legacy", "", sam_).status());
  ASSERT_OK(registry_.DeleteDataProduct(admin_, {"sales", "legacy"}, ""));
  clock_.Advance(absl::Hours(2));  // no reload: expiry is checked per decision
  EXPECT_THAT(Product("sales", "legacy", "", sam_).status(),
              StatusIs(Code::kFailedPrecondition));
  // Bad waivers.
  w.id = "past";
  w.expire_time = clock_.Now() - absl::Seconds(1);
  EXPECT_THAT(governance_.CreateWaiver(admin_, w).status(),
              StatusIs(Code::kInvalidArgument));
  w.expire_time = clock_.Now() + absl::Hours(24 * 400);
  EXPECT_THAT(governance_.CreateWaiver(admin_, w).status(),
              StatusIs(Code::kInvalidArgument));
  model::Policy strict = Policy("", "strict", "true");
  strict.waivable = false;
  ASSERT_OK(governance_.CreatePolicy(admin_, strict).status());
  w.policy = {"", "strict"};
  w.expire_time = clock_.Now() + absl::Hours(1);
  absl::Status s = governance_.CreateWaiver(admin_, w).status();
  EXPECT_THAT(s, StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(GetReason(s), "NOT_WAIVABLE");
  // A domain policy's waiver must stay inside the domain's subtree.
  ASSERT_OK(governance_.CreatePolicy(sam_, Policy("sales", "local", "true"))
                .status());
  w.policy = {"sales", "local"};
  w.resource = "domains/finance/dataProducts/ledger";
  EXPECT_THAT(governance_.CreateWaiver(sam_, w).status(),
              StatusIs(Code::kInvalidArgument));
  w.resource = "domains/emea/dataProducts/ledger";
  EXPECT_OK(governance_.CreateWaiver(sam_, w).status());
}

TEST_F(GovernanceTest, UpdatesMakeRevisionsAndNoOpUpdatesDoNot) {
  ASSERT_OK(governance_.CreatePolicy(admin_, Policy("", "p", "true")).status());
  model::Policy patch;
  patch.id = "p";
  patch.condition = "1 == 1";
  auto updated = governance_.UpdatePolicy(admin_, patch, {{"condition"}}, "1");
  ASSERT_OK(updated.status());
  EXPECT_EQ(updated->revision, 2);
  updated = governance_.UpdatePolicy(admin_, patch, {{"condition"}}, "");
  ASSERT_OK(updated.status());
  EXPECT_EQ(updated->revision, 2);
  EXPECT_THAT(
      governance_.UpdatePolicy(admin_, patch, {{"condition"}}, "1").status(),
      StatusIs(Code::kAborted));
  auto revisions = governance_.ListPolicyRevisions(admin_, {"", "p"}, {});
  ASSERT_OK(revisions.status());
  ASSERT_THAT(revisions->items, SizeIs(2));
  EXPECT_EQ(revisions->items[0].policy.condition, "1 == 1");
}

TEST_F(GovernanceTest, TheEffectiveSetOfADomain) {
  ASSERT_OK(governance_.CreatePolicy(admin_, Policy("", "g", "true")).status());
  ASSERT_OK(
      governance_.CreatePolicy(sam_, Policy("sales", "s", "true")).status());
  ASSERT_OK(
      governance_.CreatePolicy(sam_, Policy("emea", "e", "true")).status());
  ASSERT_OK(governance_.CreatePolicy(admin_, Policy("finance", "f", "true"))
                .status());
  auto list = governance_.ListPolicies(sam_, "emea", true, {});
  ASSERT_OK(list.status());
  std::vector<std::string> ids;
  for (const auto& p : list->items) ids.push_back(p.id);
  EXPECT_THAT(ids, ElementsAre("g", "s", "e"));
  list = governance_.ListPolicies(sam_, "-", false, {0, "", "effect = DENY"});
  ASSERT_OK(list.status());
  EXPECT_THAT(list->items, SizeIs(3));
  EXPECT_THAT(governance_.ListPolicies(sam_, "", false, {0, "", "colour = red"})
                  .status(),
              StatusIs(Code::kInvalidArgument));
}

TEST_F(GovernanceTest, ASecondInstanceFollowsThroughNotifications) {
  Governance other(store_, authz_, clock_);
  ASSERT_OK(other.Start());
  const int64_t before = other.reloads();
  ASSERT_OK(governance_.CreatePolicy(admin_, Policy("", "p", "true")).status());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (other.snapshot()->Find("policies/p") == nullptr &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_NE(other.snapshot()->Find("policies/p"), nullptr);
  EXPECT_GT(other.reloads(), before);
}

TEST_F(GovernanceTest, DeletingADomainDropsItsPoliciesEverywhere) {
  Governance other(store_, authz_, clock_);
  ASSERT_OK(other.Start());
  ASSERT_OK(
      registry_.CreateDomain(admin_, Domain("lab", "sales-team")).status());
  ASSERT_OK(governance_.CreatePolicy(sam_, Policy("lab", "strict", "false"))
                .status());
  auto wait_for = [&](bool present) {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while ((other.snapshot()->Find("domains/lab/policies/strict") != nullptr) !=
               present &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    return (other.snapshot()->Find("domains/lab/policies/strict") != nullptr) ==
           present;
  };
  ASSERT_TRUE(wait_for(true));
  ASSERT_OK(registry_.DeleteDomain(admin_, "lab", ""));
  EXPECT_TRUE(wait_for(false));
  // A domain created again under the same id starts without them.
  ASSERT_OK(
      registry_.CreateDomain(admin_, Domain("lab", "sales-team")).status());
  EXPECT_OK(Product("lab", "x", "d", sam_).status());
}

TEST_F(GovernanceTest, EvaluateDecidesOnADomainThatDoesNotExistYet) {
  model::Policy p =
      Policy("sales", "described-subdomains", "has(resource.description)");
  p.triggers = {"domain.create"};
  ASSERT_OK(governance_.CreatePolicy(sam_, p).status());
  GovernedSubject subject;
  subject.trigger = "domain.create";
  subject.resource_name = "domains/apac";
  subject.resource_json = R"({"name": "domains/apac", "parent": "domains/sales",
                              "owner_team": "teams/sales-team"})";
  auto decision = governance_.Evaluate(sam_, subject, "");
  ASSERT_OK(decision.status());
  EXPECT_EQ(decision->outcome, policy::Outcome::kDeny);
  // Under another parent the sales rule does not apply.
  subject.resource_json =
      R"({"name": "domains/apac", "owner_team": "teams/sales-team"})";
  decision = governance_.Evaluate(sam_, subject, "");
  ASSERT_OK(decision.status());
  EXPECT_EQ(decision->outcome, policy::Outcome::kAllow);
}

TEST_F(GovernanceTest, SimulationCoversTheScopeAndCounts) {
  ASSERT_OK(Product("sales", "a", "described", sam_).status());
  ASSERT_OK(Product("emea", "b", "", sam_).status());
  ASSERT_OK(Product("finance", "c", "", admin_).status());
  SimulationSpec spec;
  spec.candidate = Policy("sales", "draft", "has(resource.description)");
  std::vector<std::string> violated;
  auto summary =
      governance_.Simulate(sam_, spec, [&](const SimulationResult& r) {
        violated.push_back(r.resource);
        return true;
      });
  ASSERT_OK(summary.status());
  EXPECT_THAT(violated, ElementsAre("domains/emea/dataProducts/b"));
  EXPECT_EQ(summary->evaluated, 2);
  EXPECT_EQ(summary->violated, 1);
  spec.candidate = Policy("", "draft", "has(resource.description)");
  spec.max_resources = 2;
  violated.clear();
  summary = governance_.Simulate(sam_, spec, [&](const SimulationResult& r) {
    violated.push_back(r.resource);
    return true;
  });
  ASSERT_OK(summary.status());
  EXPECT_TRUE(summary->truncated);
  EXPECT_EQ(summary->evaluated, 2);
  spec.candidate->condition = "previous == resource";  // not bound on create
  EXPECT_THAT(
      governance_
          .Simulate(sam_, spec, [](const SimulationResult&) { return true; })
          .status(),
      StatusIs(Code::kInvalidArgument));
}

}  // namespace
}  // namespace meshplane::core
