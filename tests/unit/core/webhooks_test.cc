#include "meshplane/core/webhooks.h"

#include <deque>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/memstore/in_memory_store.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/core/event_retention.h"
#include "meshplane/core/registry.h"

namespace meshplane::core {
namespace {

using ::meshplane::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Code = absl::StatusCode;

constexpr char kSecret[] = "a-webhook-secret-0123456789";

std::vector<std::string> FieldsOf(const absl::Status& s) {
  std::vector<std::string> out;
  for (const auto& v : GetFieldViolations(s)) out.push_back(v.field);
  return out;
}

// Records what would have been POSTed; answers from a script (2xx when the
// script is empty). The clock advances by `latency` per POST.
class FakeSender : public WebhookSender {
 public:
  explicit FakeSender(SimulatedClock& clock) : clock_(clock) {}

  WebhookResponse Post(const WebhookRequest& request) override {
    absl::MutexLock lock(&mu_);
    requests_.push_back(request);
    clock_.Advance(absl::Milliseconds(3));
    if (script_.empty()) return {204, ""};
    WebhookResponse r = script_.front();
    script_.pop_front();
    return r;
  }
  void Answer(WebhookResponse r) {
    absl::MutexLock lock(&mu_);
    script_.push_back(std::move(r));
  }
  std::vector<WebhookRequest> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  // The CloudEvents `type`s POSTed, in order.
  std::vector<std::string> types() {
    std::vector<std::string> out;
    for (const auto& r : requests()) {
      out.push_back(nlohmann::json::parse(r.body)["type"]);
    }
    return out;
  }

