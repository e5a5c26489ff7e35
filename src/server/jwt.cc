#include "server/jwt.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include <cjose/jwk.h>
#include <cjose/jws.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "meshplane/common/status_macros.h"

namespace meshplane::server {
namespace {

using Json = nlohmann::json;

// A JWKS larger than this is not a key set (a provider publishes a few keys).
constexpr size_t kMaxJwksBytes = 1 << 20;

bool IsBase64UrlChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '_';
}

absl::Status Refused(absl::string_view why) {
  return absl::UnauthenticatedError(
      absl::StrCat("identity token refused: ", why));
}

// A base64url part as JSON (RFC 7515 section 7.1: no padding).
std::optional<Json> DecodeJsonPart(absl::string_view part) {
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(part, &bytes)) {
    return std::nullopt;
  }
  Json j = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return std::nullopt;
  }
  return j;
}

// A NumericDate claim (RFC 7519 section 2): seconds, possibly fractional.
// nullopt when absent; INVALID_ARGUMENT when present but not a date within
// years 1..9999 (a float of 1e300 must not overflow into the past).
absl::StatusOr<std::optional<absl::Time>> NumericDate(const Json& claims,
                                                      const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) {
    return std::nullopt;
  }
  constexpr double kMax = 253402300799.0;  // 9999-12-31T23:59:59Z
  const double seconds = it->is_number() ? it->get<double>() : -1e300;
  if (!(seconds >= -kMax && seconds <= kMax)) {
    return absl::InvalidArgumentError(name);
  }
  return absl::FromUnixSeconds(static_cast<int64_t>(seconds));
}

// A principal id goes into authorization, audit rows and log lines: text
// without control characters, of a sane length.
bool IsPrintable(absl::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// Valid team ids (AIP-122 as in STYLE.md): [a-z][a-z0-9-]{0,62}.
bool IsTeamId(absl::string_view id) {
  if (id.empty() || id.size() > 63 || !absl::ascii_islower(id[0])) {
    return false;
  }
  for (char c : id) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') {
      return false;
    }
  }
  return true;
}

// Splits "https://host:port/path" into ("https://host:port", "/path").
absl::StatusOr<std::pair<std::string, std::string>> SplitUrl(
    const std::string& url) {
  size_t scheme_end = url.find("://");
  std::string scheme =
      scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError(absl::StrCat(
        "oidc jwks url: \"", url, "\" is not an http:// or https:// URL"));
  }
  size_t path_start = url.find('/', scheme_end + 3);
  std::string base = url.substr(0, path_start);
  std::string path =
      path_start == std::string::npos ? "/" : url.substr(path_start);
  if (base.size() <= scheme_end + 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("oidc jwks url: \"", url, "\" has no host"));
  }
  return std::make_pair(base, path);
}

}  // namespace

bool LooksLikeJwt(absl::string_view token) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty()) {
    return false;
  }
  for (absl::string_view p : parts) {
    for (char c : p) {
      if (!IsBase64UrlChar(c)) return false;
    }
  }
  return true;
}

// --- JwkSet ---

JwkSet::~JwkSet() {
  for (auto& [kid, key] : keys_) {
    cjose_jwk_release(static_cast<cjose_jwk_t*>(key.jwk));
  }
}

