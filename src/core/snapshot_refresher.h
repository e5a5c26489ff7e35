// The thread that keeps an in-memory snapshot current: it reloads when woken
// (a LISTEN/NOTIFY signal, a reconnect, a change it could not apply) and
// every `interval` as a safety net; after a failed reload it keeps the old
// snapshot and retries after `failure_backoff`. Governance (the policy set)
// and Access (the CheckAccess index) each own one.
//
//   internal::SnapshotRefresher refresher(
//       [this] { return Reload(); },
//       {.interval = absl::Seconds(30), .failure_backoff = absl::Seconds(1)});
//   refresher.Start();
//   listener->Start(channels, [&](auto&) { refresher.Wake(); });
//
// Thread-safety: Wake may be called from any thread at any time, also
// before Start and after Stop; Start and Stop from the owner only.
#ifndef MESHPLANE_CORE_SNAPSHOT_REFRESHER_H_
#define MESHPLANE_CORE_SNAPSHOT_REFRESHER_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace meshplane::core::internal {

class SnapshotRefresher {
 public:
  struct Options {
    // Reload at least this often, woken or not.
    absl::Duration interval = absl::Seconds(30);
    // After a failed reload (the store is down or failing): wait this long
    // before the next try, so as not to hammer it.
    absl::Duration failure_backoff = absl::Seconds(1);
    // When wake-ups came during a reload, wait this long before the next
    // one, so that a burst of changes makes few reloads; zero: at once.
    absl::Duration coalesce = absl::ZeroDuration();
  };

  SnapshotRefresher(std::function<absl::Status()> reload, Options options);
  ~SnapshotRefresher();  // Stop()

  SnapshotRefresher(const SnapshotRefresher&) = delete;
  SnapshotRefresher& operator=(const SnapshotRefresher&) = delete;

  // Starts the thread. At most once.
  void Start();
  // Asks for a reload as soon as the thread can (several wake-ups before it
  // gets to it make one reload).
  void Wake();
  // Stops the thread and waits for it (a reload under way completes).
  // Idempotent.
  void Stop();

 private:
  void Loop();

  const std::function<absl::Status()> reload_;
  const Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool dirty_ = false;
  std::thread thread_;
};

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_SNAPSHOT_REFRESHER_H_
