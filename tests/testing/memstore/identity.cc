// InMemoryIdentity: API tokens and web sessions.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/memstore/repositories.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::testing::memstore_internal {

using model::ApiToken;

absl::Status InMemoryIdentity::InsertToken(const ApiToken& token) {
  MP_RETURN_IF_ERROR(CheckInsert(txn_, txn_.tokens, token.id,
                                 TokenKey(token.id),
                                 model::TokenName(token.id)));
  ApiToken t = token;
  t.create_time = Trunc(t.create_time);
  t.expire_time = Trunc(t.expire_time);
  t.revoke_time = Trunc(t.revoke_time);
  PutRow(txn_, txn_.tokens, t.id, t, TokenKey(t.id), kTokensTable);
  return absl::OkStatus();
}

absl::StatusOr<ApiToken> InMemoryIdentity::GetToken(absl::string_view id) {
  return GetRow(txn_, txn_.tokens, std::string(id), TokenKey(id),
                model::TokenName(id));
}

absl::StatusOr<store::Page<ApiToken>> InMemoryIdentity::ListTokens(
    const store::TokenFilter& f, const store::PageRequest& page) {
  return ListRows(
      txn_, txn_.tokens, kTokensTable, page,
      [&](const std::string&, const ApiToken& t) {
        if (!f.principal.empty() && t.principal != f.principal) return false;
        return f.include_revoked || !t.revoke_time;
      },
      IdCursor);
}

absl::Status InMemoryIdentity::RevokeToken(absl::string_view id,
                                           absl::Time when) {
  MP_ASSIGN_OR_RETURN(const ApiToken* cur,
                      CheckExists(txn_, txn_.tokens, std::string(id),
                                  TokenKey(id), model::TokenName(id)));
  if (cur->revoke_time) return absl::OkStatus();
  ApiToken t = *cur;
  t.revoke_time = Trunc(when);
  PutRow(txn_, txn_.tokens, t.id, t, TokenKey(t.id), kTokensTable);
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
    EraseRow(txn_, txn_.web_sessions, id_hash, WebSessionKey(id_hash),
             kWebSessionsTable);
  }
  store::WebSession s = session;
  s.create_time = Trunc(s.create_time);
  s.expire_time = Trunc(s.expire_time);
  PutRow(txn_, txn_.web_sessions, s.id_hash, s, WebSessionKey(s.id_hash),
         kWebSessionsTable);
  return absl::OkStatus();
}

absl::StatusOr<store::WebSession> InMemoryIdentity::GetWebSession(
    absl::string_view id_hash) {
  MP_RETURN_IF_ERROR(txn_.Check());
  const store::WebSession* s = ReadRow(
      txn_, txn_.web_sessions, std::string(id_hash), WebSessionKey(id_hash));
  if (s == nullptr) return absl::NotFoundError("no such web session");
  return *s;
}

absl::Status InMemoryIdentity::DeleteWebSession(absl::string_view id_hash) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  const std::string key(id_hash);
  if (ReadRow(txn_, txn_.web_sessions, key, WebSessionKey(key)) == nullptr) {
    return absl::OkStatus();
  }
  EraseRow(txn_, txn_.web_sessions, key, WebSessionKey(key), kWebSessionsTable);
  return absl::OkStatus();
}

}  // namespace meshplane::testing::memstore_internal
