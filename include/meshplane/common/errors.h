// Machine-readable details carried on an absl::Status as payloads, so that
// core can say which field is at fault without knowing about gRPC; server/
// turns them into google.rpc.Status details (BadRequest, ErrorInfo).
#ifndef MESHPLANE_COMMON_ERRORS_H_
#define MESHPLANE_COMMON_ERRORS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace meshplane {

struct FieldViolation {
  std::string field;  // path, e.g. "data_product.output_ports[1].name"
  std::string
      description;  // what is wrong, e.g. `"Orders V1" is not a valid id ...`
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

// One governance policy that refused a request, or warned about it (the
// core's form of meshplane.v1.PolicyViolation).
struct PolicyViolationDetail {
  std::string policy;       // "policies/x" or "domains/d/policies/x"
  std::string scope;        // "global" or "domains/d"
  std::string effect;       // "DENY", "WARN", "REQUIRE_APPROVAL"
  std::string enforcement;  // "ENFORCED", "DRY_RUN"
  std::string message;
  int64_t revision = 0;
  bool evaluation_error = false;
};

// Attaches the violations of a policy decision to `status`.
absl::Status WithPolicyViolations(absl::Status status,
                                  const std::vector<PolicyViolationDetail>& v);
// The violations attached to `status` (empty if none).
std::vector<PolicyViolationDetail> GetPolicyViolations(
    const absl::Status& status);

// Marks a refusal as already written to the audit log, so that an outer
// layer (the server's call runner) does not audit it a second time.
absl::Status MarkAudited(absl::Status status);
// True if MarkAudited marked `status`.
bool IsAudited(const absl::Status& status);

}  // namespace meshplane

#endif  // MESHPLANE_COMMON_ERRORS_H_
