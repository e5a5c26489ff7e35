// Command line of meshplaned:
//
//   meshplaned [serve] [flags]    serve until SIGTERM/SIGINT (migrating a
//                                 schema that is behind, if the role may)
//   meshplaned migrate [flags]    apply pending migrations (and the serving
//                                 role's grants) and exit
//
// Flags take `--name value` or `--name=value`; `-` and `_` are the same in
// names. See Usage() for the list.
#ifndef MESHPLANE_SERVER_OPTIONS_H_
#define MESHPLANE_SERVER_OPTIONS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/oidc_settings.h"

namespace meshplane::server {

struct Options {
  enum class Command { kServe, kMigrate, kHelp };
  Command command = Command::kServe;
  std::string listen = "127.0.0.1:50051";
  std::string http_listen = "127.0.0.1:9464";
  // The HTTP server (docs/operations.md, "The HTTP listener").
  int http_threads = 16;
  int http_max_streams = 256;
  absl::Duration http_idle_timeout = absl::Seconds(30);
  absl::Duration http_read_timeout = absl::Seconds(30);
  absl::Duration web_session_ttl = absl::Hours(8);  // --web-session-ttl
  bool http_tls = true;  // --http-tls auto (HTTPS with the TLS files) | off
  std::vector<std::string> http_cors_origins;  // --http-cors-origin, repeatable
  std::string database_url;  // --database-url, else $MESHPLANE_DATABASE_URL
  int pool_size = 16;
  std::string migrations_dir;  // "" = the store's compiled-in default
  // migrate only: the role that serves, granted serving_role.sql
  // (docs/operations.md#database-roles).
  std::string serving_role;
  std::string port_file;
  std::string tls_cert_file;  // both set = gRPC over TLS
  std::string tls_key_file;
  absl::Duration tls_reload_interval = absl::Minutes(1);
  // Mutual TLS (docs/operations.md#mutual-tls).
  std::string tls_client_ca_file;           // set = ask for client certs
  bool tls_client_auth_required = false;    // --tls-client-auth require
  std::vector<std::string> tls_principals;  // --tls-principal, repeatable
  std::string tls_principal_map_file;       // --tls-principal-map
  std::vector<std::string> tls_dns_service_domains;  // repeatable
  // Single sign-on (docs/operations.md, "Single sign-on (OIDC/JWT)").
  OidcSettings oidc;
  std::string log_level = "info";
  absl::Duration db_wait = absl::Seconds(30);
  int max_threads = 256;
  // Deadlines and overload (docs/operations.md#deadlines): the longest a
  // unary call runs, and how many calls queue for a database connection.
  absl::Duration max_call_duration = absl::Seconds(30);
  int db_pool_max_waiters = 64;
  absl::Duration drain_timeout = absl::Seconds(10);
  // Connection bounds (docs/operations.md#limits); zero disables.
  absl::Duration max_connection_idle = absl::Minutes(5);
  absl::Duration max_connection_age = absl::Minutes(30);
  absl::Duration max_connection_age_grace = absl::Minutes(5);
  absl::Duration policy_refresh = absl::Seconds(30);
  // Access (docs/operations.md#access): principals that may check anyone's
  // access, the decision log's mode, and the limits and freshness of grants.
  std::vector<std::string> access_checkers;  // --access-checker, repeatable
  std::vector<std::string> slo_reporters;    // --slo-reporter, repeatable
  bool durable_decision_log = false;         // --decision-log durable
  absl::Duration access_pending_ttl = absl::Hours(336);
  absl::Duration access_max_duration = absl::Hours(8784);
  absl::Duration access_freshness_bound = absl::Seconds(1);
  absl::Duration access_refresh = absl::Seconds(60);
  // The event feed (docs/operations.md#events): principals that may Watch
  // besides platform admins, and the heartbeat of idle streams.
  std::vector<std::string> event_watchers;  // --event-watcher, repeatable
  absl::Duration watch_heartbeat = absl::Seconds(30);
  absl::Duration event_retention = absl::Hours(24 * 30);  // 0: forever
  // Webhook delivery (docs/operations.md#webhooks).
  int webhook_workers = 2;
  absl::Duration webhook_timeout = absl::Seconds(10);
  absl::Duration webhook_retry_min = absl::Seconds(1);
  absl::Duration webhook_retry_max = absl::Minutes(5);
  std::string webhook_ca_file;
  std::string event_source = "/meshplane";
  std::string bootstrap_token;  // $MESHPLANE_BOOTSTRAP_TOKEN only (never a
                                // flag: flags show up in `ps`)
};

// Parses `args` (without the program name). `getenv` reads the environment
// (MESHPLANE_DATABASE_URL, MESHPLANE_BOOTSTRAP_TOKEN); it returns "" for
// unset variables. INVALID_ARGUMENT naming the flag for anything malformed.
// Thread-safe.
absl::StatusOr<Options> ParseOptions(
    const std::vector<std::string>& args,
    const std::function<std::string(const std::string&)>& getenv);

// The help text.
std::string Usage();

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_OPTIONS_H_
