#include "meshplane/core/identity.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/filter.h"
#include "core/page_token.h"
#include "core/resource_traits.h"
#include "core/rpc_names.h"
#include "core/validation.h"
#include "core/write_helpers.h"
#include "core/write_pipeline.h"

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core {
namespace {

constexpr char kBootstrapId[] = "bootstrap";
constexpr char kBootstrapPrincipal[] = "user:admin";
constexpr size_t kMinBootstrapLength = 16;
constexpr int kTokenIdChars = 12;
constexpr int kSecretChars = 32;
constexpr size_t kMaxCacheEntries = 4096;

// One message for every failure, so as not to tell an attacker which part
// was wrong.
absl::Status BadCredentials() {
  return absl::UnauthenticatedError("invalid, expired or revoked token");
}

// The token id a secret claims: `mp_<id>_<random>`, or the bootstrap token.
std::string TokenIdOf(absl::string_view secret) {
  if (absl::ConsumePrefix(&secret, "mp_")) {
    size_t sep = secret.find('_');
    if (sep != absl::string_view::npos && sep > 0) {
      return std::string(secret.substr(0, sep));
    }
    return "";
  }
  return kBootstrapId;
}

std::string NewTokenId() {
  // Ids must start with a letter; RandomToken's alphabet has digits too.
  for (;;) {
    std::string id = RandomToken(kTokenIdChars);
    if (model::IsValidId(id)) return id;
  }
}

}  // namespace

Identity::Identity(store::Store& store, const auth::Authorizer& authz,
                   const Clock& clock, absl::Duration cache_ttl)
    : store_(store), authz_(authz), clock_(clock), cache_ttl_(cache_ttl) {}

absl::Status Identity::Bootstrap(const std::string& secret) {
  if (secret.empty()) return absl::OkStatus();
  if (secret.size() < kMinBootstrapLength) {
    return InvalidArgumentWithFields(
        {{"MESHPLANE_BOOTSTRAP_TOKEN",
          absl::StrCat("is ", secret.size(), " characters long; at least ",
                       kMinBootstrapLength, " are needed")}});
  }
  return store_.RunInTransaction(
      store::TxnMode::kReadWrite, [&](store::Transaction& txn) -> absl::Status {
        const absl::Time now = internal::StoreNow(clock_);
        MP_ASSIGN_OR_RETURN(int64_t admins,
                            txn.identity().CountActiveAdminTokens(now));
        if (admins > 0) return absl::OkStatus();
        auto existing = txn.identity().GetToken(kBootstrapId);
        if (existing.ok()) {
          return absl::FailedPreconditionError(
              "no active admin token exists, but tokens/bootstrap was used "
              "before and is revoked or expired; a bootstrap token can be "
              "installed only once");
        }
        if (existing.status().code() != absl::StatusCode::kNotFound) {
          return existing.status();
        }
        model::ApiToken token;
        token.id = kBootstrapId;
        token.principal = kBootstrapPrincipal;
        token.description = "bootstrap admin token (MESHPLANE_BOOTSTRAP_TOKEN)";
        token.secret_hash = Sha256Hex(secret);
        token.platform_admin = true;
        token.create_time = now;
        token.created_by = "system:bootstrap";
        MP_RETURN_IF_ERROR(txn.identity().InsertToken(token));
        model::AuditRecord audit;
        audit.time = now;
        audit.principal = "system:bootstrap";
        audit.method = "meshplaned/Bootstrap";
        audit.resource = model::TokenName(token.id);
        audit.after_json = model::ToJson(token);
        MP_RETURN_IF_ERROR(txn.events().AppendAudit(audit).status());
        model::Event event;
        event.time = now;
        event.type = "token.created";
        event.resource = audit.resource;
        event.payload_json = audit.after_json;
        return txn.events().AppendEvent(event).status();
      });
}

absl::StatusOr<model::Principal> Identity::Authenticate(
    const std::string& secret) {
  if (secret.empty()) return BadCredentials();
  const std::string hash = Sha256Hex(secret);
  const absl::Time now = clock_.Now();
  if (auto cached = Cached(hash, now)) return *std::move(cached);
  std::string id = TokenIdOf(secret);
  if (!model::IsValidId(id)) return BadCredentials();
  if (RecentlyRefused(hash, now)) return BadCredentials();
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  auto token = txn->identity().GetToken(id);
  if (!token.ok()) {
    if (token.status().code() == absl::StatusCode::kNotFound) {
      RememberRefusal(hash, now);
      return BadCredentials();
    }
    return token.status();
  }
  if (!ConstantTimeEquals(hash, token->secret_hash) || !token->ActiveAt(now)) {
    RememberRefusal(hash, now);
    return BadCredentials();
  }
  model::Principal principal;
  principal.id = token->principal;
  principal.platform_admin = token->platform_admin;
  MP_ASSIGN_OR_RETURN(principal.team_ids,
                      txn->registry().TeamsOfPrincipal(principal.id));
  Remember(hash, principal, token->expire_time, now);
  return principal;
}

absl::StatusOr<model::Principal> Identity::ResolvePrincipal(
    const std::string& id, bool platform_admin) {
  // Not a hex hash, so never a token's key.
  const std::string key =
      absl::StrCat("principal:", platform_admin ? "admin:" : ":", id);
  const absl::Time now = clock_.Now();
  if (auto cached = Cached(key, now)) return *std::move(cached);
  model::Principal principal;
  principal.id = id;
  principal.platform_admin = platform_admin;
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  MP_ASSIGN_OR_RETURN(principal.team_ids,
                      txn->registry().TeamsOfPrincipal(principal.id));
  Remember(key, principal, std::nullopt, now);
  return principal;
}

std::optional<model::Principal> Identity::Cached(const std::string& key,
                                                 absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  const CacheEntry& e = it->second;
  bool fresh = now < e.verified_at + cache_ttl_;
  bool unexpired = !e.expire_time || now < *e.expire_time;
  if (fresh && unexpired) return e.principal;
  cache_.erase(it);
  return std::nullopt;
}

void Identity::Remember(const std::string& key,
                        const model::Principal& principal,
                        std::optional<absl::Time> expire_time, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= kMaxCacheEntries) {
    // Entries past their TTL are useless; drop them before growing.
    absl::erase_if(cache_, [&](const auto& entry) {
      return now >= entry.second.verified_at + cache_ttl_;
    });
  }
  cache_[key] = CacheEntry{principal, expire_time, now};
}

