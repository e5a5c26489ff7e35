// The CLI against an in-process fake DomainService: retries with one request
// id, the token header, page following, error details and exit codes.
#include <memory>
#include <regex>
#include <sstream>

#include "absl/synchronization/mutex.h"
#include "cli/app.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/cli_test_util.h"
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include "meshplane/v1/domain.grpc.pb.h"
#include "meshplane/v1/errors.pb.h"

namespace meshplane::cli {
namespace {

using ::testing::HasSubstr;

namespace v1 = ::meshplane::v1;

class FakeDomains final : public v1::DomainService::Service {
 public:
  grpc::Status CreateDomain(grpc::ServerContext* context,
                            const v1::CreateDomainRequest* request,
                            v1::Domain* response) override {
    absl::MutexLock lock(&mu_);
    request_ids_.push_back(request->request_id());
    validate_only_.push_back(request->validate_only());
    auto auth = context->client_metadata().find("authorization");
    authorization_ =
        auth == context->client_metadata().end()
            ? ""
            : std::string(auth->second.data(), auth->second.size());
    if (static_cast<int>(request_ids_.size()) <= unavailable_first_) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "database away");
    }
    if (!error_.ok()) {
      return error_;
    }
    response->set_name("domains/" + request->domain_id());
    response->set_owner_team(request->domain().owner_team());
    return grpc::Status::OK;
  }

  grpc::Status ListDomains(grpc::ServerContext*,
                           const v1::ListDomainsRequest* request,
                           v1::ListDomainsResponse* response) override {
    absl::MutexLock lock(&mu_);
    page_tokens_.push_back(request->page_token());
    filters_.push_back(request->filter());
    int page =
        request->page_token().empty() ? 0 : request->page_token()[0] - '0';
    response->add_domains()->set_name("domains/d" + std::to_string(page));
    if (page < 2) {
      response->set_next_page_token(std::to_string(page + 1));
    }
    return grpc::Status::OK;
  }

  absl::Mutex mu_;
  int unavailable_first_ = 0;
  grpc::Status error_;
  std::vector<std::string> request_ids_;
  std::vector<bool> validate_only_;
  std::vector<std::string> page_tokens_;
  std::vector<std::string> filters_;
  std::string authorization_;
};

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start({&fake_})); }

  using Result = test_util::CliResult;

  Result Cli(const std::vector<std::string>& args) {
    return test_util::RunCliAt(server_.addr(), "secret-token", args);
  }

  FakeDomains fake_;
  test_util::LoopbackServer server_;
};

TEST_F(ClientTest, RetriesUnavailableWithTheSameRequestId) {
  fake_.unavailable_first_ = 2;
  Result r = Cli({"domain", "create", "sales", "--owner-team", "t"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "domain/sales created\n");
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_EQ(fake_.request_ids_.size(), 3u);
  EXPECT_EQ(fake_.request_ids_[0], fake_.request_ids_[1]);
  EXPECT_EQ(fake_.request_ids_[1], fake_.request_ids_[2]);
  EXPECT_TRUE(std::regex_match(
      fake_.request_ids_[0],
      std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                 "[0-9a-f]{12}")))
      << fake_.request_ids_[0];
  EXPECT_EQ(fake_.authorization_, "Bearer secret-token");
}

TEST_F(ClientTest, GivesUpAfterThreeRetriesWithExitThree) {
  fake_.unavailable_first_ = 100;
  Result r = Cli({"domain", "create", "sales", "--owner-team", "t"});
  EXPECT_EQ(r.code, 3);
  EXPECT_THAT(r.err, HasSubstr("unavailable: database away"));
  absl::MutexLock lock(&fake_.mu_);
  EXPECT_EQ(fake_.request_ids_.size(), 4u);
}

TEST_F(ClientTest, EachInvocationHasItsOwnRequestIdUnlessGiven) {
  Cli({"domain", "create", "a", "--owner-team", "t"});
  Cli({"domain", "create", "b", "--owner-team", "t"});
  Cli({"domain", "create", "c", "--owner-team", "t", "--request-id",
       "5b0e4a52-4c1d-4c53-9d3c-6f1f3f0e2b7a", "--dry-run"});
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_EQ(fake_.request_ids_.size(), 3u);
  EXPECT_NE(fake_.request_ids_[0], fake_.request_ids_[1]);
  EXPECT_EQ(fake_.request_ids_[2], "5b0e4a52-4c1d-4c53-9d3c-6f1f3f0e2b7a");
  EXPECT_FALSE(fake_.validate_only_[0]);
  EXPECT_TRUE(fake_.validate_only_[2]);
}

TEST_F(ClientTest, InvalidArgumentDetailsAndExitTwo) {
  google::rpc::Status rpc;
  rpc.set_code(grpc::StatusCode::INVALID_ARGUMENT);
  rpc.set_message("domain_id: \"Bad\" is not a valid id");
  google::rpc::BadRequest bad;
  auto* v = bad.add_field_violations();
  v->set_field("domain_id");
  v->set_description("\"Bad\" is not a valid id");
  rpc.add_details()->PackFrom(bad);
  fake_.error_ = test_util::StatusWithDetails(rpc);
  Result r = Cli({"domain", "create", "Bad", "--owner-team", "t"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "error: domain_id: \"Bad\" is not a valid id\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(ClientTest, PolicyDenialExitsOneWithEachViolation) {
  google::rpc::Status rpc;
  rpc.set_code(grpc::StatusCode::FAILED_PRECONDITION);
  rpc.set_message("denied by 1 policy");
  meshplane::v1::PolicyViolations policies;
  *policies.add_violations() =
      test_util::EnforcedViolation("policies/owner-required", "global", "DENY",
                                   2, "every domain needs an owner");
  rpc.add_details()->PackFrom(policies);
  fake_.error_ = test_util::StatusWithDetails(rpc);
  Result r = Cli({"domain", "create", "x", "--owner-team", "t"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err,
              HasSubstr("error: denied by 1 policy\n  policy "
                        "policies/owner-required (global, DENY, ENFORCED, "
                        "revision 2): every domain needs an owner\n"));
}

TEST_F(ClientTest, AllFollowsPageTokensAndFiltersAreSent) {
  Result r =
      Cli({"domain", "list", "--all", "--parent", "sales", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["kind"], "List");
  ASSERT_EQ(json["items"].size(), 3u);
  EXPECT_EQ(json["items"][2]["metadata"]["name"], "d2");
  EXPECT_EQ(r.err, "");  // the last page: no token to hint at
  absl::MutexLock lock(&fake_.mu_);
  EXPECT_EQ(fake_.page_tokens_, (std::vector<std::string>{"", "1", "2"}));
  EXPECT_EQ(fake_.filters_[0], "parent = \"domains/sales\"");
}

TEST_F(ClientTest, OnePageHintsAtTheNextToken) {
  Result r = Cli({"domain", "list"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("d0"));
  EXPECT_EQ(r.err, "more results: add --page-token 1 (or --all)\n");
}

}  // namespace
}  // namespace meshplane::cli
