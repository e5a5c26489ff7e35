// Event retention over InMemoryStore and a SimulatedClock: passes prune in
// batches what is older than the retention and nothing else; the event
// feed refuses (OUT_OF_RANGE) a Watch that would miss pruned events, at
// once or when a slow stream falls behind the pruning, and serves
// since_sequence 0 and the watermark itself without a gap.
#include "meshplane/core/event_retention.h"

#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/memstore/in_memory_store.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/core/event_feed.h"

namespace meshplane::core {
namespace {

using ::meshplane::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using Code = absl::StatusCode;

// Appends one event committed at `time`; returns its sequence.
int64_t Append(store::Store& store, absl::Time time, int i) {
  int64_t seq = 0;
  EXPECT_OK(store.RunInTransaction(
      store::TxnMode::kReadWrite, [&](store::Transaction& txn) -> absl::Status {
        model::Event e;
        e.time = time;
        e.type = "team.updated";
        e.resource = absl::StrCat("teams/t", i);
        MP_ASSIGN_OR_RETURN(seq, txn.events().AppendEvent(e));
        return absl::OkStatus();
      }));
  return seq;
}

int64_t Watermark(store::Store& store) {
  int64_t w = -1;
  EXPECT_OK(store.RunInTransaction(
      store::TxnMode::kReadOnly, [&](store::Transaction& txn) -> absl::Status {
        MP_ASSIGN_OR_RETURN(w, txn.events().EventsPrunedThrough());
        return absl::OkStatus();
      }));
  return w;
}

// Prunes every event up to `through`.
void PruneThrough(store::Store& store, int64_t through) {
  EXPECT_OK(store.RunInTransaction(
      store::TxnMode::kReadWrite, [&](store::Transaction& txn) {
        return txn.events()
            .PruneEvents(absl::InfiniteFuture(), through, 1000)
            .status();
      }));
}

int64_t Pruned(EventRetention& retention) {
  absl::StatusOr<int64_t> n = retention.PruneOnce();
  EXPECT_OK(n.status());
  return n.ok() ? *n : -1;
}

TEST(EventRetentionTest, PrunesWhatIsOlderThanTheRetentionInBatches) {
  testing::InMemoryStore store;
  SimulatedClock clock;
  const absl::Time now = clock.Now();
  std::vector<int64_t> seqs;
  for (int i = 0; i < 25; ++i) {
    seqs.push_back(
        Append(store, now - absl::Hours(24 * 40) + absl::Minutes(i), i));
  }
  for (int i = 25; i < 30; ++i) {
    seqs.push_back(Append(store, now - absl::Hours(24), i));
  }
  EventRetention::Options options;
  options.retention = absl::Hours(24 * 30);
  options.batch_size = 10;
  EventRetention retention(store, clock, options);
  ASSERT_OK_AND_ASSIGN(EventRetention::Bound bound, retention.PruneBound());
  EXPECT_EQ(bound.before, now - absl::Hours(24 * 30));
  EXPECT_EQ(bound.max_sequence, std::numeric_limits<int64_t>::max());

  EXPECT_EQ(Pruned(retention), 25);  // batches of 10, 10 and 5
  EXPECT_EQ(Watermark(store), seqs[24]);
  EXPECT_EQ(Pruned(retention), 0);
  clock.Advance(absl::Hours(24 * 30));
  EXPECT_EQ(Pruned(retention), 5);
  EXPECT_EQ(Watermark(store), seqs[29]);
}

TEST(EventRetentionTest, ZeroRetentionKeepsEverything) {
  testing::InMemoryStore store;
  SimulatedClock clock;
  Append(store, clock.Now() - absl::Hours(24 * 365), 0);
  EventRetention::Options options;
  options.retention = absl::ZeroDuration();
  EventRetention retention(store, clock, options);
  retention.Start();  // no thread
  EXPECT_EQ(Pruned(retention), 0);
  retention.Stop();
  EXPECT_EQ(Watermark(store), 0);
}

TEST(EventRetentionTest, StartRunsAPassAtOnceAndReportsIt) {
  testing::InMemoryStore store;
  SimulatedClock clock;
  const int64_t old = Append(store, clock.Now() - absl::Hours(24 * 31), 0);
  Append(store, clock.Now(), 1);
  absl::Notification passed;
  int64_t reported = -1;
  EventRetention::Options options;
  options.interval = absl::Hours(1);
  options.on_pass = [&](const absl::StatusOr<int64_t>& pruned) {
    reported = pruned.ok() ? *pruned : -2;
    passed.Notify();
  };
  EventRetention retention(store, clock, options);
  retention.Start();
  ASSERT_TRUE(passed.WaitForNotificationWithTimeout(absl::Seconds(30)));
  retention.Stop();
  EXPECT_EQ(reported, 1);
  EXPECT_EQ(Watermark(store), old);
}

// ------------------------------------------------------------ EventFeed

class EventFeedRetentionTest : public ::testing::Test {
 protected:
  EventFeedRetentionTest() { admin_.principal = {"user:admin", true, {}}; }

  // Starts the feed over the events appended so far.
  void StartFeed(EventFeed::Options options = {}) {
    options.safety_poll = absl::Milliseconds(50);
    feed_ = std::make_unique<EventFeed>(store_, authz_, options);
    ASSERT_OK(feed_->Start());
  }

