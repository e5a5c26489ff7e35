// PgFixture: one private PostgreSQL 15 per test binary, for *_pgtest.cc.
//
//   std::string url = meshplane::testing::PgFixture::Get().NewDatabase();
//   auto store = meshplane::store::PostgresStore::Open({.database_url = url});
//
// The server starts lazily on first Get(): initdb into a mkdtemp folder under
// $TMPDIR (as user `postgres` via runuser when the process is root, since
// PostgreSQL refuses to run as root), a unix socket in that folder, a free
// TCP port on 127.0.0.1, fsync and synchronous_commit off for speed. The
// schema is migrated once into the database `meshplane_template`; every
// NewDatabase() is a fresh copy of it, so no test sees another's rows.
// The template is migrated as `postgres` with kServingRole as the serving
// role, so every copy carries that role's grants: ServingUrl() connects as
// it, with exactly the privileges meshplaned gets in production
// (docs/operations.md#database-roles). At
// exit the server is stopped (pg_ctl -m immediate) and the folder removed,
// whether the tests passed or not; servers left behind by a killed test
// binary (its pid is in the folder name) are removed by the next one.
//
// Binaries come from $MESHPLANE_PG_BIN, else /usr/lib/postgresql/15/bin.
// Failures to start are fatal (the test binary aborts with the server log):
// a _pgtest without its database cannot say anything useful.
#ifndef MESHPLANE_TESTS_TESTING_PG_PG_FIXTURE_H_
#define MESHPLANE_TESTS_TESTING_PG_PG_FIXTURE_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace meshplane::testing {

class PgFixture {
 public:
  // The role that servers of tests connect as (a LOGIN role without
  // password, like `postgres` here: the fixture trusts local connections).
  static constexpr char kServingRole[] = "meshplane_serving";

  // The process-wide server, started (and the template migrated) on first
  // call. Thread-safe.
  static PgFixture& Get();

  // Creates a new database from the migrated template and returns its URL.
  // Thread-safe.
  std::string NewDatabase();

  // Creates an empty database (no schema) and returns its URL, for
  // migration tests. Thread-safe.
  std::string NewEmptyDatabase();

  // URL of the `postgres` maintenance database (superuser `postgres`).
  std::string AdminUrl() const { return UrlFor("postgres"); }

  // URL of database `name` on this server:
  // postgresql://postgres@/<name>?host=<socket dir>&port=<port>
  std::string UrlFor(const std::string& name) const;

  // `url` (one of this fixture's, connecting as `postgres`) connecting as
  // kServingRole instead.
  static std::string ServingUrl(const std::string& url);

  // Stops the server / starts it again with the same data folder and port.
  // For UNAVAILABLE-and-recover tests. Stop is a fast shutdown: open
  // sessions are terminated, but committed data survives (with
  // synchronous_commit off, an immediate stop could lose the last commits).
  // Not thread-safe against concurrent Stop/Start.
  void Stop();
  void Start();

  const std::string& socket_dir() const { return dir_; }
  int port() const { return port_; }

  PgFixture(const PgFixture&) = delete;
  PgFixture& operator=(const PgFixture&) = delete;

 private:
  PgFixture();
  ~PgFixture();
  void StartOrDie();
  void Shutdown();
  void StopWithMode(const char* mode);
  void RemoveStaleServers(const std::string& tmp);
  std::string CreateDatabase(const std::string& template_name);

  std::string bin_dir_;
  std::string dir_;  // mkdtemp folder: socket, data/, log
  std::string data_dir_;
  std::string log_file_;
  int port_ = 0;
  bool as_postgres_ = false;  // running as root: run via runuser
  bool running_ = false;
  absl::Mutex mu_;
  int next_db_ ABSL_GUARDED_BY(mu_) = 0;

  friend void ShutdownPgFixtureAtExit();
};

// --- SQL from tests, on a connection of its own (for what a test does to
// the database behind a server's back). Both throw pqxx's exceptions. ---

// Runs `sql` (one or more statements) in a transaction of its own.
void ExecSql(const std::string& url, const std::string& sql);
// The first column of the one row that `sql` returns, as an integer.
int64_t QueryInt(const std::string& url, const std::string& sql);
// Terminates the LISTEN connections of every meshplaned over the database at
// `url` (the application_name PostgresListener sets); how many.
int TerminateListenConnections(const std::string& url);

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_PG_PG_FIXTURE_H_
