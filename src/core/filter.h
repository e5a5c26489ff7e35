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

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshplane::core::internal {

// Bounds on a filter, checked before it is parsed or reaches the store: a
// free-text search becomes one PostgreSQL tsquery node per word, and 20,000
// words exhausted the server's stack (SQLSTATE 54001) after ~0.5 s of work.
inline constexpr size_t kMaxFilterBytes = 2048;
// Terms, where every word of free text counts as one (see FilterWords).
inline constexpr size_t kMaxFilterTerms = 64;

struct FilterTerm {
  std::string field;  // "" for free text
  std::string value;
  bool operator==(const FilterTerm& o) const {
    return field == o.field && value == o.value;
  }
};

// Parses `filter`. INVALID_ARGUMENT (field violation on "filter") naming the
// column at fault, or a filter longer than kMaxFilterBytes or of more than
// kMaxFilterTerms terms. An empty or all-blank filter gives no terms.
absl::StatusOr<std::vector<FilterTerm>> ParseFilter(absl::string_view filter);

// The number of terms `terms` count for kMaxFilterTerms: one per field term,
// and one per word of free text (a run of letters and digits, as PostgreSQL's
// text search splits it; any byte >= 0x80 counts as a letter).
size_t FilterWords(const std::vector<FilterTerm>& terms);

// A canonical spelling of parsed terms (for page-token fingerprints), so
// that `a = "x"` and `a="x"` page alike.
std::string CanonicalFilter(const std::vector<FilterTerm>& terms);

// Errors of list filters, on the request field "filter".
// INVALID_ARGUMENT: unknown field `field` (naming the `known` ones).
absl::Status UnknownFilterField(const std::string& field,
                                const std::vector<std::string>& known);
// INVALID_ARGUMENT: free text `text` in a filter of `resources`, which
// take only field terms.
absl::Status FreeTextNotSupported(const std::string& text,
                                  absl::string_view resources);
// INVALID_ARGUMENT: `field` given more than once.
absl::Status DuplicateFilterField(const std::string& field);
// INVALID_ARGUMENT unless `id` is a valid id (of the filter's `field`).
absl::Status CheckFilterId(const std::string& field, const std::string& id);

// "domains/x" or "x" -> "x" (collection "domains/"); same for teams.
std::string StripCollection(absl::string_view value,
                            absl::string_view collection);

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_FILTER_H_
