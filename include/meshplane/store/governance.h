// Governance storage: policies with their revision history, and waivers.
// One repository of a store::Transaction (store.h), which hands it out;
// the error codes common to every method are written there.
#ifndef MESHPLANE_STORE_GOVERNANCE_H_
#define MESHPLANE_STORE_GOVERNANCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/model/policy.h"
#include "meshplane/store/page.h"

namespace meshplane::store {

struct PolicyFilter {
  // Exactly these scopes: "" lists global policies; a domain id lists that
  // domain's. When `any_domain` is true, every domain's policies (not the
  // global ones) and `domain_id` is ignored.
  std::string domain_id;
  bool any_domain = false;
  std::string trigger;      // only policies with this trigger
  std::string effect;       // "DENY", ...
  std::string enforcement;  // "ENFORCED", "DRY_RUN"
  std::string owner_team_id;
};

struct WaiverFilter {
  // Only the waivers of this policy; all policies when `all_policies`.
  model::PolicyKey policy;
  bool all_policies = false;
  std::string resource;  // only waivers of this resource
  // Only waivers with expire_time > not_expired_at (InfinitePast: all).
  absl::Time not_expired_at = absl::InfinitePast();
};

// Policies and waivers, in the transaction that handed it out.
class GovernanceRepository {
 public:
  virtual ~GovernanceRepository() = default;

  // --- Governance: policies (with full revision history) and waivers ---
  // NOT_FOUND if absent.
  virtual absl::StatusOr<model::Policy> GetPolicy(
      const model::PolicyKey& key) = 0;
  // ALREADY_EXISTS; NOT_FOUND if its domain or owner team does not exist.
  // Also stores the policy as revision `policy.revision` of its history,
  // written by `author`.
  virtual absl::Status InsertPolicy(const model::Policy& policy,
                                    absl::string_view author) = 0;
  // As UpdateDomain (ABORTED on a revision mismatch); also appends the new
  // revision to the history.
  virtual absl::Status UpdatePolicy(const model::Policy& policy,
                                    int64_t expected_revision,
                                    absl::string_view author) = 0;
  // Deletes the policy and its waivers; its revision history stays.
  // NOT_FOUND if absent.
  virtual absl::Status DeletePolicy(const model::PolicyKey& key) = 0;
  // Ordered by (domain_id, id).
  virtual absl::StatusOr<Page<model::Policy>> ListPolicies(
      const PolicyFilter& filter, const PageRequest& page) = 0;
  // Every policy of every scope, for building the engine's snapshot.
  virtual absl::StatusOr<std::vector<model::Policy>> AllPolicies() = 0;
  // Newest first. The history outlives a deleted policy; a key that never
  // existed gives an empty page.
  virtual absl::StatusOr<Page<model::PolicyRevision>> ListPolicyRevisions(
      const model::PolicyKey& key, const PageRequest& page) = 0;
  // ALREADY_EXISTS; NOT_FOUND if the policy does not exist.
  virtual absl::Status InsertWaiver(const model::Waiver& waiver) = 0;
  // NOT_FOUND if absent.
  virtual absl::StatusOr<model::Waiver> GetWaiver(
      const model::PolicyKey& policy, absl::string_view id) = 0;
  virtual absl::Status DeleteWaiver(const model::PolicyKey& policy,
                                    absl::string_view id) = 0;
  // Ordered by (policy domain_id, policy id, waiver id).
  virtual absl::StatusOr<Page<model::Waiver>> ListWaivers(
      const WaiverFilter& filter, const PageRequest& page) = 0;
};

}  // namespace meshplane::store

#endif  // MESHPLANE_STORE_GOVERNANCE_H_