absl::StatusOr<std::shared_ptr<const JwkSet>> JwkSet::Parse(
    absl::string_view json) {
  if (json.size() > kMaxJwksBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("jwks: ", json.size(), " bytes; at most ", kMaxJwksBytes));
  }
  Json doc = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("jwks: not a JSON object");
  }
  auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) {
    return absl::InvalidArgumentError("jwks.keys: missing or not an array");
  }
  std::shared_ptr<JwkSet> set(new JwkSet());
  for (size_t i = 0; i < keys->size(); ++i) {
    const Json& k = (*keys)[i];
    auto str = [&](const char* name) {
      auto it = k.find(name);
      return it != k.end() && it->is_string() ? it->get<std::string>()
                                              : std::string();
    };
    if (!k.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("jwks.keys[", i, "]: not an object"));
    }
    const std::string kty = str("kty");
    const std::string use = str("use");
    const std::string alg = str("alg");
    const std::string crv = str("crv");
    // Only asymmetric signing keys of the two allowed algorithms: an "oct"
    // key is an HMAC secret, and keeping it would reopen the HS/RS
    // confusion this verifier exists to refuse.
    if ((kty != "RSA" && kty != "EC") || (!use.empty() && use != "sig") ||
        (kty == "EC" && crv != "P-256") ||
        (!alg.empty() && alg != (kty == "RSA" ? "RS256" : "ES256"))) {
      continue;
    }
    const std::string kid = str("kid");
    if (kid.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("jwks.keys[", i, "].kid: missing"));
    }
    // Only the public members: a private key published by mistake must not
    // make cjose hold signing material.
    Json pub = {{"kty", kty}, {"kid", kid}};
    for (const char* m : {"n", "e", "crv", "x", "y"}) {
      if (k.contains(m)) pub[m] = k[m];
    }
    const std::string text = pub.dump();
    cjose_err err{};
    cjose_jwk_t* jwk = cjose_jwk_import(text.data(), text.size(), &err);
    if (jwk == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "jwks.keys[", i, "] (kid \"", kid, "\"): not a valid key: ",
          err.message == nullptr ? "unknown error" : err.message));
    }
    Key& slot = set->keys_[kid];
    if (slot.jwk != nullptr) {
      cjose_jwk_release(static_cast<cjose_jwk_t*>(slot.jwk));
    }
    slot = Key{jwk, kty, crv};
  }
  return std::shared_ptr<const JwkSet>(std::move(set));
}

const JwkSet::Key* JwkSet::Find(absl::string_view kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : &it->second;
}

// --- JwksFileSource ---

absl::StatusOr<std::unique_ptr<JwksFileSource>> JwksFileSource::Open(
    const std::string& path) {
  std::unique_ptr<JwksFileSource> source(new JwksFileSource(path));
  MP_RETURN_IF_ERROR(source->LoadIfChanged());
  return source;
}

absl::Status JwksFileSource::LoadIfChanged() {
  struct stat st;
  if (stat(path_.c_str(), &st) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("oidc jwks file ", path_, ": cannot be read"));
  }
  const int64_t mtime_ns =
      int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  {
    absl::MutexLock lock(&mu_);
    if (keys_ != nullptr && mtime_ns == mtime_ns_ && st.st_size == size_) {
      return absl::OkStatus();
    }
  }
  std::ifstream in(path_, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("oidc jwks file ", path_, ": cannot be read"));
  }
  absl::StatusOr<std::shared_ptr<const JwkSet>> keys =
      JwkSet::Parse(text.str());
  if (!keys.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("oidc jwks file ", path_, ": ", keys.status().message()));
  }
  absl::MutexLock lock(&mu_);
  keys_ = *std::move(keys);
  mtime_ns_ = mtime_ns;
  size_ = st.st_size;
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const JwkSet>> JwksFileSource::Current() {
  absl::Status s = LoadIfChanged();
  if (!s.ok()) {
    // A half-written file during a rotation: keep verifying with the keys
    // we had rather than refusing everyone.
    spdlog::warn("{}; keeping the keys loaded before", s.ToString());
  }
  absl::MutexLock lock(&mu_);
  return keys_;
}

absl::StatusOr<std::shared_ptr<const JwkSet>> JwksFileSource::Reload() {
  // Current() already re-reads a changed file; there is nothing newer.
  return Current();
}

// --- JwksUrlSource ---

absl::StatusOr<std::unique_ptr<JwksUrlSource>> JwksUrlSource::Create(
    const std::string& url, const Clock& clock, absl::Duration refresh_interval,
    absl::Duration min_reload_interval) {
  MP_ASSIGN_OR_RETURN(auto parts, SplitUrl(url));
  return std::unique_ptr<JwksUrlSource>(new JwksUrlSource(
      parts.first, parts.second, clock, refresh_interval, min_reload_interval));
}