 private:
  SimulatedClock& clock_;
  absl::Mutex mu_;
  std::vector<WebhookRequest> requests_;
  std::deque<WebhookResponse> script_;
};

std::string Header(const WebhookRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class WebhooksTest : public ::testing::Test {
 protected:
  WebhooksTest()
      : registry_(store_, authz_, clock_),
        webhooks_(store_, authz_, clock_),
        sender_(clock_),
        dispatcher_(store_, sender_, clock_, Options()) {
    admin_.principal = {"user:admin", true, {}};
    ana_.principal = {"user:ana@example.com", false, {}};
  }

  static WebhookDispatcher::Options Options() {
    WebhookDispatcher::Options o;
    o.workers = 0;  // the tests drive DeliverOnce themselves
    o.retry_min = absl::Seconds(1);
    o.retry_max = absl::Seconds(8);
    o.keep_deliveries = 4;
    return o;
  }

  void SetUp() override {
    model::Team team;
    team.id = "sales-team";
    team.display_name = "Sales";
    team.members = {"user:sam@example.com"};
    ASSERT_OK(registry_.CreateTeam(admin_, team).status());
  }

  void CreateDomain(const std::string& id, const std::string& parent = "") {
    model::Domain d;
    d.id = id;
    d.display_name = id;
    d.owner_team_id = "sales-team";
    d.parent_id = parent;
    ASSERT_OK(registry_.CreateDomain(admin_, d).status());
  }

  model::Webhook Hook(const std::string& url = "https://hooks.example.com/in") {
    model::Webhook w;
    w.url = url;
    w.secret = kSecret;
    return w;
  }

  // Runs delivery rounds until none is due (at most `max`).
  int DrainRounds(int max = 100) {
    int rounds = 0;
    while (rounds < max) {
      absl::StatusOr<bool> worked = dispatcher_.DeliverOnce();
      EXPECT_OK(worked.status());
      if (!worked.ok() || !*worked) break;
      ++rounds;
    }
    return rounds;
  }

  model::Webhook Stored(const std::string& id) {
    auto txn = store_.Begin(store::TxnMode::kReadOnly);
    return *(*txn)->events().GetWebhook(id);
  }

  testing::InMemoryStore store_;
  auth::Authorizer authz_;
  SimulatedClock clock_;
  Registry registry_;
  Webhooks webhooks_;
  FakeSender sender_;
  WebhookDispatcher dispatcher_;
  RequestContext admin_;
  RequestContext ana_;
};

TEST_F(WebhooksTest, CreateValidatesEveryFieldAtOnce) {
  model::Webhook w = Hook("ftp://example.com/x");
  w.secret = "short";
  w.resource_types = {"domain", "gadget"};
  w.include_subdomains = true;
  absl::Status s = webhooks_.Create(admin_, "Bad_Id", w).status();
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(FieldsOf(s), UnorderedElementsAre("webhook_id", "webhook.url",
                                                "webhook.secret",
                                                "webhook.resource_types[1]",
                                                "webhook.include_subdomains"));
  EXPECT_THAT(s.message(), HasSubstr("\"gadget\" is not a resource type"));

  for (const char* url :
       {"http://", "https://user:pw@example.com/", "http://example.com/#x",
        "http://exa mple.com/", ""}) {
    EXPECT_THAT(FieldsOf(webhooks_.Create(admin_, "w", Hook(url)).status()),
                ElementsAre("webhook.url"))
        << url;
  }
  // A domain that does not exist, and a start beyond the feed's end.
  w = Hook();
  w.domain_id = "nowhere";
  EXPECT_THAT(webhooks_.Create(admin_, "w", w),
              StatusIs(Code::kNotFound, "domains/nowhere"));
  w = Hook();
  w.delivered_sequence = 1000000;
  EXPECT_THAT(webhooks_.Create(admin_, "w", w),
              StatusIs(Code::kInvalidArgument, "beyond the newest event"));
}

TEST_F(WebhooksTest, OnlyPlatformAdminsManageWebhooks) {
  EXPECT_THAT(webhooks_.Create(ana_, "w", Hook()),
              StatusIs(Code::kPermissionDenied));
  ASSERT_OK(webhooks_.Create(admin_, "w", Hook()).status());
  EXPECT_THAT(webhooks_.Get(ana_, "w"), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(webhooks_.List(ana_, {}), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(webhooks_.ListDeliveries(ana_, "w", {}),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(webhooks_.Delete(ana_, "w"), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(webhooks_.Get(RequestContext{}, "w"),
              StatusIs(Code::kUnauthenticated));
}

TEST_F(WebhooksTest, CreateStoresAuditsAnnouncesAndNeverShowsTheSecret) {
  ASSERT_OK_AND_ASSIGN(model::Webhook created,
                       webhooks_.Create(admin_, "provisioning", Hook()));
  EXPECT_EQ(created.id, "provisioning");
  EXPECT_EQ(created.creator, "user:admin");
  EXPECT_TRUE(created.secret.empty());
  ASSERT_OK_AND_ASSIGN(model::Webhook got,
                       webhooks_.Get(admin_, "provisioning"));
  EXPECT_TRUE(got.secret.empty());
  EXPECT_EQ(Stored("provisioning").secret, kSecret);
  ASSERT_OK_AND_ASSIGN(auto list, webhooks_.List(admin_, {}));
  ASSERT_EQ(list.items.size(), 1u);
  EXPECT_TRUE(list.items[0].secret.empty());

  auto txn = *store_.Begin(store::TxnMode::kReadOnly);
  std::vector<model::Event> events = *txn->events().ListEvents(0, 1000);
  EXPECT_EQ(events.back().type, "webhook.created");
  EXPECT_EQ(events.back().resource, "webhooks/provisioning");
  EXPECT_THAT(events.back().payload_json, ::testing::Not(HasSubstr(kSecret)));
  auto audit = txn->events().ListAudit({}, {"", 1000})->items;
  EXPECT_EQ(audit.front().method, "meshplane.v1.EventService/CreateWebhook");
  EXPECT_THAT(audit.front().after_json, ::testing::Not(HasSubstr(kSecret)));

  EXPECT_THAT(webhooks_.Create(admin_, "provisioning", Hook()),
              StatusIs(Code::kAlreadyExists));
}

TEST_F(WebhooksTest, DeliversOnlyEventsAfterItsCreationInOrderSigned) {
  CreateDomain("before");  // committed before the webhook: not delivered
  model::Webhook w = Hook();
  w.resource_types = {"domain"};
  ASSERT_OK(webhooks_.Create(admin_, "w", w).status());
  CreateDomain("one");
  CreateDomain("two");
  CreateDomain("three", "one");
  EXPECT_EQ(DrainRounds(), 1);
  EXPECT_THAT(sender_.types(), ElementsAre("meshplane.domain.created",
                                           "meshplane.domain.created",
                                           "meshplane.domain.created"));
  std::vector<WebhookRequest> sent = sender_.requests();
  ASSERT_EQ(sent.size(), 3u);
  int64_t previous = 0;
  for (const WebhookRequest& r : sent) {
    EXPECT_EQ(r.url, "https://hooks.example.com/in");
    EXPECT_EQ(Header(r, "Content-Type"),
              "application/cloudevents+json; charset=utf-8");
    EXPECT_EQ(Header(r, "X-Meshplane-Webhook"), "webhooks/w");
    // t=<unix>,v1=<hex hmac of "t.body">: what a receiver recomputes.
    std::vector<std::string> parts =
        absl::StrSplit(Header(r, "X-Meshplane-Signature"), ',');
    ASSERT_EQ(parts.size(), 2u);
    ASSERT_EQ(parts[0].rfind("t=", 0), 0u);
    EXPECT_EQ(parts[1], "v1=" + HmacSha256Hex(kSecret, parts[0].substr(2) +
                                                           "." + r.body));
    nlohmann::json ce = nlohmann::json::parse(r.body);
    EXPECT_EQ(ce["specversion"], "1.0");
    EXPECT_EQ(ce["source"], "/meshplane");
    int64_t seq = ce["meshplanesequence"];
    EXPECT_EQ(ce["id"], std::to_string(seq));
    EXPECT_GT(seq, previous);
    previous = seq;
    EXPECT_EQ(ce["datacontenttype"], "application/json");
    EXPECT_TRUE(ce["data"].is_object());
    EXPECT_EQ(ce["subject"], ce["data"]["name"]);
  }
  EXPECT_EQ(nlohmann::json::parse(sent[2].body)["subject"], "domains/three");
  EXPECT_EQ(nlohmann::json::parse(sent[2].body)["meshplanedomain"],
            "domains/three");
  // Caught up: nothing is due, and the cursor is at the feed's end.
  EXPECT_EQ(DrainRounds(), 0);
  auto txn = *store_.Begin(store::TxnMode::kReadOnly);
  EXPECT_EQ(Stored("w").delivered_sequence, *txn->events().LastEventSequence());
  ASSERT_OK_AND_ASSIGN(auto log, webhooks_.ListDeliveries(admin_, "w", {}));
  ASSERT_EQ(log.items.size(), 3u);
  EXPECT_TRUE(log.items[0].success);
  EXPECT_EQ(log.items[0].http_status, 204);
  EXPECT_EQ(log.items[0].event_sequence, previous);  // newest first
}

TEST_F(WebhooksTest, FiltersByTypeAndDomainSubtree) {
  CreateDomain("sales");
  CreateDomain("marketing");
  model::Webhook w = Hook();
  w.domain_id = "sales";
  w.include_subdomains = true;
  w.resource_types = {"domain"};
  ASSERT_OK(webhooks_.Create(admin_, "sales-only", w).status());
  CreateDomain("emea", "sales");  // in the subtree, created later
  CreateDomain("brand", "marketing");
  CreateDomain("emea-north", "emea");
  model::Team t;
  t.id = "another-team";
  t.display_name = "Another";
  ASSERT_OK(registry_.CreateTeam(admin_, t).status());  // not a domain event
  DrainRounds();
  std::vector<std::string> subjects;
  for (const auto& r : sender_.requests()) {
    subjects.push_back(nlohmann::json::parse(r.body)["subject"]);
  }
  EXPECT_THAT(subjects, ElementsAre("domains/emea", "domains/emea-north"));
  // Skipped events advance the cursor too.
  auto txn = *store_.Begin(store::TxnMode::kReadOnly);
  EXPECT_EQ(Stored("sales-only").delivered_sequence,
            *txn->events().LastEventSequence());
}

TEST_F(WebhooksTest, AFailedDeliveryIsRetriedWithBackoffAndLaterEventsWait) {
  model::Webhook w = Hook();
  w.resource_types = {"domain"};
  ASSERT_OK(webhooks_.Create(admin_, "w", w).status());
  CreateDomain("one");
  CreateDomain("two");
  sender_.Answer({503, "busy"});
  sender_.Answer({0, "connection refused"});
  EXPECT_EQ(DrainRounds(), 1);  // the first attempt fails; then backoff
  model::Webhook stored = Stored("w");
  EXPECT_EQ(stored.failing_attempts, 1);
  EXPECT_EQ(stored.last_error, "HTTP 503: busy");
  EXPECT_GT(stored.next_attempt_time, clock_.Now());
  EXPECT_LE(stored.next_attempt_time, clock_.Now() + absl::Seconds(1));
  EXPECT_EQ(sender_.requests().size(), 1u);  // "two" waits behind "one"

  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(DrainRounds(), 1);  // attempt 2: no answer at all
  stored = Stored("w");
  EXPECT_EQ(stored.failing_attempts, 2);
  EXPECT_EQ(stored.last_error, "connection refused");
  // The second backoff doubles: between 0.8 * 2 s and 2 s.
  EXPECT_GE(stored.next_attempt_time - clock_.Now(), absl::Milliseconds(1600));
  EXPECT_LE(stored.next_attempt_time - clock_.Now(), absl::Seconds(2));
  clock_.Advance(absl::Milliseconds(500));
  EXPECT_EQ(DrainRounds(), 0);  // not yet due

  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(DrainRounds(), 1);  // attempt 3 succeeds, then "two" goes
  stored = Stored("w");
  EXPECT_EQ(stored.failing_attempts, 0);
  EXPECT_EQ(stored.last_error, "");
  std::vector<WebhookRequest> sent = sender_.requests();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0].body, sent[2].body);  // the same event, resent
  EXPECT_EQ(Header(sent[2], "X-Meshplane-Attempt"), "3");
  EXPECT_EQ(nlohmann::json::parse(sent[3].body)["subject"], "domains/two");

  ASSERT_OK_AND_ASSIGN(auto log, webhooks_.ListDeliveries(admin_, "w", {}));
  // keep_deliveries is 4 in this test: exactly the four attempts.
  ASSERT_EQ(log.items.size(), 4u);
  EXPECT_EQ(log.items[3].attempt, 1);
  EXPECT_FALSE(log.items[3].success);
  EXPECT_EQ(log.items[3].http_status, 503);
  EXPECT_EQ(log.items[2].attempt, 2);
  EXPECT_EQ(log.items[2].http_status, 0);
  EXPECT_EQ(log.items[2].error, "connection refused");
  EXPECT_EQ(log.items[1].attempt, 3);
  EXPECT_TRUE(log.items[1].success);
  EXPECT_EQ(log.items[0].attempt, 1);
  // The log keeps the newest `keep_deliveries` attempts.
  CreateDomain("three");
  DrainRounds();
  ASSERT_OK_AND_ASSIGN(log, webhooks_.ListDeliveries(admin_, "w", {}));
  EXPECT_EQ(log.items.size(), 4u);
  EXPECT_EQ(log.items[3].attempt, 2);
}

TEST_F(WebhooksTest, BackoffDoublesUpToTheCap) {
  for (int i = 0; i < 50; ++i) {
    absl::Duration d1 = WebhookBackoff(1, absl::Seconds(1), absl::Minutes(5));
    EXPECT_GE(d1, absl::Milliseconds(800));
    EXPECT_LE(d1, absl::Seconds(1));
    absl::Duration d4 = WebhookBackoff(4, absl::Seconds(1), absl::Minutes(5));
    EXPECT_GE(d4, absl::Milliseconds(6400));
    EXPECT_LE(d4, absl::Seconds(8));
    absl::Duration d30 = WebhookBackoff(30, absl::Seconds(1), absl::Minutes(5));
    EXPECT_GE(d30, absl::Minutes(4));
    EXPECT_LE(d30, absl::Minutes(5));
  }
}

TEST_F(WebhooksTest, DeleteStopsDeliveriesAndDropsTheLog) {
  model::Webhook w = Hook();
  w.resource_types = {"domain"};
  ASSERT_OK(webhooks_.Create(admin_, "w", w).status());
  CreateDomain("one");
  DrainRounds();
  ASSERT_EQ(sender_.requests().size(), 1u);
  ASSERT_OK(webhooks_.Delete(admin_, "w"));
  CreateDomain("two");
  EXPECT_EQ(DrainRounds(), 0);
  EXPECT_EQ(sender_.requests().size(), 1u);
  EXPECT_THAT(webhooks_.Get(admin_, "w"), StatusIs(Code::kNotFound));
  EXPECT_THAT(webhooks_.ListDeliveries(admin_, "w", {}),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(webhooks_.Delete(admin_, "w"), StatusIs(Code::kNotFound));
  auto txn = *store_.Begin(store::TxnMode::kReadOnly);
  auto events = *txn->events().ListEvents(0, 1000);
  EXPECT_EQ(events[events.size() - 2].type, "webhook.deleted");
}

TEST_F(WebhooksTest, AStartSequenceReplaysThePast) {
  CreateDomain("one");
  auto txn = *store_.Begin(store::TxnMode::kReadOnly);
  std::vector<model::Event> before = *txn->events().ListEvents(0, 1000);
  model::Webhook w = Hook();
  w.delivered_sequence = before.front().sequence;  // after the team's event
  w.resource_types = {"domain", "team"};
  ASSERT_OK(webhooks_.Create(admin_, "w", w).status());
  DrainRounds();
  EXPECT_THAT(sender_.types(), ElementsAre("meshplane.domain.created"));
}

TEST_F(WebhooksTest, TwoWorkersNeverDeliverOneWebhookTwice) {
  // Workers on threads, as in the server: every event exactly once, in
  // order, whichever worker takes the webhook.
  model::Webhook w = Hook();
  w.resource_types = {"domain"};
  ASSERT_OK(webhooks_.Create(admin_, "w", w).status());
  WebhookDispatcher::Options o = Options();
  o.workers = 3;
  o.batch_size = 2;
  o.poll = absl::Milliseconds(5);
  WebhookDispatcher threaded(store_, sender_, clock_, o);
  threaded.Start();
  for (int i = 0; i < 30; ++i) {
    CreateDomain("d" + std::to_string(i));
    threaded.Wake();
  }
  auto txn = *store_.Begin(store::TxnMode::kReadOnly);
  const int64_t last = *txn->events().LastEventSequence();
  for (int i = 0; i < 2000 && Stored("w").delivered_sequence < last; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  threaded.Stop();
  std::vector<int64_t> seqs;
  for (const auto& r : sender_.requests()) {
    seqs.push_back(nlohmann::json::parse(r.body)["meshplanesequence"]);
  }
  ASSERT_EQ(seqs.size(), 30u);
  for (size_t i = 1; i < seqs.size(); ++i) EXPECT_LT(seqs[i - 1], seqs[i]);
}

TEST_F(WebhooksTest, RetentionKeepsWhatAWebhookHasNotDelivered) {
  model::Webhook w = Hook();
  w.resource_types = {"domain"};
  ASSERT_OK(webhooks_.Create(admin_, "w", w).status());
  sender_.Answer({503, "down"});
  CreateDomain("one");
  CreateDomain("two");
  EXPECT_EQ(DrainRounds(), 1);  // stuck on "one"
  const int64_t cursor = Stored("w").delivered_sequence;
  // A month later every event is old enough to go, but the webhook has not
  // delivered "one" and "two": they stay.
  clock_.Advance(absl::Hours(24 * 40));
  EventRetention::Options ro;
  ro.retention = absl::Hours(24 * 30);
  EventRetention retention(store_, clock_, ro);
  ASSERT_OK_AND_ASSIGN(EventRetention::Bound bound, retention.PruneBound());
  EXPECT_EQ(bound.max_sequence, cursor);
  ASSERT_OK(retention.PruneOnce().status());
  {
    auto txn = *store_.Begin(store::TxnMode::kReadOnly);
    EXPECT_EQ(*txn->events().EventsPrunedThrough(), cursor);
  }
  DrainRounds();
  EXPECT_THAT(sender_.types(), ElementsAre("meshplane.domain.created",
                                           "meshplane.domain.created",
                                           "meshplane.domain.created"));
  // Delivered now: the next pass may take them.
  ASSERT_OK(retention.PruneOnce().status());
  auto txn = *store_.Begin(store::TxnMode::kReadOnly);
  EXPECT_EQ(*txn->events().EventsPrunedThrough(),
            Stored("w").delivered_sequence);

  // A start below what was pruned cannot be served.
  model::Webhook late = Hook();
  late.delivered_sequence = 1;
  EXPECT_THAT(webhooks_.Create(admin_, "late", late),
              StatusIs(Code::kOutOfRange, "pruned"));
}

}  // namespace
}  // namespace meshplane::core
