#include "meshplane/core/audit_log.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/filter.h"
#include "core/page_token.h"
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
  const std::string fingerprint =
      internal::QueryFingerprint({"audit", internal::CanonicalFilter(terms)});
  MP_ASSIGN_OR_RETURN(std::string after,
                      internal::DecodePageToken(query.page_token, fingerprint));
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  MP_ASSIGN_OR_RETURN(auto page,
                      txn->events().ListAudit(filter, {after, limit}));
  ListResult<model::AuditRecord> out;
  out.items = std::move(page.items);
  out.next_page_token = internal::EncodePageToken(page.next, fingerprint);
  return out;
}

void AuditLog::RecordRefusal(const RequestContext& ctx,
                             const std::string& resource,
                             const absl::Status& status) {
  if (status.ok() || IsAudited(status) || ctx.principal.id.empty()) return;
  internal::AppendRefusalAudit(store_, clock_, ctx, ctx.method, resource,
                               status);
}

}  // namespace meshplane::core