absl::StatusOr<std::shared_ptr<const JwkSet>> JwksUrlSource::Fetch() {
  httplib::Client client(base_);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  // Keys are trust anchors: never from a redirect, never from a server we
  // cannot verify (the system's roots).
  client.set_follow_location(false);
  client.enable_server_certificate_verification(true);
  httplib::Result res = client.Get(path_);
  if (!res) {
    return absl::UnavailableError(absl::StrCat(
        "oidc jwks ", base_, path_, ": ", httplib::to_string(res.error())));
  }
  if (res->status != 200) {
    return absl::UnavailableError(absl::StrCat("oidc jwks ", base_, path_,
                                               ": HTTP status ", res->status));
  }
  absl::StatusOr<std::shared_ptr<const JwkSet>> keys = JwkSet::Parse(res->body);
  if (!keys.ok()) {
    return absl::UnavailableError(absl::StrCat("oidc jwks ", base_, path_, ": ",
                                               keys.status().message()));
  }
  return keys;
}

absl::StatusOr<std::shared_ptr<const JwkSet>> JwksUrlSource::Get(bool forced) {
  const absl::Time now = clock_.Now();
  {
    absl::MutexLock lock(&mu_);
    const bool stale = now >= fetched_at_ + refresh_;
    // Rate-limited: a stream of tokens with made-up key ids must not turn
    // into a stream of requests to the identity provider.
    const bool may_try = now >= tried_at_ + min_reload_;
    if (!((stale || forced) && may_try)) {
      if (keys_ == nullptr) {
        return absl::UnavailableError(
            "oidc: the identity provider's keys are not loaded yet");
      }
      return keys_;
    }
    tried_at_ = now;
  }
  // Fetched outside the lock: other calls keep verifying with the keys we
  // have while the provider answers.
  absl::StatusOr<std::shared_ptr<const JwkSet>> fetched = Fetch();
  absl::MutexLock lock(&mu_);
  if (fetched.ok()) {
    keys_ = *std::move(fetched);
    fetched_at_ = now;
  } else {
    spdlog::warn("{}; keeping the keys loaded before",
                 fetched.status().ToString());
  }
  if (keys_ == nullptr) {
    return absl::UnavailableError(
        "oidc: the identity provider's keys could not be loaded");
  }
  return keys_;
}

absl::StatusOr<std::shared_ptr<const JwkSet>> JwksUrlSource::Current() {
  return Get(/*forced=*/false);
}

absl::StatusOr<std::shared_ptr<const JwkSet>> JwksUrlSource::Reload() {
  return Get(/*forced=*/true);
}

// --- JwtVerifier ---

