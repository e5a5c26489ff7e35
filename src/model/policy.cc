#include "meshplane/model/policy.h"

#include "absl/strings/str_cat.h"

namespace meshplane::model {

std::string PolicyName(const PolicyKey& key) {
  if (key.domain_id.empty()) return absl::StrCat("policies/", key.id);
  return absl::StrCat("domains/", key.domain_id, "/policies/", key.id);
}

std::string WaiverName(const Waiver& w) {
  return absl::StrCat(PolicyName(w.policy), "/waivers/", w.id);
}

}  // namespace meshplane::model
