// Webhooks over real gRPC, a real PostgreSQL and a real HTTP receiver on
// loopback: signed CloudEvents in sequence order, retries with backoff and
// the delivery log, two replicas delivering each event exactly once, and
// the API's validation and authorization.
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/app.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/server/exposition.h"
#include "tests/testing/server/server_fixture.h"
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "meshplane/common/clock.h"
#include "meshplane/common/crypto.h"
#include "meshplane/v1/events.grpc.pb.h"
#include "meshplane/v1/team.grpc.pb.h"

namespace meshplane {
namespace {

using testing::FieldViolationsOf;
using testing::ServerFixture;
using testing::ServerFixtureOptions;

constexpr char kSecret[] = "receiver-shared-secret-42";

// An HTTP endpoint that records every POST; the first `fail_first` answer
// 500.
class Receiver {
 public:
  struct Request {
    std::string body;
    std::string content_type;
    std::string signature;
    std::string webhook;
    std::string attempt;
    int answered = 0;
  };

  explicit Receiver(int fail_first = 0) : fail_first_(fail_first) {
    server_.Post(
        "/hook", [this](const httplib::Request& req, httplib::Response& res) {
          absl::MutexLock lock(&mu_);
          Request r;
          r.body = req.body;
          r.content_type = req.get_header_value("Content-Type");
          r.signature = req.get_header_value("X-Meshplane-Signature");
          r.webhook = req.get_header_value("X-Meshplane-Webhook");
          r.attempt = req.get_header_value("X-Meshplane-Attempt");
          r.answered = fail_first_ > 0 ? 500 : 200;
          if (fail_first_ > 0) --fail_first_;
          requests_.push_back(r);
          res.status = r.answered;
          res.set_content(r.answered == 500 ? "receiver is down" : "ok",
                          "text/plain");
        });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) absl::SleepFor(absl::Milliseconds(1));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }

