// The access commands (request, approve, deny, withdraw, list, grants,
// revoke, check) against an in-process fake AccessService: what each
// sends, what it prints, and every exit code.
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "cli/app.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/cli_test_util.h"
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include "meshplane/v1/access.grpc.pb.h"
#include "meshplane/v1/identity.grpc.pb.h"

namespace meshplane::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::SizeIs;

namespace v1 = ::meshplane::v1;

using test_util::kUuidRegex;
constexpr char kRequestId[] = "0b6c1e5a-2f4d-4c1b-9a7e-3d5f6a8b9c0d";
constexpr char kGrantId[] = "7d2e4f6a-8b1c-4d3e-a5f7-9b0c1d2e3f4a";
constexpr char kPort[] = "domains/sales/dataProducts/orders/outputPorts/v1";

google::protobuf::Timestamp Time(const std::string& rfc3339) {
  google::protobuf::Timestamp ts;
  EXPECT_TRUE(google::protobuf::util::TimeUtil::FromString(rfc3339, &ts));
  return ts;
}

// Records every request; answers with what a test put in.
class FakeAccess final : public v1::AccessService::Service {
 public:
  grpc::Status RequestAccess(grpc::ServerContext*,
                             const v1::RequestAccessRequest* r,
                             v1::AccessRequest* response) override {
    absl::MutexLock lock(&mu_);
    return test_util::RecordAndAnswer(*r, &requests_, status_, answer_,
                                      response);
  }
  grpc::Status ApproveAccessRequest(grpc::ServerContext*,
                                    const v1::ApproveAccessRequestRequest* r,
                                    v1::AccessRequest* response) override {
    absl::MutexLock lock(&mu_);
    return test_util::RecordAndAnswer(*r, &approvals_, status_, answer_,
                                      response);
  }
  grpc::Status DenyAccessRequest(grpc::ServerContext*,
                                 const v1::DenyAccessRequestRequest* r,
                                 v1::AccessRequest* response) override {
    absl::MutexLock lock(&mu_);
    return test_util::RecordAndAnswer(*r, &denials_, grpc::Status::OK, answer_,
                                      response);
  }
  grpc::Status WithdrawAccessRequest(grpc::ServerContext*,
                                     const v1::WithdrawAccessRequestRequest* r,
                                     v1::AccessRequest* response) override {
    absl::MutexLock lock(&mu_);
    return test_util::RecordAndAnswer(*r, &withdrawals_, grpc::Status::OK,
                                      answer_, response);
  }
  grpc::Status ListAccessRequests(
      grpc::ServerContext*, const v1::ListAccessRequestsRequest* r,
      v1::ListAccessRequestsResponse* response) override {
    absl::MutexLock lock(&mu_);
    return test_util::RecordAndAnswer(*r, &request_lists_, grpc::Status::OK,
                                      request_pages_[r->page_token()],
                                      response);
  }
  grpc::Status ListGrants(grpc::ServerContext*, const v1::ListGrantsRequest* r,
                          v1::ListGrantsResponse* response) override {
    absl::MutexLock lock(&mu_);
    return test_util::RecordAndAnswer(*r, &grant_lists_, status_, grants_,
                                      response);
  }
  grpc::Status RevokeGrant(grpc::ServerContext*,
                           const v1::RevokeGrantRequest* r,
                           v1::Grant* response) override {
    absl::MutexLock lock(&mu_);
    revocations_.push_back(*r);
    if (!status_.ok()) return status_;
    response->set_name(r->name());
    response->set_state(v1::GRANT_STATE_REVOKED);
    response->set_revoke_reason(r->reason());
    return grpc::Status::OK;
  }
  grpc::Status CheckAccess(grpc::ServerContext*,
                           const v1::CheckAccessRequest* r,
                           v1::CheckAccessResponse* response) override {
    absl::MutexLock lock(&mu_);
    return test_util::RecordAndAnswer(*r, &checks_, status_, verdict_,
                                      response);
  }

