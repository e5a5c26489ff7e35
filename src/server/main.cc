// meshplaned: the composition root. The only server file that names the
// PostgreSQL store; everything else sees store::Store.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/app.h"
#include "server/options.h"
#include <signal.h>
#include <spdlog/async.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "meshplane/common/clock.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/store/postgres_store.h"

namespace {

using meshplane::server::Options;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// SIGTERM and SIGINT are blocked in every thread and taken synchronously
// with sigtimedwait, so no handler runs in an arbitrary thread.
sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// Waits up to `timeout` for a stop signal; returns it, or 0 on timeout.
int WaitForStopSignal(absl::Duration timeout) {
  sigset_t set = StopSignals();
  timespec ts = absl::ToTimespec(timeout);
  int sig;
  do {
    sig = sigtimedwait(&set, nullptr, &ts);
  } while (sig < 0 && errno == EINTR);
  return sig < 0 ? 0 : sig;
}

// Runs `attempt` until it succeeds, fails with something other than
// UNAVAILABLE, `wait` passes, or a stop signal arrives (CANCELLED).
template <typename Fn>
auto RetryWhileUnavailable(absl::string_view what, absl::Duration wait,
                           Fn attempt) -> decltype(attempt()) {
  const absl::Time deadline = absl::Now() + wait;
  while (true) {
    auto result = attempt();
    absl::Status status = [&] {
      if constexpr (std::is_same_v<decltype(result), absl::Status>) {
        return result;
      } else {
        return result.status();
      }
    }();
    if (status.code() != absl::StatusCode::kUnavailable ||
        absl::Now() >= deadline) {
      return result;
    }
    spdlog::warn("{}: retrying for up to {}: {}", std::string(what),
                 absl::FormatDuration(
                     absl::Ceil(deadline - absl::Now(), absl::Seconds(1))),
                 std::string(status.message()));
    if (WaitForStopSignal(absl::Seconds(1)) != 0) {
      return absl::CancelledError(
          "stopped by a signal while waiting for the database");
    }
  }
}

bool WritePortFile(const std::string& path, int port) {
  // Write then rename, so that a reader never sees a half-written file.
  std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out.good()) {
      return false;
    }
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// Brings the schema to what this build needs before serving, without DDL
// when it is there already: the serving role has no right to change the
// schema (docs/operations.md#database-roles), and a replica restarting
// during a rollout must accept the newer schema of the next version. A
// schema that is behind is migrated if the role may (one role for both,
// as before there were two); else it is waited for: UNAVAILABLE, which the
// caller retries until --db-wait, while `meshplaned migrate` runs as the
// owner.
class SchemaWaiter {
 public:
  SchemaWaiter(std::string database_url, std::string migrations_dir)
      : database_url_(std::move(database_url)),
        migrations_dir_(std::move(migrations_dir)) {}

  absl::Status operator()() {
    MP_ASSIGN_OR_RETURN(
        int needed, meshplane::store::LatestMigrationVersion(migrations_dir_));
    MP_ASSIGN_OR_RETURN(int version,
                        meshplane::store::CurrentSchemaVersion(database_url_));
    if (version >= needed) {
      return absl::OkStatus();
    }
    if (may_migrate_) {
      absl::Status migrated =
          meshplane::store::Migrate(database_url_, migrations_dir_);
      if (migrated.code() != absl::StatusCode::kPermissionDenied) {
        return migrated;
      }
      may_migrate_ = false;  // a serving role: do not try DDL again
      cannot_migrate_ = std::string(migrated.message());
    }
    return absl::UnavailableError(
        absl::StrCat("the database schema is at version ", version,
                     "; this build needs ", needed, ", and ", cannot_migrate_,
                     ": waiting for `meshplaned migrate`"));
  }