  std::string url() const {
    return absl::StrCat("http://127.0.0.1:", port_, "/hook");
  }
  std::vector<Request> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  // Waits until `n` requests were answered 2xx (at most `timeout`).
  std::vector<Request> WaitForAccepted(
      size_t n, absl::Duration timeout = absl::Seconds(30)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      std::vector<Request> accepted;
      for (const auto& r : requests()) {
        if (r.answered == 200) accepted.push_back(r);
      }
      if (accepted.size() >= n) return accepted;
      absl::SleepFor(absl::Milliseconds(20));
    }
    std::vector<Request> accepted;
    for (const auto& r : requests()) {
      if (r.answered == 200) accepted.push_back(r);
    }
    return accepted;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  absl::Mutex mu_;
  int fail_first_ ABSL_GUARDED_BY(mu_);
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
};

ServerFixtureOptions FastRetries() {
  ServerFixtureOptions o;
  o.config.webhook_retry_min = absl::Milliseconds(100);
  o.config.webhook_retry_max = absl::Milliseconds(400);
  o.config.webhook_timeout = absl::Seconds(2);
  return o;
}

grpc::Status CreateWebhook(ServerFixture& fx, const std::string& id,
                           const std::string& url,
                           std::vector<std::string> types, v1::Webhook* out,
                           const std::string& token = "") {
  v1::CreateWebhookRequest r;
  r.set_webhook_id(id);
  r.mutable_webhook()->set_url(url);
  r.mutable_webhook()->set_secret(kSecret);
  for (const auto& t : types) r.mutable_webhook()->add_resource_types(t);
  auto ctx = ServerFixture::Context(token.empty() ? fx.admin_token() : token);
  return fx.Events()->CreateWebhook(ctx.get(), r, out);
}

void CreateTeam(v1::TeamService::Stub& teams, const std::string& token,
                const std::string& id) {
  v1::CreateTeamRequest r;
  r.set_team_id(id);
  r.mutable_team()->add_members("user:ana@example.com");
  v1::Team out;
  auto ctx = ServerFixture::Context(token);
  grpc::Status s = teams.CreateTeam(ctx.get(), r, &out);
  ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
}

// What a receiver does: recompute the signature over "t.body".
bool SignatureValid(const Receiver::Request& r) {
  std::vector<std::string> parts = absl::StrSplit(r.signature, ',');
  if (parts.size() != 2 || parts[0].rfind("t=", 0) != 0) return false;
  return parts[1] ==
         "v1=" + HmacSha256Hex(kSecret, parts[0].substr(2) + "." + r.body);
}

std::vector<v1::WebhookDelivery> Deliveries(ServerFixture& fx,
                                            const std::string& name) {
  v1::ListWebhookDeliveriesRequest r;
  r.set_parent(name);
  r.set_page_size(1000);
  v1::ListWebhookDeliveriesResponse out;
  auto ctx = fx.AdminContext();
  EXPECT_TRUE(fx.Events()->ListWebhookDeliveries(ctx.get(), r, &out).ok());
  return {out.deliveries().begin(), out.deliveries().end()};
}

v1::Webhook GetWebhook(ServerFixture& fx, const std::string& name) {
  v1::GetWebhookRequest r;
  r.set_name(name);
  v1::Webhook out;
  auto ctx = fx.AdminContext();
  EXPECT_TRUE(fx.Events()->GetWebhook(ctx.get(), r, &out).ok());
  return out;
}

TEST(WebhookTest, DeliversSignedCloudEventsInSequenceOrder) {
  auto fx = ServerFixture::Start(FastRetries());
  Receiver receiver;
  v1::Webhook created;
  ASSERT_TRUE(
      CreateWebhook(*fx, "teams-feed", receiver.url(), {"team"}, &created)
          .ok());
  EXPECT_EQ(created.name(), "webhooks/teams-feed");
  EXPECT_EQ(created.secret(), "");  // never returned
  EXPECT_EQ(created.creator(), "user:admin");
  auto teams = fx->Teams();
  const int kTeams = 20;
  for (int i = 0; i < kTeams; ++i) {
    CreateTeam(*teams, fx->admin_token(), absl::StrCat("hook-team-", i));
  }
  std::vector<Receiver::Request> got = receiver.WaitForAccepted(kTeams);
  ASSERT_EQ(got.size(), static_cast<size_t>(kTeams));
  int64_t previous = 0;
  for (int i = 0; i < kTeams; ++i) {
    const Receiver::Request& r = got[i];
    EXPECT_EQ(r.content_type, "application/cloudevents+json; charset=utf-8");
    EXPECT_TRUE(SignatureValid(r)) << r.signature;
    EXPECT_EQ(r.webhook, "webhooks/teams-feed");
    EXPECT_EQ(r.attempt, "1");
    nlohmann::json ce = nlohmann::json::parse(r.body);
    EXPECT_EQ(ce["specversion"], "1.0");
    EXPECT_EQ(ce["type"], "meshplane.team.created");
    EXPECT_EQ(ce["subject"], absl::StrCat("teams/hook-team-", i));
    EXPECT_EQ(ce["data"]["name"], absl::StrCat("teams/hook-team-", i));
    int64_t seq = 0;
    ASSERT_TRUE(absl::SimpleAtoi(ce["id"].get<std::string>(), &seq));
    EXPECT_GT(seq, previous);
    previous = seq;
  }
  // The cursor and the log say the same.
  absl::SleepFor(absl::Milliseconds(200));
  v1::Webhook now = GetWebhook(*fx, "webhooks/teams-feed");
  EXPECT_EQ(now.delivered_sequence(), previous);
  EXPECT_EQ(now.failing_attempts(), 0);
  EXPECT_FALSE(now.has_next_attempt_time());
  std::vector<v1::WebhookDelivery> log = Deliveries(*fx, "webhooks/teams-feed");
  ASSERT_EQ(log.size(), static_cast<size_t>(kTeams));
  EXPECT_EQ(log.front().event_sequence(), previous);  // newest first
  for (const auto& d : log) {
    EXPECT_TRUE(d.success());
    EXPECT_EQ(d.http_status(), 200);
    EXPECT_EQ(d.event_type(), "team.created");
  }
  // Nothing more was sent than asked for.
  EXPECT_EQ(receiver.requests().size(), static_cast<size_t>(kTeams));
}

TEST(WebhookTest, RetriesWithBackoffUntilTheReceiverRecovers) {
  auto fx = ServerFixture::Start(FastRetries());
  Receiver receiver(/*fail_first=*/3);
  v1::Webhook created;
  ASSERT_TRUE(
      CreateWebhook(*fx, "flaky", receiver.url(), {"team"}, &created).ok());
  auto teams = fx->Teams();
  CreateTeam(*teams, fx->admin_token(), "first");
  CreateTeam(*teams, fx->admin_token(), "second");
  std::vector<Receiver::Request> accepted = receiver.WaitForAccepted(2);
  ASSERT_EQ(accepted.size(), 2u);
  std::vector<Receiver::Request> all = receiver.requests();
  ASSERT_EQ(all.size(), 5u);
  // The first event, three times refused, then accepted; the second only
  // after it: order holds through the failures.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(all[i].body, all[0].body);
    EXPECT_EQ(all[i].attempt, std::to_string(i + 1));
  }
  EXPECT_EQ(nlohmann::json::parse(all[0].body)["subject"], "teams/first");
  EXPECT_EQ(nlohmann::json::parse(all[4].body)["subject"], "teams/second");
  absl::SleepFor(absl::Milliseconds(200));
  std::vector<v1::WebhookDelivery> log = Deliveries(*fx, "webhooks/flaky");
  ASSERT_EQ(log.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    const v1::WebhookDelivery& d = log[4 - i];  // oldest last
    EXPECT_FALSE(d.success());
    EXPECT_EQ(d.attempt(), i + 1);
    EXPECT_EQ(d.http_status(), 500);
    EXPECT_EQ(d.error(), "HTTP 500: receiver is down");
  }
  EXPECT_TRUE(log[1].success());
  EXPECT_EQ(log[1].attempt(), 4);
  EXPECT_EQ(GetWebhook(*fx, "webhooks/flaky").failing_attempts(), 0);
  // The replica counted every attempt.
  std::map<std::string, double> m = testing::ScrapeMetrics(fx->http_port());
  EXPECT_EQ(m["meshplane_webhook_deliveries_total{result=\"failure\"}"], 3);
  EXPECT_EQ(m["meshplane_webhook_deliveries_total{result=\"success\"}"], 2);
}

