// OIDC/JWT bearer tokens from the organisation's identity provider: the
// signing keys (a JWKS file or URL), the verification of a compact JWS
// (RS256/ES256 only, issuer, audience, exp/nbf with a skew) and the mapping
// of its claims to a Meshplane principal. Transport-neutral: gRPC's
// CallRunner calls it today, REST and MCP call the same code.
//
//   auto keys = JwksFileSource::Open("/etc/meshplane/jwks.json");
//   JwtVerifier verifier(**keys, config, RealClock());
//   MP_ASSIGN_OR_RETURN(VerifiedJwt who, verifier.Verify(token));
#ifndef MESHPLANE_SERVER_JWT_H_
#define MESHPLANE_SERVER_JWT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/oidc_settings.h"

#include "meshplane/common/clock.h"
#include "meshplane/core/identity.h"
#include "meshplane/model/principal.h"

namespace meshplane::server {

// Whether `token` has the shape of a compact JWS: three dot-separated
// base64url parts, the first two non-empty. Meshplane's own `mp_...`
// secrets never do. Thread-safe.
bool LooksLikeJwt(absl::string_view token);

// A set of public keys parsed from a JWKS document ({"keys": [...]}),
// by `kid`. Immutable, so shared between threads.
class JwkSet {
 public:
  // INVALID_ARGUMENT when `json` is not a JWKS, a key has no `kid`, or a
  // key cannot be imported. Keys that are not RSA or EC P-256 signing
  // keys (`use` other than "sig", or symmetric "oct" keys) are skipped:
  // an HMAC secret must never verify a token.
  static absl::StatusOr<std::shared_ptr<const JwkSet>> Parse(
      absl::string_view json);
  ~JwkSet();

  // The key `kid` as a cjose_jwk_t* (opaque here), its kty ("RSA", "EC"),
  // or null/"" when unknown.
  struct Key {
    void* jwk = nullptr;  // cjose_jwk_t*, owned by the set
    std::string kty;
    std::string crv;
  };
  const Key* Find(absl::string_view kid) const;
  size_t size() const { return keys_.size(); }

  JwkSet(const JwkSet&) = delete;
  JwkSet& operator=(const JwkSet&) = delete;

 private:
  JwkSet() = default;
  absl::flat_hash_map<std::string, Key> keys_;
};

// Where the keys come from. Implementations are thread-safe.
class KeySource {
 public:
  virtual ~KeySource() = default;
  // The current keys. UNAVAILABLE when none were ever loaded.
  virtual absl::StatusOr<std::shared_ptr<const JwkSet>> Current() = 0;
  // Called when a token names a `kid` the current set lacks (the provider
  // rotated its keys): reloads if the source allows it now (rate-limited),
  // and returns the keys then current.
  virtual absl::StatusOr<std::shared_ptr<const JwkSet>> Reload() = 0;
};

// A JWKS file, re-read whenever its modification time or size changes
// (checked on each Current(): a stat(2)), so a rotated key applies without
// a restart. A file that turns unreadable or invalid keeps the last good
// keys (logged).
class JwksFileSource final : public KeySource {
 public:
  // INVALID_ARGUMENT if the file cannot be read or parsed at start.
  static absl::StatusOr<std::unique_ptr<JwksFileSource>> Open(
      const std::string& path);
  absl::StatusOr<std::shared_ptr<const JwkSet>> Current() override;
  absl::StatusOr<std::shared_ptr<const JwkSet>> Reload() override;

 private:
  explicit JwksFileSource(std::string path) : path_(std::move(path)) {}
  absl::Status LoadIfChanged();

  const std::string path_;
  absl::Mutex mu_;
  std::shared_ptr<const JwkSet> keys_ ABSL_GUARDED_BY(mu_);
  int64_t mtime_ns_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t size_ ABSL_GUARDED_BY(mu_) = -1;
};

// A JWKS URL (http or https; https verifies the server with the system
// trust store), fetched with cpp-httplib: at start, again every
// `refresh_interval`, and on an unknown `kid` at most once per
// `min_reload_interval`. A failed fetch keeps the last good keys.
class JwksUrlSource final : public KeySource {
 public:
  // INVALID_ARGUMENT for a malformed URL. The first fetch happens on first
  // use, so that an identity provider that is down does not keep the
  // server from starting (its tokens are refused UNAUTHENTICATED until
  // it answers).
  static absl::StatusOr<std::unique_ptr<JwksUrlSource>> Create(
      const std::string& url, const Clock& clock,
      absl::Duration refresh_interval = absl::Minutes(5),
      absl::Duration min_reload_interval = absl::Seconds(10));
  absl::StatusOr<std::shared_ptr<const JwkSet>> Current() override;
  absl::StatusOr<std::shared_ptr<const JwkSet>> Reload() override;

