// InMemoryIdentity: API tokens and web sessions.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/memstore/repositories.h"

#include "meshplane/common/status_macros.h"

namespace meshplane::testing::memstore_internal {

using model::ApiToken;

absl::Status InMemoryIdentity::InsertToken(const ApiToken& token) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  txn_.Read(TokenKey(token.id));
  if (txn_.tokens.Find(token.id)) {
    return absl::AlreadyExistsError(
        absl::StrCat("tokens/", token.id, " already exists"));
  }
  ApiToken t = token;
  t.create_time = Trunc(t.create_time);
  t.expire_time = Trunc(t.expire_time);
  t.revoke_time = Trunc(t.revoke_time);
  txn_.tokens.Put(t.id, t);
  txn_.Write(TokenKey(t.id), kTokensTable);
  return absl::OkStatus();
}

absl::StatusOr<ApiToken> InMemoryIdentity::GetToken(absl::string_view id) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(TokenKey(id));
  const ApiToken* t = txn_.tokens.Find(std::string(id));
  if (!t) return absl::NotFoundError(absl::StrCat("tokens/", id, " not found"));
  return *t;
}

absl::StatusOr<store::Page<ApiToken>> InMemoryIdentity::ListTokens(
    const store::TokenFilter& f, const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kTokensTable);
  std::vector<std::pair<std::string, ApiToken>> items;
  for (auto& [id, t] : txn_.tokens.Merged()) {
    if (!f.principal.empty() && t.principal != f.principal) continue;
    if (!f.include_revoked && t.revoke_time) continue;
    items.emplace_back(id, t);
  }
  return Paginate<ApiToken>(items, page,
                            [](const std::string& k) { return k; });
}

absl::Status InMemoryIdentity::RevokeToken(absl::string_view id,
                                           absl::Time when) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  txn_.Read(TokenKey(id));
  const ApiToken* cur = txn_.tokens.Find(std::string(id));
  if (!cur)
    return absl::NotFoundError(absl::StrCat("tokens/", id, " not found"));
  if (cur->revoke_time) return absl::OkStatus();
  ApiToken t = *cur;
  t.revoke_time = Trunc(when);
  txn_.tokens.Put(t.id, t);
  txn_.Write(TokenKey(t.id), kTokensTable);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> InMemoryIdentity::CountActiveAdminTokens(
    absl::Time now) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kTokensTable);
  int64_t n = 0;
  for (const auto& [id, t] : txn_.tokens.Merged()) {
    n += (t.platform_admin && t.ActiveAt(now)) ? 1 : 0;
  }
  return n;
}

absl::Status InMemoryIdentity::InsertWebSession(
    const store::WebSession& session, absl::Time now) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  txn_.Read(kWebSessionsTable);
  if (txn_.web_sessions.Find(session.id_hash)) {
    return absl::AlreadyExistsError("a web session has that id");
  }
  std::vector<std::string> expired;
  for (const auto& [id_hash, s] : txn_.web_sessions.Merged()) {
    if (s.expire_time <= now) expired.push_back(id_hash);
  }
  for (const std::string& id_hash : expired) {
    txn_.web_sessions.Erase(id_hash);
    txn_.Write(WebSessionKey(id_hash), kWebSessionsTable);
  }
  store::WebSession s = session;
  s.create_time = Trunc(s.create_time);
  s.expire_time = Trunc(s.expire_time);
  txn_.web_sessions.Put(s.id_hash, s);
  txn_.Write(WebSessionKey(s.id_hash), kWebSessionsTable);
  return absl::OkStatus();
}

absl::StatusOr<store::WebSession> InMemoryIdentity::GetWebSession(
    absl::string_view id_hash) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(WebSessionKey(id_hash));
  const store::WebSession* s = txn_.web_sessions.Find(std::string(id_hash));
  if (s == nullptr) return absl::NotFoundError("no such web session");
  return *s;
}

absl::Status InMemoryIdentity::DeleteWebSession(absl::string_view id_hash) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  txn_.Read(WebSessionKey(id_hash));
  if (txn_.web_sessions.Find(std::string(id_hash)) == nullptr) {
    return absl::OkStatus();
  }
  txn_.web_sessions.Erase(std::string(id_hash));
  txn_.Write(WebSessionKey(id_hash), kWebSessionsTable);
  return absl::OkStatus();
}

}  // namespace meshplane::testing::memstore_internal
