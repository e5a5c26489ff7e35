#include "tests/testing/memstore/in_memory_store.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/memstore/repositories.h"
#include "tests/testing/memstore/state.h"

namespace meshplane::testing {
namespace memstore_internal {
namespace {

// One started listener. Delivery holds `mu`, so the listener's destructor
// (which clears `alive` under it) waits for a delivery in progress.
struct ListenerSlot {
  absl::Mutex mu;
  bool alive ABSL_GUARDED_BY(mu) = true;
  std::set<std::string> channels;
  store::Listener::Handler handler;

  void Deliver(const store::Listener::Notification& n)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    try {
      handler(n);
    } catch (...) {
      // As PostgresListener: a handler's exception does not stop delivery.
    }
  }
};

}  // namespace

struct ListenerHub {
  absl::Mutex mu;
  std::vector<std::shared_ptr<ListenerSlot>> slots ABSL_GUARDED_BY(mu);

  void Publish(const std::vector<store::Listener::Notification>& batch) {
    std::vector<std::shared_ptr<ListenerSlot>> targets;
    {
      absl::MutexLock lock(&mu);
      targets = slots;
    }
    for (const auto& slot : targets) {
      absl::MutexLock lock(&slot->mu);
      if (!slot->alive) continue;
      for (const auto& n : batch) {
        if (slot->channels.count(n.channel)) slot->Deliver(n);
      }
    }
  }

  void Remove(const ListenerSlot* slot) {
    absl::MutexLock lock(&mu);
    slots.erase(std::remove_if(slots.begin(), slots.end(),
                               [&](const auto& s) { return s.get() == slot; }),
                slots.end());
  }
};

namespace {

class InMemoryListener : public store::Listener {
 public:
  explicit InMemoryListener(std::shared_ptr<ListenerHub> hub)
      : hub_(std::move(hub)) {}

  ~InMemoryListener() override {
    if (slot_ == nullptr) return;
    {
      absl::MutexLock lock(&slot_->mu);
      slot_->alive = false;
    }
    hub_->Remove(slot_.get());
  }

  absl::Status Start(std::vector<std::string> channels,
                     Handler handler) override {
    if (!handler) return absl::InvalidArgumentError("listener handler is null");
    if (slot_ != nullptr) {
      return absl::FailedPreconditionError("the listener was already started");
    }
    for (const auto& c : channels) {
      if (c.empty() || c.size() > 63) {
        return absl::InvalidArgumentError(
            absl::StrCat("notification channel \"", c,
                         "\" must be 1 to 63 bytes long, got ", c.size()));
      }
    }
    slot_ = std::make_shared<ListenerSlot>();
    slot_->channels.insert(channels.begin(), channels.end());
    slot_->handler = std::move(handler);
    // Registered and resynced under the slot's lock: a commit racing with
    // Start delivers only after the resync, as after a real LISTEN.
    absl::MutexLock lock(&slot_->mu);
    {
      absl::MutexLock hub_lock(&hub_->mu);
      hub_->slots.push_back(slot_);
    }
    started_ = true;
    slot_->Deliver({"", "", true});
    return absl::OkStatus();
  }

  // The fake never loses its "connection": up from Start on.
  bool connected() const override { return started_.load(); }

 private:
  const std::shared_ptr<ListenerHub> hub_;
  std::shared_ptr<ListenerSlot> slot_;  // set by Start (one thread)
  std::atomic<bool> started_{false};
};

// The transaction hands out its repositories, all over one TxnState.
class InMemoryTransaction : public store::Transaction {
 public:
  InMemoryTransaction(StoreState& db, store::TxnMode mode, uint64_t id,
                      uint64_t snapshot_version, const Tables& t)
      : txn_(db, mode, id, snapshot_version, t),
        registry_(txn_),
        identity_(txn_),
        governance_(txn_),
        contracts_(txn_),
        access_(txn_),
        slo_(txn_),
        events_(txn_) {}

  ~InMemoryTransaction() override {
    if (!txn_.done) Finish();
  }

  store::RegistryRepository& registry() override { return registry_; }
  store::IdentityRepository& identity() override { return identity_; }
  store::GovernanceRepository& governance() override { return governance_; }
  store::ContractRepository& contracts() override { return contracts_; }
  store::AccessRepository& access() override { return access_; }
  store::SloRepository& slo() override { return slo_; }
  store::EventRepository& events() override { return events_; }

  absl::Status Notify(absl::string_view channel,
                      absl::string_view payload) override {
    return txn_.Notify(channel, payload);
  }

