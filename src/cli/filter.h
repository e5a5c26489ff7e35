// AIP-160 filter strings built from CLI flags.
#ifndef MESHPLANE_CLI_FILTER_H_
#define MESHPLANE_CLI_FILTER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshplane::cli {

// `text` as an AIP-160 string literal: double quotes around it, with `"`
// and `\` escaped by a backslash.
std::string QuoteFilterString(absl::string_view text);

// The flags of `product list` that become the filter.
struct ProductFilterOptions {
  std::string owner_team;         // "checkout" or "teams/checkout"
  std::string lifecycle;          // "published", "PUBLISHED", "LIFECYCLE_..."
  std::vector<std::string> tags;  // every tag must be present
  std::string search;             // free text
};

// Joins the set options with AND, e.g.
//   owner_team = "teams/checkout" AND lifecycle = PUBLISHED AND
//   tags = "pii" AND text = "orders"
// Returns "" when nothing is set, INVALID_ARGUMENT for an unknown lifecycle.
absl::StatusOr<std::string> BuildProductFilter(
    const ProductFilterOptions& options);

// The filter of `domain list`: `parent = "domains/x"` (or `parent = ""` when
// `top_level`) and `owner_team = "teams/y"`.
std::string BuildDomainFilter(const std::string& parent, bool top_level,
                              const std::string& owner_team);

// The filter of `team list`: `member = "user:ana"`.
std::string BuildTeamFilter(const std::string& member);

// The enum value name (without prefix) for a lifecycle typed by a user:
// "published" -> "PUBLISHED". INVALID_ARGUMENT for anything else.
absl::StatusOr<std::string> NormalizeLifecycle(absl::string_view text);

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_FILTER_H_
