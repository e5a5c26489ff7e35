// Private to src/store/postgres: the connection pool and the one function
// that turns libpqxx exceptions into absl::Status.
#ifndef MESHPLANE_STORE_POSTGRES_PG_INTERNAL_H_
#define MESHPLANE_STORE_POSTGRES_PG_INTERNAL_H_

#include <exception>
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

// What a failed database call was doing, to name things in its error.
struct OpContext {
  // The operation, e.g. "InsertDomain".
  std::string op;
  // The resource it works on, as a phrase: `domain "sales"`.
  std::string resource;
  // A delete: a foreign key violation then means "still referred to"
  // (FAILED_PRECONDITION) rather than "refers to something missing"
  // (NOT_FOUND).
  bool is_delete = false;
};

// THE error mapping of the PostgreSQL store. `error` is an exception thrown
// by libpqxx (or by our own JSON decoding) while running `context`:
//   unique_violation (23505)          -> ALREADY_EXISTS "<resource> already
//   exists" foreign_key_violation (23503)     -> NOT_FOUND naming the missing
//   reference,
//                                        or FAILED_PRECONDITION on a delete
//   serialization_failure (40001),
//   deadlock_detected (40P01)         -> ABORTED, MarkRetryable
//   broken_connection, class 08,
//   57P01..57P03, 53300, no SQLSTATE  -> UNAVAILABLE
//   query_canceled (57014)            -> DEADLINE_EXCEEDED
//   22021 / invalid UTF-8 in JSON     -> INVALID_ARGUMENT
//   anything else                     -> INTERNAL with the SQLSTATE
// Sets *connection_lost when the connection cannot be used any more.
// libpqxx 6.4 reports some lost connections as an sql_error without
// SQLSTATE; those count as lost connections too.
absl::Status MapPgError(std::exception_ptr error, const OpContext& context,
                        bool* connection_lost);

// Adds connect_timeout to a libpq URI or key=value string unless present.
std::string WithConnectTimeout(const std::string& url, absl::Duration timeout);

// Opens a connection with the session settings the store relies on.
// Throws what libpqxx throws.
std::unique_ptr<pqxx::connection> Connect(const std::string& url);

// A fixed-size pool of connections (mutex + condition variable). Connections
// are opened lazily up to `size`; a connection returned as broken is closed
// and its slot freed, so the pool heals once PostgreSQL is back.
// Thread-safe.
class ConnectionPool {
 public:
  // `setup` is called on every new connection (session settings, named
  // statements); it may throw what libpqxx throws.
  ConnectionPool(std::string url, int size, absl::Duration acquire_timeout,
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

  // An idle connection, or a new one if the pool is not full. UNAVAILABLE if
  // a new connection cannot be opened; DEADLINE_EXCEEDED if none frees up
  // within the acquire timeout.
  absl::StatusOr<Lease> Acquire();

  // Closes every idle connection (after an outage, they are all suspect).
  void DropIdle();

  // The connections now (store::PoolStats): on loan (or being opened), and
  // open and free. One consistent reading.
  struct Usage {
    int in_use = 0;
    int idle = 0;
  };
  Usage usage() const;
  int size() const { return size_; }

  // Told how long each Acquire waited for a slot (an idle connection or
  // room to open one; not the connecting itself) and whether it gave up.
  // Replacing the observer waits until no call of the old one runs.
  void SetWaitObserver(std::function<void(absl::Duration, bool)> observer);

 private:
  void Release(std::unique_ptr<pqxx::connection> conn, bool broken);
  void ObserveWait(absl::Duration waited, bool timed_out);

  const std::string url_;
  const int size_;
  const absl::Duration acquire_timeout_;
  const std::function<void(pqxx::connection&)> setup_;
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + leased + being opened
  // Its own lock, held while the observer runs, so that waiting callers
  // never hold mu_ while it does.
  absl::Mutex observer_mu_;
  std::function<void(absl::Duration, bool)> observer_
      ABSL_GUARDED_BY(observer_mu_);
};

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_PG_INTERNAL_H_
