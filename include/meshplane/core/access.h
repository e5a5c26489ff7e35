// Access to output ports: requests decided by the `access.request`
// policies (refused, granted at once, or left to the owning team), grants
// that expire and can be revoked, and CheckAccess, answered from an
// in-memory index (core/access_index.h) that LISTEN/NOTIFY keeps current.
//
//   core::Access access(store, authz, clock, &governance, options);
//   MP_RETURN_IF_ERROR(access.Start());   // load the index, follow changes
//   auto req = access.RequestAccess(ctx, {.port = ..., .purpose = "..."});
//   auto verdict = access.Check(ctx, {"user:ana", port_name, "read"});
//
// Freshness: a replica answers CheckAccess from its index only while it can
// vouch for it: its listening connection is up (or has been down for less
// than `freshness_bound`) and the index was reloaded after the last
// reconnect. Otherwise CheckAccess answers UNAVAILABLE, never a stale ALLOW.
#ifndef MESHPLANE_CORE_ACCESS_H_
#define MESHPLANE_CORE_ACCESS_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/core/access_index.h"
#include "meshplane/core/context.h"
#include "meshplane/core/governance.h"
#include "meshplane/model/access.h"
#include "meshplane/store/store.h"

namespace meshplane::core {

namespace internal {
class DecisionLog;
struct RpcName;
}  // namespace internal

// The NOTIFY channel of changes CheckAccess depends on. Payloads:
// "grant:{id}", "team:{id}", "product:{domain}/{product}".
inline constexpr char kAccessChannel[] = "meshplane_access";

struct AccessOptions {
  // A PENDING request not decided within this is EXPIRED.
  absl::Duration pending_ttl = absl::Hours(24 * 14);
  // The duration of a request that names none.
  absl::Duration default_duration = absl::Hours(24 * 90);
  // No grant lasts longer (access.request policies may allow less).
  absl::Duration max_duration = absl::Hours(24 * 366);
  // How long CheckAccess may answer while the index cannot be vouched for.
  absl::Duration freshness_bound = absl::Seconds(1);
  // A full reload of the index as a safety net.
  absl::Duration refresh_interval = absl::Seconds(60);
  // Principals that may check anyone's access (enforcement points:
  // "service:trino", ...). Platform admins and members of a port's owner
  // team may too; anyone may check their own.
  std::vector<std::string> checkers;
  // "batched" (default) or "durable": see core/decision_log.h.
  bool durable_decision_log = false;
  absl::Duration decision_flush_interval = absl::Milliseconds(200);
  // Called when the index's listening connection is found broken (it
  // reconnects and reloads by itself), for metrics.
  std::function<void()> on_listener_lost;
};

// One CheckAccess question.
struct AccessQuestion {
  std::string principal;  // whose access
  std::string port_name;  // domains/{d}/dataProducts/{p}/outputPorts/{o}
  std::string action = "read";
  std::string attributes_json;  // extra `request` fields for policies ("" = {})
};

// Its answer.
struct AccessVerdict {
  bool allowed = false;
  std::string grant_id;
  absl::Time expire_time = absl::InfinitePast();
  std::string reason;
  std::vector<PolicyViolationDetail> violations;  // access.check policies
};

// Thread-safe. Holds references to its arguments, which must outlive it.
// Error codes follow core/registry.h.
class Access {
 public:
  Access(store::Store& store, const auth::Authorizer& authz, const Clock& clock,
         Governance* governance, AccessOptions options);
  ~Access();  // stops the listener, the refresher and the decision log
  Access(const Access&) = delete;
  Access& operator=(const Access&) = delete;

  // Loads the index (UNAVAILABLE if the store is down) and follows changes.
  absl::Status Start();
  // Reloads the whole index now.
  absl::Status Reload();

  // --- Requests ---
  // `request.port`, `consumer` ("" = the caller), `actions` ({} = read),
  // `purpose` (required) and `duration` (0 = the default) are read. The
  // access.request policies decide: DENY is FAILED_PRECONDITION
  // (POLICY_VIOLATION) with the violations; REQUIRE_APPROVAL leaves the
  // request PENDING for the port's owner team; otherwise it is APPROVED
  // and its grant made at once. Asking for someone else (another principal,
  // or a team one is not a member of) needs the platform-admin role.
  absl::StatusOr<model::AccessRequest> RequestAccess(
      const RequestContext& ctx, model::AccessRequest request);
  absl::StatusOr<model::AccessRequest> GetAccessRequest(
      const RequestContext& ctx, const std::string& id);
  // Filter fields: state, output_port, data_product, consumer, requester.
  absl::StatusOr<ListResult<model::AccessRequest>> ListAccessRequests(
      const RequestContext& ctx, const ListQuery& query);
  // By a member of the port's owner team (or its domains' owners, or an
  // admin), never by the requester or the consumer. `duration` (0 = as
  // asked) may shorten the grant. FAILED_PRECONDITION unless PENDING.
  absl::StatusOr<model::AccessRequest> Approve(const RequestContext& ctx,
                                               const std::string& id,
                                               const std::string& comment,
                                               absl::Duration duration,
                                               const std::string& etag);
  absl::StatusOr<model::AccessRequest> Deny(const RequestContext& ctx,
                                            const std::string& id,
                                            const std::string& comment,
                                            const std::string& etag);
  // By the requester. FAILED_PRECONDITION unless PENDING.
  absl::StatusOr<model::AccessRequest> Withdraw(const RequestContext& ctx,
                                                const std::string& id,
                                                const std::string& etag);

