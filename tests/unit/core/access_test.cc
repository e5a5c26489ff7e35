// Access over InMemoryStore and a SimulatedClock: requests decided by the
// access.request policies (granted at once, left to the owning team,
// refused), who may approve, withdraw and revoke, pending expiry, grant
// expiry by the clock, team grants, CheckAccess's default deny and who may
// ask it, the decision log, and a second replica following changes.
#include "meshplane/core/access.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/memstore/in_memory_store.h"
#include "tests/unit/core/core_test_util.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/common/errors.h"
#include "meshplane/core/governance.h"
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
using State = model::AccessRequestState;

constexpr char kPort[] =
    "domains/sales/dataProducts/orders/outputPorts/orders-v1";

class AccessTest : public test_util::GovernedRegistryTest {
 protected:
  AccessTest() {
    owner_.principal = {"user:olga", false, {"sales-eng"}};
    ana_.principal = {"user:ana", false, {"analysts"}};
    eve_.principal = {"user:eve", false, {}};
    enforcer_.principal = {"service:trino", false, {}};
  }

  void SetUp() override {
    GovernedRegistryTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(
        test_util::CreateTeams(registry_, admin_,
                               {{"sales-eng", {"user:olga"}},
                                {"analysts", {"user:ana"}},
                                {"governance", {"user:gina"}}}));
    ASSERT_NO_FATAL_FAILURE(
        test_util::CreateDomains(registry_, admin_, {{"sales", "sales-eng"}}));
    model::DataProduct p;
    p.domain_id = "sales";
    p.id = "orders";
    p.owner_team_id = "sales-eng";
    p.classification = model::Classification::kRestricted;
    model::OutputPort port;
    port.id = "orders-v1";
    p.output_ports = {port};
    ASSERT_OK(registry_.CreateDataProduct(admin_, p).status());
    access_ = NewAccess();
    ASSERT_OK(access_->Start());
  }

  std::unique_ptr<Access> NewAccess() {
    AccessOptions options;
    options.checkers = {"service:trino"};
    options.pending_ttl = absl::Hours(48);
    return std::make_unique<Access>(store_, authz_, clock_, &governance_,
                                    options);
  }

  absl::StatusOr<model::AccessRequest> Ask(const RequestContext& ctx,
                                           const std::string& consumer = "",
                                           absl::Duration d = absl::Hours(24)) {
    model::AccessRequest r;
    r.port = {"sales", "orders", "orders-v1"};
    r.consumer = consumer;
    r.purpose = "monthly revenue report";
    r.duration = d;
    return access_->RequestAccess(ctx, r);
  }

  absl::StatusOr<AccessVerdict> CheckAs(Access& a, const RequestContext& ctx,
                                        const std::string& principal,
                                        const std::string& port = kPort) {
    return a.Check(ctx, {principal, port, "read", ""});
  }
  bool Allowed(const std::string& principal) {
    auto v = CheckAs(*access_, enforcer_, principal);
    EXPECT_THAT(v, IsOk());
    return v.ok() && v->allowed;
  }

  void AddPolicy(const std::string& id, const std::string& trigger,
                 const std::string& condition, const std::string& effect) {
    model::Policy p;
    p.id = id;
    p.triggers = {trigger};
    p.condition = condition;
    p.effect = effect;
    p.enforcement = "ENFORCED";
    p.message = id;
    p.owner_team_id = "governance";
    ASSERT_OK(governance_.CreatePolicy(admin_, p).status());
  }

  std::unique_ptr<Access> access_;
  RequestContext owner_, ana_, eve_, enforcer_;
};

