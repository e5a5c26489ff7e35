#include "meshplane/core/event_retention.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "meshplane/common/status_macros.h"

namespace meshplane::core {

EventRetention::EventRetention(store::Store& store, const Clock& clock,
                               Options options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

EventRetention::~EventRetention() { Stop(); }

void EventRetention::Start() {
  if (options_.retention <= absl::ZeroDuration()) return;
  thread_ = std::thread([this] { Loop(); });
}

void EventRetention::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void EventRetention::Loop() {
  while (true) {
    absl::StatusOr<int64_t> pruned = PruneOnce();
    if (options_.on_pass && (!pruned.ok() || *pruned > 0)) {
      options_.on_pass(pruned);
    }
    // A failed pass (the database is down) is simply the next one's work.
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.interval);
    if (stopping_) return;
  }
}

absl::StatusOr<EventRetention::Bound> EventRetention::PruneBound() {
  Bound bound;
  if (options_.retention <= absl::ZeroDuration()) return bound;
  bound.before = clock_.Now() - options_.retention;
  bound.max_sequence = std::numeric_limits<int64_t>::max();
  // No event goes before every webhook has delivered (or skipped) it: a
  // webhook stuck on a failing receiver holds retention back until it
  // recovers or is deleted.
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  store::PageRequest page{"", 1000};
  while (true) {
    MP_ASSIGN_OR_RETURN(auto webhooks, txn->events().ListWebhooks(page));
    for (const model::Webhook& w : webhooks.items) {
      bound.max_sequence = std::min(bound.max_sequence, w.delivered_sequence);
    }
    if (webhooks.next.empty()) break;
    page.after = webhooks.next;
  }
  return bound;
}

absl::StatusOr<int64_t> EventRetention::PruneOnce() {
  if (options_.retention <= absl::ZeroDuration()) return 0;
  MP_ASSIGN_OR_RETURN(Bound bound, PruneBound());
  int64_t total = 0;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return total;
    }
    int64_t pruned = 0;
    MP_RETURN_IF_ERROR(store_.RunInTransaction(
        store::TxnMode::kReadWrite,
        [&](store::Transaction& txn) -> absl::Status {
          MP_ASSIGN_OR_RETURN(
              pruned, txn.events().PruneEvents(bound.before, bound.max_sequence,
                                               options_.batch_size));
          return absl::OkStatus();
        }));
    total += pruned;
    if (pruned < options_.batch_size) return total;
  }
}

}  // namespace meshplane::core
