#include "core/field_mask.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "meshplane/common/errors.h"

namespace meshplane::core::internal {

absl::StatusOr<std::set<std::string>> ResolveMask(
    const FieldMask& mask, const std::vector<std::string>& updatable,
    const std::map<std::string, std::string>& aliases,
    const std::vector<std::string>& immutable) {
  std::set<std::string> out;
  bool all = mask.paths.empty();
  std::vector<FieldViolation> bad;
  for (const std::string& raw : mask.paths) {
    if (raw == "*") {
      all = true;
      continue;
    }
    std::string path = raw;
    auto alias = aliases.find(path);
    if (alias != aliases.end()) path = alias->second;
    if (std::find(updatable.begin(), updatable.end(), path) !=
        updatable.end()) {
      out.insert(path);
    } else if (std::find(immutable.begin(), immutable.end(), path) !=
               immutable.end()) {
      bad.push_back(
          {"update_mask", absl::StrCat("\"", raw, "\" cannot be updated")});
    } else {
      bad.push_back(
          {"update_mask",
           absl::StrCat("\"", raw, "\" is not an updatable field (one of: ",
                        absl::StrJoin(updatable, ", "), ")")});
    }
  }
  if (!bad.empty()) return InvalidArgumentWithFields(bad);
  if (all) out.insert(updatable.begin(), updatable.end());
  return out;
}

}  // namespace meshplane::core::internal
