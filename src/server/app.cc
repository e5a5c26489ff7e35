// The composition of a server (server/app.h): core services over the
// store, the gRPC server with every service, the HTTP listener with its
// mounts (REST, OpenAPI, MCP, web catalog, probes, metrics), readiness, and
// shutdown. How ServerConfig becomes each component's options is in
// app_config.cc.
#include "server/app.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/access_service.h"
#include "server/app_config.h"
#include "server/call.h"
#include "server/client_certs.h"
#include "server/contract_service.h"
#include "server/data_product_service.h"
#include "server/domain_service.h"
#include "server/event_service.h"
#include "server/http/mcp.h"
#include "server/http/openapi.h"
#include "server/http/routes.h"
#include "server/http/server.h"
#include "server/http/transcoder.h"
#include "server/http/web_assets.h"
#include "server/http/web_session.h"
#include "server/identity_service.h"
#include "server/metrics.h"
#include "server/policy_service.h"
#include "server/slo_service.h"
#include "server/team_service.h"
#include "server/webhook_sender.h"
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <spdlog/spdlog.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/core/access.h"
#include "meshplane/core/event_feed.h"
#include "meshplane/core/event_retention.h"
#include "meshplane/core/identity.h"
#include "meshplane/core/registry.h"
#include "meshplane/core/slo.h"
#include "meshplane/v1/access.grpc.pb.h"
#include "meshplane/v1/contract.grpc.pb.h"
#include "meshplane/v1/data_product.grpc.pb.h"
#include "meshplane/v1/domain.grpc.pb.h"
#include "meshplane/v1/events.grpc.pb.h"
#include "meshplane/v1/identity.grpc.pb.h"
#include "meshplane/v1/policy.grpc.pb.h"
#include "meshplane/v1/slo.grpc.pb.h"
#include "meshplane/v1/team.grpc.pb.h"

namespace meshplane::server {
namespace {

using app_internal::AccessOptionsOf;
using app_internal::CertificatePrincipalsOf;
using app_internal::DispatcherOptionsOf;
using app_internal::FeedOptionsOf;
using app_internal::GovernanceOptionsOf;
using app_internal::HostPort;
using app_internal::ReadFile;
using app_internal::RetentionOptionsOf;
using app_internal::SplitHostPort;

// Idle gRPC threads kept for the next calls (StartGrpc).
constexpr int kIdlePollers = 64;

class ServerImpl final : public RunningServer {
 public:
  ServerImpl(const ServerConfig& config, store::Store& store,
             const Clock& clock,
             std::unique_ptr<const CertificatePrincipals> certs,
             std::unique_ptr<const OidcAuthenticator> oidc)
      : config_(config),
        store_(store),
        clock_(clock),
        governance_(store, authz_, clock,
                    GovernanceOptionsOf(config, &metrics_)),
        registry_(store, authz_, clock, &governance_),
        contracts_core_(store, authz_, clock, &governance_),
        access_core_(store, authz_, clock, &governance_,
                     AccessOptionsOf(config, &metrics_)),
        slo_core_(store, authz_, clock,
                  core::ServiceLevelOptions{config.slo_reporters}),
        identity_(store, authz_, clock, config.token_cache_ttl),
        audit_(store, authz_, clock),
        retention_(store, clock, RetentionOptionsOf(config)),
        // The dispatcher too: the feed wakes it only once it runs.
        feed_(store, authz_, FeedOptionsOf(config, &metrics_, &dispatcher_)),
        webhooks_core_(store, authz_, clock),
        webhook_sender_(config.webhook_ca_file),
        dispatcher_(store, webhook_sender_, clock,
                    DispatcherOptionsOf(config, &metrics_)),
        certs_(std::move(certs)),
        oidc_(std::move(oidc)),
        runner_(identity_, &metrics_, &audit_, certs_.get(),
                config.max_call_duration, oidc_.get()),
        domains_(NewDomainService(runner_, registry_)),
        teams_(NewTeamService(runner_, registry_)),
        products_(NewDataProductService(runner_, registry_, &slo_core_)),
        identity_service_(NewIdentityService(runner_, identity_)),
        contracts_(NewContractService(runner_, contracts_core_)),
        policies_(NewPolicyService(runner_, governance_)),
        access_(NewAccessService(runner_, access_core_, clock, &metrics_)),
        slo_(NewServiceLevelService(runner_, slo_core_)),
        events_(NewEventService(runner_, audit_, feed_, webhooks_core_)) {
    // Removed in the destructor, before metrics_ goes: the store outlives
    // the server.
    store_.SetPoolWaitObserver([this](absl::Duration waited, bool timed_out) {
      metrics_.RecordDbPoolWait(waited, timed_out);
    });
  }

