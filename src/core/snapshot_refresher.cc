#include "core/snapshot_refresher.h"

#include <utility>

namespace meshplane::core::internal {

SnapshotRefresher::SnapshotRefresher(std::function<absl::Status()> reload,
                                     Options options)
    : reload_(std::move(reload)), options_(options) {}

SnapshotRefresher::~SnapshotRefresher() { Stop(); }

void SnapshotRefresher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void SnapshotRefresher::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_ = true;
  }
  cv_.notify_all();
}

void SnapshotRefresher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SnapshotRefresher::Loop() {
  const auto interval = absl::ToChronoMilliseconds(options_.interval);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, interval, [this] { return stopping_ || dirty_; });
    if (stopping_) break;
    dirty_ = false;
    lock.unlock();
    const bool loaded = reload_().ok();
    lock.lock();
    if (!loaded) {
      // The old snapshot stays; try again after the backoff, sooner only
      // to stop.
      dirty_ = true;
      cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.failure_backoff),
                   [this] { return stopping_; });
    } else if (dirty_ && options_.coalesce > absl::ZeroDuration()) {
      cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.coalesce),
                   [this] { return stopping_; });
    }
  }
}

}  // namespace meshplane::core::internal
