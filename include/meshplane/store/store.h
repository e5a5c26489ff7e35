// The storage interface. The only implementation that speaks SQL lives in
// src/store/postgres; tests/testing has InMemoryStore. One shared suite of
// contract tests runs against both.
//
//   MP_RETURN_IF_ERROR(store.RunInTransaction(
//       TxnMode::kReadWrite, [&](Transaction& txn) -> absl::Status {
//         MP_RETURN_IF_ERROR(txn.registry().InsertDomain(domain));
//         return txn.events().AppendAudit(record);
//       }));
#ifndef MESHPLANE_STORE_STORE_H_
#define MESHPLANE_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/store/access.h"
#include "meshplane/store/contracts.h"
#include "meshplane/store/events.h"
#include "meshplane/store/governance.h"
#include "meshplane/store/identity.h"
#include "meshplane/store/page.h"
#include "meshplane/store/registry.h"
#include "meshplane/store/slo.h"

namespace meshplane::store {

enum class TxnMode {
  kReadOnly,   // a consistent read
  kReadWrite,  // SERIALIZABLE
  // Read-only, without a transaction around the statements: each statement
  // sees the latest committed data (no snapshot shared between statements).
  // For calls that issue one statement (a single-row get): it saves the
  // BEGIN and ROLLBACK round trips. Writes are refused as in kReadOnly.
  kSingleRead,
  // Read-write at READ COMMITTED: each statement sees the latest committed
  // data and the commit raises no serialization failure; the row locks the
  // transaction takes (ClaimDueWebhook) are what isolate it. For work
  // queues, whose work (an HTTP POST) must not be repeated because a
  // commit failed for want of serializability. Never for registry writes.
  kReadCommitted,
};

// True for the modes that may write (kReadWrite, kReadCommitted).
inline bool IsWriteMode(TxnMode mode) {
  return mode == TxnMode::kReadWrite || mode == TxnMode::kReadCommitted;
}

// A unit of work. Not thread-safe: one thread uses a Transaction at a time.
// Destroying an uncommitted Transaction rolls it back.
//
// Error codes common to every method: UNAVAILABLE when the database cannot be
// reached; ABORTED with IsRetryableConflict() true on a serialization
// failure or deadlock (the whole transaction should be retried).
class Transaction {
 public:
  virtual ~Transaction() = default;

  // The repositories of this transaction, one per resource area: each is
  // valid while the transaction lives and sees (and writes) what it does.
  virtual RegistryRepository& registry() = 0;
  virtual IdentityRepository& identity() = 0;
  virtual GovernanceRepository& governance() = 0;
  virtual ContractRepository& contracts() = 0;
  virtual AccessRepository& access() = 0;
  virtual SloRepository& slo() = 0;
  virtual EventRepository& events() = 0;

  // --- Change notification ---
  // Sends `payload` on `channel` to every Listener when (and only if) this
  // transaction commits (PostgreSQL NOTIFY; payload < 8000 bytes).
  virtual absl::Status Notify(absl::string_view channel,
                              absl::string_view payload) = 0;

  // Commits. After a non-OK result the transaction is rolled back. Calling
  // any method after Commit is a programmer error.
  virtual absl::Status Commit() = 0;
};

// Receives the notifications that committed transactions sent with
// Transaction::Notify, on a connection of its own, and calls its handler on
// a thread of its own. When the connection drops it reconnects (with
// backoff) and then calls the handler with `resync` true: notifications may
// have been lost, so the receiver must reload what it caches.
class Listener {
 public:
  struct Notification {
    std::string channel;
    std::string payload;
    bool resync = false;  // delivered after (re)connecting; payload ""
    // Delivered as soon as the listening connection is found broken (within
    // the listener's poll interval), before it reconnects; payload "".
    // Receivers that must vouch for their freshness count from here.
    bool lost = false;
  };
  using Handler = std::function<void(const Notification&)>;

  virtual ~Listener() = default;  // stops the thread and closes the connection

