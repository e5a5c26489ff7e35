// Access storage: access requests, grants and the CheckAccess decision log.
// One repository of a store::Transaction (store.h), which hands it out;
// the error codes common to every method are written there.
#ifndef MESHPLANE_STORE_ACCESS_H_
#define MESHPLANE_STORE_ACCESS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/model/access.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/store/page.h"

namespace meshplane::store {

// All set fields must match (AND). Ordered newest first (create_time, id).
struct AccessRequestFilter {
  // The state as of `now` (AccessRequest::StateAt): PENDING matches stored
  // PENDING requests with expire_time > now; EXPIRED matches stored EXPIRED
  // ones and stored PENDING ones whose expire_time <= now.
  std::optional<model::AccessRequestState> state;
  absl::Time now = absl::InfinitePast();
  std::optional<model::OutputPortRef> port;
  std::optional<model::ProductKey> product;  // any port of the product
  std::string consumer;
  std::string requester;
};

// All set fields must match (AND). Ordered newest first (create_time, id).
struct GrantFilter {
  std::optional<model::OutputPortRef> port;
  std::optional<model::ProductKey> product;
  // Grants whose consumer is one of these (a principal and its teams' team:
  // principals lists what covers it); empty = any consumer.
  std::vector<std::string> consumers;
  // Only grants that are active at `now` (not revoked, expire_time > now).
  bool active_only = false;
  absl::Time now = absl::InfinitePast();
};

// Access requests, grants and decisions, in the transaction that handed it
// out.
class AccessRepository {
 public:
  virtual ~AccessRepository() = default;

  // --- Access: requests, grants, the CheckAccess decision log ---
  // Requests and grants go with their output port: UpdateDataProduct that
  // drops a port, and DeleteDataProduct, delete the port's requests and
  // grants (so a port created again under the same name starts without
  // any). List cursors are opaque; a malformed one is INVALID_ARGUMENT, as
  // is a page limit below 1.
  //
  // ALREADY_EXISTS; NOT_FOUND (naming the port) if the output port does not
  // exist.
  virtual absl::Status InsertAccessRequest(const model::AccessRequest& r) = 0;
  // NOT_FOUND if absent. The state is returned as stored: callers apply
  // AccessRequest::StateAt for pending expiry.
  virtual absl::StatusOr<model::AccessRequest> GetAccessRequest(
      absl::string_view id) = 0;
  // As UpdateDomain (NOT_FOUND, ABORTED on a revision mismatch).
  virtual absl::Status UpdateAccessRequest(const model::AccessRequest& r,
                                           int64_t expected_revision) = 0;
  virtual absl::StatusOr<Page<model::AccessRequest>> ListAccessRequests(
      const AccessRequestFilter& filter, const PageRequest& page) = 0;
  // ALREADY_EXISTS; NOT_FOUND (naming the port) if the port does not exist.
  virtual absl::Status InsertGrant(const model::Grant& g) = 0;
  // NOT_FOUND if absent.
  virtual absl::StatusOr<model::Grant> GetGrant(absl::string_view id) = 0;
  // As UpdateDomain (NOT_FOUND, ABORTED on a revision mismatch).
  virtual absl::Status UpdateGrant(const model::Grant& g,
                                   int64_t expected_revision) = 0;
  virtual absl::StatusOr<Page<model::Grant>> ListGrants(
      const GrantFilter& filter, const PageRequest& page) = 0;
  // Every grant active at `now`, in id order, `limit` at a time after the
  // id `after` ("" = from the start): what a CheckAccess index loads.
  // INVALID_ARGUMENT if `limit` < 1.
  virtual absl::StatusOr<std::vector<model::Grant>> ActiveGrants(
      absl::Time now, absl::string_view after, int limit) = 0;
  // Appends decisions to the CheckAccess decision log (one multi-row
  // insert; an empty batch writes nothing). Append-only, like the audit
  // log, and without references: a decision about a port or grant that does
  // not exist is logged as given.
  virtual absl::Status AppendAccessDecisions(
      const std::vector<model::AccessDecision>& decisions) = 0;
};

}  // namespace meshplane::store

#endif  // MESHPLANE_STORE_ACCESS_H_
