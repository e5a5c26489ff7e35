// Private to src/store/postgres: the keyset cursors of the list methods.
// A cursor (PageRequest::after) is what the previous page's last item left;
// core wraps it in an opaque page token.
#ifndef MESHPLANE_STORE_POSTGRES_CURSORS_H_
#define MESHPLANE_STORE_POSTGRES_CURSORS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/store/page.h"

namespace meshplane::store::pg {

// INVALID_ARGUMENT unless the page limit is at least 1.
absl::Status CheckLimit(const PageRequest& page);

// The INVALID_ARGUMENT (field page_token) of a cursor that does not parse.
absl::Status BadCursor(absl::string_view after);

// Products: "<domain_id>/<id>" of the last item (ids contain no '/'); a
// pair of "" for the first page.
absl::StatusOr<std::pair<std::string, std::string>> ParseProductCursor(
    const std::string& after);

// SearchDataProducts' cursor: "<score>:<domain_id>/<id>" of the last item.
struct SearchCursor {
  int score = 0;
  std::string domain_id, id;
};
absl::StatusOr<std::optional<SearchCursor>> ParseSearchCursor(
    const std::string& after);

// Policies: "<domain_id>/<id>" of the last item, domain_id "" for a global
// policy (ids contain no '/').
absl::StatusOr<std::pair<std::string, std::string>> ParsePolicyCursor(
    const std::string& after);

// Waivers: "<policy domain_id>/<policy id>/<id>" of the last item.
absl::StatusOr<std::vector<std::string>> ParseWaiverCursor(
    const std::string& after);

// Audit (and policy history): the sequence of the last item; the next page
// holds smaller ones. The largest int64 for the first page.
absl::StatusOr<int64_t> ParseAuditCursor(const std::string& after);

// Newest-first lists (access requests, grants, breaches): "<create_time
// us>/<id>" of the last item; the next page holds the items strictly older
// in (create_time, id) order. No time on the first page.
struct NewestFirstCursor {
  std::optional<absl::Time> create_time;
  std::string id;
};
std::string NewestFirstCursorOf(absl::Time create_time, absl::string_view id);
absl::StatusOr<NewestFirstCursor> ParseNewestFirstCursor(
    const std::string& after);

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_CURSORS_H_
