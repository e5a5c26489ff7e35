// The CheckAccess decision log: decisions are queued and written by one
// thread in batches (group commit), one multi-row insert per transaction.
//
//   kBatched  Append returns at once; a batch commits within
//             `flush_interval` (a crash loses at most that window).
//   kDurable  Append returns once the batch holding the decision has
//             committed; concurrent callers share one commit.
// A full queue never drops a decision: Append waits for room.
#ifndef MESHPLANE_CORE_DECISION_LOG_H_
#define MESHPLANE_CORE_DECISION_LOG_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

#include "meshplane/common/clock.h"
#include "meshplane/model/access.h"
#include "meshplane/store/store.h"

namespace meshplane::core::internal {

class DecisionLog {
 public:
  enum class Mode { kBatched, kDurable };
  struct Options {
    Mode mode = Mode::kBatched;
    absl::Duration flush_interval = absl::Milliseconds(200);
    // One batch takes up to this many: under a sustained burst the writer
    // commits what has queued in one go rather than trailing behind.
    size_t max_batch = 10000;
    // Queued decisions before Append waits: small enough that a full queue
    // still commits within the batched mode's window (about two batches).
    size_t capacity = 20000;
    // kDurable: how long Append waits for its commit before UNAVAILABLE
    // (the decision stays queued and is written when the database is back).
    absl::Duration durable_timeout = absl::Seconds(5);
  };

  // Starts the writer thread. `store` must outlive the log.
  DecisionLog(store::Store& store, Options options);
  // Writes what is queued (for up to a second), then stops.
  ~DecisionLog();
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  // Queues `decisions` (see the modes above). Thread-safe.
  absl::Status Append(std::vector<model::AccessDecision> decisions);

  struct Stats {
    int64_t appended = 0;
    int64_t committed = 0;
    int64_t batches = 0;
    int64_t failed_commits = 0;
    int64_t queued = 0;
    // The longest time a decision waited from Append to its commit.
    absl::Duration max_delay = absl::ZeroDuration();
  };
  Stats stats() const;
  Mode mode() const { return options_.mode; }

 private:
  void Run();

  store::Store& store_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // the writer waits for work
  std::condition_variable done_cv_;  // appenders wait for room / commits
  struct Queued {
    model::AccessDecision decision;
    absl::Time queued_at;
  };
  std::deque<Queued> queue_;
  int64_t next_seq_ = 0;       // sequence of the next appended decision
  int64_t committed_seq_ = 0;  // every decision below this one is committed
  int64_t durable_waiters_ = 0;
  bool stopping_ = false;
  Stats stats_;
  std::thread writer_;
};

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_DECISION_LOG_H_
