// Webhooks end to end (issue 7): the real meshplane binary against the real
// meshplaned, whose delivery workers POST to a small HTTP receiver in this
// test process. An admin subscribes with `webhook create`, writes through
// the CLI, and the receiver checks what arrives as a subscriber would: a
// CloudEvents 1.0 document signed with the webhook's secret. Then the
// read commands (table and JSON), retries, refusals and delete.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/e2e/server_test.h"
#include "tests/testing/server/eventually.h"
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "meshplane/common/crypto.h"

namespace meshplane::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// The secret of the --secret-file webhooks; the CLI strips the newline.
constexpr char kSecret[] = "e2e-webhook-secret-0123456789";

// Polls `done` for up to 15 s: deliveries and their retries are
// asynchronous.
template <typename F>
bool WaitFor(F done) {
  return testing::Eventually(done, absl::Seconds(15));
}

// One POST as the receiver saw it.
struct Received {
  std::string path;
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> headers;  // first value of each
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// An HTTP server on 127.0.0.1 (a free port) that records every POST and
// answers with the next queued status (204 once the queue is empty).
class Receiver {
 public:
  Receiver() {
    server_.Post(".*",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   Received r;
                   r.path = req.path;
                   for (const auto& [k, v] : req.params) r.params.emplace(k, v);
                   for (const auto& [k, v] : req.headers)
                     r.headers.emplace(k, v);
                   r.body = req.body;
                   absl::MutexLock lock(&mu_);
                   received_.push_back(std::move(r));
                   int status = 204;
                   if (!statuses_.empty()) {
                     status = statuses_.front();
                     statuses_.erase(statuses_.begin());
                   }
                   res.status = status;
                   if (status >= 300)
                     res.set_content("receiver is busy", "text/plain");
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the loop runs: wait for it.
    WaitFor([this] { return server_.is_running(); });
  }
  ~Receiver() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }
  // The next POSTs are answered with these statuses, in order.
  void Answer(std::vector<int> statuses) {
    absl::MutexLock lock(&mu_);
    statuses_ = std::move(statuses);
  }
  // The POSTs to `path` so far.
  std::vector<Received> To(const std::string& path) const {
    absl::MutexLock lock(&mu_);
    std::vector<Received> out;
    for (const auto& r : received_) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }
  // Waits until at least `n` POSTs reached `path`.
  bool WaitForPosts(const std::string& path, size_t n) const {
    return WaitFor([&] { return To(path).size() >= n; });
  }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::vector<Received> received_ ABSL_GUARDED_BY(mu_);
  std::vector<int> statuses_ ABSL_GUARDED_BY(mu_);
};

// Checks `r`'s X-Meshplane-Signature (`t=<unix>,v1=<hex>`) against
// HMAC-SHA256(secret, "<t>.<body>"), with t close to now.
void ExpectSignedWith(const Received& r, const std::string& secret) {
  const std::string header = r.Header("X-Meshplane-Signature");
  std::vector<std::string> parts = absl::StrSplit(header, ',');
  ASSERT_EQ(parts.size(), 2u) << header;
  ASSERT_THAT(parts[0], StartsWith("t=")) << header;
  ASSERT_THAT(parts[1], StartsWith("v1=")) << header;
  const std::string t = parts[0].substr(2);
  int64_t unix_seconds = 0;
  ASSERT_TRUE(absl::SimpleAtoi(t, &unix_seconds)) << header;
  EXPECT_LT(
      absl::AbsDuration(absl::FromUnixSeconds(unix_seconds) - absl::Now()),
      absl::Minutes(5))
      << header;
  EXPECT_EQ(parts[1].substr(3),
            HmacSha256Hex(secret, absl::StrCat(t, ".", r.body)))
      << "signature does not verify: " << header;
  EXPECT_NE(parts[1].substr(3), HmacSha256Hex("wrong-secret-0123456789",
                                              absl::StrCat(t, ".", r.body)));
}

class WebhookCliE2eTest : public ServerE2eTest {
 protected:
  void SetUp() override {
    // As ServerE2eTest::SetUp, with our CloudEvents source and quick retries.
    StartServer(
        testing::PgFixture::Get().NewDatabase(),
        {"--event-source", "/e2e/meshplane", "--webhook-retry-min", "50ms",
         "--webhook-retry-max", "200ms", "--webhook-timeout", "5s"});
    if (HasFatalFailure()) return;
    secret_file_ = File("secret", absl::StrCat(kSecret, "\n"));
  }