TEST_F(AccessTest, WithoutAnApprovalPolicyAccessIsGrantedAtOnce) {
  EXPECT_FALSE(Allowed("user:ana"));
  ASSERT_OK_AND_ASSIGN(auto r, Ask(ana_));
  EXPECT_EQ(r.state, State::kApproved);
  EXPECT_EQ(r.consumer, "user:ana");
  EXPECT_EQ(r.requester, "user:ana");
  EXPECT_THAT(r.actions, ElementsAre("read"));
  EXPECT_FALSE(r.grant_id.empty());
  ASSERT_OK_AND_ASSIGN(auto v, CheckAs(*access_, enforcer_, "user:ana"));
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.grant_id, r.grant_id);
  EXPECT_EQ(v.expire_time, clock_.Now() + absl::Hours(24));
  // Every decision is in the log, once written.
  access_->FlushDecisions();
  auto log = store_.access_decisions();
  ASSERT_THAT(log, SizeIs(2));
  EXPECT_FALSE(log[0].allowed);
  EXPECT_TRUE(log[1].allowed);
  EXPECT_EQ(log[1].caller, "service:trino");
  EXPECT_EQ(log[1].grant_id, r.grant_id);
  // Made by policy, not by the one who asked.
  ASSERT_OK_AND_ASSIGN(auto grants, access_->ListGrants(ana_, {}));
  ASSERT_THAT(grants.items, SizeIs(1));
  EXPECT_EQ(grants.items[0].granted_by, "policy");
  EXPECT_EQ(r.reviewer, "policy");
}