TEST(WebhookTest, AnUnreachableReceiverShowsItsErrorAndWhenItIsRetried) {
  auto fx = ServerFixture::Start(FastRetries());
  // A port nothing listens on: taken, then let go.
  int port = 0;
  {
    httplib::Server probe;
    port = probe.bind_to_any_port("127.0.0.1");
  }
  v1::Webhook created;
  ASSERT_TRUE(CreateWebhook(*fx, "nobody-home",
                            absl::StrCat("http://127.0.0.1:", port, "/hook"),
                            {"team"}, &created)
                  .ok());
  auto teams = fx->Teams();
  CreateTeam(*teams, fx->admin_token(), "lonely");
  v1::Webhook w;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  do {
    absl::SleepFor(absl::Milliseconds(50));
    w = GetWebhook(*fx, "webhooks/nobody-home");
  } while (w.failing_attempts() < 2 && absl::Now() < deadline);
  EXPECT_GE(w.failing_attempts(), 2);
  EXPECT_NE(w.last_error(), "");
  EXPECT_TRUE(w.has_next_attempt_time());
  std::vector<v1::WebhookDelivery> log =
      Deliveries(*fx, "webhooks/nobody-home");
  ASSERT_GE(log.size(), 2u);
  // Stuck before the team's event (past only the webhook's own, skipped).
  EXPECT_LT(w.delivered_sequence(), log.back().event_sequence());
  EXPECT_EQ(log.front().event_sequence(), log.back().event_sequence());
  EXPECT_EQ(log.back().event_type(), "team.created");
  EXPECT_EQ(log.back().http_status(), 0);
  EXPECT_FALSE(log.back().success());
  EXPECT_NE(log.back().error().find("POST http://127.0.0.1:"),
            std::string::npos)
      << log.back().error();
}

TEST(WebhookTest, TwoReplicasDeliverEachEventExactlyOnce) {
  auto fx = ServerFixture::Start(FastRetries());
  server::ServerConfig config = FastRetries().config;
  config.webhook_workers = 3;
  auto second = fx->StartReplica(config, RealClock(), /*pool_size=*/8);
  ASSERT_NE(second, nullptr);
  auto teams_a = fx->Teams();
  auto teams_b = v1::TeamService::NewStub(second->channel);

  Receiver receiver;
  v1::Webhook created;
  ASSERT_TRUE(
      CreateWebhook(*fx, "shared", receiver.url(), {"team"}, &created).ok());
  const int kTeams = 120;
  for (int i = 0; i < kTeams; ++i) {
    CreateTeam(i % 2 ? *teams_b : *teams_a, fx->admin_token(),
               absl::StrCat("twice-", i));
  }
  std::vector<Receiver::Request> got = receiver.WaitForAccepted(kTeams);
  ASSERT_EQ(got.size(), static_cast<size_t>(kTeams));
  absl::SleepFor(absl::Seconds(1));  // room for a duplicate to show up
  got = receiver.requests();
  ASSERT_EQ(got.size(), static_cast<size_t>(kTeams));
  std::vector<int64_t> seqs;
  for (int i = 0; i < kTeams; ++i) {
    nlohmann::json ce = nlohmann::json::parse(got[i].body);
    seqs.push_back(ce["meshplanesequence"]);
    EXPECT_EQ(ce["subject"], absl::StrCat("teams/twice-", i));
  }
  for (size_t i = 1; i < seqs.size(); ++i) EXPECT_LT(seqs[i - 1], seqs[i]);
  second->server->Shutdown();
}

