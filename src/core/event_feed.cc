#include "meshplane/core/event_feed.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "core/write_pipeline.h"

#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core {
namespace {

// The prefix of an event type: "dataproduct" of "dataproduct.updated".
std::string TypePrefix(const std::string& type) {
  return type.substr(0, type.find('.'));
}

// How long a waiting subscriber sleeps before it looks at its client again.
constexpr absl::Duration kCancelCheck = absl::Milliseconds(500);

// Events per store read of the feed's reader thread.
constexpr int kReadBatch = 1000;

// The OUT_OF_RANGE of a Watch that would miss pruned events: `what` went
// wrong; events through `pruned_through` are gone.
absl::Status EventsPruned(const std::string& what, int64_t pruned_through) {
  return WithReason(
      absl::OutOfRangeError(absl::StrCat(
          what, ": events through sequence ", pruned_through,
          " have been pruned (the server's --event-retention); the oldest "
          "sequence to resume after is ",
          pruned_through,
          ", or since_sequence 0 for the oldest retained event")),
      "EVENTS_PRUNED");
}

}  // namespace

const std::vector<std::string>& KnownEventResourceTypes() {
  static const auto* types = new std::vector<std::string>{
      "domain", "team",   "dataproduct", "token", "contract",
      "policy", "waiver", "access",      "slo",   "webhook"};
  return *types;
}

absl::Status ValidateEventFilter(const std::vector<std::string>& resource_types,
                                 const std::string& domain,
                                 bool include_subdomains,
                                 const std::string& field_prefix) {
  std::vector<FieldViolation> v;
  const auto& known = KnownEventResourceTypes();
  for (size_t i = 0; i < resource_types.size(); ++i) {
    if (std::find(known.begin(), known.end(), resource_types[i]) ==
        known.end()) {
      v.push_back({absl::StrCat(field_prefix, "resource_types[", i, "]"),
                   absl::StrCat("\"", resource_types[i],
                                "\" is not a resource type (known: ",
                                absl::StrJoin(known, ", "), ")")});
    }
  }
  if (!domain.empty()) {
    absl::StatusOr<std::string> id =
        model::ParseDomainName(absl::StrCat(field_prefix, "domain"), domain);
    if (!id.ok()) {
      v.push_back({absl::StrCat(field_prefix, "domain"),
                   std::string(id.status().message())});
    }
  } else if (include_subdomains) {
    v.push_back(
        {absl::StrCat(field_prefix, "include_subdomains"), "needs a domain"});
  }
  if (!v.empty()) return InvalidArgumentWithFields(v);
  return absl::OkStatus();
}

// ------------------------------------------------------------ EventMatcher

absl::StatusOr<EventMatcher> EventMatcher::Create(
    store::Store& store, const std::vector<std::string>& resource_types,
    const std::string& domain, bool include_subdomains) {
  EventMatcher m;
  m.types_ = resource_types;
  if (domain.empty()) return m;
  MP_ASSIGN_OR_RETURN(m.root_, model::ParseDomainName("domain", domain));
  m.subtree_ = include_subdomains;
  m.members_.push_back({m.root_, ""});
  if (!m.subtree_) return m;
  MP_ASSIGN_OR_RETURN(auto txn, store.Begin(store::TxnMode::kReadOnly));
  // Breadth first over the tree as it is now.
  for (size_t next = 0; next < m.members_.size(); ++next) {
    const std::string parent = m.members_[next].first;
    store::DomainFilter filter;
    filter.parent_id = parent;
    std::string after;
    do {
      MP_ASSIGN_OR_RETURN(auto page,
                          txn->registry().ListDomains(filter, {after, 500}));
      for (const auto& d : page.items) m.members_.push_back({d.id, parent});
      after = page.next;
    } while (!after.empty());
  }
  return m;
}

bool EventMatcher::IsMember(const std::string& id) const {
  for (const auto& [member, parent] : members_) {
    if (member == id) return true;
  }
  return false;
}

