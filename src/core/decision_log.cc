#include "core/decision_log.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace meshplane::core::internal {

DecisionLog::DecisionLog(store::Store& store, Options options)
    : store_(store), options_(options) {
  writer_ = std::thread([this] { Run(); });
}

DecisionLog::~DecisionLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  writer_.join();
}

absl::Status DecisionLog::Append(std::vector<model::AccessDecision> decisions) {
  if (decisions.empty()) return absl::OkStatus();
  // The log's own wall clock: delays are measured, not simulated.
  const absl::Time now = absl::Now();
  std::unique_lock<std::mutex> lock(mu_);
  // Backpressure: wait for room rather than drop.
  done_cv_.wait(lock, [&] {
    return stopping_ || queue_.size() + decisions.size() <= options_.capacity ||
           queue_.empty();
  });
  const bool was_empty = queue_.empty();
  for (auto& d : decisions) queue_.push_back({std::move(d), now});
  next_seq_ += static_cast<int64_t>(decisions.size());
  stats_.appended += static_cast<int64_t>(decisions.size());
  const int64_t mine = next_seq_;
  if (options_.mode == Mode::kBatched) {
    // The writer sleeps on an empty queue; a full batch goes at once.
    if (was_empty || queue_.size() >= options_.max_batch) work_cv_.notify_one();
    return absl::OkStatus();
  }
  ++durable_waiters_;
  work_cv_.notify_one();
  const bool committed = done_cv_.wait_for(
      lock, absl::ToChronoMilliseconds(options_.durable_timeout),
      [&] { return committed_seq_ >= mine || stopping_; });
  --durable_waiters_;
  if (!committed || committed_seq_ < mine) {
    return absl::UnavailableError(
        "the access decision log cannot be written (database unavailable); "
        "the decision is queued and will be written when it is back");
  }
  return absl::OkStatus();
}

DecisionLog::Stats DecisionLog::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.queued = static_cast<int64_t>(queue_.size());
  return s;
}

void DecisionLog::Run() {
  const auto interval = absl::ToChronoMilliseconds(options_.flush_interval);
  absl::Duration backoff = absl::Milliseconds(50);
  std::unique_lock<std::mutex> lock(mu_);
  absl::Time stop_deadline = absl::InfiniteFuture();
  while (true) {
    if (queue_.empty()) {
      if (stopping_) break;
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      continue;
    }
    // Batched: let a batch gather for the flush interval (counted from its
    // oldest decision); durable: commit at once, the next batch gathers
    // while this one commits.
    if (options_.mode == Mode::kBatched && !stopping_ &&
        queue_.size() < options_.max_batch) {
      const absl::Time due = queue_.front().queued_at + options_.flush_interval;
      const absl::Time now = absl::Now();
      if (now < due) {
        work_cv_.wait_for(
            lock, std::min(absl::ToChronoMilliseconds(due - now), interval));
        continue;
      }
    }
    const size_t n = std::min(queue_.size(), options_.max_batch);
    std::vector<model::AccessDecision> batch;
    batch.reserve(n);
    absl::Time oldest = queue_.front().queued_at;
    for (size_t i = 0; i < n; ++i) batch.push_back(queue_[i].decision);
    lock.unlock();
    absl::Status s = store_.RunInTransaction(
        store::TxnMode::kReadWrite, [&](store::Transaction& txn) {
          return txn.access().AppendAccessDecisions(batch);
        });
    const absl::Time done = absl::Now();
    lock.lock();
    if (s.ok()) {
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
      committed_seq_ += static_cast<int64_t>(n);
      stats_.committed += static_cast<int64_t>(n);
      ++stats_.batches;
      stats_.max_delay = std::max(stats_.max_delay, done - oldest);
      backoff = absl::Milliseconds(50);
      done_cv_.notify_all();
      continue;
    }
    ++stats_.failed_commits;
    if (stopping_) {
      if (stop_deadline == absl::InfiniteFuture()) {
        stop_deadline = done + absl::Seconds(1);
      }
      if (done >= stop_deadline) break;  // give up on shutdown
    }
    // The decisions stay queued; try again after a pause.
    work_cv_.wait_for(lock, absl::ToChronoMilliseconds(backoff),
                      [&] { return false; });
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
  done_cv_.notify_all();
}

}  // namespace meshplane::core::internal
