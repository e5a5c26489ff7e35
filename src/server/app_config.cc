#include "server/app_config.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include <spdlog/spdlog.h>

#include "meshplane/common/status_macros.h"

namespace meshplane::server::app_internal {

// "127.0.0.1:9464", "[::1]:9464", "localhost:0".
absl::StatusOr<HostPort> SplitHostPort(absl::string_view flag,
                                       absl::string_view address) {
  size_t colon = address.rfind(':');
  HostPort out;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &out.port) || out.port < 0 ||
      out.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": \"", address, "\" is not host:port"));
  }
  absl::string_view host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  out.host = std::string(host);
  return out;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read \"", path, "\""));
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (out.str().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", path, "\" is empty"));
  }
  return out.str();
}

core::Governance::Options GovernanceOptionsOf(const ServerConfig& config,
                                              Metrics* metrics) {
  core::Governance::Options o;
  o.refresh_interval = config.policy_refresh_interval;
  o.on_decision = [metrics](const core::GovernedSubject& subject,
                            const policy::Decision& decision) {
    metrics->RecordPolicyDecision(subject.trigger, decision);
  };
  o.on_listener_lost = [metrics] { metrics->RecordListenerLost("policies"); };
  return o;
}

core::AccessOptions AccessOptionsOf(const ServerConfig& config,
                                    Metrics* metrics) {
  core::AccessOptions o;
  o.pending_ttl = config.access_pending_ttl;
  o.max_duration = config.access_max_duration;
  // A request without a duration must still fit under a lowered maximum.
  o.default_duration = std::min(o.default_duration, o.max_duration);
  o.freshness_bound = config.access_freshness_bound;
  o.refresh_interval = config.access_refresh_interval;
  o.checkers = config.access_checkers;
  o.durable_decision_log = config.durable_decision_log;
  o.decision_flush_interval = config.decision_flush_interval;
  o.on_listener_lost = [metrics] { metrics->RecordListenerLost("access"); };
  return o;
}

core::EventFeed::Options FeedOptionsOf(const ServerConfig& config,
                                       Metrics* metrics,
                                       core::WebhookDispatcher* dispatcher) {
  core::EventFeed::Options o;
  o.on_listener_lost = [metrics] { metrics->RecordListenerLost("events"); };
  o.on_new_events = [dispatcher] { dispatcher->Wake(); };
  o.heartbeat = config.watch_heartbeat;
  o.watchers = config.event_watchers;
  return o;
}

core::WebhookDispatcher::Options DispatcherOptionsOf(const ServerConfig& config,
                                                     Metrics* metrics) {
  core::WebhookDispatcher::Options o;
  o.on_attempt = [metrics](bool success) {
    metrics->RecordWebhookAttempt(success);
  };
  o.workers = config.webhook_workers;
  o.timeout = config.webhook_timeout;
  o.retry_min = config.webhook_retry_min;
  o.retry_max = config.webhook_retry_max;
  o.source = config.event_source;
  o.on_error = [](const absl::Status& s) {
    spdlog::warn("webhook delivery: {}", s.ToString());
  };
  return o;
}

core::EventRetention::Options RetentionOptionsOf(const ServerConfig& config) {
  core::EventRetention::Options o;
  o.retention = config.event_retention;
  o.interval = config.event_prune_interval;
  o.on_pass = [](const absl::StatusOr<int64_t>& pruned) {
    if (pruned.ok()) {
      spdlog::info("event retention: pruned {} events", *pruned);
    } else {
      spdlog::warn("event retention: {}", pruned.status().ToString());
    }
  };
  return o;
}

absl::StatusOr<std::unique_ptr<const CertificatePrincipals>>
CertificatePrincipalsOf(const ServerConfig& config) {
  if (config.tls_client_ca_file.empty()) {
    if (!config.tls_principals.empty() ||
        !config.tls_principal_map_file.empty() ||
        !config.tls_dns_service_domains.empty() ||
        config.tls_client_auth_required) {
      return absl::InvalidArgumentError(
          "client certificate settings need a client CA file");
    }
    return nullptr;
  }
  if (config.tls_cert_file.empty()) {
    return absl::InvalidArgumentError(
        "a client CA file needs TLS (a certificate and a key file)");
  }
  auto certs = std::make_unique<CertificatePrincipals>();
  for (const std::string& entry : config.tls_principals) {
    MP_RETURN_IF_ERROR(certs->AddEntry(entry));
  }
  if (!config.tls_principal_map_file.empty()) {
    MP_RETURN_IF_ERROR(certs->AddFile(config.tls_principal_map_file));
  }
  for (const std::string& domain : config.tls_dns_service_domains) {
    MP_RETURN_IF_ERROR(certs->AddDnsServiceDomain(domain));
  }
  return std::unique_ptr<const CertificatePrincipals>(std::move(certs));
}

}  // namespace meshplane::server::app_internal
