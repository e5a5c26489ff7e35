// Access over real gRPC against a real PostgreSQL: requests granted at once
// or left PENDING by an access.request policy, approvals (never by whoever
// asked), denials, withdrawals, grants to teams that cover later members,
// revocation, CheckAccess and BatchCheckAccess with their reasons and who
// may ask, the list filters, and the metrics.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/server/eventually.h"
#include "tests/testing/server/server_fixture.h"
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "meshplane/v1/errors.pb.h"

namespace meshplane::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

constexpr char kOrders[] = "domains/sales/dataProducts/orders/outputPorts/v1";
constexpr char kPii[] = "domains/sales/dataProducts/orders/outputPorts/pii";
constexpr char kLedger[] = "domains/finance/dataProducts/ledger/outputPorts/v1";

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

google::protobuf::Duration Hours(int h) {
  return google::protobuf::util::TimeUtil::SecondsToDuration(h * 3600);
}

class AccessRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerFixtureOptions options;
    options.config.access_checkers = {"service:trino"};
    options.config.access_refresh_interval = RefreshInterval();
    fx_ = ServerFixture::Start(options);
    access_ = fx_->Access();
    // sales/orders (owned by sales-eng: ana and dan) has the ports v1 and
    // pii; finance/ledger (finance-data: erin) has v1. bo is an analyst;
    // carl is in no team.
    fx_->SeedTeam("sales-eng",
                  {"user:ana@example.com", "user:dan@example.com"});
    fx_->SeedTeam("finance-data", {"user:erin@example.com"});
    fx_->SeedTeam("analysts", {"user:bo@example.com"});
    fx_->SeedTeam("governance", {"user:gina@example.com"});
    fx_->SeedDomain("sales", "sales-eng");
    fx_->SeedDomain("finance", "finance-data");
    fx_->SeedProduct("sales", "orders", "sales-eng", {"v1", "pii"});
    fx_->SeedProduct("finance", "ledger", "finance-data", {"v1"});
    ana_ = fx_->MintToken("user:ana@example.com");
    dan_ = fx_->MintToken("user:dan@example.com");
    erin_ = fx_->MintToken("user:erin@example.com");
    bo_ = fx_->MintToken("user:bo@example.com");
    carl_ = fx_->MintToken("user:carl@example.com");
    trino_ = fx_->MintToken("service:trino");
    // The ports and teams reach the access index through NOTIFY.
    std::string missing;
    ASSERT_TRUE(Eventually([&] {
      for (const char* port : {kOrders, kPii, kLedger}) {
        v1::CheckAccessResponse r;
        grpc::Status s =
            Check(fx_->admin_token(), "user:nobody@example.com", port, &r);
        if (!s.ok() || absl::StrContains(r.reason(), "no output port")) {
          missing = absl::StrCat(port, ": ", s.error_message(), r.reason());
          return false;
        }
      }
      return true;
    })) << missing;
  }

  // The safety-net refresh: the tests must pass without it (60 s), on
  // NOTIFY alone.
  virtual absl::Duration RefreshInterval() const { return absl::Seconds(60); }

  // Requests to the pii port need the owners' approval.
  void RequireApprovalForPii() {
    v1::CreatePolicyRequest r;
    r.set_policy_id("pii-needs-approval");
    v1::Policy* p = r.mutable_policy();
    p->add_triggers("access.request");
    p->set_condition("request.output_port != 'pii'");
    p->set_effect(v1::POLICY_EFFECT_REQUIRE_APPROVAL);
    p->set_enforcement(v1::POLICY_ENFORCEMENT_ENFORCED);
    p->set_message("access to personal data needs the owners' approval");
    p->set_owner("teams/governance");
    v1::Policy out;
    auto ctx = fx_->AdminContext();
    grpc::Status s = fx_->Policies()->CreatePolicy(ctx.get(), r, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  grpc::Status Request(const std::string& token, const std::string& port,
                       v1::AccessRequest* out, const std::string& consumer = "",
                       std::vector<std::string> actions = {},
                       int hours = 24 * 30) {
    v1::RequestAccessRequest r;
    r.mutable_access_request()->set_output_port(port);
    r.mutable_access_request()->set_consumer(consumer);
    r.mutable_access_request()->set_purpose("monthly revenue report");
    for (const auto& a : actions) r.mutable_access_request()->add_actions(a);
    *r.mutable_access_request()->mutable_duration() = Hours(hours);
    auto ctx = ServerFixture::Context(token);
    return access_->RequestAccess(ctx.get(), r, out);
  }

  grpc::Status Approve(const std::string& token, const std::string& name,
                       v1::AccessRequest* out, int hours = 0) {
    v1::ApproveAccessRequestRequest r;
    r.set_name(name);
    r.set_comment("ok for the report");
    if (hours > 0) *r.mutable_duration() = Hours(hours);
    auto ctx = ServerFixture::Context(token);
    return access_->ApproveAccessRequest(ctx.get(), r, out);
  }

  grpc::Status Check(const std::string& token, const std::string& principal,
                     const std::string& port, v1::CheckAccessResponse* out,
                     const std::string& action = "") {
    v1::CheckAccessRequest r;
    r.set_principal(principal);
    r.set_output_port(port);
    r.set_action(action);
    auto ctx = ServerFixture::Context(token);
    return access_->CheckAccess(ctx.get(), r, out);
  }

  // Whether `principal` may read `port`, asked by the admin; fails the test
  // on an RPC error.
  bool Allowed(const std::string& principal, const std::string& port,
               const std::string& action = "read") {
    v1::CheckAccessResponse r;
    grpc::Status s = Check(fx_->admin_token(), principal, port, &r, action);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return r.allowed();
  }

  std::vector<v1::Grant> Grants(const std::string& token,
                                const std::string& filter) {
    v1::ListGrantsRequest r;
    r.set_filter(filter);
    v1::ListGrantsResponse out;
    auto ctx = ServerFixture::Context(token);
    grpc::Status s = access_->ListGrants(ctx.get(), r, &out);
    EXPECT_TRUE(s.ok()) << filter << ": " << s.error_message();
    return {out.grants().begin(), out.grants().end()};
  }

  std::vector<std::string> RequestNames(const std::string& filter) {
    v1::ListAccessRequestsRequest r;
    r.set_filter(filter);
    v1::ListAccessRequestsResponse out;
    auto ctx = fx_->AdminContext();
    grpc::Status s = access_->ListAccessRequests(ctx.get(), r, &out);
    EXPECT_TRUE(s.ok()) << filter << ": " << s.error_message();
    std::vector<std::string> names;
    for (const auto& a : out.access_requests()) names.push_back(a.name());
    return names;
  }

  std::unique_ptr<ServerFixture> fx_;
  std::unique_ptr<v1::AccessService::Stub> access_;
  std::string ana_, dan_, erin_, bo_, carl_, trino_;
};

TEST_F(AccessRpcTest, WithoutPoliciesARequestIsGrantedAtOnce) {
  const absl::Time before = absl::Now();
  v1::AccessRequest req;
  ASSERT_TRUE(Request(erin_, kOrders, &req).ok());
  EXPECT_THAT(req.name(), ::testing::StartsWith("accessRequests/"));
  EXPECT_EQ(req.output_port(), kOrders);
  EXPECT_EQ(req.consumer(), "user:erin@example.com");
  EXPECT_EQ(req.requester(), "user:erin@example.com");
  EXPECT_THAT(req.actions(), ElementsAre("read"));
  EXPECT_EQ(req.purpose(), "monthly revenue report");
  EXPECT_EQ(req.duration().seconds(), 30 * 24 * 3600);
  EXPECT_EQ(req.state(), v1::ACCESS_REQUEST_STATE_APPROVED);
  EXPECT_EQ(req.reviewer(), "policy");
  EXPECT_THAT(req.grant(), ::testing::StartsWith("grants/"));
  EXPECT_EQ(req.decision().outcome(), v1::DECISION_OUTCOME_ALLOW);
  EXPECT_FALSE(req.etag().empty());

  // The grant answers CheckAccess at once, for the principal herself.
  v1::CheckAccessResponse check;
  ASSERT_TRUE(Check(erin_, "user:erin@example.com", kOrders, &check).ok());
  EXPECT_TRUE(check.allowed());
  EXPECT_EQ(check.grant(), req.grant());
  EXPECT_EQ(check.reason(), "");
  EXPECT_GE(ToTime(check.expire_time()), before + absl::Hours(24 * 30));
  EXPECT_LE(ToTime(check.expire_time()),
            absl::Now() + absl::Hours(24 * 30) + absl::Seconds(1));
  // Read only: writing is not granted.
  ASSERT_TRUE(
      Check(erin_, "user:erin@example.com", kOrders, &check, "write").ok());
  EXPECT_FALSE(check.allowed());
  EXPECT_EQ(check.grant(), "");
  EXPECT_THAT(check.reason(), HasSubstr("no active grant allows write"));
  // Nor another port.
  ASSERT_TRUE(Check(erin_, "user:erin@example.com", kPii, &check).ok());
  EXPECT_FALSE(check.allowed());
  EXPECT_THAT(check.reason(), HasSubstr("no active grant on"));

  std::vector<v1::Grant> grants =
      Grants(erin_, "consumer = \"user:erin@example.com\"");
  ASSERT_THAT(grants, SizeIs(1));
  EXPECT_EQ(grants[0].name(), req.grant());
  EXPECT_EQ(grants[0].output_port(), kOrders);
  EXPECT_THAT(grants[0].actions(), ElementsAre("read"));
  EXPECT_EQ(grants[0].state(), v1::GRANT_STATE_ACTIVE);
  EXPECT_EQ(grants[0].access_request(), req.name());
  EXPECT_EQ(grants[0].purpose(), "monthly revenue report");

  v1::GetAccessRequestRequest get;
  get.set_name(req.name());
  v1::AccessRequest got;
  auto ctx = ServerFixture::Context(erin_);
  ASSERT_TRUE(access_->GetAccessRequest(ctx.get(), get, &got).ok());
  EXPECT_EQ(got.state(), v1::ACCESS_REQUEST_STATE_APPROVED);
  EXPECT_EQ(got.grant(), req.grant());
  EXPECT_EQ(got.decision().outcome(), v1::DECISION_OUTCOME_ALLOW);
}

TEST_F(AccessRpcTest, WriteAccessIsGrantedOnlyWhenAskedFor) {
  v1::AccessRequest req;
  ASSERT_TRUE(
      Request(erin_, kOrders, &req, "", {"write", "read", "write"}).ok());
  EXPECT_THAT(req.actions(), ElementsAre("read", "write"));
  EXPECT_TRUE(Allowed("user:erin@example.com", kOrders, "write"));
  EXPECT_TRUE(Allowed("user:erin@example.com", kOrders, "read"));
}

TEST_F(AccessRpcTest, BadRequestsNameEveryField) {
  v1::RequestAccessRequest r;
  r.mutable_access_request()->set_output_port(kOrders);
  r.mutable_access_request()->add_actions("delete");
  v1::AccessRequest out;
  auto ctx = ServerFixture::Context(erin_);
  grpc::Status s = access_->RequestAccess(ctx.get(), r, &out);
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  std::vector<std::string> fields;
  for (const auto& f : FieldViolationsOf(s)) fields.push_back(f.field);
  EXPECT_THAT(fields, UnorderedElementsAre("access_request.actions[0]",
                                           "access_request.purpose"));

  r.mutable_access_request()->clear_actions();
  r.mutable_access_request()->set_purpose("x");
  r.mutable_access_request()->set_output_port("domains/sales/orders");
  auto ctx2 = ServerFixture::Context(erin_);
  s = access_->RequestAccess(ctx2.get(), r, &out);
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  ASSERT_THAT(FieldViolationsOf(s), SizeIs(1));
  EXPECT_EQ(FieldViolationsOf(s)[0].field, "access_request.output_port");

  // A port that does not exist.
  EXPECT_THAT(
      Request(erin_, "domains/sales/dataProducts/orders/outputPorts/nope",
              &out),
      GrpcIs(grpc::StatusCode::NOT_FOUND));
  // Longer than a grant may last (366 days by default).
  EXPECT_THAT(Request(erin_, kOrders, &out, "", {}, 24 * 400),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  // On behalf of someone else: only admins.
  EXPECT_THAT(Request(erin_, kOrders, &out, "user:bo@example.com"),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
}

TEST_F(AccessRpcTest, ARetryWithTheSameRequestIdIsAnsweredFromTheFirst) {
  v1::RequestAccessRequest r;
  r.mutable_access_request()->set_output_port(kOrders);
  r.mutable_access_request()->set_purpose("nightly export");
  r.set_request_id("5b1f8c2e-3d4a-4e6b-9c7d-0a1b2c3d4e5f");
  v1::AccessRequest first, second;
  auto ctx = ServerFixture::Context(erin_);
  ASSERT_TRUE(access_->RequestAccess(ctx.get(), r, &first).ok());
  auto again = ServerFixture::Context(erin_);
  ASSERT_TRUE(access_->RequestAccess(again.get(), r, &second).ok());
  EXPECT_EQ(second.name(), first.name());
  EXPECT_EQ(second.grant(), first.grant());
  EXPECT_EQ(second.decision().outcome(), v1::DECISION_OUTCOME_ALLOW);
  EXPECT_THAT(RequestNames(""), ElementsAre(first.name()));
  EXPECT_THAT(Grants(erin_, ""), SizeIs(1));
  // The same id with another payload is refused.
  r.mutable_access_request()->set_purpose("something else");
  auto other = ServerFixture::Context(erin_);
  EXPECT_THAT(access_->RequestAccess(other.get(), r, &second),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
}

TEST_F(AccessRpcTest, ValidateOnlyDecidesAndWritesNothing) {
  v1::RequestAccessRequest r;
  r.mutable_access_request()->set_output_port(kOrders);
  r.mutable_access_request()->set_purpose("try");
  r.set_validate_only(true);
  v1::AccessRequest out;
  auto ctx = ServerFixture::Context(erin_);
  ASSERT_TRUE(access_->RequestAccess(ctx.get(), r, &out).ok());
  EXPECT_EQ(out.state(), v1::ACCESS_REQUEST_STATE_APPROVED);
  // The default duration: 90 days.
  EXPECT_EQ(out.duration().seconds(), 90 * 24 * 3600);
  EXPECT_FALSE(Allowed("user:erin@example.com", kOrders));
  EXPECT_THAT(RequestNames(""), IsEmpty());
}

TEST_F(AccessRpcTest, AnApprovalPolicyLeavesTheRequestToTheOwners) {
  RequireApprovalForPii();
  // ana (an owner of sales/orders) asks for herself: PENDING.
  v1::AccessRequest own;
  ASSERT_TRUE(Request(ana_, kPii, &own).ok());
  EXPECT_EQ(own.state(), v1::ACCESS_REQUEST_STATE_PENDING);
  EXPECT_EQ(own.grant(), "");
  EXPECT_EQ(own.reviewer(), "");
  EXPECT_EQ(own.decision().outcome(), v1::DECISION_OUTCOME_REQUIRE_APPROVAL);
  ASSERT_THAT(own.decision().violations(), SizeIs(1));
  EXPECT_EQ(own.decision().violations(0).policy(),
            "policies/pii-needs-approval");
  EXPECT_EQ(own.decision().violations(0).effect(), "REQUIRE_APPROVAL");
  EXPECT_EQ(own.decision().violations(0).message(),
            "access to personal data needs the owners' approval");
  EXPECT_TRUE(own.has_expire_time());
  EXPECT_FALSE(Allowed("user:ana@example.com", kPii));
  // The v1 port is not covered by the policy: granted at once.
  v1::AccessRequest v1_req;
  ASSERT_TRUE(Request(ana_, kOrders, &v1_req).ok());
  EXPECT_EQ(v1_req.state(), v1::ACCESS_REQUEST_STATE_APPROVED);

  // Nobody approves their own request, owner or not.
  v1::AccessRequest out;
  grpc::Status s = Approve(ana_, own.name(), &out);
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(s.error_message(), HasSubstr("someone other than who asked"));
  // Nor does someone outside the owner team.
  EXPECT_THAT(Approve(erin_, own.name(), &out),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  // dan, the other owner, does; for less time than asked.
  ASSERT_TRUE(Approve(dan_, own.name(), &out, 12).ok());
  EXPECT_EQ(out.state(), v1::ACCESS_REQUEST_STATE_APPROVED);
  EXPECT_EQ(out.reviewer(), "user:dan@example.com");
  EXPECT_EQ(out.review_comment(), "ok for the report");
  EXPECT_THAT(out.grant(), ::testing::StartsWith("grants/"));
  v1::CheckAccessResponse check;
  ASSERT_TRUE(Check(ana_, "user:ana@example.com", kPii, &check).ok());
  EXPECT_TRUE(check.allowed());
  EXPECT_EQ(check.grant(), out.grant());
  EXPECT_LE(ToTime(check.expire_time()), absl::Now() + absl::Hours(12));
  std::vector<v1::Grant> grants =
      Grants(ana_, absl::StrCat("output_port = \"", kPii, "\""));
  ASSERT_THAT(grants, SizeIs(1));
  EXPECT_EQ(grants[0].granted_by(), "user:dan@example.com");

  // Only a PENDING request can be decided.
  s = Approve(dan_, own.name(), &out);
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ReasonOf(s), "ACCESS_REQUEST_STATE");
  // An approval may not lengthen the grant.
  v1::AccessRequest erins;
  ASSERT_TRUE(Request(erin_, kPii, &erins, "", {}, 24).ok());
  EXPECT_THAT(Approve(ana_, erins.name(), &out, 48),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
}

TEST_F(AccessRpcTest, OwnersDenyAndRequestersWithdraw) {
  RequireApprovalForPii();
  v1::AccessRequest bos, carls, out;
  ASSERT_TRUE(Request(bo_, kPii, &bos).ok());
  ASSERT_TRUE(Request(carl_, kPii, &carls).ok());
  ASSERT_EQ(bos.state(), v1::ACCESS_REQUEST_STATE_PENDING);

  v1::DenyAccessRequestRequest deny;
  deny.set_name(bos.name());
  deny.set_comment("use the aggregated port");
  auto ctx = ServerFixture::Context(ana_);
  ASSERT_TRUE(access_->DenyAccessRequest(ctx.get(), deny, &out).ok());
  EXPECT_EQ(out.state(), v1::ACCESS_REQUEST_STATE_DENIED);
  EXPECT_EQ(out.reviewer(), "user:ana@example.com");
  EXPECT_EQ(out.review_comment(), "use the aggregated port");
  EXPECT_FALSE(Allowed("user:bo@example.com", kPii));

  v1::WithdrawAccessRequestRequest withdraw;
  withdraw.set_name(carls.name());
  auto bo_ctx = ServerFixture::Context(bo_);
  EXPECT_THAT(access_->WithdrawAccessRequest(bo_ctx.get(), withdraw, &out),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  // A stale etag is refused.
  withdraw.set_etag("99");
  auto stale_ctx = ServerFixture::Context(carl_);
  EXPECT_THAT(access_->WithdrawAccessRequest(stale_ctx.get(), withdraw, &out),
              GrpcIs(grpc::StatusCode::ABORTED));
  withdraw.set_etag(carls.etag());
  auto carl_ctx = ServerFixture::Context(carl_);
  ASSERT_TRUE(
      access_->WithdrawAccessRequest(carl_ctx.get(), withdraw, &out).ok());
  EXPECT_EQ(out.state(), v1::ACCESS_REQUEST_STATE_WITHDRAWN);
  // Withdrawn is final.
  EXPECT_THAT(Approve(ana_, carls.name(), &out),
              GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
}

TEST_F(AccessRpcTest, ATeamGrantCoversMembersAddedLater) {
  v1::AccessRequest req;
  ASSERT_TRUE(Request(bo_, kLedger, &req, "team:analysts").ok());
  EXPECT_EQ(req.state(), v1::ACCESS_REQUEST_STATE_APPROVED);
  EXPECT_EQ(req.consumer(), "team:analysts");
  EXPECT_TRUE(Allowed("user:bo@example.com", kLedger));
  EXPECT_FALSE(Allowed("user:frank@example.com", kLedger));
  EXPECT_THAT(
      Grants(fx_->admin_token(), "principal = \"user:frank@example.com\""),
      IsEmpty());

  v1::AddTeamMemberRequest add;
  add.set_team("teams/analysts");
  add.set_member("user:frank@example.com");
  v1::Team team;
  auto ctx = ServerFixture::Context(bo_);
  ASSERT_TRUE(fx_->Teams()->AddTeamMember(ctx.get(), add, &team).ok());
  EXPECT_TRUE(
      Eventually([&] { return Allowed("user:frank@example.com", kLedger); }));
  v1::CheckAccessResponse check;
  ASSERT_TRUE(
      Check(fx_->admin_token(), "user:frank@example.com", kLedger, &check)
          .ok());
  EXPECT_EQ(check.grant(), req.grant());
  // ListGrants by principal finds the team's grant; by consumer it does not.
  std::vector<v1::Grant> grants =
      Grants(fx_->admin_token(), "principal = \"user:frank@example.com\"");
  ASSERT_THAT(grants, SizeIs(1));
  EXPECT_EQ(grants[0].consumer(), "team:analysts");
  EXPECT_THAT(
      Grants(fx_->admin_token(), "consumer = \"user:frank@example.com\""),
      IsEmpty());
}

TEST_F(AccessRpcTest, ARevokedGrantStopsAllowingAtOnce) {
  v1::AccessRequest req;
  ASSERT_TRUE(Request(erin_, kOrders, &req).ok());
  ASSERT_TRUE(Allowed("user:erin@example.com", kOrders));

  v1::RevokeGrantRequest r;
  r.set_name(req.grant());
  r.set_reason("left the project");
  v1::Grant out;
  // Someone who neither owns the port nor holds the grant may not.
  auto bo_ctx = ServerFixture::Context(bo_);
  EXPECT_THAT(access_->RevokeGrant(bo_ctx.get(), r, &out),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  auto ctx = ServerFixture::Context(ana_);
  ASSERT_TRUE(access_->RevokeGrant(ctx.get(), r, &out).ok());
  EXPECT_EQ(out.state(), v1::GRANT_STATE_REVOKED);
  EXPECT_EQ(out.revoked_by(), "user:ana@example.com");
  EXPECT_EQ(out.revoke_reason(), "left the project");
  EXPECT_TRUE(out.has_revoke_time());

  v1::CheckAccessResponse check;
  ASSERT_TRUE(Check(erin_, "user:erin@example.com", kOrders, &check).ok());
  EXPECT_FALSE(check.allowed());
  EXPECT_THAT(check.reason(), HasSubstr("no active grant on"));
  EXPECT_THAT(Grants(erin_, "state = ACTIVE"), IsEmpty());
  ASSERT_THAT(Grants(erin_, "state = REVOKED"), SizeIs(1));
  EXPECT_THAT(Grants(erin_, "state = EXPIRED"), IsEmpty());

  auto again = ServerFixture::Context(ana_);
  grpc::Status s = access_->RevokeGrant(again.get(), r, &out);
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ReasonOf(s), "GRANT_REVOKED");
}

TEST_F(AccessRpcTest, CheckAccessDeniesByDefault) {
  v1::CheckAccessResponse check;
  ASSERT_TRUE(
      Check(fx_->admin_token(), "user:nobody@example.com", kOrders, &check)
          .ok());
  EXPECT_FALSE(check.allowed());
  EXPECT_EQ(check.grant(), "");
  EXPECT_FALSE(check.has_expire_time());
  EXPECT_THAT(check.reason(), HasSubstr("no active grant on"));
  const std::string unknown =
      "domains/sales/dataProducts/orders/outputPorts/nope";
  ASSERT_TRUE(
      Check(fx_->admin_token(), "user:erin@example.com", unknown, &check).ok());
  EXPECT_FALSE(check.allowed());
  EXPECT_EQ(check.reason(), absl::StrCat("no output port ", unknown));
  ASSERT_TRUE(Check(fx_->admin_token(), "service:etl",
                    "domains/nope/dataProducts/nope/outputPorts/nope", &check)
                  .ok());
  EXPECT_FALSE(check.allowed());

  // Malformed questions are INVALID_ARGUMENT, naming the field.
  grpc::Status s = Check(fx_->admin_token(), "erin", kOrders, &check);
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(FieldViolationsOf(s).at(0).field, "principal");
  s = Check(fx_->admin_token(), "user:erin@example.com", "sales/orders",
            &check);
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(FieldViolationsOf(s).at(0).field, "output_port");
  s = Check(fx_->admin_token(), "user:erin@example.com", kOrders, &check,
            "delete");
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(FieldViolationsOf(s).at(0).field, "action");
}

TEST_F(AccessRpcTest, WhoMayCheckWhom) {
  v1::AccessRequest req;
  ASSERT_TRUE(Request(erin_, kOrders, &req).ok());
  v1::CheckAccessResponse check;
  // Anyone about themselves.
  EXPECT_TRUE(Check(carl_, "user:carl@example.com", kOrders, &check).ok());
  // Not about someone else.
  grpc::Status s = Check(carl_, "user:erin@example.com", kOrders, &check);
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(s.error_message(), HasSubstr("--access-checker"));
  // Members of the port's owner team, about their port only.
  ASSERT_TRUE(Check(ana_, "user:erin@example.com", kOrders, &check).ok());
  EXPECT_TRUE(check.allowed());
  EXPECT_THAT(Check(ana_, "user:erin@example.com", kLedger, &check),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  // Configured checkers (--access-checker) and admins, about anyone.
  ASSERT_TRUE(Check(trino_, "user:erin@example.com", kOrders, &check).ok());
  EXPECT_TRUE(check.allowed());
  ASSERT_TRUE(Check(trino_, "user:erin@example.com", kLedger, &check).ok());
  EXPECT_FALSE(check.allowed());
  EXPECT_TRUE(
      Check(fx_->admin_token(), "user:erin@example.com", kLedger, &check).ok());
}

TEST_F(AccessRpcTest, BatchCheckAccessAnswersInOrder) {
  v1::AccessRequest req;
  ASSERT_TRUE(Request(erin_, kOrders, &req).ok());
  v1::BatchCheckAccessRequest r;
  auto add = [&](const std::string& principal, const std::string& port,
                 const std::string& action) {
    v1::CheckAccessRequest* c = r.add_checks();
    c->set_principal(principal);
    c->set_output_port(port);
    c->set_action(action);
  };
  add("user:erin@example.com", kOrders, "");
  add("user:erin@example.com", kOrders, "write");
  add("user:nobody@example.com", kOrders, "read");
  add("user:erin@example.com", kLedger, "read");
  v1::BatchCheckAccessResponse out;
  auto ctx = ServerFixture::Context(trino_);
  ASSERT_TRUE(access_->BatchCheckAccess(ctx.get(), r, &out).ok());
  ASSERT_THAT(out.results(), SizeIs(4));
  EXPECT_TRUE(out.results(0).allowed());
  EXPECT_EQ(out.results(0).grant(), req.grant());
  EXPECT_FALSE(out.results(1).allowed());
  EXPECT_THAT(out.results(1).reason(), HasSubstr("write"));
  EXPECT_FALSE(out.results(2).allowed());
  EXPECT_FALSE(out.results(3).allowed());

  // One bad question refuses the batch, naming it.
  r.mutable_checks(2)->set_principal("nobody");
  auto bad = ServerFixture::Context(trino_);
  grpc::Status s = access_->BatchCheckAccess(bad.get(), r, &out);
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(FieldViolationsOf(s).at(0).field, "checks[2].principal");
  // So does an empty one.
  v1::BatchCheckAccessRequest empty;
  auto none = ServerFixture::Context(trino_);
  EXPECT_THAT(access_->BatchCheckAccess(none.get(), empty, &out),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  // A non-checker may ask about itself only, in a batch too.
  v1::BatchCheckAccessRequest mine;
  *mine.add_checks() = r.checks(0);
  *mine.add_checks() = r.checks(3);
  auto carl = ServerFixture::Context(carl_);
  EXPECT_THAT(access_->BatchCheckAccess(carl.get(), mine, &out),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
}

TEST_F(AccessRpcTest, ListFilters) {
  RequireApprovalForPii();
  v1::AccessRequest a, b, c;
  ASSERT_TRUE(Request(erin_, kOrders, &a).ok());                 // APPROVED
  ASSERT_TRUE(Request(erin_, kPii, &b).ok());                    // PENDING
  ASSERT_TRUE(Request(bo_, kLedger, &c, "team:analysts").ok());  // APPROVED

  EXPECT_THAT(RequestNames("state = PENDING"), ElementsAre(b.name()));
  // Newest first.
  EXPECT_THAT(RequestNames("state = APPROVED"),
              ElementsAre(c.name(), a.name()));
  EXPECT_THAT(RequestNames(absl::StrCat("output_port = \"", kPii, "\"")),
              ElementsAre(b.name()));
  EXPECT_THAT(
      RequestNames("data_product = \"domains/sales/dataProducts/orders\""),
      ElementsAre(b.name(), a.name()));
  EXPECT_THAT(RequestNames("consumer = \"team:analysts\""),
              ElementsAre(c.name()));
  EXPECT_THAT(RequestNames(
                  "requester = \"user:erin@example.com\" AND state = APPROVED"),
              ElementsAre(a.name()));

  v1::ListAccessRequestsRequest bad;
  bad.set_filter("colour = red");
  v1::ListAccessRequestsResponse sink;
  auto ctx = fx_->AdminContext();
  EXPECT_THAT(access_->ListAccessRequests(ctx.get(), bad, &sink),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));

  // Pages.
  v1::ListAccessRequestsRequest page;
  page.set_page_size(2);
  v1::ListAccessRequestsResponse first, second;
  auto p1 = fx_->AdminContext();
  ASSERT_TRUE(access_->ListAccessRequests(p1.get(), page, &first).ok());
  ASSERT_THAT(first.access_requests(), SizeIs(2));
  ASSERT_FALSE(first.next_page_token().empty());
  page.set_page_token(first.next_page_token());
  auto p2 = fx_->AdminContext();
  ASSERT_TRUE(access_->ListAccessRequests(p2.get(), page, &second).ok());
  ASSERT_THAT(second.access_requests(), SizeIs(1));
  EXPECT_EQ(second.access_requests(0).name(), a.name());
  EXPECT_EQ(second.next_page_token(), "");

  // Grants: by product, by port, by state.
  std::vector<v1::Grant> grants =
      Grants(fx_->admin_token(),
             "data_product = \"domains/sales/dataProducts/orders\"");
  ASSERT_THAT(grants, SizeIs(1));
  EXPECT_EQ(grants[0].name(), a.grant());
  EXPECT_THAT(Grants(fx_->admin_token(), "state = ACTIVE"), SizeIs(2));
  grants = Grants(fx_->admin_token(),
                  absl::StrCat("output_port = \"", kLedger, "\""));
  ASSERT_THAT(grants, SizeIs(1));
  EXPECT_EQ(grants[0].consumer(), "team:analysts");
  v1::ListGrantsRequest both;
  both.set_filter(
      "consumer = \"user:bo@example.com\" AND principal = "
      "\"user:bo@example.com\"");
  v1::ListGrantsResponse grants_out;
  auto g = fx_->AdminContext();
  EXPECT_THAT(access_->ListGrants(g.get(), both, &grants_out),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
}

TEST_F(AccessRpcTest, EveryCallNeedsAToken) {
  v1::CheckAccessRequest check;
  check.set_principal("user:erin@example.com");
  check.set_output_port(kOrders);
  v1::CheckAccessResponse check_out;
  auto ctx = ServerFixture::Context("");
  EXPECT_THAT(access_->CheckAccess(ctx.get(), check, &check_out),
              GrpcIs(grpc::StatusCode::UNAUTHENTICATED));
  v1::AccessRequest out;
  EXPECT_THAT(Request("", kOrders, &out),
              GrpcIs(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_THAT(Request("mp_not_a_token_at_all", kOrders, &out),
              GrpcIs(grpc::StatusCode::UNAUTHENTICATED));
  v1::ListGrantsRequest list;
  v1::ListGrantsResponse list_out;
  auto ctx2 = ServerFixture::Context("");
  EXPECT_THAT(access_->ListGrants(ctx2.get(), list, &list_out),
              GrpcIs(grpc::StatusCode::UNAUTHENTICATED));
}

// Changes that arrive while the index reloads (as on the resync right
// after start) are applied after the reload, not lost under its older
// snapshot: with an hour's refresh, the ports SetUp creates right after the
// server started reach CheckAccess through NOTIFY alone, every time.
class AccessRaceTest : public AccessRpcTest {
 protected:
  absl::Duration RefreshInterval() const override { return absl::Hours(1); }
};

TEST_F(AccessRaceTest, ChangesDuringTheStartupReloadAreNotLost) {
  for (int i = 0; i < 5; ++i) {
    TearDown();
    SetUp();  // asserts that every port reached the index
    if (HasFatalFailure()) return;
  }
}

TEST_F(AccessRpcTest, MetricsCountVerdicts) {
  v1::AccessRequest req;
  ASSERT_TRUE(Request(erin_, kOrders, &req).ok());
  httplib::Client http("127.0.0.1", fx_->http_port());
  auto count = [&](const std::string& decision) {
    auto res = http.Get("/metrics");
    if (!res) return -1L;
    const std::string key = absl::StrCat(
        "meshplane_access_checks_total{decision=\"", decision, "\"} ");
    size_t at = res->body.find(key);
    if (at == std::string::npos) return -1L;
    return std::stol(res->body.substr(at + key.size()));
  };
  const long allowed = count("allow");
  const long denied = count("deny");
  ASSERT_GE(allowed, 0);
  EXPECT_TRUE(Allowed("user:erin@example.com", kOrders));
  EXPECT_FALSE(Allowed("user:bo@example.com", kOrders));
  EXPECT_EQ(count("allow"), allowed + 1);
  EXPECT_EQ(count("deny"), denied + 1);
  auto res = http.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_THAT(res->body, HasSubstr("meshplane_access_index_fresh 1\n"));
}

}  // namespace
}  // namespace meshplane::testing