  absl::Mutex mu_;
  grpc::Status status_;
  v1::AccessRequest answer_;
  std::map<std::string, v1::ListAccessRequestsResponse> request_pages_;
  v1::ListGrantsResponse grants_;
  v1::CheckAccessResponse verdict_;
  std::vector<v1::RequestAccessRequest> requests_;
  std::vector<v1::ApproveAccessRequestRequest> approvals_;
  std::vector<v1::DenyAccessRequestRequest> denials_;
  std::vector<v1::WithdrawAccessRequestRequest> withdrawals_;
  std::vector<v1::ListAccessRequestsRequest> request_lists_;
  std::vector<v1::ListGrantsRequest> grant_lists_;
  std::vector<v1::RevokeGrantRequest> revocations_;
  std::vector<v1::CheckAccessRequest> checks_;
};

// The caller is always user:erin@example.com.
class FakeIdentity final : public v1::IdentityService::Service {
 public:
  grpc::Status GetCallerIdentity(grpc::ServerContext*,
                                 const v1::GetCallerIdentityRequest*,
                                 v1::CallerIdentity* response) override {
    response->set_principal("user:erin@example.com");
    return grpc::Status::OK;
  }
};

v1::AccessRequest Approved() {
  v1::AccessRequest r;
  r.set_name(absl::StrCat("accessRequests/", kRequestId));
  r.set_output_port(kPort);
  r.set_consumer("user:erin@example.com");
  r.set_requester("user:erin@example.com");
  r.add_actions("read");
  r.set_purpose("monthly revenue report");
  r.mutable_duration()->set_seconds(30 * 24 * 3600);
  r.set_state(v1::ACCESS_REQUEST_STATE_APPROVED);
  r.set_grant(absl::StrCat("grants/", kGrantId));
  r.set_reviewer("policy");
  *r.mutable_create_time() = Time("2026-05-01T10:00:00Z");
  r.set_etag("2");
  r.mutable_decision()->set_outcome(v1::DECISION_OUTCOME_ALLOW);
  return r;
}

v1::AccessRequest Pending() {
  v1::AccessRequest r = Approved();
  r.set_state(v1::ACCESS_REQUEST_STATE_PENDING);
  r.clear_grant();
  r.clear_reviewer();
  r.set_etag("1");
  *r.mutable_expire_time() = Time("2026-05-15T10:00:00Z");
  r.mutable_decision()->set_outcome(v1::DECISION_OUTCOME_REQUIRE_APPROVAL);
  *r.mutable_decision()->add_violations() = test_util::EnforcedViolation(
      "policies/pii-needs-approval", "global", "REQUIRE_APPROVAL", 1,
      "personal data needs the owners' approval");
  return r;
}

class AccessCliTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start({&fake_, &identity_})); }

  using Result = test_util::CliResult;

  Result Cli(const std::vector<std::string>& args) {
    return CliAt(server_.addr(), args);
  }

  static Result CliAt(const std::string& addr,
                      const std::vector<std::string>& args) {
    return test_util::RunCliAt(addr, "secret", args);
  }

  void Answer(const v1::AccessRequest& r) {
    absl::MutexLock lock(&fake_.mu_);
    fake_.answer_ = r;
  }
  void Fail(grpc::Status status) {
    absl::MutexLock lock(&fake_.mu_);
    fake_.status_ = std::move(status);
  }

  FakeAccess fake_;
  FakeIdentity identity_;
  test_util::LoopbackServer server_;
};

