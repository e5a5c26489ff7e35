// Private to src/store/postgres: what the repositories of one PostgreSQL
// transaction share. Each repository (registry.h, identity.h, ...) runs its
// statements through the context of the transaction that owns it.
#ifndef MESHPLANE_STORE_POSTGRES_CONTEXT_H_
#define MESHPLANE_STORE_POSTGRES_CONTEXT_H_

#include <exception>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "store/postgres/errors.h"
#include "store/postgres/pg_internal.h"
#include <pqxx/pqxx>

#include "meshplane/store/store.h"

namespace meshplane::store::pg {

// The database transaction on its pooled connection, its mode and deadline,
// and the first error that aborted it. Not thread-safe (one thread uses a
// transaction at a time); owned by PostgresTransaction.
class TxnContext {
 public:
  TxnContext(TxnMode mode, absl::Time deadline, ConnectionPool::Lease lease,
             std::unique_ptr<pqxx::transaction_base> txn)
      : mode_(mode),
        deadline_(deadline),
        lease_(std::move(lease)),
        txn_(std::move(txn)) {}

  ~TxnContext() {
    // libpqxx rolls back an uncommitted transaction in its destructor and
    // swallows errors; a connection that broke is then closed by the lease.
    txn_.reset();
  }

  TxnContext(const TxnContext&) = delete;
  TxnContext& operator=(const TxnContext&) = delete;

  TxnMode mode() const { return mode_; }
  // Of the call; InfiniteFuture: none.
  absl::Time deadline() const { return deadline_; }

  // The database transaction. Use it only inside Run, which checks that it
  // has not ended.
  pqxx::transaction_base& txn() { return *txn_; }
  bool ended() const { return txn_ == nullptr; }
  // Ends the database transaction (rolls it back unless it committed).
  void End() { txn_.reset(); }

  // The first error that aborted the transaction; OK while it is usable.
  const absl::Status& error() const { return error_; }

  // The pooled connection, for the work done after the commit.
  ConnectionPool::Lease& lease() { return lease_; }

  // Runs `body` (which calls libpqxx), mapping any exception through the
  // one mapping function. After an exception the database transaction is
  // aborted, so every later call fails with that first error.
  template <typename F>
  auto Run(const OpContext& context, F&& body) -> decltype(body()) {
    if (!error_.ok()) return error_;
    if (txn_ == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          context.op, " called on a transaction that already ended"));
    }
    try {
      return body();
    } catch (...) {
      bool lost = false;
      error_ = MapPgError(std::current_exception(), context, &lost);
      if (lost) lease_.MarkBroken();
      return error_;
    }
  }

 private:
  const TxnMode mode_;
  const absl::Time deadline_;
  ConnectionPool::Lease lease_;
  // Declared after lease_: destroyed (rolled back) before the connection
  // returns to the pool.
  std::unique_ptr<pqxx::transaction_base> txn_;
  absl::Status error_;
};

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_CONTEXT_H_
