// Event retention: prunes the event feed (the outbox) of events older than
// a retention period, so that it does not grow forever. The store keeps a
// watermark of what it pruned (store::Transaction::EventsPrunedThrough):
// a Watch that would resume before it fails with OUT_OF_RANGE instead of
// silently missing events. The audit log is never pruned.
//
// Every replica runs one. Pruners take turns in the store, so several
// replicas pruning at once are harmless.
//
//   core::EventRetention::Options options;
//   options.retention = absl::Hours(24 * 30);
//   core::EventRetention retention(store, clock, options);
//   retention.Start();  // a pass now, then one every `interval`
#ifndef MESHPLANE_CORE_EVENT_RETENTION_H_
#define MESHPLANE_CORE_EVENT_RETENTION_H_

#include <cstdint>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#include "meshplane/common/clock.h"
#include "meshplane/store/store.h"

namespace meshplane::core {

class EventRetention {
 public:
  struct Options {
    // Events that committed longer ago than this are pruned; zero keeps
    // them forever (Start does nothing, PruneOnce prunes nothing).
    absl::Duration retention = absl::Hours(24 * 30);
    // How often a pass runs.
    absl::Duration interval = absl::Minutes(1);
    // Events per transaction.
    int batch_size = 1000;
    // Called on the pruning thread after each pass that pruned something or
    // failed, with the count or the error (logs, metrics). Must not block.
    std::function<void(const absl::StatusOr<int64_t>&)> on_pass;
  };

  // What a pass may prune: the oldest events, up to the first that
  // committed at or after `before` or has a sequence above `max_sequence`.
  struct Bound {
    absl::Time before = absl::InfinitePast();
    int64_t max_sequence = 0;
  };

  // `store` and `clock` must outlive this object.
  EventRetention(store::Store& store, const Clock& clock, Options options);
  ~EventRetention();  // Stop()

  EventRetention(const EventRetention&) = delete;
  EventRetention& operator=(const EventRetention&) = delete;

  // Starts the pruning thread: a pass at once, then one every `interval`.
  // Does nothing when retention is zero. Call at most once.
  void Start();
  // Ends the thread, after the batch in progress. Idempotent.
  void Stop();

  // One pass, on the calling thread: prunes in batches (one transaction
  // each) until a batch finds fewer than `batch_size` events to prune, or
  // Stop. Returns how many events it pruned: 0 when retention is zero,
  // nothing is old enough, or another replica is pruning. Errors of the
  // store (UNAVAILABLE, ...) as they come. Thread-safe.
  absl::StatusOr<int64_t> PruneOnce();

  // The bound of a pass starting now. The one place that decides what may
  // be pruned.
  absl::StatusOr<Bound> PruneBound();

 private:
  void Loop();

  store::Store& store_;
  const Clock& clock_;
  const Options options_;
  std::thread thread_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace meshplane::core

#endif  // MESHPLANE_CORE_EVENT_RETENTION_H_