TEST_F(AccessCliTest, RequestSendsThePortPurposeDurationAndActions) {
  Answer(Approved());
  Result r = Cli({"access", "request", "sales/orders/v1", "--purpose",
                  "monthly revenue report", "--duration", "30d", "--action",
                  "READ", "--action", "write", "--for", "teams/finance-data"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.requests_, SizeIs(1));
  const v1::RequestAccessRequest& sent = fake_.requests_[0];
  EXPECT_EQ(sent.access_request().output_port(), kPort);
  EXPECT_EQ(sent.access_request().purpose(), "monthly revenue report");
  EXPECT_EQ(sent.access_request().duration().seconds(), 30 * 24 * 3600);
  EXPECT_THAT(sent.access_request().actions(), ElementsAre("read", "write"));
  EXPECT_EQ(sent.access_request().consumer(), "team:finance-data");
  EXPECT_FALSE(sent.validate_only());
  EXPECT_THAT(sent.request_id(), MatchesRegex(kUuidRegex));
  EXPECT_THAT(r.out, HasSubstr("Request:   accessRequests/"));
  EXPECT_THAT(r.out, HasSubstr("Port:      sales/orders:v1\n"));
  EXPECT_THAT(r.out, HasSubstr("State:     APPROVED\n"));
  EXPECT_THAT(r.out,
              HasSubstr(absl::StrCat("access granted: grants/", kGrantId)));
}

TEST_F(AccessCliTest, RequestTakesEveryFormOfPortName) {
  Answer(Approved());
  for (const char* port : {"sales/orders:v1", kPort}) {
    Result r = Cli({"access", "request", port, "--purpose", "x"});
    EXPECT_EQ(r.code, 0) << port << r.err;
  }
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.requests_, SizeIs(2));
  for (const auto& sent : fake_.requests_) {
    EXPECT_EQ(sent.access_request().output_port(), kPort);
    // No duration, actions or consumer: the server's defaults.
    EXPECT_FALSE(sent.access_request().has_duration());
    EXPECT_THAT(sent.access_request().actions(), IsEmpty());
    EXPECT_EQ(sent.access_request().consumer(), "");
  }
}

TEST_F(AccessCliTest, APendingRequestSaysWhoDecides) {
  Answer(Pending());
  Result r = Cli({"access", "request", "sales/orders/v1", "--purpose", "x"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("State:     PENDING\n"));
  EXPECT_THAT(r.out, HasSubstr("Expires:   2026-05-15T10:00:00Z\n"));
  EXPECT_THAT(r.out,
              HasSubstr("policies:\n  policy policies/pii-needs-approval "
                        "(global, REQUIRE_APPROVAL, ENFORCED, revision "
                        "1): personal data needs the owners' approval\n"));
  EXPECT_THAT(r.out,
              HasSubstr(absl::StrCat(
                  "waiting for approval by the owners of sales/orders:v1; "
                  "they run: meshplane access approve ",
                  kRequestId, "\n")));
}

TEST_F(AccessCliTest, RequestUsageErrorsExitTwoWithoutACall) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"access", "request", "sales/orders/v1"},  // no --purpose
           {"access", "request", "orders", "--purpose", "x"},
           {"access", "request", "sales/orders/v1", "--purpose", "x",
            "--duration", "30"},
           {"access", "request", "sales/orders/v1", "--purpose", "x",
            "--duration", "-1h"},
           {"access", "request", "sales/orders/v1", "--purpose", "x",
            "--action", "delete"},
           {"access", "request", "--purpose", "x"}}) {
    Result r = Cli(args);
    EXPECT_EQ(r.code, 2) << args.back() << ": " << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("error: "));
  }
  absl::MutexLock lock(&fake_.mu_);
  EXPECT_THAT(fake_.requests_, IsEmpty());
}

