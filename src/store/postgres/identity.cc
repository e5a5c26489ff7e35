#include "store/postgres/identity.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/postgres/cursors.h"
#include "store/postgres/errors.h"
#include "store/postgres/identity_sql.h"
#include "store/postgres/rows.h"
#include <pqxx/pqxx>

#include "meshplane/common/status_macros.h"

namespace meshplane::store::pg {

namespace {

model::ApiToken TokenFromRow(const pqxx::row& r) {
  model::ApiToken t;
  ReadColumns(r, 0, t.id, t.principal, t.description, t.secret_hash,
              t.platform_admin, t.create_time, t.expire_time, t.revoke_time,
              t.created_by);
  return t;
}

}  // namespace

absl::Status PgIdentityRepository::InsertToken(const model::ApiToken& t) {
  OptionalMicros expire(t.expire_time);
  OptionalMicros revoke(t.revoke_time);
  return InsertRow({"InsertToken", TokenPhrase(t.id)}, sql::kInsertToken, t.id,
                   t.principal, t.description, t.secret_hash, t.platform_admin,
                   ToMicros(t.create_time), expire.param(), revoke.param(),
                   t.created_by);
}

absl::StatusOr<model::ApiToken> PgIdentityRepository::GetToken(
    absl::string_view id) {
  return GetRow({"GetToken", TokenPhrase(id)}, TokenFromRow, sql::kGetToken,
                std::string(id));
}

absl::StatusOr<Page<model::ApiToken>> PgIdentityRepository::ListTokens(
    const TokenFilter& filter, const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  return ListPage(
      {"ListTokens", ""}, page, TokenFromRow,
      [](const model::ApiToken& last) { return last.id; }, sql::kListTokens,
      filter.principal, filter.include_revoked, page.after);
}

absl::Status PgIdentityRepository::RevokeToken(absl::string_view id,
                                               absl::Time when) {
  return ChangeRow({"RevokeToken", TokenPhrase(id)}, sql::kRevokeToken,
                   std::string(id), ToMicros(when));
}

absl::StatusOr<int64_t> PgIdentityRepository::CountActiveAdminTokens(
    absl::Time now) {
  return Scalar<int64_t>({"CountActiveAdminTokens", ""},
                         sql::kCountActiveAdminTokens, ToMicros(now));
}

absl::Status PgIdentityRepository::InsertWebSession(const WebSession& s,
                                                    absl::Time now) {
  return ctx_.Run({"InsertWebSession", "web session"}, [&]() -> absl::Status {
    ctx_.txn().exec_prepared(sql::kDeleteExpiredWebSessions.name,
                             ToMicros(now));
    pqxx::result r = ctx_.txn().exec_prepared(
        sql::kInsertWebSession.name, s.id_hash, s.principal, s.credential,
        ToMicros(s.create_time), ToMicros(s.expire_time));
    if (r.empty()) return absl::AlreadyExistsError("web session exists");
    return absl::OkStatus();
  });
}

absl::StatusOr<WebSession> PgIdentityRepository::GetWebSession(
    absl::string_view id_hash) {
  return ctx_.Run({"GetWebSession", "web session"},
                  [&]() -> absl::StatusOr<WebSession> {
                    pqxx::result r = ctx_.txn().exec_prepared(
                        sql::kGetWebSession.name, std::string(id_hash));
                    if (r.empty())
                      return absl::NotFoundError("no such session");
                    WebSession s;
                    s.id_hash = r[0][0].as<std::string>();
                    s.principal = r[0][1].as<std::string>();
                    s.credential = r[0][2].as<std::string>();
                    s.create_time = FromMicros(r[0][3].as<int64_t>());
                    s.expire_time = FromMicros(r[0][4].as<int64_t>());
                    return s;
                  });
}

absl::Status PgIdentityRepository::DeleteWebSession(absl::string_view id_hash) {
  return ctx_.Run({"DeleteWebSession", "web session"}, [&]() -> absl::Status {
    ctx_.txn().exec_prepared(sql::kDeleteWebSession.name, std::string(id_hash));
    return absl::OkStatus();
  });
}

}  // namespace meshplane::store::pg