 private:
  JwksUrlSource(std::string base, std::string path, const Clock& clock,
                absl::Duration refresh, absl::Duration min_reload)
      : base_(std::move(base)),
        path_(std::move(path)),
        clock_(clock),
        refresh_(refresh),
        min_reload_(min_reload) {}
  absl::StatusOr<std::shared_ptr<const JwkSet>> Fetch();
  absl::StatusOr<std::shared_ptr<const JwkSet>> Get(bool forced);

  const std::string base_;  // scheme://host[:port]
  const std::string path_;
  const Clock& clock_;
  const absl::Duration refresh_;
  const absl::Duration min_reload_;
  absl::Mutex mu_;
  std::shared_ptr<const JwkSet> keys_ ABSL_GUARDED_BY(mu_);
  absl::Time fetched_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time tried_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

struct JwtConfig {
  std::string issuer;    // the `iss` every token must carry
  std::string audience;  // must be `aud`, or one element of it
  // The claim naming the caller, and the prefix of the principal id it
  // makes: `email` -> `user:<email>`.
  std::string principal_claim = "email";
  std::string principal_prefix = "user:";
  std::string groups_claim;  // "" = no groups read
  absl::Duration clock_skew = absl::Seconds(60);
};

// What a verified token says.
struct VerifiedJwt {
  std::string principal;            // prefix + the principal claim
  std::vector<std::string> groups;  // the groups claim (strings only)
  absl::Time expire_time;
};

// Verifies compact JWS tokens. Thread-safe; holds references to `keys`
// and `clock`, which must outlive it.
class JwtVerifier {
 public:
  JwtVerifier(KeySource& keys, JwtConfig config, const Clock& clock)
      : keys_(keys), config_(std::move(config)), clock_(clock) {}

  // UNAUTHENTICATED, with a message naming the reason and never the token,
  // for: a malformed token, an algorithm other than RS256/ES256 (`none`,
  // HS256, ...), an unknown key id (after one reload of the keys), a key
  // whose type does not match the algorithm, a bad signature, a wrong
  // issuer or audience, a missing or expired `exp`, an `nbf` in the future
  // (both beyond the skew), and a missing principal claim. UNAVAILABLE
  // when no keys could ever be loaded.
  absl::StatusOr<VerifiedJwt> Verify(absl::string_view token) const;

 private:
  KeySource& keys_;
  const JwtConfig config_;
  const Clock& clock_;
};

// The OIDC sign-in as a whole: verifies a JWT, then builds the principal.
// Its teams are the union of the teams its groups map to and the teams
// Meshplane's own store lists it as a member of; it is a platform admin
// only when `admin_group` is set and among its groups. Thread-safe.
class OidcAuthenticator {
 public:
  struct Mapping {
    // group -> team id (--oidc-group-team). When empty, a group whose name
    // is a valid team id is taken as that team.
    absl::flat_hash_map<std::string, std::string> group_teams;
    std::string admin_group;  // "" = no admin ever from a token
  };

  // Builds the key source, verifier and mapping `settings` describe.
  // INVALID_ARGUMENT naming the setting for an incomplete or malformed
  // configuration (an issuer without an audience or without exactly one
  // key source, a mapping that is not GROUP=TEAM, any setting without an
  // issuer); null when OIDC is off (no setting at all). `clock` must
  // outlive the result.
  static absl::StatusOr<std::unique_ptr<OidcAuthenticator>> Create(
      const OidcSettings& settings, const Clock& clock);
  // Over a key source of the caller's (tests).
  OidcAuthenticator(std::unique_ptr<KeySource> keys, JwtConfig config,
                    Mapping mapping, const Clock& clock)
      : keys_(std::move(keys)),
        verifier_(*keys_, std::move(config), clock),
        mapping_(std::move(mapping)) {}

  // UNAUTHENTICATED as JwtVerifier::Verify; UNAVAILABLE when the store is
  // down. `identity` resolves the store's memberships (and caches them).
  absl::StatusOr<model::Principal> Authenticate(absl::string_view token,
                                                core::Identity& identity) const;

 private:
  std::unique_ptr<KeySource> keys_;
  JwtVerifier verifier_;
  const Mapping mapping_;
};

// The caller a bearer secret proves, whatever the transport (gRPC metadata,
// an HTTP Authorization header, MCP): a JWT (LooksLikeJwt) goes to `oidc`
// when it is not null, every other secret to Meshplane's API tokens.
// UNAUTHENTICATED / UNAVAILABLE as OidcAuthenticator::Authenticate and
// core::Identity::Authenticate. Thread-safe.
absl::StatusOr<model::Principal> AuthenticateBearer(
    const std::string& secret, core::Identity& identity,
    const OidcAuthenticator* oidc);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_JWT_H_
