// The settings of sign-in with the organisation's identity provider
// (OIDC/JWT bearer tokens), shared by the flags (server/options.h) and the
// server's configuration (server/app.h). docs/operations.md, "Single
// sign-on (OIDC/JWT)", explains each.
#ifndef MESHPLANE_SERVER_OIDC_SETTINGS_H_
#define MESHPLANE_SERVER_OIDC_SETTINGS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace meshplane::server {

struct OidcSettings {
  std::string issuer;     // --oidc-issuer; "" = OIDC off
  std::string audience;   // --oidc-audience
  std::string jwks_file;  // --oidc-jwks-file, re-read when it changes
  std::string jwks_url;   // --oidc-jwks-url, fetched every jwks_refresh
  absl::Duration jwks_refresh = absl::Minutes(5);
  std::string principal_claim = "email";   // --oidc-principal-claim
  std::string principal_prefix = "user:";  // --oidc-principal-prefix
  std::string groups_claim;                // --oidc-groups-claim
  std::vector<std::string> group_teams;    // --oidc-group-team GROUP=TEAM
  std::string admin_group;                 // --oidc-admin-group
  absl::Duration clock_skew = absl::Seconds(60);  // --oidc-clock-skew
};

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_OIDC_SETTINGS_H_
