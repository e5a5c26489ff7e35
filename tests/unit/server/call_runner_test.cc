// CallRunner in a real in-process gRPC server over InMemoryStore: what
// every handler gets for free (authentication, the request context, shape
// checks, the last-resort catch, status details).
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "google/rpc/error_details.pb.h"
#include "server/call.h"
#include "server/status.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/memstore/in_memory_store.h"
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/core/identity.h"
#include "meshplane/v1/team.grpc.pb.h"

namespace meshplane::server {
namespace {

constexpr char kAdminSecret[] = "unit-test-admin-secret-0123456789";
constexpr char kMethod[] = "meshplane.v1.TeamService/CreateTeam";

// Records the context of each call; throws on request.
class ProbeService final : public v1::TeamService::Service {
 public:
  explicit ProbeService(const CallRunner& runner) : runner_(runner) {}

  grpc::Status CreateTeam(grpc::ServerContext* context,
                          const v1::CreateTeamRequest* request,
                          v1::Team* response) override {
    return runner_.Run(context, kMethod, *request,
                       [&](const core::RequestContext& ctx) -> absl::Status {
                         seen = ctx;
                         if (request->team_id() == "throw") {
                           throw std::runtime_error("boom");
                         }
                         if (request->team_id() == "throw-int") {
                           throw 42;
                         }
                         response->set_name("teams/" + request->team_id());
                         return absl::OkStatus();
                       });
  }

  std::optional<core::RequestContext> seen;

 private:
  const CallRunner& runner_;
};

class CallRunnerTest : public ::testing::Test {
 protected:
  CallRunnerTest()
      : identity_(store_, authz_, clock_),
        runner_(identity_),
        probe_(runner_) {}

  void SetUp() override {
    ASSERT_OK(identity_.Bootstrap(kAdminSecret));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&probe_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::TeamService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  grpc::Status Call(const v1::CreateTeamRequest& r,
                    const std::string& authorization) {
    grpc::ClientContext ctx;
    if (!authorization.empty()) ctx.AddMetadata("authorization", authorization);
    v1::Team out;
    return stub_->CreateTeam(&ctx, r, &out);
  }

  static std::string Reason(const grpc::Status& s) {
    google::rpc::Status rpc = GetRpcStatus(s);
    for (const auto& any : rpc.details()) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info)) return info.reason();
    }
    return "";
  }

  testing::InMemoryStore store_;
  auth::Authorizer authz_;
  SimulatedClock clock_;
  core::Identity identity_;
  CallRunner runner_;
  ProbeService probe_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::TeamService::Stub> stub_;
};

TEST_F(CallRunnerTest, BuildsTheRequestContext) {
  v1::CreateTeamRequest r;
  r.set_team_id("checkout");
  r.set_request_id("5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b");
  r.set_validate_only(true);
  grpc::Status s = Call(r, std::string("Bearer ") + kAdminSecret);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(probe_.seen.has_value());
  EXPECT_EQ(probe_.seen->principal.id, "user:admin");
  EXPECT_TRUE(probe_.seen->principal.platform_admin);
  EXPECT_EQ(probe_.seen->method, kMethod);
  EXPECT_EQ(probe_.seen->request_id, "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b");
  EXPECT_TRUE(probe_.seen->validate_only);
  EXPECT_EQ(probe_.seen->request_hash, RequestHash(r));
}

TEST_F(CallRunnerTest, NoRequestIdNoHash) {
  v1::CreateTeamRequest r;
  r.set_team_id("checkout");
  ASSERT_TRUE(Call(r, std::string("Bearer ") + kAdminSecret).ok());
  ASSERT_TRUE(probe_.seen.has_value());
  EXPECT_EQ(probe_.seen->request_id, "");
  EXPECT_EQ(probe_.seen->request_hash, "");
  EXPECT_FALSE(probe_.seen->validate_only);
}

TEST_F(CallRunnerTest, SchemeIsCaseInsensitive) {
  v1::CreateTeamRequest r;
  r.set_team_id("x");
  EXPECT_TRUE(Call(r, std::string("bearer  ") + kAdminSecret).ok());
}

TEST_F(CallRunnerTest, RefusesMissingOrForeignCredentialsBeforeWork) {
  v1::CreateTeamRequest r;
  r.set_team_id("x");
  for (const std::string& auth :
       {std::string(), std::string("Basic YTpi"), std::string("Bearer "),
        std::string("Bearer wrong-secret-0123456789")}) {
    SCOPED_TRACE(auth);
    grpc::Status s = Call(r, auth);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Reason(s), "UNAUTHENTICATED");
  }
  EXPECT_FALSE(probe_.seen.has_value());
}

TEST_F(CallRunnerTest, ExceptionsBecomeInternal) {
  for (const char* id : {"throw", "throw-int"}) {
    v1::CreateTeamRequest r;
    r.set_team_id(id);
    grpc::Status s = Call(r, std::string("Bearer ") + kAdminSecret);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL);
    EXPECT_EQ(Reason(s), "INTERNAL");
    // The exception's text stays in the server log.
    EXPECT_THAT(s.error_message(),
                ::testing::Not(::testing::HasSubstr("boom")));
  }
}