void EventMatcher::Follow(const model::Event& e) {
  if (!subtree_ || TypePrefix(e.type) != "domain" || e.domain_id == root_) {
    return;
  }
  const std::string& id = e.domain_id;
  std::string parent;
  bool present = false;
  if (e.type != "domain.deleted") {
    absl::StatusOr<model::Domain> d = model::DomainFromJson(e.payload_json);
    if (!d.ok()) return;  // not a domain image: nothing to follow
    parent = d->parent_id;
    present = IsMember(parent);
  }
  members_.erase(std::remove_if(members_.begin(), members_.end(),
                                [&](const auto& m) { return m.first == id; }),
                 members_.end());
  if (present) {
    members_.push_back({id, parent});
    return;
  }
  // Moved out or deleted: its descendants leave with it.
  bool changed = true;
  while (changed) {
    changed = false;
    for (auto it = members_.begin(); it != members_.end(); ++it) {
      if (it->first != root_ && !IsMember(it->second)) {
        members_.erase(it);
        changed = true;
        break;
      }
    }
  }
}

bool EventMatcher::Matches(const model::Event& e) {
  Follow(e);
  if (!types_.empty() && std::find(types_.begin(), types_.end(),
                                   TypePrefix(e.type)) == types_.end()) {
    return false;
  }
  return root_.empty() || IsMember(e.domain_id);
}

// --------------------------------------------------------------- EventFeed

EventFeed::EventFeed(store::Store& store, const auth::Authorizer& authz,
                     Options options)
    : store_(store), authz_(authz), options_(std::move(options)) {}

EventFeed::~EventFeed() { Stop(); }

absl::Status EventFeed::Start() {
  int64_t last = 0;
  MP_RETURN_IF_ERROR(store_.RunInTransaction(
      store::TxnMode::kReadOnly, [&](store::Transaction& txn) -> absl::Status {
        MP_ASSIGN_OR_RETURN(last, txn.events().LastEventSequence());
        return absl::OkStatus();
      }));
  {
    absl::MutexLock lock(&mu_);
    if (started_) return absl::FailedPreconditionError("feed already started");
    started_ = true;
    head_ = last;
    ring_floor_ = last;
  }
  MP_ASSIGN_OR_RETURN(listener_, store_.NewListener());
  MP_RETURN_IF_ERROR(listener_->Start(
      {store::kEventChannel}, [this](const store::Listener::Notification& n) {
        if (n.lost) {
          if (options_.on_listener_lost) options_.on_listener_lost();
          return;
        }
        // A notification, or a resync after (re)connecting: either way
        // the store may hold events past the head.
        absl::MutexLock lock(&mu_);
        dirty_ = true;
      }));
  reader_ = std::thread([this] { ReaderLoop(); });
  return absl::OkStatus();
}

void EventFeed::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  listener_.reset();  // joins the listener's thread: no more wake-ups
  if (reader_.joinable()) reader_.join();
}

int EventFeed::subscribers() const {
  absl::MutexLock lock(&mu_);
  return subscribers_;
}

int64_t EventFeed::head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

void EventFeed::ReaderLoop() {
  absl::Duration backoff = absl::Milliseconds(100);
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(
          absl::Condition(
              +[](EventFeed* f) ABSL_EXCLUSIVE_LOCKS_REQUIRED(f->mu_) {
                return f->dirty_ || f->stopping_;
              },
              this),
          options_.safety_poll);
      if (stopping_) return;
      dirty_ = false;
    }
    absl::Status s = ReadNew();
    if (s.ok()) {
      backoff = absl::Milliseconds(100);
      continue;
    }
    // The store is down: subscribers keep waiting (their own reads fail
    // and end their streams); this thread retries with backoff.
    absl::MutexLock lock(&mu_);
    dirty_ = true;  // try again after the pause
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff);
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
}

