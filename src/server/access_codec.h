// proto <-> core for access: requests, grants, CheckAccess questions and
// verdicts, and the stored policy decision of a request.
#ifndef MESHPLANE_SERVER_ACCESS_CODEC_H_
#define MESHPLANE_SERVER_ACCESS_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/core/access.h"
#include "meshplane/model/access.h"
#include "meshplane/v1/access.pb.h"
#include "meshplane/v1/policy.pb.h"

namespace meshplane::server {

// `accessRequests/{id}` -> id; INVALID_ARGUMENT (a FieldViolation of
// `field`) otherwise.
absl::StatusOr<std::string> AccessRequestIdFromName(absl::string_view field,
                                                    absl::string_view name);
// `grants/{id}` -> id.
absl::StatusOr<std::string> GrantIdFromName(absl::string_view field,
                                            absl::string_view name);

v1::AccessRequestState EncodeAccessRequestState(model::AccessRequestState s);
v1::GrantState EncodeGrantState(model::GrantState s);

// `r.state` is encoded as given (core has already applied StateAt). The
// stored decision becomes `decision`; a stored decision that no longer
// parses (a bug upstream) is INTERNAL.
absl::StatusOr<v1::AccessRequest> EncodeAccessRequest(
    const model::AccessRequest& r);
// The state is the grant's state as of `now`.
v1::Grant EncodeGrant(const model::Grant& g, absl::Time now);

// The client-settable fields of RequestAccess (`output_port`, `consumer`,
// `actions`, `purpose`, `duration`), under `prefix` ("access_request").
// Every bad field is reported at once (INVALID_ARGUMENT).
absl::StatusOr<model::AccessRequest> DecodeAccessRequest(
    const v1::AccessRequest& r, absl::string_view prefix);

// A stored decision (policy::DecisionToJson's form) as the proto Decision,
// decided at `decide_time`. "" gives an empty Decision. INVALID_ARGUMENT
// when `json` is not of that form.
absl::StatusOr<v1::Decision> DecisionFromJson(absl::string_view json,
                                              absl::Time decide_time);

// One CheckAccess question; an empty action is "read". The principal, port
// and action are validated by core (which names the fields), so only the
// attributes can fail here: INVALID_ARGUMENT naming `{prefix}attributes`,
// where `prefix` is "" or "checks[3].".
absl::StatusOr<core::AccessQuestion> DecodeCheck(
    const v1::CheckAccessRequest& r, absl::string_view prefix);
v1::CheckAccessResponse EncodeVerdict(const core::AccessVerdict& v);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_ACCESS_CODEC_H_
