// Access to output ports: the requests consumers make, the grants that
// answer them, and the decisions CheckAccess records.
#ifndef MESHPLANE_MODEL_ACCESS_H_
#define MESHPLANE_MODEL_ACCESS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/model/resource_name.h"

namespace meshplane::model {

// The actions a grant may allow. "read" is the default of a request.
inline constexpr const char* kAccessActions[] = {"read", "write"};
bool IsAccessAction(absl::string_view action);

enum class AccessRequestState {
  kPending,
  kApproved,
  kDenied,
  kWithdrawn,
  kExpired
};

// "PENDING", ... (the proto's AccessRequestState without its prefix).
absl::string_view AccessRequestStateName(AccessRequestState s);
std::optional<AccessRequestState> ParseAccessRequestState(absl::string_view s);

// `accessRequests/{id}`. Ids are server-assigned UUIDs.
struct AccessRequest {
  std::string id;
  std::string uid;
  OutputPortRef port;
  std::string consumer;              // who gets access: user:/service:/team:
  std::string requester;             // who asked
  std::vector<std::string> actions;  // sorted, unique; default {"read"}
  std::string purpose;
  absl::Duration duration = absl::ZeroDuration();  // asked for
  AccessRequestState state = AccessRequestState::kPending;
  std::string decision_json;  // the access.request decision
  std::string grant_id;       // once approved
  std::string reviewer;
  std::string review_comment;
  absl::Time create_time = absl::InfinitePast();
  absl::Time update_time = absl::InfinitePast();
  // A PENDING request not decided by then is EXPIRED.
  absl::Time expire_time = absl::InfiniteFuture();
  int64_t revision = 0;

  // The state as of `now`: a PENDING request past its expiry is EXPIRED
  // whether or not anything has written that down.
  AccessRequestState StateAt(absl::Time now) const;
};

enum class GrantState { kActive, kExpired, kRevoked };
absl::string_view GrantStateName(GrantState s);
std::optional<GrantState> ParseGrantState(absl::string_view s);

// `grants/{id}` (a server-assigned UUID). A grant to `team:{id}` covers
// the team's members.
struct Grant {
  std::string id;
  std::string uid;
  OutputPortRef port;
  std::string consumer;
  std::vector<std::string> actions;
  std::string purpose;
  std::string access_request_id;  // "" for grants made otherwise
  std::string granted_by;
  absl::Time create_time = absl::InfinitePast();
  absl::Time expire_time = absl::InfiniteFuture();
  std::optional<absl::Time> revoke_time;
  std::string revoked_by;
  std::string revoke_reason;
  int64_t revision = 0;

  // Revoked wins; else expired once `now` reaches expire_time.
  GrantState StateAt(absl::Time now) const;
  bool ActiveAt(absl::Time now) const {
    return StateAt(now) == GrantState::kActive;
  }
  bool Allows(absl::string_view action) const;
};

// One CheckAccess decision, as the decision log keeps it.
struct AccessDecision {
  absl::Time time = absl::InfinitePast();
  std::string caller;     // who asked (the enforcement point)
  std::string principal;  // whose access was checked
  OutputPortRef port;
  std::string action;
  bool allowed = false;
  std::string grant_id;       // the grant used, "" when denied
  std::string reason;         // why not, when denied
  std::string decision_json;  // access.check policies, "" when none applied
};

std::string AccessRequestName(absl::string_view id);
std::string GrantName(absl::string_view id);
// INVALID_ARGUMENT naming `field` unless `name` is of that form.
absl::StatusOr<std::string> ParseAccessRequestName(absl::string_view field,
                                                   absl::string_view name);
absl::StatusOr<std::string> ParseGrantName(absl::string_view field,
                                           absl::string_view name);

}  // namespace meshplane::model

#endif  // MESHPLANE_MODEL_ACCESS_H_
