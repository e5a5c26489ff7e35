// Authorization: default-deny for writes, open reads for any authenticated
// principal. Platform admins may do anything; members of a domain's owner team
// manage that domain, its subdomains and their products; members of a
// product's owner team manage that product; members of a team manage its
// membership.
#ifndef MESHPLANE_AUTH_AUTHORIZER_H_
#define MESHPLANE_AUTH_AUTHORIZER_H_

#include <vector>

#include "absl/status/status.h"

#include "meshplane/model/data_product.h"
#include "meshplane/model/domain.h"
#include "meshplane/model/principal.h"
#include "meshplane/model/team.h"

namespace meshplane::auth {

// Stateless and thread-safe. Every method returns OK or PERMISSION_DENIED with
// a message that names the principal, the action and what would allow it.
class Authorizer {
 public:
  // Platform-admin-only actions (top-level domains, teams, other principals'
  // tokens).
  absl::Status CheckAdmin(const model::Principal& p,
                          absl::string_view action) const;

  // Writes on a domain or under it. `chain` is the domain itself followed by
  // its ancestors, nearest first (for a new subdomain: the parent's chain).
  absl::Status CheckDomainWrite(const model::Principal& p,
                                const std::vector<model::Domain>& chain,
                                absl::string_view action) const;

  // Writes on a product: the product's owner team, or the owners of its
  // domain chain. `chain` is the product's domain followed by its ancestors.
  absl::Status CheckProductWrite(const model::Principal& p,
                                 const model::DataProduct& product,
                                 const std::vector<model::Domain>& chain,
                                 absl::string_view action) const;

  // Membership changes and updates of a team: its members or an admin.
  absl::Status CheckTeamWrite(const model::Principal& p,
                              const model::Team& team,
                              absl::string_view action) const;
};

}  // namespace meshplane::auth

#endif  // MESHPLANE_AUTH_AUTHORIZER_H_
