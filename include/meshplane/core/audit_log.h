// Reading the audit log: every mutation and every refused write, newest
// first. Writing happens inside each write's own transaction (see
// core/registry.h); this is the read side, for platform admins.
//
//   core::AuditLog audit(store, authz, clock);
//   auto page = audit.ListAuditRecords(ctx, {.filter = "resource =
//   \"domains/sales\""});
#ifndef MESHPLANE_CORE_AUDIT_LOG_H_
#define MESHPLANE_CORE_AUDIT_LOG_H_

#include <string>

#include "absl/status/statusor.h"

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/core/context.h"
#include "meshplane/model/audit.h"
#include "meshplane/store/store.h"

namespace meshplane::core {

// Thread-safe; holds references to `store`, `authz` and `clock`, which must
// outlive it.
class AuditLog {
 public:
  AuditLog(store::Store& store, const auth::Authorizer& authz,
           const Clock& clock)
      : store_(store), authz_(authz), clock_(clock) {}

  // A page of audit records, newest first. Filter fields: `resource` (an
  // exact resource name) and `principal`, joined with AND.
  // UNAUTHENTICATED without a principal; PERMISSION_DENIED unless the caller
  // is a platform admin (the log holds every team's before/after images);
  // INVALID_ARGUMENT for a bad filter, page size or page token; UNAVAILABLE
  // when the store is down.
  absl::StatusOr<ListResult<model::AuditRecord>> ListAuditRecords(
      const RequestContext& ctx, const ListQuery& query);

  // Audits a write that was refused before it reached the registry (a
  // request the server could not decode, say), in a transaction of its
  // own. Best effort: failures are ignored, and nothing is written for an
  // unauthenticated caller, when the store is unavailable, or when
  // `status` is OK or already audited (IsAudited).
  void RecordRefusal(const RequestContext& ctx, const std::string& resource,
                     const absl::Status& status);

 private:
  store::Store& store_;
  const auth::Authorizer& authz_;
  const Clock& clock_;
};

}  // namespace meshplane::core

#endif  // MESHPLANE_CORE_AUDIT_LOG_H_