TEST(WebhookTest, TheApiValidatesAuthorizesAndDeletes) {
  auto fx = ServerFixture::Start(FastRetries());
  Receiver receiver;
  v1::Webhook out;
  // Not an admin: PERMISSION_DENIED, and nothing is stored.
  const std::string ana = fx->MintToken("user:ana@example.com");
  EXPECT_EQ(
      CreateWebhook(*fx, "mine", receiver.url(), {}, &out, ana).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  // Every bad field at once, named.
  {
    v1::CreateWebhookRequest r;
    r.set_webhook_id("Bad Id");
    r.mutable_webhook()->set_url("ftp://example.com/x");
    r.mutable_webhook()->set_secret("short");
    r.mutable_webhook()->add_resource_types("gadget");
    auto ctx = fx->AdminContext();
    grpc::Status s = fx->Events()->CreateWebhook(ctx.get(), r, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    for (const char* field : {"webhook_id", "webhook.url", "webhook.secret",
                              "webhook.resource_types[0]"}) {
      EXPECT_NE(s.error_message().find(field), std::string::npos)
          << field << " in " << s.error_message();
    }
  }
  // A malformed name is refused with a field violation naming its field.
  {
    v1::GetWebhookRequest g;
    g.set_name("webhooks/Not Valid");
    auto ctx = fx->AdminContext();
    grpc::Status s = fx->Events()->GetWebhook(ctx.get(), g, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    auto violations = FieldViolationsOf(s);
    ASSERT_EQ(violations.size(), 1u) << s.error_message();
    EXPECT_EQ(violations[0].field, "name");
  }
  // validate_only writes nothing.
  {
    v1::CreateWebhookRequest r;
    r.set_webhook_id("dry");
    r.mutable_webhook()->set_url(receiver.url());
    r.mutable_webhook()->set_secret(kSecret);
    r.set_validate_only(true);
    auto ctx = fx->AdminContext();
    ASSERT_TRUE(fx->Events()->CreateWebhook(ctx.get(), r, &out).ok());
    v1::GetWebhookRequest g;
    g.set_name("webhooks/dry");
    auto ctx2 = fx->AdminContext();
    EXPECT_EQ(fx->Events()->GetWebhook(ctx2.get(), g, &out).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  // A request id makes a retried create answer the same, once.
  {
    v1::CreateWebhookRequest r;
    r.set_webhook_id("once");
    r.mutable_webhook()->set_url(receiver.url());
    r.mutable_webhook()->set_secret(kSecret);
    r.mutable_webhook()->add_resource_types("team");
    r.set_request_id("5b0f6d1e-3f1c-4a8e-9b7a-2c4d6e8f0a1b");
    v1::Webhook first, again;
    auto c1 = fx->AdminContext();
    ASSERT_TRUE(fx->Events()->CreateWebhook(c1.get(), r, &first).ok());
    auto c2 = fx->AdminContext();
    ASSERT_TRUE(fx->Events()->CreateWebhook(c2.get(), r, &again).ok());
    EXPECT_EQ(first.name(), again.name());
    EXPECT_EQ(first.delivered_sequence(), again.delivered_sequence());
  }
  {
    v1::ListWebhooksRequest r;
    v1::ListWebhooksResponse list;
    auto ctx = fx->AdminContext();
    ASSERT_TRUE(fx->Events()->ListWebhooks(ctx.get(), r, &list).ok());
    ASSERT_EQ(list.webhooks_size(), 1);
    EXPECT_EQ(list.webhooks(0).name(), "webhooks/once");
    EXPECT_EQ(list.webhooks(0).secret(), "");
  }
  // Deleted: deliveries stop, and it is gone.
  {
    v1::DeleteWebhookRequest r;
    r.set_name("webhooks/once");
    google::protobuf::Empty empty;
    auto ctx = fx->AdminContext();
    ASSERT_TRUE(fx->Events()->DeleteWebhook(ctx.get(), r, &empty).ok());
  }
  auto teams = fx->Teams();
  CreateTeam(*teams, fx->admin_token(), "after-delete");
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_TRUE(receiver.requests().empty());
  {
    v1::ListWebhookDeliveriesRequest r;
    r.set_parent("webhooks/once");
    v1::ListWebhookDeliveriesResponse list;
    auto ctx = fx->AdminContext();
    EXPECT_EQ(
        fx->Events()->ListWebhookDeliveries(ctx.get(), r, &list).error_code(),
        grpc::StatusCode::NOT_FOUND);
  }
}

}  // namespace
}  // namespace meshplane
