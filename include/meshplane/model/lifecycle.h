// The data product lifecycle: DRAFT -> PUBLISHED -> DEPRECATED -> RETIRED.
#ifndef MESHPLANE_MODEL_LIFECYCLE_H_
#define MESHPLANE_MODEL_LIFECYCLE_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace meshplane::model {

enum class Lifecycle { kDraft, kPublished, kDeprecated, kRetired };

// Allowed transitions: DRAFT->PUBLISHED, DRAFT->RETIRED (abandon a draft),
// PUBLISHED->DEPRECATED, DEPRECATED->PUBLISHED (un-deprecate),
// DEPRECATED->RETIRED. Everything else, including X->X, is refused with
// FAILED_PRECONDITION naming both states.
absl::Status CheckTransition(Lifecycle from, Lifecycle to);

// "DRAFT", "PUBLISHED", "DEPRECATED", "RETIRED".
absl::string_view LifecycleName(Lifecycle l);
// Parses the names above, case-insensitively; nullopt otherwise.
std::optional<Lifecycle> ParseLifecycle(absl::string_view s);

}  // namespace meshplane::model

#endif  // MESHPLANE_MODEL_LIFECYCLE_H_