  ~ServerImpl() override {
    Shutdown();
    store_.SetPoolWaitObserver(nullptr);
  }

  absl::Status Start() {
    if (!config_.bootstrap_token.empty()) {
      absl::Status s = identity_.Bootstrap(config_.bootstrap_token);
      if (s.code() == absl::StatusCode::kFailedPrecondition) {
        // The bootstrap token was installed and later revoked: a state an
        // operator resolves with another admin token, not by keeping the
        // server down (the variable often stays in the unit's env file).
        spdlog::warn("MESHPLANE_BOOTSTRAP_TOKEN ignored: {}",
                     std::string(s.message()));
      } else if (!s.ok()) {
        return absl::Status(s.code(),
                            absl::StrCat("bootstrap token: ", s.message()));
      }
    }
    // Policies first: no write may be served before they are known.
    MP_RETURN_IF_ERROR(governance_.Start());
    // Grants next: CheckAccess must not answer from an empty index.
    MP_RETURN_IF_ERROR(access_core_.Start());
    MP_RETURN_IF_ERROR(feed_.Start());
    retention_.Start();
    dispatcher_.Start();
    MP_RETURN_IF_ERROR(StartGrpc());
    MP_RETURN_IF_ERROR(StartHttp());
    UpdateReadiness(/*check_schema=*/true);
    readiness_thread_ = std::thread([this] { ReadinessLoop(); });
    return absl::OkStatus();
  }

  int port() const override { return port_; }
  int http_port() const override { return http_port_; }

  void Shutdown() override {
    {
      absl::MutexLock lock(&mu_);
      if (shutdown_started_) {
        mu_.Await(absl::Condition(&shutdown_done_));
        return;
      }
      shutdown_started_ = true;
    }
    spdlog::info(
        "meshplaned shutting down: draining in-flight calls for up "
        "to {}",
        absl::FormatDuration(config_.drain_timeout));
    // Readiness first, so that nothing flips health back to SERVING while
    // the calls drain; load balancers see NOT_SERVING / 503 at once.
    draining_ = true;
    {
      absl::MutexLock lock(&mu_);
      stop_readiness_ = true;
    }
    if (readiness_thread_.joinable()) {
      readiness_thread_.join();
    }
    // The drain runs beside the background loops' stops, not after them:
    // a loop that is itself waiting on the database when shutdown begins
    // would otherwise hold every call past the drain timeout.
    std::thread drain;
    if (grpc_ != nullptr) {
      grpc_->GetHealthCheckService()->SetServingStatus(false);
      const auto deadline = std::chrono::system_clock::now() +
                            absl::ToChronoMilliseconds(config_.drain_timeout);
      drain = std::thread([this, deadline] { grpc_->Shutdown(deadline); });
    }
    // Watch streams never end by themselves: end them (UNAVAILABLE, with
    // the sequence to resume after), so that the drain is not spent waiting
    // for them.
    feed_.Stop();
    retention_.Stop();
    // Deliveries in progress finish their current POST and commit.
    dispatcher_.Stop();
    if (drain.joinable()) {
      drain.join();
    }
    if (http_ != nullptr) {
      http_->Stop();
    }
    absl::MutexLock lock(&mu_);
    shutdown_done_ = true;
    spdlog::info("meshplaned stopped");
  }

  void Wait() override {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&shutdown_done_));
  }