absl::Status EventFeed::ReadNew() {
  while (true) {
    int64_t after;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return absl::OkStatus();
      after = head_;
    }
    std::vector<model::Event> batch;
    size_t read = 0;
    int64_t pruned_through = 0;
    MP_RETURN_IF_ERROR(store_.RunInTransaction(
        store::TxnMode::kSingleRead,
        [&](store::Transaction& txn) -> absl::Status {
          absl::StatusOr<std::vector<model::Event>> events =
              txn.events().ListEvents(after, kReadBatch);
          if (events.ok()) {
            batch = *std::move(events);
            read = batch.size();
          } else if (events.status().code() != absl::StatusCode::kOutOfRange) {
            return events.status();
          }
          // Pruning passed the head before this replica read the events
          // (OUT_OF_RANGE), or may have (from 0, which reads from the
          // oldest retained). The watermark is read after the events: if
          // it is at or below `after` now, it was when they were read.
          if (!events.ok() || after == 0) {
            MP_ASSIGN_OR_RETURN(pruned_through,
                                txn.events().EventsPrunedThrough());
          }
          return absl::OkStatus();
        }));
    if (pruned_through > after) {
      // The ring must hold every event after its floor: start it over at
      // the watermark. Subscribers behind it then read the store, which
      // refuses them (OUT_OF_RANGE) rather than skip what is gone.
      absl::MutexLock lock(&mu_);
      ring_.clear();
      ring_floor_ = std::max(ring_floor_, pruned_through);
      head_ = std::max(head_, ring_floor_);
      const int64_t floor = ring_floor_;
      batch.erase(batch.begin(), std::find_if(batch.begin(), batch.end(),
                                              [floor](const model::Event& e) {
                                                return e.sequence > floor;
                                              }));
      if (batch.empty()) continue;  // read on from the watermark
    }
    if (batch.empty()) return absl::OkStatus();
    if (options_.on_new_events) options_.on_new_events();
    absl::MutexLock lock(&mu_);
    for (auto& e : batch) ring_.push_back(std::move(e));
    head_ = ring_.back().sequence;
    while (ring_.size() > options_.ring_capacity) {
      ring_floor_ = ring_.front().sequence;
      ring_.pop_front();
    }
    if (read < static_cast<size_t>(kReadBatch)) return absl::OkStatus();
  }
}

absl::StatusOr<int64_t> EventFeed::Next(int64_t cursor, absl::Time until,
                                        std::vector<model::Event>* out) {
  out->clear();
  {
    absl::MutexLock lock(&mu_);
    std::pair<EventFeed*, int64_t> arg(this, cursor);
    mu_.AwaitWithDeadline(absl::Condition(
                              +[](std::pair<EventFeed*, int64_t>* a)
                                   ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                     return a->first->stopping_ ||
                                            a->first->head_ > a->second;
                                   },
                              &arg),
                          until);
    if (stopping_) {
      return absl::UnavailableError(absl::StrCat(
          "the server is shutting down; resume after sequence ", cursor));
    }
    if (head_ <= cursor) return cursor;  // nothing yet
    if (cursor >= ring_floor_) {
      auto it = std::upper_bound(
          ring_.begin(), ring_.end(), cursor,
          [](int64_t c, const model::Event& e) { return c < e.sequence; });
      for (; it != ring_.end() &&
             out->size() < static_cast<size_t>(options_.batch_size);
           ++it) {
        out->push_back(*it);
      }
      return out->empty() ? cursor : out->back().sequence;
    }
  }
  // Behind the ring: read from the store, outside the lock. The store
  // refuses (OUT_OF_RANGE) a cursor that pruning has passed: a subscriber
  // slower than the retention ends rather than skip events.
  bool pruned = false;
  int64_t pruned_through = 0;
  MP_RETURN_IF_ERROR(store_.RunInTransaction(
      store::TxnMode::kSingleRead,
      [&](store::Transaction& txn) -> absl::Status {
        absl::StatusOr<std::vector<model::Event>> events =
            txn.events().ListEvents(cursor, options_.batch_size);
        if (events.status().code() == absl::StatusCode::kOutOfRange) {
          pruned = true;
          MP_ASSIGN_OR_RETURN(pruned_through,
                              txn.events().EventsPrunedThrough());
          return absl::OkStatus();
        }
        MP_ASSIGN_OR_RETURN(*out, std::move(events));
        return absl::OkStatus();
      }));
  if (pruned) {
    return EventsPruned(
        absl::StrCat("the stream fell behind the event feed's retention "
                     "after sequence ",
                     cursor, " (the last sequence it examined)"),
        pruned_through);
  }
  return out->empty() ? cursor : out->back().sequence;
}