 private:
  const std::string database_url_;
  const std::string migrations_dir_;
  bool may_migrate_ = true;
  std::string cannot_migrate_;
};

int Run(const Options& options) {
  using meshplane::store::Migrate;
  using meshplane::store::PostgresStore;
  using meshplane::store::PostgresStoreOptions;

  std::string migrations_dir = options.migrations_dir.empty()
                                   ? meshplane::store::DefaultMigrationsDir()
                                   : options.migrations_dir;
  absl::Status migrated =
      options.command == Options::Command::kMigrate
          ? RetryWhileUnavailable("migrate", options.db_wait,
                                  [&] {
                                    return Migrate(options.database_url,
                                                   migrations_dir,
                                                   options.serving_role);
                                  })
          : RetryWhileUnavailable(
                "schema", options.db_wait,
                SchemaWaiter(options.database_url, migrations_dir));
  if (migrated.code() == absl::StatusCode::kCancelled) {
    spdlog::info("meshplaned stopped before serving");
    return kExitOk;
  }
  if (!migrated.ok()) {
    spdlog::error("migrations from {} failed: {}", migrations_dir,
                  migrated.ToString());
    return kExitFailure;
  }
  spdlog::info("database schema up to date (migrations: {})", migrations_dir);
  if (options.command == Options::Command::kMigrate) {
    if (!options.serving_role.empty()) {
      spdlog::info("role {} has the privileges to serve, and no others",
                   options.serving_role);
    }
    return kExitOk;
  }
  // Serving as the schema's owner still works, but the audit tables are
  // then only as safe as this process and its credentials.
  absl::Status role = meshplane::store::CheckServingRole(options.database_url);
  if (role.code() == absl::StatusCode::kFailedPrecondition) {
    spdlog::warn("the database role is not a serving role: {}",
                 std::string(role.message()));
  }

  PostgresStoreOptions store_options;
  store_options.database_url = options.database_url;
  store_options.pool_size = options.pool_size;
  store_options.max_waiters = options.db_pool_max_waiters;
  auto store = RetryWhileUnavailable("connect", options.db_wait, [&] {
    return PostgresStore::Open(store_options);
  });
  if (store.status().code() == absl::StatusCode::kCancelled) {
    spdlog::info("meshplaned stopped before serving");
    return kExitOk;
  }
  if (!store.ok()) {
    spdlog::error("cannot open the database: {}", store.status().ToString());
    return kExitFailure;
  }

  meshplane::server::ServerConfig config;
  config.listen = options.listen;
  config.http_listen = options.http_listen;
  config.http_threads = options.http_threads;
  config.http_max_streams = options.http_max_streams;
  config.http_idle_timeout = options.http_idle_timeout;
  config.http_read_timeout = options.http_read_timeout;
  config.web_session_ttl = options.web_session_ttl;
  config.http_tls = options.http_tls;
  config.http_cors_origins = options.http_cors_origins;
  config.bootstrap_token = options.bootstrap_token;
  config.max_threads = options.max_threads;
  config.max_call_duration = options.max_call_duration;
  if (options.pool_size + options.db_pool_max_waiters >=
      options.max_threads - options.max_threads / 4) {
    // Threads blocked on the database are at most the pool plus its queue;
    // the rest serve what needs no database (CheckAccess, health).
    spdlog::warn(
        "--pool-size ({}) + --db-pool-max-waiters ({}) leave less than a "
        "quarter of --max-threads ({}) for calls answered from memory "
        "(CheckAccess): under overload those will be refused too",
        options.pool_size, options.db_pool_max_waiters, options.max_threads);
  }
  config.drain_timeout = options.drain_timeout;
  config.max_connection_idle = options.max_connection_idle;
  config.max_connection_age = options.max_connection_age;
  config.max_connection_age_grace = options.max_connection_age_grace;
  config.policy_refresh_interval = options.policy_refresh;
  config.access_checkers = options.access_checkers;
  config.slo_reporters = options.slo_reporters;
  config.event_watchers = options.event_watchers;
  config.watch_heartbeat = options.watch_heartbeat;
  config.event_retention = options.event_retention;
  config.webhook_workers = options.webhook_workers;
  config.webhook_timeout = options.webhook_timeout;
  config.webhook_retry_min = options.webhook_retry_min;
  config.webhook_retry_max = options.webhook_retry_max;
  config.webhook_ca_file = options.webhook_ca_file;
  config.event_source = options.event_source;
  config.durable_decision_log = options.durable_decision_log;
  config.access_pending_ttl = options.access_pending_ttl;
  config.access_max_duration = options.access_max_duration;
  config.access_freshness_bound = options.access_freshness_bound;
  config.access_refresh_interval = options.access_refresh;
  config.tls_cert_file = options.tls_cert_file;
  config.tls_key_file = options.tls_key_file;
  config.tls_reload_interval = options.tls_reload_interval;
  config.tls_client_ca_file = options.tls_client_ca_file;
  config.tls_client_auth_required = options.tls_client_auth_required;
  config.tls_principals = options.tls_principals;
  config.tls_principal_map_file = options.tls_principal_map_file;
  config.tls_dns_service_domains = options.tls_dns_service_domains;
  config.oidc = options.oidc;
  auto server =
      meshplane::server::StartServer(config, **store, meshplane::RealClock());
  if (!server.ok()) {
    spdlog::error("cannot start: {}", server.status().ToString());
    return kExitFailure;
  }
  if (!options.port_file.empty() &&
      !WritePortFile(options.port_file, (*server)->port())) {
    spdlog::error("cannot write the port file {}", options.port_file);
    (*server)->Shutdown();
    return kExitFailure;
  }

  int sig = 0;
  while (sig == 0) {
    sig = WaitForStopSignal(absl::Hours(1));
  }
  spdlog::info("meshplaned received {}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->Shutdown();
  server->reset();
  store->reset();  // closes the pool
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts, so that every thread
  // inherits the mask and only sigtimedwait sees them.
  sigset_t stop = StopSignals();
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::vector<std::string> args(argv + 1, argv + argc);
  auto options =
      meshplane::server::ParseOptions(args, [](const std::string& k) {
        const char* v = std::getenv(k.c_str());
        return v == nullptr ? std::string() : std::string(v);
      });
  if (!options.ok()) {
    std::cerr << "meshplaned: " << options.status().message() << "\n\n"
              << meshplane::server::Usage();
    return kExitUsage;
  }
  if (options->command == Options::Command::kHelp) {
    std::cout << meshplane::server::Usage();
    return kExitOk;
  }
  // Logs go to stderr (stdout stays free for --help and future output),
  // written by one logging thread: a handler formats its line into a
  // bounded queue and returns, where a synchronous logger made a write(2)
  // to stderr per call (~5% of a Get's server CPU, docs/performance.md).
  // When the queue is full the oldest lines are dropped, never a call held.
  spdlog::init_thread_pool(8192, 1);
  spdlog::set_default_logger(
      spdlog::create_async_nb<spdlog::sinks::stderr_color_sink_mt>(
          "meshplaned"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v",
                      spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(options->log_level));
  const int rc = Run(*options);
  spdlog::shutdown();  // writes out what is queued
  return rc;
}
