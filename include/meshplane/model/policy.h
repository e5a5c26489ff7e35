// Governance policies and waivers as the registry stores them. The engine's
// view of them is policy/policy.h; core converts.
#ifndef MESHPLANE_MODEL_POLICY_H_
#define MESHPLANE_MODEL_POLICY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace meshplane::model {

// A policy key: `policies/{id}` when domain_id is "", else
// `domains/{domain_id}/policies/{id}`.
struct PolicyKey {
  std::string domain_id;
  std::string id;
  bool operator==(const PolicyKey& o) const {
    return domain_id == o.domain_id && id == o.id;
  }
};

// The resource name of a policy key.
std::string PolicyName(const PolicyKey& key);

struct Policy {
  std::string domain_id;  // "" = global
  std::string id;
  std::string uid;
  std::string display_name;
  std::string description;
  std::vector<std::string> triggers;     // e.g. "dataproduct.create"
  std::string condition;                 // CEL: must hold
  std::string effect = "DENY";           // "DENY", "WARN", "REQUIRE_APPROVAL"
  std::string enforcement = "ENFORCED";  // "ENFORCED", "DRY_RUN"
  std::string message;
  std::string message_expression;
  std::map<std::string, std::string> labels;
  std::string owner_team_id;  // required for global policies
  bool waivable = true;       // only global policies may be false
  int64_t revision = 0;
  absl::Time create_time = absl::InfinitePast();
  absl::Time update_time = absl::InfinitePast();

  PolicyKey key() const { return PolicyKey{domain_id, id}; }
};

// One stored revision of a policy (full history: every create and update).
struct PolicyRevision {
  Policy policy;       // as it was at policy.revision
  std::string author;  // principal that wrote it
  absl::Time create_time = absl::InfinitePast();
};

struct Waiver {
  PolicyKey policy;
  std::string id;  // {policy}/waivers/{id}
  std::string uid;
  std::string resource;  // exempted resource's name
  std::string reason;
  absl::Time expire_time = absl::InfinitePast();
  std::string created_by;
  absl::Time create_time = absl::InfinitePast();
  int64_t policy_revision = 0;
};

// The resource name of a waiver.
std::string WaiverName(const Waiver& w);

}  // namespace meshplane::model

#endif  // MESHPLANE_MODEL_POLICY_H_