  // --- Grants ---
  // Filter fields: output_port, data_product, consumer (a grant to a team
  // the consumer is in counts: `principal = "user:..."` lists what covers
  // that principal), state (ACTIVE, EXPIRED, REVOKED).
  absl::StatusOr<ListResult<model::Grant>> ListGrants(const RequestContext& ctx,
                                                      const ListQuery& query);
  // By the port's owners, the grantee (or a member of the grantee team), or
  // an admin. FAILED_PRECONDITION if already revoked.
  absl::StatusOr<model::Grant> RevokeGrant(const RequestContext& ctx,
                                           const std::string& id,
                                           const std::string& reason);

  // --- CheckAccess ---
  // Answers from the index and the access.check policies; records the
  // decision. PERMISSION_DENIED when the caller may not check that
  // principal; UNAVAILABLE when the index cannot be vouched for.
  absl::StatusOr<AccessVerdict> Check(const RequestContext& ctx,
                                      const AccessQuestion& question);
  // Up to 1000 questions; each answered as Check would, recorded in one go.
  absl::StatusOr<std::vector<AccessVerdict>> BatchCheck(
      const RequestContext& ctx, const std::vector<AccessQuestion>& questions);

  // For tests and metrics.
  const AccessIndex& index() const { return index_; }
  AccessIndex& index() { return index_; }  // benchmarks seed it directly
  bool fresh() const;
  int64_t reloads() const { return reloads_.load(); }
  int64_t notifications() const { return notifications_.load(); }
  // Waits until every queued decision is committed (tests, shutdown).
  void FlushDecisions();
  // The longest a decision has waited from CheckAccess to its commit.
  absl::Duration max_decision_delay() const;

 private:
  // `granted_by`: the approver, or "policy" for a grant made at once.
  absl::StatusOr<model::Grant> MakeGrant(store::Transaction& txn,
                                         const std::string& granted_by,
                                         model::AccessRequest& request,
                                         absl::Duration duration,
                                         absl::Time now);
  absl::Status Notify(store::Transaction& txn, const std::string& payload);
  // A decision on a PENDING request (approve, deny, withdraw): read it,
  // check the etag, let `change` check the caller and apply the decision,
  // refuse it unless PENDING, store, audit, event ("access.<event>").
  using RequestChange = std::function<absl::Status(
      store::Transaction&, model::AccessRequest&, absl::Time)>;
  absl::StatusOr<model::AccessRequest> ChangeRequest(
      const RequestContext& ctx, const internal::RpcName& rpc,
      const std::string& id, const std::string& fingerprint,
      const std::string& etag, const char* event, const RequestChange& change);
  // PERMISSION_DENIED unless the caller may decide on requests for the
  // request's port (its product's owners).
  absl::Status CheckReviewer(const RequestContext& ctx, store::Transaction& txn,
                             const model::AccessRequest& r,
                             const char* action) const;
  absl::StatusOr<AccessVerdict> Decide(const RequestContext& ctx,
                                       const AccessQuestion& question,
                                       absl::Time now,
                                       model::AccessDecision* record);
  void OnNotification(const store::Listener::Notification& n);
  absl::Status ApplyChange(const std::string& payload);

  store::Store& store_;
  const auth::Authorizer& authz_;
  const Clock& clock_;
  Governance* governance_;
  const AccessOptions options_;
  AccessIndex index_;
  std::unique_ptr<internal::DecisionLog> log_;

  std::unique_ptr<store::Listener> listener_;
  std::atomic<bool> loaded_{false};  // a full load since the last resync
  // When this replica first saw its listener down (0 = up); set by the
  // (const) freshness check itself.
  mutable std::atomic<int64_t> down_since_us_{0};
  std::atomic<int64_t> reloads_{0};
  std::atomic<int64_t> notifications_{0};
  // The reload lock and the refresh thread (access.cc).
  struct Live;
  std::unique_ptr<Live> live_;
};

}  // namespace meshplane::core

#endif  // MESHPLANE_CORE_ACCESS_H_
