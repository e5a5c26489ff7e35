#include "meshplane/store/postgres_store.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "store/postgres/access_sql.h"
#include "store/postgres/contracts_sql.h"
#include "store/postgres/errors.h"
#include "store/postgres/events_sql.h"
#include "store/postgres/governance_sql.h"
#include "store/postgres/identity_sql.h"
#include "store/postgres/listener.h"
#include "store/postgres/pg_internal.h"
#include "store/postgres/registry_sql.h"
#include "store/postgres/slo_sql.h"
#include "store/postgres/store_sql.h"
#include "store/postgres/transaction.h"
#include <pqxx/pqxx>

#include "meshplane/common/status_macros.h"

namespace meshplane::store {

// The schema version this code was written against.
constexpr int kRequiredSchemaVersion = 13;

class PostgresStore::Impl {
 public:
  explicit Impl(const PostgresStoreOptions& o)
      : listener_url(
            pg::WithConnectionTimeouts(o.database_url, o.connect_timeout)),
        statement_timeout(o.statement_timeout),
        pool(listener_url, PoolOptions(o),
             [timeout_ms = absl::ToInt64Milliseconds(o.statement_timeout)](
                 pqxx::connection& conn) { SetUp(conn, timeout_ms); }) {}

  static pg::ConnectionPool::Options PoolOptions(
      const PostgresStoreOptions& o) {
    pg::ConnectionPool::Options p;
    p.size = o.pool_size;
    p.acquire_timeout = o.acquire_timeout;
    p.max_waiters = o.max_waiters;
    p.min_backoff = o.reconnect_min_backoff;
    p.max_backoff = o.reconnect_max_backoff;
    return p;
  }

  // Session settings and the named statements of a new connection.
  static void SetUp(pqxx::connection& conn, int64_t statement_timeout_ms) {
    {
      pqxx::nontransaction session(conn);
      session.exec_params(pg::sql::kSetStatementTimeout,
                          absl::StrCat(statement_timeout_ms, "ms"));
    }
    Prepare(conn, pg::sql::kStorePrepared);
    Prepare(conn, pg::sql::kRegistryPrepared);
    Prepare(conn, pg::sql::kIdentityPrepared);
    Prepare(conn, pg::sql::kGovernancePrepared);
    Prepare(conn, pg::sql::kContractsPrepared);
    Prepare(conn, pg::sql::kAccessPrepared);
    Prepare(conn, pg::sql::kSloPrepared);
    Prepare(conn, pg::sql::kEventsPrepared);
  }

  // Registers (lazily: libpqxx prepares each on its first use) the named
  // statements of one <area>_sql.h.
  template <size_t N>
  static void Prepare(pqxx::connection& conn,
                      const pg::sql::Statement* const (&statements)[N]) {
    for (const pg::sql::Statement* s : statements) {
      conn.prepare(s->name, s->text);
    }
  }

