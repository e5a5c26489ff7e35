// EventService.Watch over real gRPC and a real PostgreSQL: resume without
// loss or duplicates, two replicas serving one feed, concurrent writers
// whose commits are delayed at random, filters and authorization.
#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/app.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/server/eventually.h"
#include "tests/testing/server/exposition.h"
#include "tests/testing/server/server_fixture.h"

#include "meshplane/common/clock.h"
#include "meshplane/v1/events.grpc.pb.h"
#include "meshplane/v1/team.grpc.pb.h"

namespace meshplane {
namespace {

using testing::Eventually;
using testing::ScrapeMetrics;
using testing::ServerFixture;
using testing::ServerFixtureOptions;

struct Seen {
  std::vector<int64_t> sequences;
  std::vector<std::string> types;
  std::vector<std::string> resources;
  int64_t high_water = 0;
  grpc::Status status;
};

// Reads one Watch stream from `since` until `enough` of events arrived (or
// the deadline), then hangs up.
Seen WatchUntil(v1::EventService::Stub& stub, const std::string& token,
                v1::WatchRequest request, size_t enough,
                absl::Duration timeout = absl::Seconds(60)) {
  Seen out;
  auto ctx = ServerFixture::Context(token, timeout);
  auto reader = stub.Watch(ctx.get(), request);
  v1::WatchResponse msg;
  bool open = true;
  while (out.sequences.size() < enough && (open = reader->Read(&msg))) {
    for (const auto& e : msg.events()) {
      out.sequences.push_back(e.sequence());
      out.types.push_back(e.type());
      out.resources.push_back(e.resource());
    }
    out.high_water = msg.high_water_sequence();
  }
  if (open) ctx->TryCancel();  // else Finish tells why the server ended it
  out.status = reader->Finish();
  return out;
}

// Appends `n` events straight through the store, `per_txn` per
// transaction: the outbox path every write takes, without the RPC cost.
void AppendEvents(store::Store& store, int n, int per_txn,
                  const std::string& tag) {
  for (int done = 0; done < n;) {
    ASSERT_OK(store.RunInTransaction(
        store::TxnMode::kReadWrite, [&](store::Transaction& txn) {
          for (int i = 0; i < per_txn && done + i < n; ++i) {
            model::Event e;
            e.time = absl::Now();
            e.type = "team.updated";
            e.resource = absl::StrCat("teams/", tag, "-", done + i);
            auto seq = txn.events().AppendEvent(e);
            if (!seq.ok()) return seq.status();
          }
          return absl::OkStatus();
        }));
    done += per_txn;
  }
}

std::vector<int64_t> AllSequences(store::Store& store, int64_t after) {
  std::vector<int64_t> out;
  while (true) {
    std::vector<model::Event> page;
    EXPECT_OK(store.RunInTransaction(
        store::TxnMode::kReadOnly, [&](store::Transaction& txn) {
          auto r = txn.events().ListEvents(after, 5000);
          if (!r.ok()) return r.status();
          page = *std::move(r);
          return absl::OkStatus();
        }));
    if (page.empty()) return out;
    for (const auto& e : page) out.push_back(e.sequence);
    after = page.back().sequence;
  }
}

// 10,000 events, written while a client reads them over several
// connections, hanging up at arbitrary points and resuming after the last
// sequence it saw: every event arrives exactly once, in order.
TEST(EventFeedTest, ResumeAcrossDisconnectsMissesAndRepeatsNothing) {
  auto fx = ServerFixture::Start();
  auto events = fx->Events();
  const int64_t start = AllSequences(fx->store(), 0).empty()
                            ? 0
                            : AllSequences(fx->store(), 0).back();
  std::thread writer([&] { AppendEvents(fx->store(), 10000, 50, "resume"); });
  std::vector<int64_t> got;
  std::mt19937 rng(7);
  int connections = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(120);
  while (got.size() < 10000 && absl::Now() < deadline) {
    v1::WatchRequest r;
    r.set_since_sequence(got.empty() ? start : got.back());
    r.add_resource_types("team");
    const size_t chunk = 500 + rng() % 3000;
    Seen s = WatchUntil(*events, fx->admin_token(), r, chunk);
    ++connections;
    got.insert(got.end(), s.sequences.begin(), s.sequences.end());
  }
  writer.join();
  EXPECT_GE(connections, 3);
  std::vector<int64_t> want = AllSequences(fx->store(), start);
  ASSERT_EQ(want.size(), 10000u);
  // Chunks may overshoot: a message carries up to a batch of events.
  ASSERT_GE(got.size(), want.size());
  got.resize(want.size());
  EXPECT_EQ(got, want);
}

// Two replicas over one database serve the same feed: the same events,
// in the same order, whichever replica a write went through.
TEST(EventFeedTest, TwoReplicasServeOneFeedIdentically) {
  auto fx = ServerFixture::Start();
  auto second = fx->StartReplica();
  ASSERT_NE(second, nullptr);
  auto channel_b = second->channel;
  auto teams_a = fx->Teams();
  auto teams_b = v1::TeamService::NewStub(channel_b);
  auto events_a = fx->Events();
  auto events_b = v1::EventService::NewStub(channel_b);

  const int kWrites = 60;
  for (int i = 0; i < kWrites; ++i) {
    v1::CreateTeamRequest r;
    r.set_team_id(absl::StrCat("replica-team-", i));
    r.mutable_team()->add_members("user:ana@example.com");
    v1::Team out;
    auto ctx = fx->AdminContext();
    ASSERT_TRUE(
        (i % 2 ? teams_b : teams_a)->CreateTeam(ctx.get(), r, &out).ok())
        << i;
  }
  v1::WatchRequest r;
  r.set_since_sequence(0);
  r.add_resource_types("team");
  Seen a = WatchUntil(*events_a, fx->admin_token(), r, kWrites);
  Seen b = WatchUntil(*events_b, fx->admin_token(), r, kWrites);
  ASSERT_EQ(a.sequences.size(), static_cast<size_t>(kWrites));
  EXPECT_EQ(a.sequences, b.sequences);
  EXPECT_EQ(a.types, b.types);
  EXPECT_EQ(a.resources, b.resources);
  for (int i = 0; i < kWrites; ++i) {
    EXPECT_EQ(a.resources[i], absl::StrCat("teams/replica-team-", i));
    EXPECT_EQ(a.types[i], "team.created");
  }
  second->server->Shutdown();
}

// Many writers whose commits are delayed at random, some rolling back,
// while a client follows the feed live: it sees exactly the committed
// events, in sequence order; none committed late with a smaller number is
// skipped.
TEST(EventFeedTest, ConcurrentWritersWithRandomCommitDelaysSkipNothing) {
  auto fx = ServerFixture::Start();
  auto events = fx->Events();
  const int64_t start = [&] {
    auto all = AllSequences(fx->store(), 0);
    return all.empty() ? int64_t{0} : all.back();
  }();
  std::atomic<int> committed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 5; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937 rng(w);
      for (int i = 0; i < 60; ++i) {
        auto txn = fx->store().Begin(store::TxnMode::kReadWrite);
        ASSERT_OK(txn.status());
        model::Event e;
        e.time = absl::Now();
        e.type = "team.updated";
        e.resource = absl::StrCat("teams/w", w, "-", i);
        ASSERT_OK((*txn)->events().AppendEvent(e).status());
        absl::SleepFor(absl::Microseconds(rng() % 4000));
        if (rng() % 5 == 0) continue;  // rolled back: a gap
        ASSERT_OK((*txn)->Commit());
        ++committed;
      }
    });
  }
  v1::WatchRequest r;
  r.set_since_sequence(start);
  std::thread follower;
  Seen seen;
  follower = std::thread(
      [&] { seen = WatchUntil(*events, fx->admin_token(), r, 5 * 60); });
  for (auto& t : writers) t.join();
  const std::vector<int64_t> want = AllSequences(fx->store(), start);
  ASSERT_EQ(want.size(), static_cast<size_t>(committed.load()));
  // Let the follower take what was committed, then hang up.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    v1::WatchRequest again;
    again.set_since_sequence(start);
    Seen probe = WatchUntil(*events, fx->admin_token(), again, want.size());
    if (probe.sequences.size() >= want.size()) break;
  }
  // The live follower is still connected: give it the heartbeat to see
  // there is nothing more, then compare.
  absl::SleepFor(absl::Seconds(1));
  fx->server().Shutdown();  // ends its stream
  follower.join();
  EXPECT_EQ(seen.sequences, want);
}