bool Identity::RecentlyRefused(const std::string& key, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = refused_.find(key);
  if (it == refused_.end()) return false;
  if (now < it->second + cache_ttl_) return true;
  refused_.erase(it);
  return false;
}

void Identity::RememberRefusal(const std::string& key, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (refused_.size() >= kMaxCacheEntries) {
    absl::erase_if(refused_, [&](const auto& entry) {
      return now >= entry.second + cache_ttl_;
    });
    // A flood of distinct bad secrets: each then costs its one query, and
    // the memory stays bounded.
    if (refused_.size() >= kMaxCacheEntries) return;
  }
  refused_[key] = now;
}

absl::StatusOr<CreatedToken> Identity::CreateToken(
    const RequestContext& ctx, const std::string& principal,
    const std::string& description, std::optional<absl::Duration> ttl,
    bool platform_admin) {
  const std::string target = principal.empty() ? ctx.principal.id : principal;
  std::string secret;
  auto rule = [&](store::Transaction& txn,
                  internal::ResourceWrite<internal::TokenTraits>&)
      -> absl::StatusOr<model::ApiToken> {
    const absl::Time now = internal::StoreNow(clock_);
    internal::Violations v;
    v.AddStatus("principal", model::ValidatePrincipal("principal", target));
    v.CheckText("description", description, internal::kMaxDescription);
    if (ttl && *ttl <= absl::ZeroDuration()) {
      v.Add("ttl", "must be positive");
    }
    if (target != ctx.principal.id) {
      MP_RETURN_IF_ERROR(authz_.CheckAdmin(
          ctx.principal, "create tokens for other principals"));
    }
    if (platform_admin) {
      MP_RETURN_IF_ERROR(
          authz_.CheckAdmin(ctx.principal, "create platform-admin tokens"));
    }
    MP_RETURN_IF_ERROR(v.ToStatus());
    model::ApiToken token;
    token.id = NewTokenId();
    secret = absl::StrCat("mp_", token.id, "_", RandomToken(kSecretChars));
    token.principal = target;
    token.description = description;
    token.secret_hash = Sha256Hex(secret);
    token.platform_admin = platform_admin;
    token.create_time = now;
    if (ttl) token.expire_time = now + *ttl;
    token.created_by = ctx.principal.id;
    MP_RETURN_IF_ERROR(txn.identity().InsertToken(token));
    // The JSON form never carries the hash, and the secret is nowhere but
    // in the result.
    return token;
  };
  MP_ASSIGN_OR_RETURN(
      auto written, internal::WritePipeline(store_, clock_)
                        .Write<internal::TokenTraits>(
                            ctx, internal::WriteKind::kCreate,
                            {internal::rpc::kCreateToken, "tokens/-",
                             absl::StrCat(target, "\n", description, "\n",
                                          ttl ? absl::FormatDuration(*ttl) : "",
                                          "\n", platform_admin)},
                            rule));
  if (written.replayed) {
    std::string name = model::TokenName(written.resource.id);
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "request_id ", ctx.request_id, " already created ", name,
            "; its secret is shown only once and cannot be recovered: revoke ",
            name, " and create a new token with a new request id")),
        "TOKEN_SECRET_NOT_RECOVERABLE");
  }
  CreatedToken result;
  result.token = std::move(written.resource);
  result.secret = std::move(secret);
  return result;
}

