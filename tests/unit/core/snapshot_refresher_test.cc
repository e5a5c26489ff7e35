// The refresh thread of Governance and Access: it reloads when woken,
// retries a failed reload, and stops cleanly. Waits are on the reloads
// themselves (no sleeps); the periodic interval is set out of reach.
#include "core/snapshot_refresher.h"

#include <atomic>
#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

namespace meshplane::core::internal {
namespace {

// Counts reloads; a test waits until a count is reached.
class Reloads {
 public:
  absl::Status Reload() {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    cv_.notify_all();
    return count_ <= failures_ ? absl::UnavailableError("store down")
                               : absl::OkStatus();
  }
  void WaitFor(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }
  void FailFirst(int n) { failures_ = n; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
  int failures_ = 0;
};

SnapshotRefresher::Options NoTimer() {
  SnapshotRefresher::Options o;
  o.interval = absl::Hours(24);
  o.failure_backoff = absl::ZeroDuration();
  return o;
}

TEST(SnapshotRefresherTest, WakeReloads) {
  Reloads reloads;
  SnapshotRefresher r([&] { return reloads.Reload(); }, NoTimer());
  r.Start();
  r.Wake();
  reloads.WaitFor(1);
  r.Wake();
  reloads.WaitFor(2);
  r.Stop();
  EXPECT_GE(reloads.count(), 2);
}

TEST(SnapshotRefresherTest, RetriesAFailedReload) {
  Reloads reloads;
  reloads.FailFirst(2);
  SnapshotRefresher r([&] { return reloads.Reload(); }, NoTimer());
  r.Start();
  r.Wake();
  // One wake-up; the two failures are retried by the thread itself.
  reloads.WaitFor(3);
  r.Stop();
  EXPECT_GE(reloads.count(), 3);
}

TEST(SnapshotRefresherTest, WakeBeforeStartIsKept) {
  Reloads reloads;
  SnapshotRefresher r([&] { return reloads.Reload(); }, NoTimer());
  r.Wake();
  r.Start();
  reloads.WaitFor(1);
  EXPECT_EQ(reloads.count(), 1);
}

TEST(SnapshotRefresherTest, StopIsIdempotentAndWakeAfterStopIsHarmless) {
  Reloads reloads;
  SnapshotRefresher r([&] { return reloads.Reload(); }, NoTimer());
  r.Stop();  // never started
  r.Start();
  r.Stop();
  r.Stop();
  r.Wake();
  EXPECT_EQ(reloads.count(), 0);
}

}  // namespace
}  // namespace meshplane::core::internal