  // Subscribes to `channels` and starts delivering to `handler`. The first
  // call made on a connected listener is a resync (after LISTEN took effect),
  // so a receiver can load its state then and miss nothing. Call once.
  virtual absl::Status Start(std::vector<std::string> channels,
                             Handler handler) = 0;
  // True while the listening connection is up.
  virtual bool connected() const = 0;
};

// A snapshot of a store's connection pool (metrics).
struct PoolStats {
  int size = 0;     // the most connections it opens; 0: the store has no pool
  int in_use = 0;   // on loan to a transaction (or a ping), or being opened
  int idle = 0;     // open and free
  int waiting = 0;  // callers queued for a connection now
  // Since the store was opened: connections it tried to open (the pool's
  // and the readiness connection's; listeners open their own), and calls
  // refused at once because the wait queue was full.
  int64_t connect_attempts = 0;
  int64_t shed = 0;
};

// The deadline of the work the calling thread does: every transaction a
// store begins on this thread while a DeadlineScope lives is bounded by it.
// A server sets one per call (the call's deadline, capped by its maximum);
// background work runs without (InfiniteFuture). Scopes nest: the inner one
// replaces the outer one until it ends, earlier or later.
//
//   store::DeadlineScope scope(absl::Now() + absl::Milliseconds(200));
//   absl::Status s = store.RunInTransaction(TxnMode::kReadWrite, fn);
//   // DEADLINE_EXCEEDED, and nothing committed, if 200 ms were not enough.
//
// Not copyable; create and destroy it on the same thread.
class DeadlineScope {
 public:
  explicit DeadlineScope(absl::Time deadline);
  ~DeadlineScope();
  DeadlineScope(const DeadlineScope&) = delete;
  DeadlineScope& operator=(const DeadlineScope&) = delete;

  // The calling thread's deadline: that of its innermost scope, else
  // InfiniteFuture.
  static absl::Time Current();

 private:
  absl::Time previous_;
};

// DEADLINE_EXCEEDED ("<what>: the call's deadline has passed") when the
// calling thread's deadline (DeadlineScope::Current) is not in the future;
// else OK.
absl::Status CheckDeadline(absl::string_view what);

// Told, for each connection a store hands out or fails to (Begin, Ping,
// CheckSchema), how long the caller waited for a free one, and whether it
// gave up (the DEADLINE_EXCEEDED of Begin). Called on the waiting thread:
// it must be cheap and thread-safe.
using PoolWaitObserver =
    std::function<void(absl::Duration waited, bool timed_out)>;

// A source of transactions. Thread-safe; outlives its transactions.
class Store {
 public:
  virtual ~Store() = default;

  // Starts a transaction. UNAVAILABLE when the database cannot be reached;
  // RESOURCE_EXHAUSTED when the pool's wait queue is full or no connection
  // frees up within the pool's wait bound; DEADLINE_EXCEEDED when the
  // thread's deadline (DeadlineScope) has passed or passes while waiting.
  // Stores that honour deadlines bound every statement of the transaction
  // by what is left of it and refuse to commit after it (DEADLINE_EXCEEDED,
  // rolled back), so that work answered as expired never commits.
  virtual absl::StatusOr<std::unique_ptr<Transaction>> Begin(TxnMode mode) = 0;

  // Runs `fn` in a transaction and commits it if `fn` returns OK. Retries
  // the whole of `fn` (with a fresh transaction, jittered backoff) up to
  // `max_attempts` times when `fn` or the commit fails with a retryable
  // conflict; after that returns ABORTED. Any other error from `fn` rolls
  // back and is returned as is. Never outlives the thread's deadline
  // (DeadlineScope): no attempt starts and no backoff sleeps past it, and
  // a conflict that would be retried after it is DEADLINE_EXCEEDED.
  absl::Status RunInTransaction(
      TxnMode mode, const std::function<absl::Status(Transaction&)>& fn,
      int max_attempts = 8);

  // OK if the database answers a trivial query (readiness).
  virtual absl::Status Ping() = 0;

  // OK if the database's schema is one this store works with: at least the
  // version it was written for (a newer one is fine: migrations only add,
  // so old replicas keep serving while new ones roll out).
  // FAILED_PRECONDITION naming the versions (or the missing schema) when it
  // is older; UNAVAILABLE when the database cannot be reached. One query;
  // the default (stores without a schema) is OK.
  virtual absl::Status CheckSchema() { return absl::OkStatus(); }

  // The connection pool now: no I/O, a lock at most. The default (stores
  // without a pool) is all zero.
  virtual PoolStats pool_stats() const { return {}; }

  // Installs `observer` (an empty function removes it), replacing the one
  // before. Once this returns, the one before is not running and is not
  // called again, so its captures may be destroyed. The default (stores
  // without a pool) never calls it.
  virtual void SetPoolWaitObserver(PoolWaitObserver observer) {
    (void)observer;
  }

  // A listener for what this store's transactions Notify; not yet started.
  virtual absl::StatusOr<std::unique_ptr<Listener>> NewListener() = 0;
};

// Marks `status` (which must be ABORTED) as a retryable conflict.
absl::Status MarkRetryable(absl::Status status);
// True for ABORTED statuses that MarkRetryable produced.
bool IsRetryableConflict(const absl::Status& status);

// The OUT_OF_RANGE of ListEvents after `after_sequence` when events through
// `pruned_through` have been pruned; every store words it the same way.
absl::Status EventsPrunedError(int64_t after_sequence, int64_t pruned_through);

}  // namespace meshplane::store

#endif  // MESHPLANE_STORE_STORE_H_
