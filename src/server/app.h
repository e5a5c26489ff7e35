// The composition of a Meshplane server over a Store: core services, the
// gRPC server (every meshplane.v1 service, health, reflection), and the
// HTTP health endpoints. main.cc (meshplaned) and the tests' ServerFixture
// both build the server through StartServer, so tests run exactly what
// production runs; only the Store differs in who creates it.
//
//   auto server = server::StartServer(config, store, RealClock());
//   if (!server.ok()) ...;
//   (*server)->Wait();            // until Shutdown() from another thread
#ifndef MESHPLANE_SERVER_APP_H_
#define MESHPLANE_SERVER_APP_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/oidc_settings.h"

#include "meshplane/common/clock.h"
#include "meshplane/store/store.h"

namespace meshplane::server {

struct ServerConfig {
  // gRPC address, host:port; port 0 picks a free port (see
  // RunningServer::port()).
  std::string listen = "127.0.0.1:50051";
  // HTTP address for /healthz, /readyz and /metrics; "" disables HTTP.
  std::string http_listen = "127.0.0.1:9464";
  // The HTTP server (server/http/server.h): workers, open Watch streams,
  // timeouts for slow clients, HTTPS with the TLS files below (unless
  // http_tls is false), and the origins allowed by CORS (none: off).
  int http_threads = 16;
  int http_max_streams = 256;
  absl::Duration http_idle_timeout = absl::Seconds(30);
  absl::Duration http_read_timeout = absl::Seconds(30);
  // How long a web catalog session lasts from sign-in (docs/web.md); the
  // token it was made from may end it sooner.
  absl::Duration web_session_ttl = absl::Hours(8);
  bool http_tls = true;
  std::vector<std::string> http_cors_origins;
  // If non-empty, becomes the first platform-admin token when the registry
  // has none (core::Identity::Bootstrap).
  std::string bootstrap_token;
  // TLS for gRPC: PEM files of the server certificate (chain) and its
  // private key. Both empty = plaintext (loopback, or TLS terminated by a
  // proxy); setting only one is INVALID_ARGUMENT.
  std::string tls_cert_file;
  std::string tls_key_file;
  // How often gRPC re-reads the TLS files (these two and the client CA):
  // new connections get the new certificates; open ones keep theirs.
  // Whole seconds, at least 1.
  absl::Duration tls_reload_interval = absl::Minutes(1);
  // Mutual TLS (needs the two above): a PEM bundle of the CA(s) that sign
  // client certificates. Set = the server asks each client for a
  // certificate and verifies it during the handshake; a client presenting
  // one that does not verify is refused there.
  std::string tls_client_ca_file;
  // false ("optional"): a client may connect without a certificate and
  // authenticate with a bearer token. true ("require"): the handshake fails
  // without a verified certificate.
  bool tls_client_auth_required = false;
  // Which principal a verified certificate calls as, when the call carries
  // no bearer token (a token, when sent, always names the caller): entries
  // "SAN=PRINCIPAL[,admin]", a file of them (one per line), and DNS
  // domains D under which a DNS SAN "<id>.D" calls as "service:<id>"
  // (server/client_certs.h). A certificate that maps to nothing is
  // UNAUTHENTICATED, naming its SANs.
  std::vector<std::string> tls_principals;
  std::string tls_principal_map_file;
  std::vector<std::string> tls_dns_service_domains;
  // OIDC/JWT bearer tokens from the organisation's identity provider
  // (server/jwt.h); off unless `oidc.issuer` is set. A malformed setting
  // makes StartServer INVALID_ARGUMENT.
  OidcSettings oidc;
  // gRPC's thread budget (grpc::ResourceQuota). Handlers block on the
  // store's connection pool (16 by default), so this is many times the pool
  // size: calls beyond the pool wait for a connection (up to the store's
  // acquire timeout) instead of being refused at once with
  // RESOURCE_EXHAUSTED, which is what 64 gave at 64 calls in flight
  // (docs/performance.md). Waiting threads cost little but their stacks.
  int max_threads = 256;
  // The longest a unary call may run: its deadline is the client's, or
  // this after it arrives when that is sooner (or the client sent none).
  // No transaction of a call commits after its deadline. Server-streaming
  // calls (Watch) keep the client's deadline.
  absl::Duration max_call_duration = absl::Seconds(30);
  // Requests larger than this are refused by gRPC (RESOURCE_EXHAUSTED).
  int max_receive_message_bytes = 1 << 20;
  // How long Shutdown() lets in-flight RPCs finish before cancelling them.
  absl::Duration drain_timeout = absl::Seconds(10);
  // A connection with no call for this long is closed (GOAWAY), however it
  // authenticated or did not; zero disables. Bounds the idle connections a
  // client can pile up (3,000 idle HTTP/2 connections were held forever).
  absl::Duration max_connection_idle = absl::Minutes(5);
  // A connection older than this is asked to go away (clients reconnect,
  // which spreads them over new replicas); its calls in flight get the
  // grace to finish, then it is closed. Zero disables.
  absl::Duration max_connection_age = absl::Minutes(30);
  absl::Duration max_connection_age_grace = absl::Minutes(5);
  // A connection that has not completed its TLS and HTTP/2 handshake
  // within this is closed.
  absl::Duration handshake_timeout = absl::Seconds(10);
  // How often readiness (the gRPC health status) is re-checked.
  absl::Duration readiness_interval = absl::Seconds(1);
  // How often readiness re-reads the database's schema version (rounded to
  // whole readiness intervals, at least one).
  absl::Duration schema_check_interval = absl::Seconds(5);
  // How long a verified token is trusted without asking the store again.
  absl::Duration token_cache_ttl = absl::Seconds(2);
  // How often the policy snapshot is reloaded in full, besides the reloads
  // that LISTEN/NOTIFY triggers (a safety net for lost notifications).
  absl::Duration policy_refresh_interval = absl::Seconds(30);