  absl::Status Commit() override {
    if (txn_.done)
      return absl::FailedPreconditionError("transaction already finished");
    absl::Status result = absl::OkStatus();
    {
      absl::MutexLock lock(&txn_.db.mu);
      if (txn_.db.unavailable) {
        result = Unavailable();
      } else if (txn_.wrote) {
        for (const auto& entry : txn_.db.log) {
          // READ COMMITTED raises no serialization failure: its row locks
          // (ClaimDueWebhook) are what isolate it.
          if (txn_.mode == store::TxnMode::kReadCommitted) break;
          if (entry.version <= txn_.snapshot_version) continue;
          for (const auto& w : entry.writes) {
            if (txn_.reads.count(w)) {
              result = store::MarkRetryable(absl::AbortedError(
                  "could not serialize access due to read/write dependencies "
                  "among transactions"));
              break;
            }
          }
          if (!result.ok()) break;
        }
        if (result.ok()) {
          uint64_t v = ++txn_.db.version;
          ForEachTable(txn_.db.tables, txn_,
                       [](auto& committed, const auto& overlay) {
                         committed.rows = overlay.CommitOnto(committed.rows);
                       });
          for (auto& d : txn_.pending_decisions) {
            txn_.db.access_decisions.push_back(std::move(d));
          }
          for (auto& r : txn_.pending_revisions) {
            txn_.db.revisions.emplace_back(v, r);
          }
          for (auto& r : txn_.pending_audit) txn_.db.audit.emplace_back(v, r);
          for (auto& e : txn_.pending_events) txn_.db.events.emplace_back(v, e);
          if (txn_.pending_pruned_through.has_value()) {
            txn_.db.event_watermarks.emplace_back(v,
                                                  *txn_.pending_pruned_through);
          }
          txn_.db.log.push_back({v, txn_.writes});
          ++txn_.db.write_commits;
        }
      }
    }
    Finish();
    // Delivered after the store's mutex is released: handlers may well start
    // a transaction of their own.
    if (result.ok() && !txn_.pending_notifications.empty()) {
      txn_.db.hub->Publish(txn_.pending_notifications);
    }
    txn_.pending_notifications.clear();
    return result;
  }

 private:
  void Finish() {
    txn_.done = true;
    absl::MutexLock lock(&txn_.db.mu);
    for (const auto& k : txn_.locks) {
      auto it = txn_.db.request_locks.find(k);
      if (it != txn_.db.request_locks.end() && it->second == txn_.id) {
        txn_.db.request_locks.erase(it);
      }
    }
    txn_.locks.clear();
    auto it = txn_.db.live_snapshots.find(txn_.snapshot_version);
    if (it != txn_.db.live_snapshots.end()) txn_.db.live_snapshots.erase(it);
    // Forget commits that no live transaction can conflict with.
    uint64_t oldest = txn_.db.live_snapshots.empty()
                          ? txn_.db.version
                          : *txn_.db.live_snapshots.begin();
    auto& log = txn_.db.log;
    log.erase(
        std::remove_if(log.begin(), log.end(),
                       [&](const auto& e) { return e.version <= oldest; }),
        log.end());
  }
  TxnState txn_;
  InMemoryRegistry registry_;
  InMemoryIdentity identity_;
  InMemoryGovernance governance_;
  InMemoryContracts contracts_;
  InMemoryAccess access_;
  InMemorySlo slo_;
  InMemoryEvents events_;
};

}  // namespace
}  // namespace memstore_internal

using memstore_internal::InMemoryListener;
using memstore_internal::InMemoryTransaction;
using memstore_internal::ListenerHub;
using memstore_internal::StoreState;
using memstore_internal::Unavailable;

InMemoryStore::InMemoryStore()
    : state_(std::make_unique<StoreState>(std::make_shared<ListenerHub>())) {}

InMemoryStore::~InMemoryStore() = default;

absl::StatusOr<std::unique_ptr<store::Transaction>> InMemoryStore::Begin(
    store::TxnMode mode) {
  absl::MutexLock lock(&state_->mu);
  if (state_->unavailable) return Unavailable();
  state_->live_snapshots.insert(state_->version);
  return std::unique_ptr<store::Transaction>(
      std::make_unique<InMemoryTransaction>(*state_, mode,
                                            state_->next_txn_id++,
                                            state_->version, state_->tables));
}

absl::StatusOr<std::unique_ptr<store::Listener>> InMemoryStore::NewListener() {
  return std::unique_ptr<store::Listener>(
      std::make_unique<InMemoryListener>(state_->hub));
}

absl::Status InMemoryStore::Ping() {
  absl::MutexLock lock(&state_->mu);
  if (state_->unavailable) return Unavailable();
  return absl::OkStatus();
}

void InMemoryStore::SetUnavailable(bool unavailable) {
  absl::MutexLock lock(&state_->mu);
  state_->unavailable = unavailable;
}

int64_t InMemoryStore::write_commits() const {
  absl::MutexLock lock(&state_->mu);
  return state_->write_commits;
}

std::vector<model::AccessDecision> InMemoryStore::access_decisions() const {
  absl::MutexLock lock(&state_->mu);
  return state_->access_decisions;
}

}  // namespace meshplane::testing
