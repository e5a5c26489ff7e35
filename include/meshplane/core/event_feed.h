// The event feed: every committed change, in sequence order, to Watch
// subscribers. One per replica.
//
// The store numbers events in commit order (store::Transaction::AppendEvent)
// and notifies store::kEventChannel at commit. The feed keeps one listener
// and one reader thread: on a notification it reads what follows its head
// into a bounded ring of recent events and wakes the subscribers. Each
// subscriber has its own cursor; it reads from the ring, or from the store
// when it has fallen behind the ring (a resume from long ago, or a consumer
// slower than the writers). Sending blocks the subscriber's own thread, so
// a slow consumer only lags: memory stays bounded by the ring.
//
//   core::EventFeed feed(store, authz, {});
//   MP_RETURN_IF_ERROR(feed.Start());
//   feed.Watch(ctx, {.since_sequence = 42}, send, cancelled);
#ifndef MESHPLANE_CORE_EVENT_FEED_H_
#define MESHPLANE_CORE_EVENT_FEED_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#include "meshplane/auth/authorizer.h"
#include "meshplane/core/context.h"
#include "meshplane/model/audit.h"
#include "meshplane/store/store.h"

namespace meshplane::core {

// What a subscriber asks for.
struct WatchQuery {
  // Events with a sequence greater than this; 0 for all retained (from
  // the oldest the store keeps), -1 for only events committed after the
  // subscription starts.
  int64_t since_sequence = 0;
  // Type prefixes ("domain", "dataproduct", ...); empty for all.
  std::vector<std::string> resource_types;
  // `domains/{domain}`; empty for all.
  std::string domain;
  // With `domain`: its subdomains too, at any depth. The subtree is the
  // domain tree when the subscription starts, kept up to date by the
  // domain events the subscriber goes through.
  bool include_subdomains = false;
};

// One message to a subscriber.
struct WatchBatch {
  std::vector<model::Event> events;  // matching, in sequence order
  // The last sequence examined, matching or not: resuming after it misses
  // nothing the query asks for.
  int64_t high_water = 0;
};

// The resource types Watch and webhooks filter on: an event's type up to
// its first '.'.
const std::vector<std::string>& KnownEventResourceTypes();

// Validates the filters of a Watch or a webhook. INVALID_ARGUMENT naming the
// field, with `field_prefix` before it ("" for Watch, "webhook." for
// webhooks).
absl::Status ValidateEventFilter(const std::vector<std::string>& resource_types,
                                 const std::string& domain,
                                 bool include_subdomains,
                                 const std::string& field_prefix);

// Decides which events a query matches; follows domain events to keep its
// subtree current. Not thread-safe: one per subscriber.
class EventMatcher {
 public:
  // Loads the subtree of `domain` when `include_subdomains`.
  static absl::StatusOr<EventMatcher> Create(
      store::Store& store, const std::vector<std::string>& resource_types,
      const std::string& domain, bool include_subdomains);

  // Call for every event, in sequence order, matching or not.
  bool Matches(const model::Event& e);

 private:
  std::vector<std::string> types_;
  std::string root_;  // domain id; "" for all
  bool subtree_ = false;
  // Members of the subtree and their parents (the root maps to "").
  std::vector<std::pair<std::string, std::string>> members_;

  bool IsMember(const std::string& id) const;
  void Follow(const model::Event& e);
};

class EventFeed {
 public:
  struct Options {
    // An empty message with the high-water sequence at least this often.
    absl::Duration heartbeat = absl::Seconds(30);
    // Recent events kept in memory for the subscribers that keep up.
    size_t ring_capacity = 8192;
    // At most this many events per message.
    int batch_size = 256;
    // Principals that may Watch besides platform admins (--event-watcher).
    std::vector<std::string> watchers;
    // Re-reads the store this often even without a notification (a missed
    // wake-up costs at most this much delay, never an event).
    absl::Duration safety_poll = absl::Seconds(10);
    // Called when the listening connection is lost (metrics).
    std::function<void()> on_listener_lost;
    // Called by the reader thread when it has read new events (wakes the
    // webhook dispatcher). Must not block.
    std::function<void()> on_new_events;
  };

  EventFeed(store::Store& store, const auth::Authorizer& authz,
            Options options);
  ~EventFeed();  // Stop()

  // Reads the feed's head and starts listening. UNAVAILABLE when the store
  // cannot be read.
  absl::Status Start();
  // Ends every Watch (UNAVAILABLE) and the reader thread. Idempotent.
  void Stop();

  // Streams to `send` until `cancelled()` or `send` returns false (OK), or
  // the feed stops (UNAVAILABLE: the client resumes elsewhere).
  // Heartbeats are batches without events. UNAUTHENTICATED, PERMISSION_DENIED
  // unless the caller is a platform admin or a configured watcher;
  // INVALID_ARGUMENT for a bad query. OUT_OF_RANGE (reason EVENTS_PRUNED,
  // naming the oldest sequence to resume after) when events after
  // `since_sequence` have been pruned (store::Transaction::
  // EventsPrunedThrough; see EventRetention), at once, or later when the
  // stream falls so far behind that pruning passes it: never a silent gap.
  absl::Status Watch(const RequestContext& ctx, const WatchQuery& query,
                     const std::function<bool(const WatchBatch&)>& send,
                     const std::function<bool()>& cancelled);

  int subscribers() const;
  // The newest sequence this replica has read.
  int64_t head() const;

 private:
  // Fills `out` with up to batch_size events after `cursor`, from the ring
  // when it covers `cursor`, else from the store. Waits (bounded by
  // `until`) when there is nothing yet. Returns the new cursor.
  absl::StatusOr<int64_t> Next(int64_t cursor, absl::Time until,
                               std::vector<model::Event>* out);
  void ReaderLoop();
  absl::Status ReadNew();

  store::Store& store_;
  const auth::Authorizer& authz_;
  const Options options_;
  std::unique_ptr<store::Listener> listener_;
  std::thread reader_;

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool dirty_ ABSL_GUARDED_BY(mu_) = false;
  int64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  // The ring holds every event with ring_floor_ < sequence <= head_.
  int64_t ring_floor_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<model::Event> ring_ ABSL_GUARDED_BY(mu_);
  int subscribers_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace meshplane::core

#endif  // MESHPLANE_CORE_EVENT_FEED_H_