TEST(EventFeedTest, FiltersAuthorizationAndHeartbeats) {
  ServerFixtureOptions options;
  options.config.event_watchers = {"service:provisioner"};
  options.config.watch_heartbeat = absl::Milliseconds(200);
  auto fx = ServerFixture::Start(options);
  auto events = fx->Events();
  const std::string ana = fx->MintToken("user:ana@example.com");
  const std::string bot = fx->MintToken("service:provisioner");
  {
    v1::WatchRequest r;
    Seen s = WatchUntil(*events, ana, r, 1, absl::Seconds(5));
    EXPECT_EQ(s.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_NE(s.status.error_message().find("--event-watcher"),
              std::string::npos);
  }
  {
    v1::WatchRequest r;
    r.add_resource_types("teams");
    Seen s = WatchUntil(*events, bot, r, 1, absl::Seconds(5));
    EXPECT_EQ(s.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(s.status.error_message().find("resource_types[0]"),
              std::string::npos);
  }
  // A domain tree: sales > emea > north, and finance beside it.
  ASSERT_NO_FATAL_FAILURE(fx->SeedTeam("owners", {"user:ana@example.com"}));
  fx->SeedDomain("sales", "owners");
  fx->SeedDomain("finance", "owners");
  fx->SeedDomain("emea", "owners", "domains/sales");
  {
    // The subtree as it is now, and a subdomain created later.
    v1::WatchRequest r;
    r.set_since_sequence(0);
    r.set_domain("domains/sales");
    r.set_include_subdomains(true);
    std::thread later([&] {
      absl::SleepFor(absl::Milliseconds(300));
      fx->SeedDomain("north", "owners", "domains/emea");
      fx->SeedDomain("south", "owners", "domains/finance");
    });
    Seen s = WatchUntil(*events, bot, r, 3, absl::Seconds(20));
    later.join();
    EXPECT_EQ(s.resources,
              (std::vector<std::string>{"domains/sales", "domains/emea",
                                        "domains/north"}));
  }
  {
    v1::WatchRequest r;
    r.set_since_sequence(0);
    r.set_domain("domains/sales");
    Seen s = WatchUntil(*events, bot, r, 1, absl::Seconds(20));
    EXPECT_EQ(s.resources, (std::vector<std::string>{"domains/sales"}));
  }
  {
    // Only new events: an idle stream still gets heartbeats carrying the
    // high-water sequence.
    v1::WatchRequest r;
    r.set_since_sequence(-1);
    auto ctx = ServerFixture::Context(bot, absl::Seconds(10));
    auto reader = events->Watch(ctx.get(), r);
    v1::WatchResponse msg;
    int heartbeats = 0;
    int64_t high = -1;
    while (heartbeats < 3 && reader->Read(&msg)) {
      EXPECT_EQ(msg.events_size(), 0);
      high = msg.high_water_sequence();
      ++heartbeats;
    }
    EXPECT_EQ(heartbeats, 3);
    EXPECT_GT(high, 0);
    ctx->TryCancel();
    reader->Finish();
  }
}

// The newest events' watermark of retention (0 when nothing is pruned).
int64_t PrunedThrough(store::Store& store) {
  int64_t w = -1;
  EXPECT_OK(store.RunInTransaction(
      store::TxnMode::kSingleRead, [&](store::Transaction& txn) {
        auto r = txn.events().EventsPrunedThrough();
        if (!r.ok()) return r.status();
        w = *r;
        return absl::OkStatus();
      }));
  return w;
}

// Event retention end to end: a second replica whose clock is 40 days
// ahead prunes (--event-retention 30 days) what the first one wrote; then,
// on the first replica, a Watch from before the watermark is OUT_OF_RANGE
// naming it, and one from the watermark or from 0 gets every event kept.
TEST(EventFeedTest, RetentionPrunesAndWatchRefusesOnlyWhatWouldMissEvents) {
  auto fx = ServerFixture::Start();
  auto events = fx->Events();
  AppendEvents(fx->store(), 30, 10, "old");
  const std::vector<int64_t> old = AllSequences(fx->store(), 0);
  ASSERT_GE(old.size(), 30u);
  ASSERT_EQ(PrunedThrough(fx->store()), 0);

  SimulatedClock ahead(absl::Now() + absl::Hours(24 * 40));
  server::ServerConfig config;
  config.event_retention = absl::Hours(24 * 30);
  config.event_prune_interval = absl::Milliseconds(100);
  auto second = fx->StartReplica(config, ahead);
  ASSERT_NE(second, nullptr);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (PrunedThrough(fx->store()) < old.back() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  const int64_t watermark = PrunedThrough(fx->store());
  ASSERT_GE(watermark, old.back());
  // Written at the second replica's time: young enough to be kept.
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(fx->store().RunInTransaction(
        store::TxnMode::kReadWrite, [&](store::Transaction& txn) {
          model::Event e;
          e.time = ahead.Now();
          e.type = "team.updated";
          e.resource = absl::StrCat("teams/kept-", i);
          return txn.events().AppendEvent(e).status();
        }));
  }
  const std::vector<int64_t> kept = AllSequences(fx->store(), watermark);
  ASSERT_EQ(kept.size(), 5u);
  EXPECT_EQ(AllSequences(fx->store(), 0), kept);

  {
    v1::WatchRequest r;
    r.set_since_sequence(old[3]);
    Seen s = WatchUntil(*events, fx->admin_token(), r, 1, absl::Seconds(10));
    EXPECT_EQ(s.status.error_code(), grpc::StatusCode::OUT_OF_RANGE)
        << s.status.error_message();
    EXPECT_NE(s.status.error_message().find(
                  absl::StrCat("since_sequence ", old[3], " is older")),
              std::string::npos)
        << s.status.error_message();
    EXPECT_NE(s.status.error_message().find(
                  absl::StrCat("through sequence ", watermark)),
              std::string::npos)
        << s.status.error_message();
    EXPECT_EQ(testing::ReasonOf(s.status), "EVENTS_PRUNED");
    EXPECT_TRUE(s.sequences.empty());
  }
  for (int64_t since : {int64_t{0}, watermark}) {
    v1::WatchRequest r;
    r.set_since_sequence(since);
    Seen s = WatchUntil(*events, fx->admin_token(), r, kept.size(),
                        absl::Seconds(20));
    EXPECT_EQ(s.sequences, kept) << "since " << since;
    for (size_t i = 0; i < s.resources.size(); ++i) {
      EXPECT_EQ(s.resources[i], absl::StrCat("teams/kept-", i));
    }
  }
  // The pruning replica serves the same feed.
  auto events_b = v1::EventService::NewStub(second->channel);
  {
    v1::WatchRequest r;
    r.set_since_sequence(watermark - 1);
    Seen s = WatchUntil(*events_b, fx->admin_token(), r, 1, absl::Seconds(10));
    EXPECT_EQ(s.status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    r.set_since_sequence(watermark);
    s = WatchUntil(*events_b, fx->admin_token(), r, kept.size(),
                   absl::Seconds(20));
    EXPECT_EQ(s.sequences, kept);
  }
  second->server->Shutdown();
}

TEST(EventFeedTest, MetricsCountWatchSubscribersAndParseBack) {
  auto fx = ServerFixture::Start();
  auto events = fx->Events();
  auto subscribers = [&] {
    return ScrapeMetrics(fx->http_port())["meshplane_watch_subscribers"];
  };
  auto ctx = ServerFixture::Context(fx->admin_token(), absl::Seconds(20));
  v1::WatchRequest r;
  r.set_since_sequence(-1);
  auto reader = events->Watch(ctx.get(), r);
  v1::WatchResponse first;
  ASSERT_TRUE(reader->Read(&first));  // the stream is live
  // The gauge follows within a second.
  EXPECT_TRUE(Eventually([&] { return subscribers() == 1; })) << subscribers();
  ctx->TryCancel();
  reader->Finish();
  Eventually([&] { return subscribers() == 0; });
  auto after = ScrapeMetrics(fx->http_port());
  EXPECT_EQ(after["meshplane_watch_subscribers"], 0);
  EXPECT_EQ(after["meshplane_ready"], 1);
  EXPECT_GE(after["meshplane_rpc_requests_total{method=\"meshplane.v1."
                  "EventService/Watch\",code=\"OK\"}"],
            1);
}

}  // namespace
}  // namespace meshplane