TEST_F(AccessCliTest, ARefusalByPolicyExitsOneWithThePolicies) {
  google::rpc::Status rpc;
  rpc.set_code(static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
  rpc.set_message("refused by policy: policies/no-pii: not for this purpose");
  google::rpc::ErrorInfo info;
  info.set_reason("POLICY_VIOLATION");
  info.set_domain("meshplane.dev");
  rpc.add_details()->PackFrom(info);
  v1::PolicyViolations all;
  *all.add_violations() = test_util::EnforcedViolation(
      "policies/no-pii", "global", "DENY", 3, "not for this purpose");
  rpc.add_details()->PackFrom(all);
  Fail(test_util::StatusWithDetails(rpc));
  Result r = Cli({"access", "request", "sales/orders/v1", "--purpose", "x"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("error: "));
  EXPECT_THAT(r.err, HasSubstr("policy policies/no-pii (global, DENY, "
                               "ENFORCED, revision 3): not for this purpose"));
}

TEST_F(AccessCliTest, DryRunSetsValidateOnlyAndSaysWhatWouldHappen) {
  Answer(Pending());
  Result r = Cli(
      {"access", "request", "sales/orders/v1", "--purpose", "x", "--dry-run"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("dry run: nothing was changed; the request "
                               "would be pending\n"));
  Answer(Approved());
  Result a = Cli({"access", "approve", kRequestId, "--dry-run"});
  EXPECT_EQ(a.code, 0) << a.err;
  EXPECT_THAT(a.out, HasSubstr("would be approved"));
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.requests_, SizeIs(1));
  EXPECT_TRUE(fake_.requests_[0].validate_only());
  ASSERT_THAT(fake_.approvals_, SizeIs(1));
  EXPECT_TRUE(fake_.approvals_[0].validate_only());
}

TEST_F(AccessCliTest, ApproveDenyWithdrawTakeIdsOrNames) {
  Answer(Approved());
  Result a = Cli({"access", "approve", kRequestId, "--comment", "ok",
                  "--duration", "7d", "--etag", "1"});
  EXPECT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(a.out, absl::StrCat("accessRequests/", kRequestId,
                                " approved (grants/", kGrantId, ")\n"));
  v1::AccessRequest denied = Pending();
  denied.set_state(v1::ACCESS_REQUEST_STATE_DENIED);
  Answer(denied);
  Result d = Cli({"access", "deny", absl::StrCat("accessRequests/", kRequestId),
                  "--comment", "use the aggregate"});
  EXPECT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(d.out, absl::StrCat("accessRequests/", kRequestId, " denied\n"));
  Result w = Cli({"access", "withdraw", kRequestId, "-o", "json"});
  EXPECT_EQ(w.code, 0) << w.err;
  nlohmann::json j = nlohmann::json::parse(w.out);
  EXPECT_EQ(j["state"], "ACCESS_REQUEST_STATE_DENIED");

  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.approvals_, SizeIs(1));
  EXPECT_EQ(fake_.approvals_[0].name(),
            absl::StrCat("accessRequests/", kRequestId));
  EXPECT_EQ(fake_.approvals_[0].comment(), "ok");
  EXPECT_EQ(fake_.approvals_[0].duration().seconds(), 7 * 24 * 3600);
  EXPECT_EQ(fake_.approvals_[0].etag(), "1");
  EXPECT_THAT(fake_.approvals_[0].request_id(), MatchesRegex(kUuidRegex));
  ASSERT_THAT(fake_.denials_, SizeIs(1));
  EXPECT_EQ(fake_.denials_[0].name(),
            absl::StrCat("accessRequests/", kRequestId));
  EXPECT_EQ(fake_.denials_[0].comment(), "use the aggregate");
  ASSERT_THAT(fake_.withdrawals_, SizeIs(1));
  EXPECT_EQ(fake_.withdrawals_[0].name(),
            absl::StrCat("accessRequests/", kRequestId));
  EXPECT_THAT(fake_.withdrawals_[0].request_id(), MatchesRegex(kUuidRegex));
}

TEST_F(AccessCliTest, ApproveRefusedExitsOne) {
  Fail(grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                    "user:erin@example.com may not approve accessRequests/x: "
                    "a request is approved by someone other than who asked"));
  Result r = Cli({"access", "approve", kRequestId});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("someone other than who asked"));
}