 private:
  absl::Status StartGrpc() {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    MP_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                        Credentials());
    grpc::ServerBuilder builder;
    builder.AddListeningPort(config_.listen, credentials, &port_);
    builder.SetMaxReceiveMessageSize(config_.max_receive_message_bytes);
    grpc::ResourceQuota quota("meshplaned");
    quota.SetMaxThreads(config_.max_threads);
    builder.SetResourceQuota(quota);
    // The sync server keeps at most MAX_POLLERS idle threads (default 2):
    // under steady load every thread that finishes a call beyond those
    // exits and a new one is cloned for the next, which cost ~7% of the
    // server's CPU under GetDataProduct at 16 in flight (clone, exit, stack
    // munmap; docs/performance.md). Keep enough pollers alive for the
    // calls in flight; the quota above still bounds all threads.
    builder.SetSyncServerOption(
        grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
        std::min(kIdlePollers, config_.max_threads));
    SetConnectionBounds(builder);
    builder.RegisterService(domains_.get());
    builder.RegisterService(teams_.get());
    builder.RegisterService(products_.get());
    builder.RegisterService(identity_service_.get());
    builder.RegisterService(contracts_.get());
    builder.RegisterService(policies_.get());
    builder.RegisterService(access_.get());
    builder.RegisterService(slo_.get());
    builder.RegisterService(events_.get());
    grpc_ = builder.BuildAndStart();
    if (grpc_ == nullptr || port_ == 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen for gRPC on ", config_.listen));
    }
    // Name the bound port, not the requested one (which may be 0).
    std::string address = config_.listen;
    if (size_t colon = address.rfind(':'); colon != std::string::npos) {
      address = absl::StrCat(address.substr(0, colon + 1), port_);
    }
    spdlog::info("meshplaned listening on {}", address);
    return absl::OkStatus();
  }

  // docs/operations.md#limits. gRPC's defaults keep a connection forever
  // (idle and age unbounded) and wait 120 s for a handshake.
  void SetConnectionBounds(grpc::ServerBuilder& builder) const {
    const auto ms = [](absl::Duration d) {
      return static_cast<int>(
          std::min<int64_t>(absl::ToInt64Milliseconds(d), INT32_MAX));
    };
    if (config_.max_connection_idle > absl::ZeroDuration()) {
      builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                                 ms(config_.max_connection_idle));
    }
    if (config_.max_connection_age > absl::ZeroDuration()) {
      builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                                 ms(config_.max_connection_age));
      builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                                 ms(config_.max_connection_age_grace));
    }
    if (config_.handshake_timeout > absl::ZeroDuration()) {
      builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                                 ms(config_.handshake_timeout));
    }
  }

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials() {
    if (config_.tls_cert_file.empty() && config_.tls_key_file.empty()) {
      return grpc::InsecureServerCredentials();
    }
    if (config_.tls_cert_file.empty() || config_.tls_key_file.empty()) {
      return absl::InvalidArgumentError(
          "TLS needs both a certificate file and a key file");
    }
    // Read once here only to fail the start on a missing or empty file;
    // gRPC's file watcher serves them, and re-reads them every reload
    // interval, so that renewed certificates (cert-manager, SPIFFE) apply
    // to new connections without a restart.
    MP_RETURN_IF_ERROR(ReadFile(config_.tls_cert_file).status());
    MP_RETURN_IF_ERROR(ReadFile(config_.tls_key_file).status());
    if (!config_.tls_client_ca_file.empty()) {
      MP_RETURN_IF_ERROR(ReadFile(config_.tls_client_ca_file).status());
    }
    auto files =
        std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
            config_.tls_key_file, config_.tls_cert_file,
            config_.tls_client_ca_file,
            static_cast<unsigned int>(std::max<int64_t>(
                1, absl::ToInt64Seconds(config_.tls_reload_interval))));
    grpc::experimental::TlsServerCredentialsOptions options(files);
    options.watch_identity_key_cert_pairs();
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    if (!config_.tls_client_ca_file.empty()) {
      options.watch_root_certs();
      // Both modes verify a certificate that is presented: a client with a
      // certificate from another CA fails the handshake.
      options.set_cert_request_type(
          config_.tls_client_auth_required
              ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
              : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
      spdlog::info(
          "meshplaned asks for client certificates ({}; CA {}; {} mapping "
          "rules)",
          config_.tls_client_auth_required ? "required" : "optional",
          config_.tls_client_ca_file, certs_ == nullptr ? 0 : certs_->size());
    }
    spdlog::info(
        "meshplaned serves gRPC over TLS (certificate {}, re-read every {})",
        config_.tls_cert_file,
        absl::FormatDuration(config_.tls_reload_interval));
    return grpc::experimental::TlsServerCredentials(options);
  }

  absl::Status StartHttp() {
    if (config_.http_listen.empty()) {
      return absl::OkStatus();
    }
    MP_ASSIGN_OR_RETURN(HostPort hp,
                        SplitHostPort("--http-listen", config_.http_listen));
    http::ServerOptions options;
    options.host = hp.host;
    options.port = hp.port;
    options.max_body_bytes =
        static_cast<size_t>(config_.max_receive_message_bytes);
    options.worker_threads = config_.http_threads;
    options.max_queued = 64 * config_.http_threads;
    options.max_streams = config_.http_max_streams;
    options.idle_timeout = config_.http_idle_timeout;
    options.read_timeout = config_.http_read_timeout;
    options.write_timeout = config_.http_read_timeout;
    if (config_.http_tls) {
      options.tls_cert_file = config_.tls_cert_file;
      options.tls_key_file = config_.tls_key_file;
      options.tls_reload_interval = config_.tls_reload_interval;
    }
    options.cors_origins = config_.http_cors_origins;
    http_ = std::make_unique<http::Server>(std::move(options));
    MP_ASSIGN_OR_RETURN(std::string openapi, http::MeshplaneOpenApi());
    http_->Handle("GET", http::kOpenApiPath,
                  http::OpenApiHandler(std::move(openapi)));
    StartMcp();
    // The web catalog at / (every path that no longer prefix claims;
    // WebAssets refuses the API's and the probes' paths itself).
    http_->HandlePrefix(
        "/", [web = std::make_shared<const http::WebAssets>(
                  http::EmbeddedWebAssets())](const http::HttpRequest& r) {
          return web->Serve(r);
        });
    // Browser sign-in (web_session.h); web_sessions_ is made in StartRest.
    for (const char* method : {"GET", "POST", "DELETE"}) {
      http_->Handle(method, "/auth/session",
                    [this](const http::HttpRequest& r) {
                      return r.method == "POST"     ? web_sessions_->SignIn(r)
                             : r.method == "DELETE" ? web_sessions_->SignOut(r)
                                                    : web_sessions_->Current(r);
                    });
    }
    MP_RETURN_IF_ERROR(StartRest());
    http_->Handle("GET", "/healthz", [](const http::HttpRequest&) {
      return PlainText(200, "ok\n");
    });
    http_->Handle("GET", "/readyz", [this](const http::HttpRequest&) {
      absl::Status s = CheckReady();
      if (s.ok()) return PlainText(200, "ready\n");
      return PlainText(503, absl::StrCat("not ready: ", s.message(), "\n"));
    });
    http_->Handle("GET", "/metrics", [this](const http::HttpRequest&) {
      const store::PoolStats pool = store_.pool_stats();
      metrics_.SetDbPool(pool.size, pool.in_use, pool.idle);
      metrics_.SetDbPoolQueue(pool.waiting, pool.shed, pool.connect_attempts);
      const http::ServerStats h = http_->stats();
      metrics_.SetHttpServer(h.connections_open, h.requests_queued,
                             h.streams_open, h.rejected_overload,
                             h.rejected_too_large, h.timeouts);
      http::HttpResponse res = PlainText(200, metrics_.Render());
      res.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return res;
    });
    if (absl::Status s = http_->Start(); !s.ok()) {
      http_.reset();
      return s;
    }
    http_port_ = http_->port();
    spdlog::info(
        "meshplaned serving REST under /v1/, /healthz, /readyz and /metrics "
        "on {}://{}:{}",
        http_->tls() ? "https" : "http", hp.host, http_port_);
    return absl::OkStatus();
  }

  static http::HttpResponse PlainText(int status, std::string body) {
    http::HttpResponse res;
    res.status = status;
    res.content_type = "text/plain; charset=utf-8";
    res.body = std::move(body);
    return res;
  }

  // MCP for agents on /mcp (docs/mcp.md): tools over the same in-process
  // channel as REST, authenticated as every call is.
  void StartMcp() {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(config_.max_receive_message_bytes);
    http::McpServer::Options options;
    options.max_body_bytes =
        static_cast<size_t>(config_.max_receive_message_bytes);
    mcp_ = std::make_unique<http::McpServer>(
        grpc_->InProcessChannel(args), runner_.in_process_key(),
        [this](const std::string& secret) -> absl::StatusOr<std::string> {
          MP_ASSIGN_OR_RETURN(
              model::Principal p,
              AuthenticateBearer(secret, identity_, oidc_.get()));
          return p.id;
        },
        [this] { return governance_.snapshot()->HasTrigger("agent.call"); },
        options);
    for (const char* method : {"POST", "GET", "DELETE"}) {
      http_->Handle(method, "/mcp", [this](const http::HttpRequest& r) {
        return mcp_->Handle(r);
      });
    }
  }

  // REST/JSON under /v1/, transcoded from the services' google.api.http
  // options onto this server's own in-process channel, so that a REST call
  // runs exactly the code a gRPC call runs.
  absl::Status StartRest() {
    std::vector<const google::protobuf::ServiceDescriptor*> services;
    for (const char* name : {v1::DomainService::service_full_name(),
                             v1::TeamService::service_full_name(),
                             v1::DataProductService::service_full_name(),
                             v1::IdentityService::service_full_name(),
                             v1::ContractService::service_full_name(),
                             v1::PolicyService::service_full_name(),
                             v1::AccessService::service_full_name(),
                             v1::ServiceLevelService::service_full_name(),
                             v1::EventService::service_full_name()}) {
      const google::protobuf::ServiceDescriptor* d =
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
              name);
      if (d == nullptr) {
        return absl::InternalError(absl::StrCat("no descriptor for ", name));
      }
      services.push_back(d);
    }
    MP_ASSIGN_OR_RETURN(http::RouteTable routes,
                        http::RouteTable::Build(services));
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(config_.max_receive_message_bytes);
    const size_t routes_count = routes.routes().size();
    rest_ = std::make_unique<http::Transcoder>(
        std::move(routes), grpc_->InProcessChannel(args),
        static_cast<size_t>(config_.max_receive_message_bytes),
        runner_.in_process_key());
    web_sessions_ = std::make_unique<http::WebSessions>(
        store_, clock_, *rest_, config_.web_session_ttl);
    rest_->SetCredentialHook([this](const http::HttpRequest& r) {
      return web_sessions_->Credentials(r);
    });
    http_->HandlePrefix("/v1/", http::RestHandler(*rest_));
    spdlog::info("meshplaned serves {} REST routes under /v1/", routes_count);
    return absl::OkStatus();
  }

  // Readiness: not draining, the database answers, its schema is one this
  // build works with, the policy snapshot is loaded and the access index
  // can be vouched for. OK, or the first check that fails, named in the
  // message ("schema: ..."). /readyz answers from it on each probe; the
  // readiness loop (and so gRPC health and meshplane_ready) every
  // readiness_interval. Costs one trivial query: the schema is read by the
  // loop only, every schema_check_interval, and remembered.
  absl::Status CheckReady() {
    if (draining_) {
      return absl::UnavailableError("shutting down");
    }
    if (absl::Status s = store_.Ping(); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("database: ", s.message()));
    }
    {
      absl::MutexLock lock(&schema_mu_);
      if (!schema_.ok()) {
        return absl::Status(schema_.code(),
                            absl::StrCat("schema: ", schema_.message()));
      }
    }
    if (governance_.reloads() == 0) {
      return absl::UnavailableError("policies: no snapshot loaded yet");
    }
    if (!access_core_.fresh()) {
      return absl::UnavailableError(
          "access index: not loaded, or its LISTEN connection has been down "
          "longer than the freshness bound");
    }
    return absl::OkStatus();
  }

  // Re-reads the schema version. A database that cannot be reached leaves
  // the last answer in place: the database check names that, and readiness
  // must not wait for the next schema check once it is back.
  void CheckSchema() {
    absl::Status s = store_.CheckSchema();
    if (s.code() == absl::StatusCode::kUnavailable ||
        s.code() == absl::StatusCode::kDeadlineExceeded) {
      return;
    }
    absl::MutexLock lock(&schema_mu_);
    schema_ = std::move(s);
  }

  // gRPC health follows CheckReady, so that a load balancer stops sending
  // calls while PostgreSQL is down (or the schema is behind, or the caches
  // cannot be trusted), and resumes after.
  void UpdateReadiness(bool check_schema) {
    metrics_.SetAccessIndexFresh(access_core_.fresh());
    metrics_.SetWatchSubscribers(feed_.subscribers());
    if (check_schema) {
      CheckSchema();
    }
    absl::Status s = CheckReady();
    bool ready = s.ok();
    if (ready != ready_ || !readiness_known_) {
      if (ready) {
        spdlog::info(
            "meshplaned ready: the database answers, its schema is current "
            "and the policy and access caches are loaded");
      } else {
        spdlog::warn("meshplaned not ready: {}", s.ToString());
      }
      ready_ = ready;
      readiness_known_ = true;
      metrics_.SetReady(ready);
      grpc_->GetHealthCheckService()->SetServingStatus(ready);
    }
  }

  void ReadinessLoop() {
    // The schema check every so many rounds (at least every round).
    const int64_t schema_every = std::max<int64_t>(
        1, config_.schema_check_interval / config_.readiness_interval);
    int64_t round = 0;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        mu_.AwaitWithTimeout(absl::Condition(&stop_readiness_),
                             config_.readiness_interval);
        if (stop_readiness_) {
          return;
        }
      }
      UpdateReadiness(++round % schema_every == 0);
    }
  }

  const ServerConfig config_;
  store::Store& store_;
  const Clock& clock_;
  auth::Authorizer authz_;
  // Before the core services that report to it from their own threads
  // (listeners, refreshers), so that it outlives them.
  Metrics metrics_;
  core::Governance governance_;
  core::Registry registry_;
  core::Contracts contracts_core_;
  core::Access access_core_;
  core::ServiceLevels slo_core_;
  core::Identity identity_;
  core::AuditLog audit_;
  core::EventRetention retention_;
  core::EventFeed feed_;
  core::Webhooks webhooks_core_;
  HttpWebhookSender webhook_sender_;
  core::WebhookDispatcher dispatcher_;
  // Null unless mutual TLS is on.
  std::unique_ptr<const CertificatePrincipals> certs_;
  // Null unless OIDC is configured.
  std::unique_ptr<const OidcAuthenticator> oidc_;
  CallRunner runner_;
  std::unique_ptr<grpc::Service> domains_;
  std::unique_ptr<grpc::Service> teams_;
  std::unique_ptr<grpc::Service> products_;
  std::unique_ptr<grpc::Service> identity_service_;
  std::unique_ptr<grpc::Service> contracts_;
  std::unique_ptr<grpc::Service> policies_;
  std::unique_ptr<grpc::Service> access_;
  std::unique_ptr<grpc::Service> slo_;
  std::unique_ptr<grpc::Service> events_;

  // Declared after the services, so destroyed before them.
  std::unique_ptr<grpc::Server> grpc_;
  int port_ = 0;
  // Before http_, so that it outlives the handlers that use it.
  std::unique_ptr<http::Transcoder> rest_;
  std::unique_ptr<http::McpServer> mcp_;
  std::unique_ptr<http::WebSessions> web_sessions_;
  std::unique_ptr<http::Server> http_;
  int http_port_ = 0;
  std::thread readiness_thread_;
  std::atomic<bool> draining_{false};
  // Only the readiness thread (and Start, before it runs) touch these.
  bool ready_ = false;
  bool readiness_known_ = false;
  // The last answer of store_.CheckSchema() (CheckSchema above).
  absl::Mutex schema_mu_;
  absl::Status schema_ ABSL_GUARDED_BY(schema_mu_);

  absl::Mutex mu_;
  bool stop_readiness_ ABSL_GUARDED_BY(mu_) = false;
  bool shutdown_started_ ABSL_GUARDED_BY(mu_) = false;
  bool shutdown_done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RunningServer>> StartServer(
    const ServerConfig& config, store::Store& store, const Clock& clock) {
  MP_ASSIGN_OR_RETURN(std::unique_ptr<const CertificatePrincipals> certs,
                      CertificatePrincipalsOf(config));
  MP_ASSIGN_OR_RETURN(std::unique_ptr<OidcAuthenticator> oidc,
                      OidcAuthenticator::Create(config.oidc, clock));
  auto server = std::make_unique<ServerImpl>(config, store, clock,
                                             std::move(certs), std::move(oidc));
  absl::Status s = server->Start();
  if (!s.ok()) {
    server->Shutdown();
    return s;
  }
  return std::unique_ptr<RunningServer>(std::move(server));
}

}  // namespace meshplane::server
