// Identity: API tokens and authentication.
//
//   core::Identity identity(store, authorizer, clock);
//   MP_RETURN_IF_ERROR(identity.Bootstrap(getenv("MESHPLANE_BOOTSTRAP_TOKEN")));
//   MP_ASSIGN_OR_RETURN(model::Principal who, identity.Authenticate(secret));
#ifndef MESHPLANE_CORE_IDENTITY_H_
#define MESHPLANE_CORE_IDENTITY_H_

#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/core/context.h"
#include "meshplane/model/principal.h"
#include "meshplane/store/store.h"

namespace meshplane::core {

struct CreatedToken {
  model::ApiToken token;
  std::string secret;  // shown once, never stored
};

// Thread-safe. Holds references to store, authz and clock.
//
// Token secrets look like `mp_<id>_<32 random chars>`; the store keeps only
// the SHA-256 of the whole secret. A bootstrap token (any string of 16+
// characters) is stored under the id "bootstrap".
class Identity {
 public:
  // `cache_ttl` bounds how long a verified token is trusted without asking the
  // store again (revocations through this replica apply at once; through
  // another replica within `cache_ttl`).
  Identity(store::Store& store, const auth::Authorizer& authz,
           const Clock& clock, absl::Duration cache_ttl = absl::Seconds(2));

  // If `secret` is non-empty and the registry has no active admin token,
  // stores it as a platform-admin token for principal `user:admin`.
  // INVALID_ARGUMENT if shorter than 16 characters. OK and no effect when an
  // admin token exists already.
  absl::Status Bootstrap(const std::string& secret);

  // The principal a bearer secret proves, with its teams. UNAUTHENTICATED for
  // an empty, unknown, expired or revoked secret (one message for all, so
  // as not to tell which); UNAVAILABLE when the store is down. A refused
  // secret is remembered for `cache_ttl` too, so that repeating it costs no
  // store query (a client retrying a bad token in a loop).
  absl::StatusOr<model::Principal> Authenticate(const std::string& secret);

  // The principal `id` with its teams, for a caller the server has
  // authenticated by other means (a verified client certificate mapped to
  // `id`); `platform_admin` comes from that mapping. Cached like tokens, for
  // the same TTL. UNAVAILABLE when the store is down.
  absl::StatusOr<model::Principal> ResolvePrincipal(const std::string& id,
                                                    bool platform_admin);

  // Creates a token for `principal` ("" = the caller). Callers may create
  // tokens for themselves; admins for anyone, and only admins may set
  // `platform_admin`. `ttl` absent = never expires.
  absl::StatusOr<CreatedToken> CreateToken(const RequestContext& ctx,
                                           const std::string& principal,
                                           const std::string& description,
                                           std::optional<absl::Duration> ttl,
                                           bool platform_admin);
  // Admins see every token; others only their own (filter principal ignored).
  absl::StatusOr<ListResult<model::ApiToken>> ListTokens(
      const RequestContext& ctx, const std::string& principal,
      const ListQuery& query);
  // The owner of a token or an admin. NOT_FOUND if absent.
  absl::StatusOr<model::ApiToken> RevokeToken(const RequestContext& ctx,
                                              const std::string& token_id);

 private:
  struct CacheEntry {
    model::Principal principal;
    std::optional<absl::Time> expire_time;
    absl::Time verified_at;
  };
  // The cached principal under `key`, if still fresh and unexpired.
  std::optional<model::Principal> Cached(const std::string& key,
                                         absl::Time now);
  void Remember(const std::string& key, const model::Principal& principal,
                std::optional<absl::Time> expire_time, absl::Time now);
  // Whether the secret hash `key` was refused within the TTL; remembers a
  // refusal.
  bool RecentlyRefused(const std::string& key, absl::Time now);
  void RememberRefusal(const std::string& key, absl::Time now);

  store::Store& store_;
  const auth::Authorizer& authz_;
  const Clock& clock_;
  const absl::Duration cache_ttl_;
  absl::Mutex mu_;
  // By secret hash (tokens), or "principal:<admin?>:<id>" (ResolvePrincipal).
  absl::flat_hash_map<std::string, CacheEntry> cache_ ABSL_GUARDED_BY(mu_);
  // Secret hashes refused by the store, with when.
  absl::flat_hash_map<std::string, absl::Time> refused_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meshplane::core

#endif  // MESHPLANE_CORE_IDENTITY_H_
