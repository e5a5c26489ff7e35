#include "meshplane/model/lifecycle.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "model/enum_names.h"

namespace meshplane::model {

absl::Status CheckTransition(Lifecycle from, Lifecycle to) {
  bool allowed = false;
  switch (from) {
    case Lifecycle::kDraft:
      allowed = to == Lifecycle::kPublished || to == Lifecycle::kRetired;
      break;
    case Lifecycle::kPublished:
      allowed = to == Lifecycle::kDeprecated;
      break;
    case Lifecycle::kDeprecated:
      allowed = to == Lifecycle::kPublished || to == Lifecycle::kRetired;
      break;
    case Lifecycle::kRetired:
      allowed = false;
      break;
  }
  if (allowed) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("a data product cannot go from ", LifecycleName(from),
                   " to ", LifecycleName(to)));
}

absl::string_view LifecycleName(Lifecycle l) {
  switch (l) {
    case Lifecycle::kDraft:
      return "DRAFT";
    case Lifecycle::kPublished:
      return "PUBLISHED";
    case Lifecycle::kDeprecated:
      return "DEPRECATED";
    case Lifecycle::kRetired:
      return "RETIRED";
  }
  return "DRAFT";
}

std::optional<Lifecycle> ParseLifecycle(absl::string_view s) {
  return internal::ParseEnumName(s,
                                 {Lifecycle::kDraft, Lifecycle::kPublished,
                                  Lifecycle::kDeprecated, Lifecycle::kRetired},
                                 LifecycleName, "LIFECYCLE_");
}

}  // namespace meshplane::model