absl::StatusOr<VerifiedJwt> JwtVerifier::Verify(absl::string_view token) const {
  if (!LooksLikeJwt(token)) {
    return Refused("malformed token (not three base64url parts)");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  std::optional<Json> header = DecodeJsonPart(parts[0]);
  if (!header) {
    return Refused("malformed token (the header is not base64url JSON)");
  }
  auto alg_it = header->find("alg");
  const std::string alg = alg_it != header->end() && alg_it->is_string()
                              ? alg_it->get<std::string>()
                              : std::string();
  // RFC 8725 section 3.1: the verifier, not the token, decides the
  // algorithm. Refusing everything but RS256/ES256 before any key is
  // touched closes `alg: none` and HS256-with-the-public-key alike.
  if (alg != "RS256" && alg != "ES256") {
    return Refused(absl::StrCat("algorithm not allowed (\"",
                                absl::CHexEscape(alg.substr(0, 16)),
                                "\"; RS256 or ES256)"));
  }
  auto kid_it = header->find("kid");
  if (kid_it == header->end() || !kid_it->is_string()) {
    return Refused("unknown key id (the token names none)");
  }
  const std::string kid = kid_it->get<std::string>();
  MP_ASSIGN_OR_RETURN(std::shared_ptr<const JwkSet> keys, keys_.Current());
  const JwkSet::Key* key = keys->Find(kid);
  if (key == nullptr) {
    // The provider may have rotated: look once more before refusing.
    MP_ASSIGN_OR_RETURN(keys, keys_.Reload());
    key = keys->Find(kid);
  }
  if (key == nullptr) {
    return Refused(absl::StrCat("unknown key id \"",
                                absl::CHexEscape(kid.substr(0, 64)), "\""));
  }
  if ((alg == "RS256") != (key->kty == "RSA")) {
    return Refused(absl::StrCat("algorithm not allowed (", alg,
                                " with a key of type ", key->kty, ")"));
  }

  cjose_err err{};
  cjose_jws_t* jws = cjose_jws_import(token.data(), token.size(), &err);
  if (jws == nullptr) {
    return Refused("malformed token (not a compact JWS)");
  }
  std::unique_ptr<cjose_jws_t, void (*)(cjose_jws_t*)> jws_owner(
      jws, cjose_jws_release);
  if (!cjose_jws_verify(jws, static_cast<const cjose_jwk_t*>(key->jwk), &err)) {
    return Refused("bad signature");
  }
  uint8_t* plain = nullptr;
  size_t plain_len = 0;
  if (!cjose_jws_get_plaintext(jws, &plain, &plain_len, &err)) {
    return Refused("malformed token (no payload)");
  }
  Json claims = Json::parse(plain, plain + plain_len, nullptr,
                            /*allow_exceptions=*/false);
  if (claims.is_discarded() || !claims.is_object()) {
    return Refused("malformed token (the payload is not a JSON object)");
  }

  auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string() ||
      iss->get<std::string>() != config_.issuer) {
    return Refused("wrong issuer");
  }
  bool audience_ok = false;
  if (auto aud = claims.find("aud"); aud != claims.end()) {
    if (aud->is_string()) {
      audience_ok = aud->get<std::string>() == config_.audience;
    } else if (aud->is_array()) {
      for (const Json& a : *aud) {
        if (a.is_string() && a.get<std::string>() == config_.audience) {
          audience_ok = true;
        }
      }
    }
  }
  if (!audience_ok) {
    return Refused("wrong audience");
  }
  const absl::Time now = clock_.Now();
  // RFC 7519 section 4.1.4 makes `exp` optional; a bearer token that never
  // expires is not one we accept from an identity provider.
  absl::StatusOr<std::optional<absl::Time>> exp = NumericDate(claims, "exp");
  absl::StatusOr<std::optional<absl::Time>> nbf = NumericDate(claims, "nbf");
  if (!exp.ok() || !nbf.ok()) {
    return Refused(absl::StrCat("malformed token (`", exp.ok() ? "nbf" : "exp",
                                "` is not a NumericDate)"));
  }
  if (!*exp) {
    return Refused("no expiry (`exp` missing)");
  }
  if (now >= **exp + config_.clock_skew) {
    return Refused("expired");
  }
  if (*nbf && now + config_.clock_skew < **nbf) {
    return Refused("not yet valid (`nbf` in the future)");
  }
  auto who = claims.find(config_.principal_claim);
  if (who == claims.end() || !who->is_string() ||
      who->get<std::string>().empty()) {
    return Refused(absl::StrCat("missing principal claim `",
                                config_.principal_claim, "`"));
  }
  if (who->get<std::string>().size() > 320 ||
      !IsPrintable(who->get<std::string>())) {
    return Refused(absl::StrCat("invalid principal claim `",
                                config_.principal_claim,
                                "` (over 320 bytes or control characters)"));
  }
  // OIDC Core 5.1: an email the provider has not verified is whatever the
  // user typed; taken as the principal it would let anyone sign up as
  // anyone else. Absent (common in access tokens) is accepted.
  if (config_.principal_claim == "email") {
    auto verified = claims.find("email_verified");
    if (verified != claims.end() && verified->is_boolean() &&
        !verified->get<bool>()) {
      return Refused("email not verified (`email_verified` is false)");
    }
  }
  VerifiedJwt out;
  out.principal =
      absl::StrCat(config_.principal_prefix, who->get<std::string>());
  out.expire_time = **exp;
  if (!config_.groups_claim.empty()) {
    auto groups = claims.find(config_.groups_claim);
    if (groups != claims.end() && groups->is_string()) {
      out.groups.push_back(groups->get<std::string>());
    } else if (groups != claims.end() && groups->is_array()) {
      for (const Json& g : *groups) {
        if (g.is_string()) out.groups.push_back(g.get<std::string>());
      }
    }
  }
  return out;
}

