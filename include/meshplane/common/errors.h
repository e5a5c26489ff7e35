// Machine-readable details carried on an absl::Status as payloads, so that
// core can say which field is at fault without knowing about gRPC; server/
// turns them into google.rpc.Status details (BadRequest, ErrorInfo).
#ifndef MESHPLANE_COMMON_ERRORS_H_
#define MESHPLANE_COMMON_ERRORS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace meshplane {

struct FieldViolation {
  std::string field;        // path, e.g. "data_product.output_ports[1].name"
  std::string description;  // what is wrong, e.g. `"Orders V1" is not a valid id ...`
};

// INVALID_ARGUMENT listing every violation; the message joins them as
// "field: description; field: description".
absl::Status InvalidArgumentWithFields(const std::vector<FieldViolation>& v);

// The field violations attached to `status` (empty if none).
std::vector<FieldViolation> GetFieldViolations(const absl::Status& status);

// Attaches a stable upper-snake-case reason (ErrorInfo.reason), e.g.
// "ETAG_MISMATCH", "LIFECYCLE_TRANSITION", "HAS_CHILDREN".
absl::Status WithReason(absl::Status status, absl::string_view reason);
// The reason attached to `status`, or "".
std::string GetReason(const absl::Status& status);

// Marks a refusal as already written to the audit log, so that an outer
// layer (the server's call runner) does not audit it a second time.
absl::Status MarkAudited(absl::Status status);
// True if MarkAudited marked `status`.
bool IsAudited(const absl::Status& status);

}  // namespace meshplane

#endif  // MESHPLANE_COMMON_ERRORS_H_