  // `webhook get NAME -o json`.
  nlohmann::json GetJson(const std::string& name) {
    CommandResult r = Cli({"webhook", "get", name, "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return Json(r);
  }

  // The webhook's delivered_sequence (int64: a string in proto JSON).
  std::string Delivered(const std::string& name) {
    nlohmann::json j = GetJson(name);
    if (!j.contains("delivered_sequence")) return "0";
    const nlohmann::json& s = j["delivered_sequence"];
    return s.is_string() ? s.get<std::string>() : s.dump();
  }

  Receiver receiver_;
  std::string secret_file_;
};

TEST_F(WebhookCliE2eTest, DeliversSignedCloudEventsAndShowsTheLog) {
  const std::string url = receiver_.Url("/hooks/in?tenant=e2e");
  CommandResult r = Cli({"webhook", "create", "domain-feed", "--url", url,
                         "--type", "domain", "--secret-file", secret_file_});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("webhooks/domain-feed"));
  EXPECT_THAT(r.out, HasSubstr(url));
  EXPECT_THAT(r.out, Not(HasSubstr("Signing secret")));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(kSecret)));

  // A team event (not a domain one: skipped), then the domain.
  ASSERT_NO_FATAL_FAILURE(
      CliAll({{"team", "create", "sales-eng"},
              {"domain", "create", "sales", "--owner-team", "sales-eng"}}));

  ASSERT_TRUE(receiver_.WaitForPosts("/hooks/in", 1))
      << "no webhook POST arrived\n--- meshplaned log ---\n"
      << server_.Log();
  const Received post = receiver_.To("/hooks/in")[0];
  EXPECT_EQ(post.params.count("tenant") ? post.params.at("tenant") : "", "e2e");
  EXPECT_THAT(post.Header("Content-Type"),
              StartsWith("application/cloudevents+json"));
  EXPECT_EQ(post.Header("X-Meshplane-Webhook"), "webhooks/domain-feed");
  EXPECT_EQ(post.Header("X-Meshplane-Attempt"), "1");
  ExpectSignedWith(post, kSecret);

  nlohmann::json event = nlohmann::json::parse(post.body, nullptr, false);
  ASSERT_FALSE(event.is_discarded()) << post.body;
  EXPECT_EQ(event.value("specversion", ""), "1.0");
  EXPECT_EQ(event.value("type", ""), "meshplane.domain.created");
  EXPECT_EQ(event.value("subject", ""), "domains/sales");
  EXPECT_EQ(event.value("source", ""), "/e2e/meshplane");
  EXPECT_EQ(event.value("meshplanedomain", ""), "domains/sales");
  EXPECT_EQ(event.value("datacontenttype", ""), "application/json");
  EXPECT_FALSE(event.value("time", "").empty());
  ASSERT_TRUE(event.contains("meshplanesequence")) << post.body;
  const int64_t sequence = event["meshplanesequence"].get<int64_t>();
  EXPECT_GT(sequence, 0);
  EXPECT_EQ(event.value("id", ""), std::to_string(sequence));
  EXPECT_TRUE(event["data"].is_object()) << post.body;

  // The webhook's cursor moves past it once the round commits.
  ASSERT_TRUE(WaitFor([&] {
    return Delivered("domain-feed") == std::to_string(sequence);
  })) << GetJson("domain-feed").dump();
  // The team event was skipped, not delivered; nothing else came.
  std::vector<Received> all = receiver_.To("/hooks/in");
  ASSERT_EQ(all.size(), 1u) << all.back().body;

