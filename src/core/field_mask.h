// Update masks (AIP-134, AIP-161): which fields of a patch an update applies.
#ifndef MESHPLANE_CORE_FIELD_MASK_H_
#define MESHPLANE_CORE_FIELD_MASK_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "meshplane/core/context.h"

namespace meshplane::core::internal {

// The canonical paths `mask` selects. An empty mask or "*" selects every
// path in `updatable`. `aliases` maps other accepted spellings to canonical
// ones (e.g. "owner_team_id" -> "owner_team"). A path outside both, or one
// in `immutable`, is INVALID_ARGUMENT on field "update_mask".
absl::StatusOr<std::set<std::string>> ResolveMask(
    const FieldMask& mask, const std::vector<std::string>& updatable,
    const std::map<std::string, std::string>& aliases,
    const std::vector<std::string>& immutable);

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_FIELD_MASK_H_
