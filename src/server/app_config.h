// How a ServerConfig (server/app.h) becomes the options of each component
// that StartServer composes: addresses, files, the core services' options
// with their metrics and log hooks, the client-certificate mapping.
// Internal to server/; pure functions, thread-safe.
#ifndef MESHPLANE_SERVER_APP_CONFIG_H_
#define MESHPLANE_SERVER_APP_CONFIG_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/app.h"
#include "server/client_certs.h"
#include "server/metrics.h"

#include "meshplane/core/access.h"
#include "meshplane/core/event_feed.h"
#include "meshplane/core/event_retention.h"
#include "meshplane/core/governance.h"
#include "meshplane/core/webhooks.h"

namespace meshplane::server::app_internal {

struct HostPort {
  std::string host;
  int port = 0;
};

// "127.0.0.1:9464", "[::1]:9464", "localhost:0"; INVALID_ARGUMENT naming
// `flag` otherwise.
absl::StatusOr<HostPort> SplitHostPort(absl::string_view flag,
                                       absl::string_view address);

// The whole file; NOT_FOUND when it cannot be read, INVALID_ARGUMENT when
// it is empty.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// The options of each core component from `config`; `metrics` (not null)
// counts what they report.
core::Governance::Options GovernanceOptionsOf(const ServerConfig& config,
                                              Metrics* metrics);
core::AccessOptions AccessOptionsOf(const ServerConfig& config,
                                    Metrics* metrics);
// `dispatcher` is woken when new events commit.
core::EventFeed::Options FeedOptionsOf(const ServerConfig& config,
                                       Metrics* metrics,
                                       core::WebhookDispatcher* dispatcher);
core::WebhookDispatcher::Options DispatcherOptionsOf(const ServerConfig& config,
                                                     Metrics* metrics);
core::EventRetention::Options RetentionOptionsOf(const ServerConfig& config);

// The client-certificate mapping; null when mutual TLS is off.
// INVALID_ARGUMENT for client certificate settings without a client CA, or
// a client CA without TLS, or a bad entry.
absl::StatusOr<std::unique_ptr<const CertificatePrincipals>>
CertificatePrincipalsOf(const ServerConfig& config);

}  // namespace meshplane::server::app_internal

#endif  // MESHPLANE_SERVER_APP_CONFIG_H_