TEST_F(AccessCliTest, ListBuildsTheFilterAndFollowsPages) {
  {
    absl::MutexLock lock(&fake_.mu_);
    *fake_.request_pages_[""].add_access_requests() = Pending();
    fake_.request_pages_[""].set_next_page_token("p2");
    v1::AccessRequest second = Approved();
    second.set_name("accessRequests/1111aaaa-2f4d-4c1b-9a7e-3d5f6a8b9c0d");
    *fake_.request_pages_["p2"].add_access_requests() = second;
  }
  Result r = Cli({"access", "list", "--state", "pending", "--port",
                  "sales/orders/v1", "--consumer", "teams/analysts",
                  "--requester", "user:bo@example.com", "--all"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ID  "));
  EXPECT_THAT(r.out, HasSubstr("PORT             CONSUMER"));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat(kRequestId,
                                            "  sales/orders:v1  "
                                            "user:erin@example.com  read     "
                                            "PENDING")));
  EXPECT_THAT(r.out, HasSubstr("1111aaaa-2f4d-4c1b-9a7e-3d5f6a8b9c0d"));
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.request_lists_, SizeIs(2));
  EXPECT_EQ(fake_.request_lists_[0].filter(),
            absl::StrCat("state = PENDING AND output_port = \"", kPort,
                         "\" AND consumer = \"team:analysts\" AND requester = "
                         "\"user:bo@example.com\""));
  EXPECT_EQ(fake_.request_lists_[1].page_token(), "p2");
}

TEST_F(AccessCliTest, ListRefusesAnUnknownState) {
  Result r = Cli({"access", "list", "--state", "granted"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("expected one of pending, approved, denied, "
                               "withdrawn, expired"));
  Result g = Cli({"access", "grants", "--state", "pending"});
  EXPECT_EQ(g.code, 2);
  Result both = Cli({"access", "grants", "--principal", "user:a@example.com",
                     "--consumer", "user:a@example.com"});
  EXPECT_EQ(both.code, 2);
}

TEST_F(AccessCliTest, GrantsPrintsATable) {
  {
    absl::MutexLock lock(&fake_.mu_);
    v1::Grant* g = fake_.grants_.add_grants();
    g->set_name(absl::StrCat("grants/", kGrantId));
    g->set_output_port(kPort);
    g->set_consumer("team:analysts");
    g->add_actions("read");
    g->add_actions("write");
    g->set_state(v1::GRANT_STATE_ACTIVE);
    *g->mutable_expire_time() = Time("2026-06-01T10:00:00Z");
    g->set_granted_by("user:dan@example.com");
  }
  Result r =
      Cli({"access", "grants", "--product", "sales/orders", "--principal",
           "user:frank@example.com", "--state", "GRANT_STATE_ACTIVE"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ID                                    PORT"));
  EXPECT_THAT(r.out,
              HasSubstr(absl::StrCat(
                  kGrantId,
                  "  sales/orders:v1  team:analysts  read,write  ACTIVE  "
                  "2026-06-01T10:00:00Z  user:dan@example.com\n")));
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.grant_lists_, SizeIs(1));
  EXPECT_EQ(fake_.grant_lists_[0].filter(),
            "data_product = \"domains/sales/dataProducts/orders\" AND "
            "principal = \"user:frank@example.com\" AND state = ACTIVE");
}

TEST_F(AccessCliTest, GrantsAsYamlPrintsTheResponse) {
  {
    absl::MutexLock lock(&fake_.mu_);
    fake_.grants_.add_grants()->set_name(absl::StrCat("grants/", kGrantId));
  }
  Result r = Cli({"access", "grants", "-o", "yaml"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("name: grants/", kGrantId)));
  absl::MutexLock lock(&fake_.mu_);
  EXPECT_EQ(fake_.grant_lists_.at(0).filter(), "");
}

TEST_F(AccessCliTest, RevokeTakesAnIdOrAName) {
  Result r = Cli({"access", "revoke", kGrantId, "--reason", "left"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, absl::StrCat("grants/", kGrantId, " revoked\n"));
  Result n = Cli({"access", "revoke", absl::StrCat("grants/", kGrantId)});
  EXPECT_EQ(n.code, 0) << n.err;
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.revocations_, SizeIs(2));
  EXPECT_EQ(fake_.revocations_[0].name(), absl::StrCat("grants/", kGrantId));
  EXPECT_EQ(fake_.revocations_[0].reason(), "left");
  EXPECT_THAT(fake_.revocations_[0].request_id(), MatchesRegex(kUuidRegex));
  EXPECT_EQ(fake_.revocations_[1].name(), absl::StrCat("grants/", kGrantId));
}

TEST_F(AccessCliTest, RevokeOfARevokedGrantExitsOne) {
  Fail(
      grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                   "grants/x was revoked at 2026-05-01T10:00:00Z by user:ana"));
  Result r = Cli({"access", "revoke", kGrantId});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("was revoked"));
}

