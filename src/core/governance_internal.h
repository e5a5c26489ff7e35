// What governance.cc (the snapshot, the decisions) and
// governance_policies.cc (policies and waivers as resources) share.
#ifndef MESHPLANE_CORE_GOVERNANCE_INTERNAL_H_
#define MESHPLANE_CORE_GOVERNANCE_INTERNAL_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace meshplane::core::internal {

// The longest resource name a decision or a waiver names.
inline constexpr size_t kMaxResourceName = 1024;
// Rows per page when a whole scope is read (snapshot, inherited lists,
// simulation).
inline constexpr int kPolicyBatch = 1000;

// The domain id a resource name belongs to ("domains/x/..." -> "x"), or "".
inline std::string DomainOfResource(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() >= 2 && parts[0] == "domains") return std::string(parts[1]);
  return "";
}

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_GOVERNANCE_INTERNAL_H_
