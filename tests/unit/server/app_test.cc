// StartServer over InMemoryStore: the composition, its configuration errors
// and its shutdown (drain) behaviour, without PostgreSQL.
#include "server/app.h"

#include <atomic>
#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/memstore/in_memory_store.h"
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "meshplane/v1/identity.grpc.pb.h"
#include "meshplane/v1/team.grpc.pb.h"

namespace meshplane::server {
namespace {

using ::meshplane::testing::StatusIs;

constexpr char kAdmin[] = "app-test-admin-secret-0123456789";

// Holds every Begin() while closed: a stand-in for a slow database, so that
// a test can keep a call in flight.
class GatedStore : public store::Store {
 public:
  explicit GatedStore(store::Store& inner) : inner_(inner) {}
  absl::StatusOr<std::unique_ptr<store::Transaction>> Begin(
      store::TxnMode mode) override {
    {
      absl::MutexLock lock(&mu_);
      ++waiting_;
      mu_.Await(absl::Condition(&open_));
      --waiting_;
    }
    return inner_.Begin(mode);
  }
  absl::Status Ping() override { return inner_.Ping(); }
  absl::StatusOr<std::unique_ptr<store::Listener>> NewListener() override {
    return inner_.NewListener();
  }
  void Set(bool open) {
    absl::MutexLock lock(&mu_);
    open_ = open;
  }
  void AwaitWaiters(int n) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]()
                      ABSL_SHARED_LOCKS_REQUIRED(mu_) { return waiting_ >= n; };
    mu_.Await(absl::Condition(&enough));
  }

 private:
  store::Store& inner_;
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = true;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

ServerConfig TestConfig() {
  ServerConfig c;
  c.listen = "127.0.0.1:0";
  c.http_listen = "";
  c.bootstrap_token = kAdmin;
  c.readiness_interval = absl::Milliseconds(50);
  return c;
}

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", std::string("Bearer ") + kAdmin);
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(20));
  return ctx;
}

// A client channel to the gRPC port of `server`.
std::shared_ptr<grpc::Channel> ChannelTo(const RunningServer& server) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(server.port()),
                             grpc::InsecureChannelCredentials());
}

// GetCallerIdentity as the admin: warms the token cache, so that the next
// call blocks in its write and not in authentication.
grpc::Status WarmTokenCache(const std::shared_ptr<grpc::Channel>& channel) {
  v1::GetCallerIdentityRequest r;
  v1::CallerIdentity me;
  auto ctx = Ctx();
  return v1::IdentityService::NewStub(channel)->GetCallerIdentity(ctx.get(), r,
                                                                  &me);
}

// CreateTeam "checkout" as the admin: a call that writes.
grpc::Status CreateCheckoutTeam(const std::shared_ptr<grpc::Channel>& channel) {
  v1::CreateTeamRequest r;
  r.set_team_id("checkout");
  v1::Team out;
  auto ctx = Ctx();
  return v1::TeamService::NewStub(channel)->CreateTeam(ctx.get(), r, &out);
}

class AppTest : public ::testing::Test {
 protected:
  testing::InMemoryStore memory_;
  GatedStore store_{memory_};
  SimulatedClock clock_;
};