TEST_F(AccessCliTest, CheckExitsZeroWhenAllowed) {
  {
    absl::MutexLock lock(&fake_.mu_);
    fake_.verdict_.set_allowed(true);
    fake_.verdict_.set_grant(absl::StrCat("grants/", kGrantId));
    *fake_.verdict_.mutable_expire_time() = Time("2026-06-01T10:00:00Z");
  }
  Result r = Cli({"access", "check", "--principal", "service:etl",
                  "sales/orders/v1", "--action", "write"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, absl::StrCat("allowed: service:etl may write "
                                "sales/orders:v1 (grants/",
                                kGrantId, ", until 2026-06-01T10:00:00Z)\n"));
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.checks_, SizeIs(1));
  EXPECT_EQ(fake_.checks_[0].principal(), "service:etl");
  EXPECT_EQ(fake_.checks_[0].output_port(), kPort);
  EXPECT_EQ(fake_.checks_[0].action(), "write");
}

TEST_F(AccessCliTest, CheckExitsOneWhenDeniedAndPrintsWhy) {
  {
    absl::MutexLock lock(&fake_.mu_);
    fake_.verdict_.set_allowed(false);
    fake_.verdict_.set_reason(absl::StrCat("no active grant on ", kPort,
                                           " for user:erin@example.com"));
  }
  // Without --principal: the caller, as the server knows it.
  Result r = Cli({"access", "check", "sales/orders/v1"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, absl::StrCat("denied: no active grant on ", kPort,
                                " for user:erin@example.com\n"));
  // As JSON, with the same exit code.
  Result j = Cli({"access", "check", "sales/orders/v1", "-o", "json"});
  EXPECT_EQ(j.code, 1);
  EXPECT_EQ(nlohmann::json::parse(j.out)["allowed"], false);
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.checks_, SizeIs(2));
  EXPECT_EQ(fake_.checks_[0].principal(), "user:erin@example.com");
  EXPECT_EQ(fake_.checks_[0].action(), "");
}

TEST_F(AccessCliTest, CheckOfSomeoneElseWithoutTheRightExitsOne) {
  Fail(grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                    "user:carl may not check the access of user:erin"));
  Result r = Cli({"access", "check", "--principal", "user:erin@example.com",
                  "sales/orders/v1"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("permission denied"));
  EXPECT_THAT(r.out, IsEmpty());
}

TEST_F(AccessCliTest, AnUnreachableServerExitsThree) {
  Result r = CliAt("127.0.0.1:1", {"access", "check", "--principal",
                                   "user:erin@example.com", "sales/orders/v1"});
  EXPECT_EQ(r.code, 3);
  EXPECT_THAT(r.err, HasSubstr("127.0.0.1:1"));
}

TEST_F(AccessCliTest, HelpListsTheCommands) {
  Result r = Cli({"access", "--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* c :
       {"access request PORT", "access approve ID", "access deny ID",
        "access withdraw ID", "access list", "access grants",
        "access revoke GRANT", "access check PORT"}) {
    EXPECT_THAT(r.out, HasSubstr(c));
  }
  EXPECT_THAT(r.out, Not(HasSubstr("contract lint")));
}

}  // namespace
}  // namespace meshplane::cli
