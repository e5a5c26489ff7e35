// Identity storage: API tokens and the web catalog's browser sessions.
// One repository of a store::Transaction (store.h), which hands it out;
// the error codes common to every method are written there.
#ifndef MESHPLANE_STORE_IDENTITY_H_
#define MESHPLANE_STORE_IDENTITY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/model/principal.h"
#include "meshplane/store/page.h"

namespace meshplane::store {

struct TokenFilter {
  std::string principal;  // "" for all
  bool include_revoked = true;
};

// A browser session of the web catalog (docs/web.md#sessions). The
// session id itself is never stored: `id_hash` is its hex SHA-256, and
// `credential` the bearer token it was signed in with, sealed under a key
// derived from the id.
struct WebSession {
  std::string id_hash;
  std::string principal;
  std::string credential;  // base64 of the sealed token
  absl::Time create_time;
  absl::Time expire_time;
};

// API tokens and web sessions, in the transaction that handed it out.
class IdentityRepository {
 public:
  virtual ~IdentityRepository() = default;

  // --- Identity ---
  virtual absl::Status InsertToken(const model::ApiToken& token) = 0;
  // NOT_FOUND if no token has that id.
  virtual absl::StatusOr<model::ApiToken> GetToken(absl::string_view id) = 0;
  virtual absl::StatusOr<Page<model::ApiToken>> ListTokens(
      const TokenFilter& filter, const PageRequest& page) = 0;
  // Sets revoke_time if not yet revoked. NOT_FOUND if absent.
  virtual absl::Status RevokeToken(absl::string_view id, absl::Time when) = 0;
  // Number of active (unrevoked, unexpired at `now`) admin tokens.
  virtual absl::StatusOr<int64_t> CountActiveAdminTokens(absl::Time now) = 0;

  // --- Web sessions ---
  // Inserts `session` and deletes the sessions expired at `now`.
  // ALREADY_EXISTS if a session has that id_hash.
  virtual absl::Status InsertWebSession(const WebSession& session,
                                        absl::Time now) = 0;
  // NOT_FOUND if no session has that id_hash (an expired one is returned:
  // the caller compares expire_time).
  virtual absl::StatusOr<WebSession> GetWebSession(
      absl::string_view id_hash) = 0;
  // Deletes it; OK when there is none.
  virtual absl::Status DeleteWebSession(absl::string_view id_hash) = 0;
};

}  // namespace meshplane::store

#endif  // MESHPLANE_STORE_IDENTITY_H_
