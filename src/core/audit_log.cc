#include "meshplane/core/audit_log.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/filter.h"
#include "core/page_token.h"
#include "core/write_helpers.h"
#include "core/write_pipeline.h"

#include "meshplane/common/errors.h"
#include "meshplane/common/limits.h"
#include "meshplane/common/status_macros.h"

namespace meshplane::core {

absl::StatusOr<ListResult<model::AuditRecord>> AuditLog::ListAuditRecords(
    const RequestContext& ctx, const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_RETURN_IF_ERROR(authz_.CheckAdmin(ctx.principal, "read the audit log"));
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  MP_ASSIGN_OR_RETURN(auto terms, internal::ParseFilter(query.filter));
  store::AuditFilter filter;
  std::set<std::string> seen;
  for (const auto& t : terms) {
    if (t.field != "resource" && t.field != "principal") {
      return InvalidArgumentWithFields(
          {{"filter", t.field.empty()
                          ? absl::StrCat("free text (", QuotePrefix(t.value),
                                         ") is not supported for audit records")
                          : absl::StrCat("unknown field \"", t.field,
                                         "\" (known: resource, principal)")}});
    }
    if (!seen.insert(t.field).second) {
      return InvalidArgumentWithFields(
          {{"filter", absl::StrCat("\"", t.field, "\" may appear only once")}});
    }
    (t.field == "resource" ? filter.resource : filter.principal) = t.value;
  }
  MP_ASSIGN_OR_RETURN(
      auto read,
      internal::BeginListRead(store_, store::TxnMode::kReadOnly,
                              {"audit", internal::CanonicalFilter(terms)},
                              query.page_token, limit));
  MP_ASSIGN_OR_RETURN(auto page,
                      read.txn->events().ListAudit(filter, read.page));
  return internal::ToListResult(std::move(page), read.fingerprint);
}

void AuditLog::RecordRefusal(const RequestContext& ctx,
                             const std::string& resource,
                             const absl::Status& status) {
  if (status.ok() || IsAudited(status) || ctx.principal.id.empty()) return;
  internal::AppendRefusalAudit(store_, clock_, ctx, ctx.method, resource,
                               status);
}

}  // namespace meshplane::core
