// Private to src/store/postgres: connections and the connection pool. (The
// error mapping is in errors.h.)
#ifndef MESHPLANE_STORE_POSTGRES_PG_INTERNAL_H_
#define MESHPLANE_STORE_POSTGRES_PG_INTERNAL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include <pqxx/pqxx>

namespace meshplane::store::pg {

// Adds to a libpq URI or key=value string, each unless present:
// connect_timeout (`connect_timeout`, at least 2 s), TCP keepalives (idle
// 5 s, then every 2 s, 3 probes) and tcp_user_timeout (10 s), so that a
// database that goes silent ends the connection within seconds.
std::string WithConnectionTimeouts(const std::string& url,
                                   absl::Duration connect_timeout);

// Opens a connection with the session settings the store relies on.
// Throws what libpqxx throws.
std::unique_ptr<pqxx::connection> Connect(const std::string& url);

// A fixed-size pool of connections (mutex + condition variable). Connections
// are opened lazily up to `size`; a connection returned as broken is closed
// and its slot freed, so the pool heals once PostgreSQL is back.
//
// Waiting is bounded twice: at most `max_waiters` callers queue for a
// connection (the next one is shed at once with RESOURCE_EXHAUSTED, so that
// an overloaded server answers instead of piling up blocked threads), and a
// waiter gives up after `acquire_timeout` (RESOURCE_EXHAUSTED) or at its
// deadline (DEADLINE_EXCEEDED), whichever comes first.
//
// After a connection fails to open, the pool is "down": callers that would
// open one get UNAVAILABLE at once, and one connection attempt at a time is
// let through, `min_backoff` after the failure, doubling up to
// `max_backoff`, until one succeeds (or MarkUp is called). Idle connections
// are still handed out meanwhile.
// Thread-safe.
class ConnectionPool {
 public:
  struct Options {
    int size = 16;
    absl::Duration acquire_timeout = absl::Seconds(5);
    int max_waiters = 64;
    absl::Duration min_backoff = absl::Milliseconds(50);
    absl::Duration max_backoff = absl::Milliseconds(500);
  };

  // `setup` is called on every new connection (session settings, named
  // statements); it may throw what libpqxx throws.
  ConnectionPool(std::string url, Options options,
                 std::function<void(pqxx::connection&)> setup);
  ~ConnectionPool();

  // A connection on loan. Returns it to the pool on destruction, or closes
  // it if MarkBroken() was called.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept
        : pool_(other.pool_),
          conn_(std::move(other.conn_)),
          broken_(other.broken_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& conn() { return *conn_; }
    void MarkBroken() { broken_ = true; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
    bool broken_ = false;
  };

  // An idle connection, or a new one if the pool is not full.
  // DEADLINE_EXCEEDED if `deadline` has passed or passes while waiting;
  // RESOURCE_EXHAUSTED if the wait queue is full or nothing frees up within
  // the acquire timeout; UNAVAILABLE if a new connection cannot be opened,
  // or the pool is down and it is not this caller's turn to try.
  absl::StatusOr<Lease> Acquire(absl::Time deadline = absl::InfiniteFuture());

  // Closes every idle connection (after an outage, they are all suspect).
  void DropIdle();

  // Leaves the down state at once: something else (the readiness
  // connection) has reached PostgreSQL, so the next caller connects.
  void MarkUp();

  // Counts a connection attempt made outside the pool (the readiness
  // connection), for Usage::connect_attempts.
  void CountConnectAttempt();

  // The connections now (store::PoolStats): on loan (or being opened), and
  // open and free; the queue; the counters. One consistent reading.
  struct Usage {
    int in_use = 0;
    int idle = 0;
    int waiting = 0;
    int64_t connect_attempts = 0;
    int64_t shed = 0;
  };
  Usage usage() const;
  int size() const { return options_.size; }

  // Told how long each Acquire waited for a slot (an idle connection or
  // room to open one; not the connecting itself) and whether it gave up.
  // Replacing the observer waits until no call of the old one runs.
  void SetWaitObserver(std::function<void(absl::Duration, bool)> observer);

 private:
  void Release(std::unique_ptr<pqxx::connection> conn, bool broken);
  void ObserveWait(absl::Duration waited, bool timed_out);

  const std::string url_;
  const Options options_;
  const std::function<void(pqxx::connection&)> setup_;
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + leased + being opened
  int waiters_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t connect_attempts_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t shed_ ABSL_GUARDED_BY(mu_) = 0;
  // The down state: zero backoff = up. While down, no connection attempt
  // before retry_at_, and one at a time (probing_).
  absl::Duration backoff_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  absl::Time retry_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool probing_ ABSL_GUARDED_BY(mu_) = false;
  std::string down_reason_ ABSL_GUARDED_BY(mu_);
  // Its own lock, held while the observer runs, so that waiting callers
  // never hold mu_ while it does.
  absl::Mutex observer_mu_;
  std::function<void(absl::Duration, bool)> observer_
      ABSL_GUARDED_BY(observer_mu_);
};

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_PG_INTERNAL_H_