  // The URL a Listener opens its own connection with.
  const std::string listener_url;
  const absl::Duration statement_timeout;  // the session's; zero: none
  pg::ConnectionPool pool;
  std::atomic<int64_t> idempotency_puts{0};
  // Ping's connection, outside the pool, so that readiness never queues
  // behind the calls that keep every pooled connection busy.
  absl::Mutex health_mu;
  std::unique_ptr<pqxx::connection> health ABSL_GUARDED_BY(health_mu);
  // When the check holding health_mu began (InfinitePast: none is running),
  // so that the probes behind one the database does not answer are told
  // at once instead of queueing for the TCP timeout.
  absl::Mutex health_state_mu;
  absl::Time health_busy_since ABSL_GUARDED_BY(health_state_mu) =
      absl::InfinitePast();
};

PostgresStore::PostgresStore(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

PostgresStore::~PostgresStore() = default;

namespace {

// Open and CheckSchema: what a schema this build cannot work with is.
absl::Status SchemaTooOld(int version) {
  return absl::FailedPreconditionError(absl::StrCat(
      "the database schema is at version ", version, "; this build needs ",
      kRequiredSchemaVersion, ": run `meshplaned migrate` first"));
}

absl::Status NoSchema() {
  return absl::FailedPreconditionError(
      "the database has no Meshplane schema (schema_migrations is "
      "missing): run `meshplaned migrate` first");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> PostgresStore::Open(
    const PostgresStoreOptions& options) {
  if (options.database_url.empty()) {
    return absl::InvalidArgumentError("database_url is empty");
  }
  if (options.statement_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("statement_timeout is negative");
  }
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("pool_size must be at least 1, got ", options.pool_size));
  }
  if (options.max_waiters < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_waiters must not be negative, got ", options.max_waiters));
  }
  auto impl = std::make_unique<Impl>(options);
  {
    MP_ASSIGN_OR_RETURN(pg::ConnectionPool::Lease lease, impl->pool.Acquire());
    try {
      pqxx::nontransaction check(lease.conn());
      int version =
          check.exec_prepared1(pg::sql::kSchemaVersion.name)[0].as<int>();
      if (version < kRequiredSchemaVersion) {
        return SchemaTooOld(version);
      }
      // Start-up sweep of expired idempotency records.
      check.exec_prepared(pg::sql::kExpireIdempotency.name,
                          static_cast<const char*>(nullptr));
    } catch (const pqxx::undefined_table&) {
      return NoSchema();
    } catch (...) {
      bool lost = false;
      absl::Status s =
          pg::MapPgError(std::current_exception(), {"Open", "", false}, &lost);
      if (lost) lease.MarkBroken();
      return s;
    }
  }
  return std::unique_ptr<Store>(new PostgresStore(std::move(impl)));
}

absl::StatusOr<std::unique_ptr<Transaction>> PostgresStore::Begin(
    TxnMode mode) {
  const absl::Time deadline = DeadlineScope::Current();
  absl::Status last;
  // A pooled connection may have died while idle (server restart); then the
  // first BEGIN fails, the idle connections are dropped and one fresh
  // connection is tried.
  for (int attempt = 0; attempt < 2; ++attempt) {
    MP_ASSIGN_OR_RETURN(pg::ConnectionPool::Lease lease,
                        impl_->pool.Acquire(deadline));
    try {
      std::unique_ptr<pqxx::transaction_base> txn;
      if (mode == TxnMode::kReadWrite) {
        txn = std::make_unique<
            pqxx::transaction<pqxx::serializable, pqxx::read_write>>(
            lease.conn());
      } else if (mode == TxnMode::kReadCommitted) {
        txn = std::make_unique<
            pqxx::transaction<pqxx::read_committed, pqxx::read_write>>(
            lease.conn());
      } else if (mode == TxnMode::kReadOnly) {
        txn = std::make_unique<
            pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>>(
            lease.conn());
      } else {
        // No round trip at all until the first statement.
        txn = std::make_unique<pqxx::nontransaction>(lease.conn());
      }
      if (deadline != absl::InfiniteFuture() && mode != TxnMode::kSingleRead) {
        // Every statement, and every wait for a row lock, ends by the
        // deadline: a write blocked behind another transaction's lock must
        // not go on to commit after its caller was told it expired. (In
        // kSingleRead, SET LOCAL would not outlive its own statement; those
        // reads take no row locks and have the session's bound.)
        const absl::Duration left = deadline - absl::Now();
        if (left <= absl::ZeroDuration()) {
          return absl::DeadlineExceededError(
              "the call's deadline passed before its transaction started");
        }
        absl::Duration bound = left;
        if (impl_->statement_timeout > absl::ZeroDuration()) {
          bound = std::min(bound, impl_->statement_timeout);
        }
        txn->exec_prepared(
            pg::sql::kSetTransactionTimeouts.name,
            absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(bound)),
                         "ms"));
      }
      return std::unique_ptr<Transaction>(
          std::make_unique<pg::PostgresTransaction>(
              &impl_->idempotency_puts, mode, deadline, std::move(lease),
              std::move(txn)));
    } catch (...) {
      bool lost = false;
      last =
          pg::MapPgError(std::current_exception(), {"Begin", "", false}, &lost);
      if (!lost) return last;
      lease.MarkBroken();
      impl_->pool.DropIdle();
    }
  }
  return last;
}