  struct Result {
    absl::Status status;
    std::vector<int64_t> sequences;
  };

  // Watches from `since` until `enough` events arrived (or 10 s), calling
  // `on_batch` after each message.
  Result Watch(int64_t since, size_t enough,
               const std::function<void()>& on_batch = nullptr) {
    Result out;
    WatchQuery q;
    q.since_sequence = since;
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    out.status = feed_->Watch(
        admin_, q,
        [&](const WatchBatch& b) {
          for (const auto& e : b.events) out.sequences.push_back(e.sequence);
          if (on_batch) on_batch();
          return out.sequences.size() < enough;
        },
        [&] { return absl::Now() > deadline; });
    return out;
  }

  testing::InMemoryStore store_;
  auth::Authorizer authz_;
  RequestContext admin_;
  SimulatedClock clock_;
  std::unique_ptr<EventFeed> feed_;
};

TEST_F(EventFeedRetentionTest, ResumeBeforeTheWatermarkIsOutOfRange) {
  std::vector<int64_t> seqs;
  for (int i = 0; i < 6; ++i) seqs.push_back(Append(store_, clock_.Now(), i));
  PruneThrough(store_, seqs[2]);
  StartFeed();

  Result old = Watch(seqs[1], 1);
  EXPECT_THAT(old.status,
              StatusIs(Code::kOutOfRange,
                       absl::StrCat("since_sequence ", seqs[1],
                                    " is older than the event feed keeps")));
  EXPECT_THAT(old.status.message(),
              AllOf(HasSubstr(absl::StrCat("through sequence ", seqs[2])),
                    HasSubstr("--event-retention")));
  EXPECT_EQ(GetReason(old.status), "EVENTS_PRUNED");
  EXPECT_TRUE(old.sequences.empty());

  // At the watermark, and from the oldest retained: the same, no gap.
  const std::vector<int64_t> kept(seqs.begin() + 3, seqs.end());
  Result at = Watch(seqs[2], kept.size());
  EXPECT_OK(at.status);
  EXPECT_EQ(at.sequences, kept);
  Result oldest = Watch(0, kept.size());
  EXPECT_OK(oldest.status);
  EXPECT_EQ(oldest.sequences, kept);
}

TEST_F(EventFeedRetentionTest, SlowStreamThatFallsBehindPruningEnds) {
  std::vector<int64_t> seqs;
  for (int i = 0; i < 10; ++i) seqs.push_back(Append(store_, clock_.Now(), i));
  EventFeed::Options options;
  options.batch_size = 2;
  StartFeed(options);  // all ten behind the ring: read from the store
  bool pruned = false;
  Result r = Watch(0, 100, [&] {
    if (!pruned) {  // after the first batch (events 1 and 2)
      PruneThrough(store_, seqs[5]);
      pruned = true;
    }
  });
  EXPECT_THAT(r.status,
              StatusIs(Code::kOutOfRange,
                       absl::StrCat("fell behind the event feed's retention "
                                    "after sequence ",
                                    seqs[1])));
  EXPECT_THAT(r.status.message(),
              HasSubstr(absl::StrCat("through sequence ", seqs[5])));
  EXPECT_EQ(r.sequences, (std::vector<int64_t>{seqs[0], seqs[1]}));
}

// Pruning passes the feed's head before its reader has read the events:
// the reader starts its ring over at the watermark, and a stream waiting
// at the old head ends OUT_OF_RANGE instead of waiting or skipping.
TEST_F(EventFeedRetentionTest, PruningPastTheReadersHeadEndsStreamsBehindIt) {
  const int64_t first = Append(store_, clock_.Now(), 0);
  StartFeed();
  Result r;
  absl::Notification live;  // the first message: subscribed
  std::thread watcher([&] {
    r = Watch(first, 100, [&] {
      if (!live.HasBeenNotified()) live.Notify();
    });
  });
  ASSERT_TRUE(live.WaitForNotificationWithTimeout(absl::Seconds(10)));
  // Three events, pruned in the transaction that commits them.
  int64_t last = 0;
  ASSERT_OK(store_.RunInTransaction(
      store::TxnMode::kReadWrite, [&](store::Transaction& txn) -> absl::Status {
        for (int i = 1; i <= 3; ++i) {
          model::Event e;
          e.time = clock_.Now();
          e.type = "team.updated";
          e.resource = absl::StrCat("teams/t", i);
          MP_ASSIGN_OR_RETURN(last, txn.events().AppendEvent(e));
        }
        return txn.events()
            .PruneEvents(absl::InfiniteFuture(),
                         std::numeric_limits<int64_t>::max(), 10)
            .status();
      }));
  watcher.join();
  EXPECT_THAT(r.status, StatusIs(Code::kOutOfRange,
                                 absl::StrCat("after sequence ", first)));
  EXPECT_TRUE(r.sequences.empty());
  // The feed goes on from the watermark.
  const int64_t next = Append(store_, clock_.Now(), 4);
  Result after = Watch(last, 1);
  EXPECT_OK(after.status);
  EXPECT_EQ(after.sequences, std::vector<int64_t>{next});
  EXPECT_GE(feed_->head(), next);
}

}  // namespace
}  // namespace meshplane::core