TEST_F(AccessTest, ApprovalPolicyLeavesTheRequestToTheOwningTeam) {
  AddPolicy("restricted-needs-approval", "access.request",
            "resource.classification != 'RESTRICTED'", "REQUIRE_APPROVAL");
  ASSERT_OK_AND_ASSIGN(auto r, Ask(ana_));
  EXPECT_EQ(r.state, State::kPending);
  EXPECT_THAT(r.decision_json, HasSubstr("restricted-needs-approval"));
  EXPECT_FALSE(Allowed("user:ana"));
  // Not the requester, not an outsider: the owning team.
  EXPECT_THAT(access_->Approve(ana_, r.id, "", {}, "").status(),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(access_->Approve(eve_, r.id, "", {}, "").status(),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(
      access_->Approve(owner_, r.id, "ok", absl::Hours(48), "").status(),
      StatusIs(Code::kInvalidArgument, "duration"));
  EXPECT_THAT(
      access_->Approve(owner_, r.id, "ok", absl::Seconds(30), "").status(),
      StatusIs(Code::kInvalidArgument, "1 minute"));
  ASSERT_OK_AND_ASSIGN(
      auto approved,
      access_->Approve(owner_, r.id, "for the report", absl::Hours(2), ""));
  EXPECT_EQ(approved.state, State::kApproved);
  EXPECT_EQ(approved.reviewer, "user:olga");
  EXPECT_TRUE(Allowed("user:ana"));
  ASSERT_OK_AND_ASSIGN(auto v, CheckAs(*access_, ana_, "user:ana"));
  EXPECT_EQ(v.expire_time, clock_.Now() + absl::Hours(2));
  EXPECT_THAT(access_->Approve(owner_, r.id, "", {}, "").status(),
              StatusIs(Code::kFailedPrecondition, "APPROVED"));
  // An admin who asked cannot approve their own request either.
  ASSERT_OK_AND_ASSIGN(auto own, Ask(admin_));
  EXPECT_THAT(access_->Approve(admin_, own.id, "", {}, "").status(),
              StatusIs(Code::kPermissionDenied, "someone other"));
}

TEST_F(AccessTest, DenyPolicyRefusesWithItsViolation) {
  AddPolicy("at-most-30-days", "access.request",
            "request.duration <= duration('720h')", "DENY");
  auto refused = Ask(ana_, "", absl::Hours(24 * 60));
  ASSERT_THAT(refused.status(),
              StatusIs(Code::kFailedPrecondition, "at-most-30-days"));
  EXPECT_EQ(GetReason(refused.status()), "POLICY_VIOLATION");
  EXPECT_THAT(GetPolicyViolations(refused.status()), SizeIs(1));
  EXPECT_OK(Ask(ana_, "", absl::Hours(24)).status());
}

TEST_F(AccessTest, PendingRequestsExpireAndCanBeWithdrawnOrDenied) {
  AddPolicy("always-approve", "access.request", "false", "REQUIRE_APPROVAL");
  ASSERT_OK_AND_ASSIGN(auto a, Ask(ana_));
  ASSERT_OK_AND_ASSIGN(auto b, Ask(ana_));
  ASSERT_OK_AND_ASSIGN(auto c, Ask(ana_));
  EXPECT_THAT(access_->Withdraw(eve_, a.id, "").status(),
              StatusIs(Code::kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(auto withdrawn, access_->Withdraw(ana_, a.id, ""));
  EXPECT_EQ(withdrawn.state, State::kWithdrawn);
  ASSERT_OK_AND_ASSIGN(auto denied,
                       access_->Deny(owner_, b.id, "not for this", ""));
  EXPECT_EQ(denied.state, State::kDenied);
  clock_.Advance(absl::Hours(49));
  ASSERT_OK_AND_ASSIGN(auto expired, access_->GetAccessRequest(ana_, c.id));
  EXPECT_EQ(expired.state, State::kExpired);
  EXPECT_THAT(access_->Approve(owner_, c.id, "", {}, "").status(),
              StatusIs(Code::kFailedPrecondition, "EXPIRED"));
  ListQuery q;
  q.filter = "state = EXPIRED";
  ASSERT_OK_AND_ASSIGN(auto list, access_->ListAccessRequests(owner_, q));
  ASSERT_THAT(list.items, SizeIs(1));
  EXPECT_EQ(list.items[0].id, c.id);
  q.filter = "state = PENDING";
  ASSERT_OK_AND_ASSIGN(auto pending, access_->ListAccessRequests(owner_, q));
  EXPECT_THAT(pending.items, IsEmpty());
}

TEST_F(AccessTest, GrantsStopAtTheirExpiryWithoutAnyJob) {
  ASSERT_OK(Ask(ana_, "", absl::Hours(3)).status());
  EXPECT_TRUE(Allowed("user:ana"));
  clock_.Advance(absl::Hours(3));
  ASSERT_OK_AND_ASSIGN(auto v, CheckAs(*access_, enforcer_, "user:ana"));
  EXPECT_FALSE(v.allowed);
  EXPECT_THAT(v.reason, HasSubstr("expired"));
  ListQuery q;
  q.filter = "state = EXPIRED";
  ASSERT_OK_AND_ASSIGN(auto expired, access_->ListGrants(ana_, q));
  EXPECT_THAT(expired.items, SizeIs(1));
}

TEST_F(AccessTest, RevocationIsSeenAtOnceHereAndByAnotherReplica) {
  auto replica = NewAccess();
  ASSERT_OK(replica->Start());
  ASSERT_OK_AND_ASSIGN(auto r, Ask(ana_));
  ASSERT_OK_AND_ASSIGN(auto on_b, CheckAs(*replica, enforcer_, "user:ana"));
  EXPECT_TRUE(on_b.allowed);  // the grant reached B through NOTIFY
  EXPECT_THAT(access_->RevokeGrant(eve_, r.grant_id, "").status(),
              StatusIs(Code::kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(
      auto revoked, access_->RevokeGrant(owner_, r.grant_id, "left the team"));
  EXPECT_TRUE(revoked.revoke_time.has_value());
  EXPECT_FALSE(Allowed("user:ana"));
  ASSERT_OK_AND_ASSIGN(on_b, CheckAs(*replica, enforcer_, "user:ana"));
  EXPECT_FALSE(on_b.allowed);
  EXPECT_THAT(access_->RevokeGrant(owner_, r.grant_id, "").status(),
              StatusIs(Code::kFailedPrecondition, "revoked"));
}

TEST_F(AccessTest, TeamGrantsCoverMembersAddedLater) {
  ASSERT_OK_AND_ASSIGN(auto r, Ask(ana_, "team:analysts"));
  EXPECT_EQ(r.consumer, "team:analysts");
  EXPECT_TRUE(Allowed("user:ana"));
  EXPECT_FALSE(Allowed("user:bo"));
  ASSERT_OK(registry_.AddTeamMember(admin_, "analysts", "user:bo").status());
  EXPECT_TRUE(Allowed("user:bo"));
  // Grants that cover a principal, its team's included.
  ListQuery q;
  q.filter = "principal = \"user:bo\"";
  ASSERT_OK_AND_ASSIGN(auto covering, access_->ListGrants(ana_, q));
  EXPECT_THAT(covering.items, SizeIs(1));
  // Asking for a team one is not in needs an admin.
  EXPECT_THAT(Ask(eve_, "team:analysts").status(),
              StatusIs(Code::kPermissionDenied));
}

TEST_F(AccessTest, CheckDeniesByDefaultAndOnlyTheRightCallersMayAsk) {
  ASSERT_OK_AND_ASSIGN(auto v, CheckAs(*access_, enforcer_, "user:nobody"));
  EXPECT_FALSE(v.allowed);
  ASSERT_OK_AND_ASSIGN(
      v, CheckAs(*access_, enforcer_, "user:ana",
                 "domains/sales/dataProducts/orders/outputPorts/nope"));
  EXPECT_FALSE(v.allowed);
  EXPECT_THAT(v.reason, HasSubstr("no output port"));
  // Anyone about themselves; the port's owners and admins about anyone;
  // others not.
  EXPECT_OK(CheckAs(*access_, eve_, "user:eve").status());
  EXPECT_OK(CheckAs(*access_, owner_, "user:ana").status());
  EXPECT_OK(CheckAs(*access_, admin_, "user:ana").status());
  EXPECT_THAT(CheckAs(*access_, eve_, "user:ana").status(),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(access_->Check(enforcer_, {"nobody", kPort, "read", ""}).status(),
              StatusIs(Code::kInvalidArgument, "principal"));
  EXPECT_THAT(
      access_->Check(enforcer_, {"user:ana", kPort, "delete", ""}).status(),
      StatusIs(Code::kInvalidArgument, "action"));
  // A batch answers in order and is logged in one go.
  ASSERT_OK(Ask(ana_).status());
  ASSERT_OK_AND_ASSIGN(
      auto batch,
      access_->BatchCheck(enforcer_, {{"user:ana", kPort, "read", ""},
                                      {"user:eve", kPort, "read", ""}}));
  ASSERT_THAT(batch, SizeIs(2));
  EXPECT_TRUE(batch[0].allowed);
  EXPECT_FALSE(batch[1].allowed);
}

TEST_F(AccessTest, AccessCheckPoliciesCanDenyDespiteAGrant) {
  ASSERT_OK(Ask(ana_).status());
  AddPolicy("no-reads-of-restricted-by-users", "access.check",
            "!request.consumer.startsWith('user:') || "
            "resource.classification != 'RESTRICTED'",
            "DENY");
  ASSERT_OK_AND_ASSIGN(auto v, CheckAs(*access_, enforcer_, "user:ana"));
  EXPECT_FALSE(v.allowed);
  EXPECT_THAT(v.reason, HasSubstr("no-reads-of-restricted-by-users"));
  EXPECT_THAT(v.violations, SizeIs(1));
}

TEST_F(AccessTest, ProductsLosingAPortLoseItsAccess) {
  ASSERT_OK(Ask(ana_).status());
  EXPECT_TRUE(Allowed("user:ana"));
  model::DataProduct patch;
  patch.domain_id = "sales";
  patch.id = "orders";
  model::OutputPort other;
  other.id = "orders-v2";
  patch.output_ports = {other};
  ASSERT_OK(registry_
                .UpdateDataProduct(admin_, patch, FieldMask{{"output_ports"}},
                                   "", false)
                .status());
  EXPECT_FALSE(Allowed("user:ana"));
}

}  // namespace
}  // namespace meshplane::core