absl::StatusOr<std::unique_ptr<Listener>> PostgresStore::NewListener() {
  // Reconnects at most a second apart, so that the caches a listener feeds
  // are current again within about a second of PostgreSQL's return.
  pg::PostgresListener::Options options;
  options.max_backoff = absl::Seconds(1);
  return std::unique_ptr<Listener>(
      std::make_unique<pg::PostgresListener>(impl_->listener_url, options));
}

namespace {

// Runs `query` on the store's readiness connection (opened on first use and
// after a failure), retrying once on a fresh connection when the old one
// turns out to be dead (server restart). `query` returns a Status.
template <typename F>
absl::Status OnHealthConnection(PostgresStore::Impl& impl, const char* op,
                                F query) {
  {
    absl::MutexLock state(&impl.health_state_mu);
    const absl::Duration waited = absl::Now() - impl.health_busy_since;
    if (impl.health_busy_since != absl::InfinitePast() &&
        waited > absl::Seconds(1)) {
      return absl::UnavailableError(absl::StrCat(
          "PostgreSQL is unavailable (", op,
          "): the previous check has had "
          "no answer for ",
          absl::FormatDuration(absl::Trunc(waited, absl::Milliseconds(1)))));
    }
  }
  absl::MutexLock lock(&impl.health_mu);
  {
    absl::MutexLock state(&impl.health_state_mu);
    impl.health_busy_since = absl::Now();
  }
  struct NotBusy {
    PostgresStore::Impl& impl;
    ~NotBusy() {
      absl::MutexLock state(&impl.health_state_mu);
      impl.health_busy_since = absl::InfinitePast();
    }
  } not_busy{impl};
  absl::Status last;
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (impl.health == nullptr) {
        impl.pool.CountConnectAttempt();
        auto conn = pg::Connect(impl.listener_url);
        // A database that accepts connections but does not answer must not
        // hold readiness (and the probes queued behind this lock) for long.
        pqxx::nontransaction session(*conn);
        session.exec_params(pg::sql::kSetStatementTimeout, "2000ms");
        session.commit();
        impl.health = std::move(conn);
      }
      pqxx::nontransaction txn(*impl.health);
      absl::Status s = query(txn);
      // PostgreSQL answers: a pool that gave up on it may connect again at
      // once rather than after its backoff.
      impl.pool.MarkUp();
      return s;
    } catch (const pqxx::undefined_table&) {
      return NoSchema();
    } catch (...) {
      bool lost = false;
      last = pg::MapPgError(std::current_exception(), {op, "", false}, &lost);
      impl.health.reset();
      if (!lost) return last;
    }
  }
  return last;
}

}  // namespace

// Both on a connection of their own, outside the pool: readiness must not
// queue behind the calls that keep every pooled connection busy (a replica
// that sheds load correctly is still ready).
absl::Status PostgresStore::Ping() {
  return OnHealthConnection(*impl_, "Ping", [](pqxx::nontransaction& txn) {
    txn.exec(pg::sql::kPing.text);
    return absl::OkStatus();
  });
}

absl::Status PostgresStore::CheckSchema() {
  return OnHealthConnection(
      *impl_, "CheckSchema", [](pqxx::nontransaction& txn) {
        int version = txn.exec(pg::sql::kSchemaVersion.text)[0][0].as<int>();
        return version < kRequiredSchemaVersion ? SchemaTooOld(version)
                                                : absl::OkStatus();
      });
}

PoolStats PostgresStore::pool_stats() const {
  pg::ConnectionPool::Usage usage = impl_->pool.usage();
  PoolStats stats;
  stats.size = impl_->pool.size();
  stats.in_use = usage.in_use;
  stats.idle = usage.idle;
  stats.waiting = usage.waiting;
  stats.connect_attempts = usage.connect_attempts;
  stats.shed = usage.shed;
  return stats;
}

void PostgresStore::SetPoolWaitObserver(PoolWaitObserver observer) {
  impl_->pool.SetWaitObserver(std::move(observer));
}

}  // namespace meshplane::store