TEST_F(AppTest, ConfigurationErrors) {
  ServerConfig c = TestConfig();
  c.http_listen = "no-port";
  EXPECT_THAT(StartServer(c, store_, clock_),
              StatusIs(absl::StatusCode::kInvalidArgument, "--http-listen"));
  c = TestConfig();
  c.tls_cert_file = "/nonexistent/cert.pem";
  EXPECT_THAT(StartServer(c, store_, clock_),
              StatusIs(absl::StatusCode::kInvalidArgument, "TLS"));
  c.tls_key_file = "/nonexistent/key.pem";
  EXPECT_THAT(StartServer(c, store_, clock_),
              StatusIs(absl::StatusCode::kNotFound, "/nonexistent/cert.pem"));
  c = TestConfig();
  c.bootstrap_token = "short";
  EXPECT_THAT(StartServer(c, store_, clock_),
              StatusIs(absl::StatusCode::kInvalidArgument, "bootstrap"));
  c = TestConfig();
  c.listen = "256.0.0.1:1";
  EXPECT_THAT(StartServer(c, store_, clock_),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(AppTest, ShutdownDrainsInFlightCallsAndRefusesNewOnes) {
  ServerConfig c = TestConfig();
  c.drain_timeout = absl::Seconds(20);
  ASSERT_OK_AND_ASSIGN(auto server, StartServer(c, store_, clock_));
  auto channel = ChannelTo(*server);
  auto teams = v1::TeamService::NewStub(channel);
  ASSERT_TRUE(WarmTokenCache(channel).ok());
  store_.Set(false);
  grpc::Status in_flight;
  std::thread call([&] { in_flight = CreateCheckoutTeam(channel); });
  store_.AwaitWaiters(1);  // the call is in its transaction now
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server->Shutdown();
    stopped = true;
  });
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_FALSE(stopped) << "Shutdown returned while a call was in flight";
  {
    // No new calls once shutdown began.
    v1::GetTeamRequest r;
    r.set_name("teams/checkout");
    v1::Team out;
    auto ctx = Ctx();
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(2));
    EXPECT_FALSE(teams->GetTeam(ctx.get(), r, &out).ok());
  }
  store_.Set(true);
  call.join();
  stopper.join();
  EXPECT_TRUE(in_flight.ok()) << in_flight.error_message();
  EXPECT_TRUE(stopped);
  EXPECT_GT(memory_.write_commits(), 0);
}

TEST_F(AppTest, ShutdownCancelsCallsThatOutliveTheDrainTimeout) {
  ServerConfig c = TestConfig();
  c.drain_timeout = absl::Milliseconds(200);
  ASSERT_OK_AND_ASSIGN(auto server, StartServer(c, store_, clock_));
  auto channel = ChannelTo(*server);
  ASSERT_TRUE(WarmTokenCache(channel).ok());
  store_.Set(false);
  grpc::Status in_flight;
  absl::Time answered = absl::InfiniteFuture();
  std::thread call([&] {
    in_flight = CreateCheckoutTeam(channel);
    answered = absl::Now();
  });
  store_.AwaitWaiters(1);
  const absl::Time start = absl::Now();
  std::thread stopper([&] { server->Shutdown(); });
  // The client is answered when the drain timeout passes, not when the
  // store finally lets the call go.
  absl::SleepFor(absl::Seconds(2));
  store_.Set(true);
  call.join();
  stopper.join();
  EXPECT_FALSE(in_flight.ok());
  EXPECT_LT(answered - start, absl::Milliseconds(1500));
}

// A background loop (here the event pruner, every millisecond) that is
// itself waiting on the database when shutdown begins must not hold the
// drain: the in-flight call is cancelled at the drain timeout while the
// database still holds every transaction.
TEST_F(AppTest, ShutdownIsNotHeldByABackgroundLoopWaitingOnTheDatabase) {
  ServerConfig c = TestConfig();
  c.drain_timeout = absl::Milliseconds(200);
  c.event_prune_interval = absl::Milliseconds(1);
  ASSERT_OK_AND_ASSIGN(auto server, StartServer(c, store_, clock_));
  auto channel = ChannelTo(*server);
  ASSERT_TRUE(WarmTokenCache(channel).ok());
  store_.Set(false);
  grpc::Status in_flight;
  absl::Notification answered;
  std::thread call([&] {
    in_flight = CreateCheckoutTeam(channel);
    answered.Notify();
  });
  store_.AwaitWaiters(2);  // the call and the pruner
  std::thread stopper([&] { server->Shutdown(); });
  // Generous: the drain timeout is 200 ms; the store stays closed until the
  // answer comes or this gives up.
  const bool answered_while_closed =
      answered.WaitForNotificationWithTimeout(absl::Seconds(15));
  store_.Set(true);
  call.join();
  stopper.join();
  EXPECT_TRUE(answered_while_closed)
      << "the call was answered only after the database let go";
  EXPECT_FALSE(in_flight.ok());
}

}  // namespace
}  // namespace meshplane::server
