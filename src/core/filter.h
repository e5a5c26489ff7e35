// The AIP-160 subset that list methods accept:
//
//   owner_team = "teams/checkout" AND lifecycle = PUBLISHED AND tags:pii orders
//
// Terms are `field = value`, `field:value` or free text (a bare word or a
// quoted string), joined with AND or by juxtaposition. Values are bare words
// or double-quoted strings with backslash escapes. OR, NOT, negation,
// comparisons other than `=` and `:`, and parentheses are refused.
#ifndef MESHPLANE_CORE_FILTER_H_
#define MESHPLANE_CORE_FILTER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshplane::core::internal {

struct FilterTerm {
  std::string field;  // "" for free text
  std::string value;
  bool operator==(const FilterTerm& o) const {
    return field == o.field && value == o.value;
  }
};

// Parses `filter`. INVALID_ARGUMENT (field violation on "filter") naming the
// column at fault. An empty or all-blank filter gives no terms.
absl::StatusOr<std::vector<FilterTerm>> ParseFilter(absl::string_view filter);

// A canonical spelling of parsed terms (for page-token fingerprints), so
// that `a = "x"` and `a="x"` page alike.
std::string CanonicalFilter(const std::vector<FilterTerm>& terms);

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_FILTER_H_