TEST_F(CallRunnerTest, SharedShapeChecksRunBeforeWork) {
  v1::CreateTeamRequest r;
  r.set_team_id("x");
  r.set_request_id("has spaces");
  r.mutable_team()->set_display_name(std::string("a\0", 2));
  grpc::Status s = Call(r, std::string("Bearer ") + kAdminSecret);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rpc = GetRpcStatus(s);
  std::vector<std::string> fields;
  for (const auto& any : rpc.details()) {
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&bad)) {
      for (const auto& fv : bad.field_violations())
        fields.push_back(fv.field());
    }
  }
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("team.display_name",
                                                      "request_id"));
  EXPECT_FALSE(probe_.seen.has_value());
}

TEST_F(CallRunnerTest, StoreDownIsUnavailable) {
  store_.SetUnavailable(true);
  v1::CreateTeamRequest r;
  r.set_team_id("x");
  // A fresh secret: not in the 2 s cache, so authentication needs the store.
  grpc::Status s =
      Call(r, "Bearer mp_abcdefghijkl_0123456789abcdefghijklmnopqrstuv");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  store_.SetUnavailable(false);
}

TEST_F(CallRunnerTest, TwoAuthorizationHeadersAreRefused) {
  v1::CreateTeamRequest r;
  r.set_team_id("checkout");
  grpc::ClientContext ctx;
  // The first is the admin's: "the first wins" would run the call as admin.
  ctx.AddMetadata("authorization", std::string("Bearer ") + kAdminSecret);
  ctx.AddMetadata("authorization", "Bearer mp_nobody_xxxxxxxxxxxxxxxxxxxx");
  v1::Team out;
  grpc::Status s = stub_->CreateTeam(&ctx, r, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("more than one"));
  EXPECT_FALSE(probe_.seen.has_value());
}

TEST_F(CallRunnerTest, RequestIdMustBeAUuid) {
  for (const std::string& id : std::vector<std::string>{
           "req-1", "5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b",
           "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8", std::string(5000, 'a')}) {
    v1::CreateTeamRequest r;
    r.set_team_id("checkout");
    r.set_request_id(id);
    grpc::Status s = Call(r, std::string("Bearer ") + kAdminSecret);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << id;
    EXPECT_THAT(s.error_message(), ::testing::StartsWith("request_id: "));
    EXPECT_LT(s.error_message().size(), 200u);
  }
  for (const std::string& id :
       std::vector<std::string>{"5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
                                "5E6F7A8B-9C0D-4E1F-8A2B-3C4D5E6F7A8B"}) {
    v1::CreateTeamRequest r;
    r.set_team_id("checkout");
    r.set_request_id(id);
    EXPECT_TRUE(Call(r, std::string("Bearer ") + kAdminSecret).ok()) << id;
  }
}
// The REST front end marks its in-process calls `transport=http` in the
// log line; the same metadata from an outside client, without the
// process's key, is not believed.
TEST_F(CallRunnerTest, TransportMetadataIsTrustedOnlyInProcess) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  auto capture = std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  spdlog::set_default_logger(capture);
  v1::CreateTeamRequest r;
  r.set_team_id("x");
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", std::string("Bearer ") + kAdminSecret);
    ctx.AddMetadata("x-meshplane-transport", "http");
    ctx.AddMetadata("x-meshplane-in-process-key", "guessed");
    ctx.AddMetadata("x-meshplane-peer", "ipv4:6.6.6.6:1");
    v1::Team out;
    ASSERT_TRUE(stub_->CreateTeam(&ctx, r, &out).ok());
  }
  const std::string outside = log.str();
  log.str("");
  {
    auto inproc = v1::TeamService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", std::string("Bearer ") + kAdminSecret);
    ctx.AddMetadata("x-meshplane-transport", "http");
    ctx.AddMetadata("x-meshplane-in-process-key", runner_.in_process_key());
    ctx.AddMetadata("x-meshplane-peer", "ipv4:10.1.2.3:4567");
    v1::Team out;
    ASSERT_TRUE(inproc->CreateTeam(&ctx, r, &out).ok());
  }
  const std::string inside = log.str();
  spdlog::set_default_logger(previous);
  EXPECT_THAT(outside, ::testing::HasSubstr("transport=grpc"));
  EXPECT_THAT(outside, ::testing::HasSubstr("peer=ipv4:127.0.0.1:"));
  EXPECT_THAT(outside, ::testing::Not(::testing::HasSubstr("6.6.6.6")));
  EXPECT_THAT(inside, ::testing::HasSubstr("peer=ipv4:10.1.2.3:4567"));
  EXPECT_THAT(inside, ::testing::HasSubstr("transport=http"));
  EXPECT_THAT(inside,
              ::testing::Not(::testing::HasSubstr(runner_.in_process_key())));
}

}  // namespace
}  // namespace meshplane::server