  // get: table and JSON; never the secret.
  r = Cli({"webhook", "get", "domain-feed"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("webhooks/domain-feed"));
  EXPECT_THAT(r.out, HasSubstr(url));
  EXPECT_THAT(r.out, HasSubstr("Delivered through"));
  EXPECT_THAT(r.out, HasSubstr(std::to_string(sequence)));
  EXPECT_THAT(r.out, HasSubstr("ok"));
  EXPECT_THAT(r.out, Not(HasSubstr(kSecret)));
  nlohmann::json got = GetJson("webhooks/domain-feed");
  EXPECT_EQ(got.value("name", ""), "webhooks/domain-feed");
  EXPECT_EQ(got.value("url", ""), url);
  EXPECT_EQ(got["resource_types"], nlohmann::json::array({"domain"}));
  EXPECT_EQ(got.value("secret", ""), "");
  EXPECT_EQ(got.value("creator", ""), "user:admin") << got.dump();
  EXPECT_EQ(got.value("failing_attempts", 0), 0);

  // list: table and JSON.
  r = Cli({"webhook", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("webhooks/domain-feed"));
  EXPECT_THAT(r.out, HasSubstr(url));
  EXPECT_THAT(r.out, HasSubstr("domain"));
  EXPECT_THAT(r.out, HasSubstr("ok"));
  EXPECT_THAT(r.out, Not(HasSubstr(kSecret)));
  r = Cli({"webhook", "list", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json list = Json(r);
  ASSERT_EQ(list["webhooks"].size(), 1u) << r.out;
  EXPECT_EQ(list["webhooks"][0].value("name", ""), "webhooks/domain-feed");
  EXPECT_EQ(list["webhooks"][0].value("secret", ""), "");

  // deliveries: one successful attempt at the domain event.
  r = Cli({"webhook", "deliveries", "domain-feed"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("domain.created"));
  EXPECT_THAT(r.out, HasSubstr("204"));
  EXPECT_THAT(r.out, HasSubstr("ok ("));
  EXPECT_THAT(r.out, Not(HasSubstr("team.created")));
  r = Cli({"webhook", "deliveries", "domain-feed", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json log = Json(r);
  ASSERT_EQ(log["deliveries"].size(), 1u) << r.out;
  const nlohmann::json& d = log["deliveries"][0];
  EXPECT_EQ(d.value("event_sequence", ""), std::to_string(sequence));
  EXPECT_EQ(d.value("event_type", ""), "domain.created");
  EXPECT_EQ(d.value("attempt", 0), 1);
  EXPECT_EQ(d.value("http_status", 0), 204);
  EXPECT_EQ(d.value("success", false), true);
}

TEST_F(WebhookCliE2eTest, FailedDeliveryIsRetriedWithTheNextAttempt) {
  // The first two POSTs fail (HTTP 503), the third is accepted.
  receiver_.Answer({503, 503});
  CommandResult r =
      Cli({"webhook", "create", "flaky", "--url", receiver_.Url("/flaky"),
           "--type", "team", "--secret-file", secret_file_});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Cli({"team", "create", "data-eng"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();

  ASSERT_TRUE(receiver_.WaitForPosts("/flaky", 3)) << server_.Log();
  std::vector<Received> posts = receiver_.To("/flaky");
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(absl::StrCat("attempt ", i + 1));
    EXPECT_EQ(posts[i].Header("X-Meshplane-Attempt"), std::to_string(i + 1));
    EXPECT_EQ(posts[i].body, posts[0].body);  // the same event each time
    ExpectSignedWith(posts[i], kSecret);
  }
  nlohmann::json event = nlohmann::json::parse(posts[0].body, nullptr, false);
  ASSERT_FALSE(event.is_discarded()) << posts[0].body;
  EXPECT_EQ(event.value("type", ""), "meshplane.team.created");
  EXPECT_EQ(event.value("subject", ""), "teams/data-eng");
  const std::string id = event.value("id", "");

  ASSERT_TRUE(WaitFor([&] { return Delivered("flaky") == id; }))
      << GetJson("flaky").dump();
  nlohmann::json got = GetJson("flaky");
  EXPECT_EQ(got.value("failing_attempts", 0), 0) << got.dump();
  EXPECT_EQ(got.value("last_error", ""), "") << got.dump();

  // The log, newest first: ok at attempt 3 after two failures.
  r = Cli({"webhook", "deliveries", "flaky", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json log = Json(r)["deliveries"];
  ASSERT_EQ(log.size(), 3u) << r.out;
  EXPECT_EQ(log[0].value("attempt", 0), 3);
  EXPECT_EQ(log[0].value("success", false), true);
  EXPECT_EQ(log[2].value("attempt", 0), 1);
  EXPECT_EQ(log[2].value("success", false), false);
  EXPECT_EQ(log[2].value("http_status", 0), 503);
  EXPECT_THAT(log[2].value("error", ""), HasSubstr("503"));
  r = Cli({"webhook", "deliveries", "flaky"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("failed: HTTP 503"));
  EXPECT_THAT(r.out, HasSubstr("ok ("));
}

TEST_F(WebhookCliE2eTest, GeneratedSecretIsShownOnceAndSigns) {
  CommandResult r =
      Cli({"webhook", "create", "everything", "--url", receiver_.Url("/all")});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string marker = "Signing secret (shown only this once";
  ASSERT_THAT(r.out, HasSubstr(marker));
  // The secret is the line after the notice.
  std::vector<std::string> lines =
      absl::StrSplit(r.out.substr(r.out.find(marker)), '\n');
  ASSERT_GE(lines.size(), 2u) << r.out;
  const std::string secret = lines[1];
  EXPECT_GE(secret.size(), 16u) << r.out;

  // Never shown again.
  r = Cli({"webhook", "get", "everything"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, Not(HasSubstr(secret)));
  EXPECT_THAT(r.out, HasSubstr("all types"));

  // Every type: the team event arrives, signed with that secret.
  r = Cli({"team", "create", "ops"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  auto team_post = [&]() -> std::optional<Received> {
    for (const Received& p : receiver_.To("/all")) {
      nlohmann::json e = nlohmann::json::parse(p.body, nullptr, false);
      if (!e.is_discarded() &&
          e.value("type", "") == "meshplane.team.created") {
        return p;
      }
    }
    return std::nullopt;
  };
  ASSERT_TRUE(WaitFor([&] { return team_post().has_value(); }))
      << server_.Log();
  ExpectSignedWith(*team_post(), secret);
  for (const Received& p : receiver_.To("/all")) ExpectSignedWith(p, secret);
}

// With -o json (or yaml) too, a generated secret is shown once: the
// server's answer never carries it, so the CLI adds it.
TEST_F(WebhookCliE2eTest, GeneratedSecretIsShownInJsonToo) {
  CommandResult r = Cli({"webhook", "create", "json-made", "--url",
                         receiver_.Url("/json"), "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json created = Json(r);
  EXPECT_GE(created.value("secret", "").size(), 16u) << r.out;
}

TEST_F(WebhookCliE2eTest, RefusalsAndDeleteHaveTheirExitCodes) {
  // Not an http(s) URL: a usage error naming the field; nothing created.
  CommandResult r = Cli({"webhook", "create", "bad", "--url", "ftp://x",
                         "--secret-file", secret_file_});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("webhook.url"));
  r = Cli({"webhook", "get", "bad"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  // A secret too short; an unknown type.
  std::string short_secret = File("short", "tiny\n");
  r = Cli({"webhook", "create", "bad", "--url", receiver_.Url("/x"),
           "--secret-file", short_secret});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("webhook.secret"));
  r = Cli({"webhook", "create", "bad", "--url", receiver_.Url("/x"), "--type",
           "gadget", "--secret-file", secret_file_});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("resource_types[0]"));
  // A domain that does not exist.
  r = Cli({"webhook", "create", "bad", "--url", receiver_.Url("/x"), "--domain",
           "ghost", "--secret-file", secret_file_});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("webhook.domain: domains/ghost not found"));

  r = Cli({"webhook", "create", "hook", "--url", receiver_.Url("/hook"),
           "--secret-file", secret_file_});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  // The id is taken.
  r = Cli({"webhook", "create", "hook", "--url", receiver_.Url("/other"),
           "--secret-file", secret_file_});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("already exists"));

  // Platform admins only.
  const std::string dev = Token("user:dev@example.com");
  ASSERT_FALSE(dev.empty());
  r = Cli({"webhook", "list"}, dev);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("permission"));
  r = Cli({"webhook", "create", "mine", "--url", receiver_.Url("/mine"),
           "--secret-file", secret_file_},
          dev);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();

  // Delete; then it is gone for every command.
  r = Cli({"webhook", "delete", "hook"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("webhooks/hook"));
  r = Cli({"webhook", "get", "hook"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("not found"));
  r = Cli({"webhook", "deliveries", "hook"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  r = Cli({"webhook", "delete", "hook"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  r = Cli({"webhook", "list", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Json(r).value("webhooks", nlohmann::json::array()).size(), 0u)
      << r.out;
}

}  // namespace
}  // namespace meshplane::e2e