  // --- The event feed (core::EventFeed) ---
  // Principals that may Watch besides platform admins.
  std::vector<std::string> event_watchers;
  // An idle Watch stream gets an empty message (with the high-water
  // sequence) this often, so that proxies keep it open and clients know
  // where to resume.
  absl::Duration watch_heartbeat = absl::Seconds(30);
  // Events that committed longer ago than this are pruned from the feed
  // (core::EventRetention); zero keeps them forever. A Watch resuming
  // before what is kept gets OUT_OF_RANGE. The audit log is never pruned.
  absl::Duration event_retention = absl::Hours(24 * 30);
  // How often each replica runs a pruning pass.
  absl::Duration event_prune_interval = absl::Minutes(1);

  // --- Webhooks (core::WebhookDispatcher) ---
  // Delivery threads on this replica (0: it delivers none; another replica
  // does). One webhook is delivered by one thread at a time, cluster-wide.
  int webhook_workers = 2;
  absl::Duration webhook_timeout = absl::Seconds(10);
  // Backoff of a failing webhook: min, doubling per failed attempt, to max.
  absl::Duration webhook_retry_min = absl::Seconds(1);
  absl::Duration webhook_retry_max = absl::Minutes(5);
  // CA bundle for https:// receivers ("" = the system's).
  std::string webhook_ca_file;
  // The CloudEvents `source` attribute.
  std::string event_source = "/meshplane";

  // --- Access (core::AccessOptions) ---
  // Principals that may call CheckAccess about anyone (enforcement points,
  // "service:trino"), besides platform admins and the port's owner team.
  std::vector<std::string> access_checkers;
  // Principals that may report SLO observations of any port (monitors),
  // besides platform admins and the product's owner team.
  std::vector<std::string> slo_reporters;
  // false = "batched": CheckAccess answers at once and its decisions
  // commit within the flush interval (a crash loses at most that window);
  // true = "durable": it answers once the batch holding its decision has
  // committed.
  bool durable_decision_log = false;
  absl::Duration decision_flush_interval = absl::Milliseconds(200);
  // A PENDING access request not decided within this expires.
  absl::Duration access_pending_ttl = absl::Hours(24 * 14);
  // No grant lasts longer; a request without a duration asks for 90 days,
  // or this if it is shorter.
  absl::Duration access_max_duration = absl::Hours(24 * 366);
  // How long CheckAccess still answers while the replica's LISTEN
  // connection is down; after that, and while it reloads after a
  // reconnect, it answers UNAVAILABLE rather than a possibly stale ALLOW.
  absl::Duration access_freshness_bound = absl::Seconds(1);
  // A full reload of the access index this often, besides the changes
  // that LISTEN/NOTIFY brings (a safety net for lost notifications).
  absl::Duration access_refresh_interval = absl::Seconds(60);
};

// A started server. Thread-safe. Destroying it shuts it down.
class RunningServer {
 public:
  virtual ~RunningServer() = default;
  // The bound gRPC port.
  virtual int port() const = 0;
  // The bound HTTP port, 0 when HTTP is disabled.
  virtual int http_port() const = 0;
  // Stops accepting calls, lets in-flight calls finish within the drain
  // timeout (then cancels them), stops HTTP and the readiness checker.
  // Idempotent; returns when done.
  virtual void Shutdown() = 0;
  // Blocks until Shutdown() has completed.
  virtual void Wait() = 0;
};

// Starts a server over `store` (which must be migrated, and must outlive the
// server, as must `clock`). Bootstraps the admin token if configured. The
// server installs the store's pool wait observer (for its metrics) and
// removes it when destroyed: one server per store.
// INVALID_ARGUMENT for a bad address, bootstrap token or TLS setting;
// NOT_FOUND for an unreadable TLS file; UNAVAILABLE when a port cannot be
// bound or the store is unreachable during bootstrap.
absl::StatusOr<std::unique_ptr<RunningServer>> StartServer(
    const ServerConfig& config, store::Store& store, const Clock& clock);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_APP_H_