absl::Status EventFeed::Watch(
    const RequestContext& ctx, const WatchQuery& query,
    const std::function<bool(const WatchBatch&)>& send,
    const std::function<bool()>& cancelled) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  if (!ctx.principal.platform_admin &&
      std::find(options_.watchers.begin(), options_.watchers.end(),
                ctx.principal.id) == options_.watchers.end()) {
    return absl::PermissionDeniedError(absl::StrCat(
        ctx.principal.id,
        " may not watch the event feed: it carries every team's changes; "
        "watching needs the platform-admin role or being a configured event "
        "watcher (--event-watcher)"));
  }
  if (query.since_sequence < -1) {
    return InvalidArgumentWithFields(
        {{"since_sequence",
          absl::StrCat(query.since_sequence,
                       " is not a sequence (0 for all, -1 for only new)")}});
  }
  MP_RETURN_IF_ERROR(ValidateEventFilter(query.resource_types, query.domain,
                                         query.include_subdomains, ""));
  if (query.since_sequence > 0) {
    // Refused at once, even where this replica's ring could still serve
    // it: the answer does not depend on the replica.
    int64_t pruned_through = 0;
    MP_RETURN_IF_ERROR(store_.RunInTransaction(
        store::TxnMode::kSingleRead,
        [&](store::Transaction& txn) -> absl::Status {
          MP_ASSIGN_OR_RETURN(pruned_through,
                              txn.events().EventsPrunedThrough());
          return absl::OkStatus();
        }));
    if (query.since_sequence < pruned_through) {
      return EventsPruned(absl::StrCat("since_sequence ", query.since_sequence,
                                       " is older than the event feed keeps"),
                          pruned_through);
    }
  }
  MP_ASSIGN_OR_RETURN(
      EventMatcher matcher,
      EventMatcher::Create(store_, query.resource_types, query.domain,
                           query.include_subdomains));
  // "Only new events" means after what has committed now, which this
  // replica's reader may not have read yet (its head lags by a
  // notification's trip): ask the store.
  int64_t committed = 0;
  if (query.since_sequence == -1) {
    MP_RETURN_IF_ERROR(store_.RunInTransaction(
        store::TxnMode::kSingleRead,
        [&](store::Transaction& txn) -> absl::Status {
          MP_ASSIGN_OR_RETURN(committed, txn.events().LastEventSequence());
          return absl::OkStatus();
        }));
  }
  int64_t cursor;
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || stopping_) {
      return absl::UnavailableError("the event feed is not running");
    }
    cursor = query.since_sequence == -1 ? std::max(head_, committed)
                                        : query.since_sequence;
    ++subscribers_;
  }
  struct Leave {
    EventFeed* feed;
    ~Leave() {
      absl::MutexLock lock(&feed->mu_);
      --feed->subscribers_;
    }
  } leave{this};

  // The first message goes out at once, events or not: it tells the client
  // that the subscription is live and where it starts.
  absl::Time last_sent = absl::InfinitePast();
  WatchBatch batch;
  std::vector<model::Event> scanned;
  while (!cancelled()) {
    const absl::Time heartbeat_due = last_sent + options_.heartbeat;
    MP_ASSIGN_OR_RETURN(
        int64_t next,
        Next(cursor, std::min(heartbeat_due, absl::Now() + kCancelCheck),
             &scanned));
    batch.events.clear();
    for (auto& e : scanned) {
      if (matcher.Matches(e)) batch.events.push_back(std::move(e));
    }
    cursor = next;
    batch.high_water = cursor;
    if (!batch.events.empty() || absl::Now() >= heartbeat_due) {
      if (!send(batch)) return absl::OkStatus();
      last_sent = absl::Now();
    }
  }
  return absl::OkStatus();
}

}  // namespace meshplane::core
