#include "store/postgres/cursors.h"

#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "store/postgres/rows.h"

#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"

namespace meshplane::store::pg {

absl::Status CheckLimit(const PageRequest& page) {
  if (page.limit < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("page limit must be at least 1, got ", page.limit));
  }
  return absl::OkStatus();
}

// A cursor only comes from a page token that core decoded: one that does
// not parse was forged, and the client's field is page_token.
absl::Status BadCursor(absl::string_view) {
  return InvalidArgumentWithFields(
      {{"page_token",
        "is not a page token issued by this server (its cursor does not "
        "parse)"}});
}

absl::StatusOr<std::pair<std::string, std::string>> ParseProductCursor(
    const std::string& after) {
  if (after.empty()) return std::make_pair(std::string(), std::string());
  size_t slash = after.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == after.size()) {
    return BadCursor(after);
  }
  return std::make_pair(after.substr(0, slash), after.substr(slash + 1));
}

absl::StatusOr<std::optional<SearchCursor>> ParseSearchCursor(
    const std::string& after) {
  if (after.empty()) return std::optional<SearchCursor>();
  size_t colon = after.find(':');
  SearchCursor c;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(after.substr(0, colon), &c.score) || c.score < 0 ||
      c.score > 3) {
    return BadCursor(after);
  }
  MP_ASSIGN_OR_RETURN(auto key, ParseProductCursor(after.substr(colon + 1)));
  c.domain_id = key.first;
  c.id = key.second;
  return std::optional<SearchCursor>(std::move(c));
}

absl::StatusOr<std::pair<std::string, std::string>> ParsePolicyCursor(
    const std::string& after) {
  if (after.empty()) return std::make_pair(std::string(), std::string());
  size_t slash = after.find('/');
  if (slash == std::string::npos || slash + 1 == after.size()) {
    return BadCursor(after);
  }
  return std::make_pair(after.substr(0, slash), after.substr(slash + 1));
}

absl::StatusOr<std::vector<std::string>> ParseWaiverCursor(
    const std::string& after) {
  if (after.empty()) return std::vector<std::string>{"", "", ""};
  std::vector<std::string> parts = absl::StrSplit(after, '/');
  if (parts.size() != 3 || parts[1].empty() || parts[2].empty()) {
    return BadCursor(after);
  }
  return parts;
}

absl::StatusOr<int64_t> ParseAuditCursor(const std::string& after) {
  if (after.empty()) return std::numeric_limits<int64_t>::max();
  int64_t seq = 0;
  if (!absl::SimpleAtoi(after, &seq)) return BadCursor(after);
  return seq;
}

std::string NewestFirstCursorOf(absl::Time create_time, absl::string_view id) {
  return absl::StrCat(ToMicros(create_time), "/", id);
}

absl::StatusOr<NewestFirstCursor> ParseNewestFirstCursor(
    const std::string& after) {
  if (after.empty()) return NewestFirstCursor{};
  size_t slash = after.find('/');
  int64_t us = 0;
  if (slash == std::string::npos || slash + 1 == after.size() ||
      !absl::SimpleAtoi(absl::string_view(after).substr(0, slash), &us)) {
    return BadCursor(after);
  }
  return NewestFirstCursor{FromMicros(us), after.substr(slash + 1)};
}

}  // namespace meshplane::store::pg