// --- OidcAuthenticator ---

absl::StatusOr<std::unique_ptr<OidcAuthenticator>> OidcAuthenticator::Create(
    const OidcSettings& s, const Clock& clock) {
  if (s.issuer.empty()) {
    if (!s.audience.empty() || !s.jwks_file.empty() || !s.jwks_url.empty() ||
        !s.groups_claim.empty() || !s.group_teams.empty() ||
        !s.admin_group.empty()) {
      return absl::InvalidArgumentError(
          "--oidc-issuer: missing; the other --oidc-* flags need it");
    }
    return nullptr;
  }
  if (s.audience.empty()) {
    return absl::InvalidArgumentError(
        "--oidc-audience: missing; --oidc-issuer needs it");
  }
  if (s.jwks_file.empty() == s.jwks_url.empty()) {
    return absl::InvalidArgumentError(
        "--oidc-jwks-file / --oidc-jwks-url: give exactly one");
  }
  if (s.principal_claim.empty()) {
    return absl::InvalidArgumentError("--oidc-principal-claim: empty");
  }
  Mapping mapping;
  mapping.admin_group = s.admin_group;
  for (const std::string& entry : s.group_teams) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(entry, absl::MaxSplits('=', 1));
    if (kv.first.empty() || !IsTeamId(kv.second)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--oidc-group-team: \"", entry,
          "\" is not GROUP=TEAM with TEAM a team id ([a-z][a-z0-9-]{0,62})"));
    }
    mapping.group_teams[kv.first] = kv.second;
  }
  if ((!s.group_teams.empty() || !s.admin_group.empty()) &&
      s.groups_claim.empty()) {
    return absl::InvalidArgumentError(
        "--oidc-groups-claim: missing; --oidc-group-team and "
        "--oidc-admin-group read it");
  }
  std::unique_ptr<KeySource> keys;
  if (!s.jwks_file.empty()) {
    MP_ASSIGN_OR_RETURN(keys, JwksFileSource::Open(s.jwks_file));
  } else {
    MP_ASSIGN_OR_RETURN(
        keys, JwksUrlSource::Create(s.jwks_url, clock, s.jwks_refresh));
  }
  JwtConfig config;
  config.issuer = s.issuer;
  config.audience = s.audience;
  config.principal_claim = s.principal_claim;
  config.principal_prefix = s.principal_prefix;
  config.groups_claim = s.groups_claim;
  config.clock_skew = s.clock_skew;
  return std::make_unique<OidcAuthenticator>(std::move(keys), std::move(config),
                                             std::move(mapping), clock);
}

absl::StatusOr<model::Principal> OidcAuthenticator::Authenticate(
    absl::string_view token, core::Identity& identity) const {
  MP_ASSIGN_OR_RETURN(VerifiedJwt jwt, verifier_.Verify(token));
  bool admin = false;
  std::vector<std::string> mapped;
  for (const std::string& g : jwt.groups) {
    if (!mapping_.admin_group.empty() && g == mapping_.admin_group) {
      admin = true;
    }
    if (mapping_.group_teams.empty()) {
      if (IsTeamId(g)) mapped.push_back(g);
    } else if (auto it = mapping_.group_teams.find(g);
               it != mapping_.group_teams.end()) {
      mapped.push_back(it->second);
    }
  }
  // The store's memberships count too: a team that lists the person by
  // principal id keeps them whatever the identity provider's groups say.
  MP_ASSIGN_OR_RETURN(model::Principal principal,
                      identity.ResolvePrincipal(jwt.principal, admin));
  for (std::string& team : mapped) {
    if (!principal.IsMemberOf(team)) {
      principal.team_ids.push_back(std::move(team));
    }
  }
  return principal;
}

absl::StatusOr<model::Principal> AuthenticateBearer(
    const std::string& secret, core::Identity& identity,
    const OidcAuthenticator* oidc) {
  // API tokens (`mp_<id>_<secret>`) never have dots; a JWT always has two.
  if (oidc != nullptr && LooksLikeJwt(secret)) {
    return oidc->Authenticate(secret, identity);
  }
  return identity.Authenticate(secret);
}

}  // namespace meshplane::server