absl::StatusOr<ListResult<model::ApiToken>> Identity::ListTokens(
    const RequestContext& ctx, const std::string& principal,
    const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  store::TokenFilter filter;
  filter.principal =
      ctx.principal.platform_admin ? principal : ctx.principal.id;
  MP_ASSIGN_OR_RETURN(auto terms, internal::ParseFilter(query.filter));
  for (const auto& t : terms) {
    if (t.field != "principal") {
      return InvalidArgumentWithFields(
          {{"filter", absl::StrCat("unknown field \"", t.field,
                                   "\" (known: principal)")}});
    }
    if (ctx.principal.platform_admin) filter.principal = t.value;
  }
  MP_ASSIGN_OR_RETURN(
      auto read, internal::BeginListRead(store_, store::TxnMode::kReadOnly,
                                         {"tokens", filter.principal,
                                          internal::CanonicalFilter(terms)},
                                         query.page_token, limit));
  MP_ASSIGN_OR_RETURN(auto page,
                      read.txn->identity().ListTokens(filter, read.page));
  ListResult<model::ApiToken> out =
      internal::ToListResult(std::move(page), read.fingerprint);
  for (auto& t : out.items) t.secret_hash.clear();
  return out;
}

absl::StatusOr<model::ApiToken> Identity::RevokeToken(
    const RequestContext& ctx, const std::string& token_id) {
  std::string revoked_hash;
  auto rule = [&](store::Transaction& txn,
                  internal::ResourceWrite<internal::TokenTraits>& w)
      -> absl::StatusOr<model::ApiToken> {
    const absl::Time now = internal::StoreNow(clock_);
    internal::Violations v;
    v.CheckId("name", token_id);
    MP_RETURN_IF_ERROR(v.ToStatus());
    MP_ASSIGN_OR_RETURN(model::ApiToken current,
                        txn.identity().GetToken(token_id));
    if (current.principal != ctx.principal.id) {
      MP_RETURN_IF_ERROR(
          authz_.CheckAdmin(ctx.principal, "revoke other principals' tokens"));
    }
    MP_RETURN_IF_ERROR(txn.identity().RevokeToken(token_id, now));
    MP_ASSIGN_OR_RETURN(model::ApiToken after,
                        txn.identity().GetToken(token_id));
    revoked_hash = after.secret_hash;
    after.secret_hash.clear();
    w.Before(current);
    // Revoking a revoked token again changes nothing worth an event.
    w.SetEvent(current.revoke_time ? "" : "revoked");
    return after;
  };
  return internal::WritePipeline(store_, clock_)
      .Update<internal::TokenTraits>(
          ctx,
          {internal::rpc::kRevokeToken, model::TokenName(token_id), token_id},
          rule, [&](const model::ApiToken&) {
            if (revoked_hash.empty()) return;
            // Revocations through this replica apply at once.
            absl::MutexLock lock(&mu_);
            cache_.erase(revoked_hash);
          });
}

}  // namespace meshplane::core
