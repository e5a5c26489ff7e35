// Who is calling, and the API tokens that prove it.
#ifndef MESHPLANE_MODEL_PRINCIPAL_H_
#define MESHPLANE_MODEL_PRINCIPAL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace meshplane::model {

// An authenticated caller. `id` is `user:ana@example.com`, `service:orders-ci`.
struct Principal {
  std::string id;
  bool platform_admin = false;
  std::vector<std::string> team_ids;  // teams the principal is a member of

  bool IsMemberOf(const std::string& team_id) const;
};

// An API token. The secret is shown once at creation and stored only as a
// SHA-256 hash.
struct ApiToken {
  std::string id;  // tokens/{id}; also the secret's prefix
  std::string principal;
  std::string description;
  std::string secret_hash;      // hex SHA-256 of the whole secret
  bool platform_admin = false;  // the token carries the admin role
  absl::Time create_time = absl::InfinitePast();
  std::optional<absl::Time> expire_time;
  std::optional<absl::Time> revoke_time;
  std::string created_by;

  bool ActiveAt(absl::Time now) const {
    return !revoke_time && (!expire_time || now < *expire_time);
  }
};

}  // namespace meshplane::model

#endif  // MESHPLANE_MODEL_PRINCIPAL_H_
