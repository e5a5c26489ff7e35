// The PostgreSQL implementation of store::Store, and the schema migration
// runner. Nothing in this header depends on libpqxx; the SQL and the driver
// live in src/store/postgres.
//
//   MP_RETURN_IF_ERROR(store::Migrate(url, store::DefaultMigrationsDir()));
//   MP_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> db,
//                       store::PostgresStore::Open({.database_url = url}));
//   MP_ASSIGN_OR_RETURN(auto txn, db->Begin(store::TxnMode::kReadOnly));
#ifndef MESHPLANE_STORE_POSTGRES_STORE_H_
#define MESHPLANE_STORE_POSTGRES_STORE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "meshplane/store/store.h"

namespace meshplane::store {

// The migrations directory of the source tree (compiled in as
// MESHPLANE_MIGRATIONS_DIR), unless the environment variable
// MESHPLANE_MIGRATIONS_DIR is set, which wins. Thread-safe.
std::string DefaultMigrationsDir();

// The highest NNNN version among the NNNN_name.sql files of
// `migrations_dir`, i.e. the schema version Migrate() leads to.
// NOT_FOUND if the directory cannot be read or holds no migration;
// INVALID_ARGUMENT if two files share a version. Thread-safe.
absl::StatusOr<int> LatestMigrationVersion(const std::string& migrations_dir);

// Brings the database at `database_url` (a libpq URI or key=value string) up
// to date with the NNNN_name.sql files of `migrations_dir`, in version
// order. Safe to call from many processes or threads at once: it holds a
// PostgreSQL session advisory lock on a dedicated connection for the whole
// run, so each file is applied exactly once. Each file runs in its own
// transaction together with its row in schema_migrations (version, name,
// SHA-256 checksum, applied_at); a file that fails leaves the schema at the
// previous version. A file whose first line is `-- meshplane:no-transaction`
// runs outside a transaction instead (for CREATE INDEX CONCURRENTLY); it
// must be a single statement that is safe to repeat (IF NOT EXISTS).
//
// Errors: UNAVAILABLE if the database cannot be reached; FAILED_PRECONDITION
// naming the file if an applied file's content changed (released migrations
// must never be edited) or if the database has a version that no file in
// the directory provides (a newer binary migrated it); INVALID_ARGUMENT
// naming the file and the PostgreSQL message if a file fails to apply;
// NOT_FOUND if the directory has no migrations.
//
// With a `serving_role`, the run ends by giving that role exactly the
// privileges meshplaned needs to serve: `serving_role.sql` of
// `migrations_dir`, with :"serving_role" replaced by the quoted name, in one
// transaction (it revokes first, so it converges on every run). Run it as
// the role that owns the schema. The role is refused, with
// FAILED_PRECONDITION naming why and before anything is granted, when it
// does not exist or could alter the audit tables (see CheckServingRole);
// NOT_FOUND if `migrations_dir` has no serving_role.sql.
// PERMISSION_DENIED if the role of `database_url` may not change the schema
// (a serving role): migrate with the owner's URL.
absl::Status Migrate(const std::string& database_url,
                     const std::string& migrations_dir,
                     const std::string& serving_role = "");

// OK if the role that `database_url` logs in as is fit to serve: it cannot
// alter or erase audit_log and access_decisions, nor create objects in the
// schema. FAILED_PRECONDITION naming the role and why not: it is a
// superuser, owns those tables (or has their owner's privileges, so it
// could disable their append-only triggers, truncate or drop them), or may
// CREATE in the schema. UNAVAILABLE if the database cannot be reached;
// FAILED_PRECONDITION if it has no Meshplane schema. Thread-safe.
absl::Status CheckServingRole(const std::string& database_url);

// The version the database at `database_url` is at (0 for an empty one).
// UNAVAILABLE if the database cannot be reached.
absl::StatusOr<int> CurrentSchemaVersion(const std::string& database_url);

struct PostgresStoreOptions {
  // libpq connection URI, e.g.
  // postgresql://meshplane@db/meshplane?host=/run/pg&port=5432
  std::string database_url;
  // Maximum number of open connections (and so of concurrent transactions).
  int pool_size = 16;
  // How long Begin() waits for a free connection before RESOURCE_EXHAUSTED
  // (or less: never past the thread's deadline, then DEADLINE_EXCEEDED).
  absl::Duration acquire_timeout = absl::Seconds(5);
  // At most this many callers wait for a connection; Begin() refuses the
  // next at once with RESOURCE_EXHAUSTED. 0: none waits.
  int max_waiters = 64;
  // After a connection fails to open, callers get UNAVAILABLE at once and
  // one attempt at a time goes through, this long after the failure,
  // doubling up to the max (or at once after a successful Ping).
  absl::Duration reconnect_min_backoff = absl::Milliseconds(50);
  absl::Duration reconnect_max_backoff = absl::Milliseconds(500);
  // Bound on establishing one connection (libpq connect_timeout, rounded up
  // to whole seconds), unless the URL sets connect_timeout itself.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Bound on any one statement (PostgreSQL statement_timeout); a statement
  // that runs longer fails with DEADLINE_EXCEEDED. Zero: no bound.
  absl::Duration statement_timeout = absl::Seconds(30);
};

// A store::Store backed by PostgreSQL 15 through a pool of connections.
//
// - kReadWrite transactions run at SERIALIZABLE; serialization failures and
//   deadlocks come back as ABORTED marked retryable (IsRetryableConflict),
//   which Store::RunInTransaction retries.
// - kReadOnly transactions run at REPEATABLE READ READ ONLY: one consistent
//   snapshot for all their statements.
// - kSingleRead runs its statements in autocommit (pqxx::nontransaction, no
//   BEGIN/ROLLBACK): each statement sees the latest committed data. Its
//   write methods are not refused by the store itself; callers must not
//   call them (the connection is in autocommit, so they would commit).
// - Conflicts that callers expect (ALREADY_EXISTS, NOT_FOUND for a missing
//   reference, FAILED_PRECONDITION for a delete that others depend on,
//   ETAG_MISMATCH) are detected without an SQL error, so the transaction
//   stays usable after them, as with InMemoryStore. After any other error a
//   transaction refuses further work (its database transaction is aborted)
//   and Commit returns the first error.
// - AppendEvent takes no lock: the event is stored unnumbered, and after
//   the commit the writer numbers every committed unnumbered event in a
//   short transaction of its own (publishers take turns under an advisory
//   lock; writers never wait for each other's commits). So sequences
//   follow commit order, and a Watch client resuming "after N" never
//   misses an event (migrations/0012_outbox_publication.sql). Feed reads
//   in kSingleRead also publish what a writer that failed after its commit
//   left unnumbered.
// - Event retention: the watermark of PruneEvents is the newest pruned
//   event's row, kept as a tombstone that ListEvents never returns (see
//   events_sql.h). PruneEvents takes a transaction-scoped advisory lock without
//   waiting; a replica that finds another pruning returns 0 at once.
// - Request ids: records older than 24 hours (relative to the newest
//   record) are swept at Open and after every 512th commit that stored one.
// - Notify is PostgreSQL's NOTIFY (pg_notify), delivered at commit. It is
//   refused (FAILED_PRECONDITION) outside kReadWrite, since in kSingleRead
//   it would be sent at once, rollback or not.
// - Deleting a domain deletes its policies and their waivers (the policy
//   history stays); deleting a team that owns a policy is refused.
// - When PostgreSQL is unreachable, Begin and every method return
//   UNAVAILABLE as soon as libpq gives up; broken connections are dropped
//   and replaced, so the store recovers by itself when the server is back.
//   While it is unreachable, one connection attempt at a time is made, with
//   backoff (reconnect_min_backoff doubling to reconnect_max_backoff);
//   other callers get UNAVAILABLE without opening a connection.
// - Deadlines (DeadlineScope): Begin waits for a connection at most until
//   the thread's deadline, and a kReadWrite, kReadCommitted or kReadOnly
//   transaction sets statement_timeout and lock_timeout (SET LOCAL) to
//   what is left of it (statement_timeout never above the session's), so a
//   statement blocked on a row lock ends with DEADLINE_EXCEEDED by then.
//   Commit of a write transaction after the deadline rolls back and
//   returns DEADLINE_EXCEEDED. This costs one round trip per transaction
//   begun under a finite deadline (kSingleRead: none).
//
// The schema must have been migrated (Migrate) before Open.
// Thread-safe; transactions are used by one thread at a time and must not
// outlive the store.
class PostgresStore : public Store {
 public:
  // Connects once to check the URL and the schema. UNAVAILABLE if the
  // database cannot be reached; FAILED_PRECONDITION if its schema is older
  // than this binary's migrations (run Migrate first); INVALID_ARGUMENT for
  // bad options.
  static absl::StatusOr<std::unique_ptr<Store>> Open(
      const PostgresStoreOptions& options);

  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  absl::StatusOr<std::unique_ptr<Transaction>> Begin(TxnMode mode) override;
  // On a connection of its own, outside the pool (readiness never waits
  // for a pooled connection), with a 2 s statement timeout.
  absl::Status Ping() override;
  // Reads schema_migrations on Ping's connection: FAILED_PRECONDITION
  // when the schema is older than this build needs (as Open), or missing.
  absl::Status CheckSchema() override;
  // size = pool_size; connect_attempts counts Ping's connection too.
  PoolStats pool_stats() const override;
  // Called for every Acquire of the pool (Begin): the time spent waiting
  // for a free slot, not the connecting itself; a wait that gives up
  // (acquire_timeout or the deadline) is `timed_out`. Calls shed because
  // the queue is full are not waits (PoolStats::shed counts them).
  void SetPoolWaitObserver(PoolWaitObserver observer) override;
  // A listener on a connection of its own (not from the pool), opened with
  // the store's URL and connect timeout and application_name
  // "meshplane-listener". It polls its socket every 200 ms, so destroying
  // it takes at most that long; after a lost connection it reconnects with
  // backoff (100 ms doubling to 1 s), LISTENs again and calls the handler
  // with a resync. The listener may outlive the store.
  absl::StatusOr<std::unique_ptr<Listener>> NewListener() override;

  class Impl;  // private to src/store/postgres

 private:
  explicit PostgresStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace meshplane::store

#endif  // MESHPLANE_STORE_POSTGRES_STORE_H_
