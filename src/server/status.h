// The one place where absl::Status becomes grpc::Status (and back, for
// tests and clients). Codes map one to one (absl's canonical codes are
// gRPC's). Every non-OK status carries a google.rpc.Status in
// `grpc-status-details-bin` with:
//   - google.rpc.ErrorInfo: reason = GetReason(status), or DefaultReason of
//     the code; domain "meshplane.dev";
//   - google.rpc.BadRequest: one FieldViolation per GetFieldViolations entry;
//   - google.rpc.RetryInfo for UNAVAILABLE (retry after a second);
//   - meshplane.v1 error messages (e.g. PolicyViolations) that core attached
//     as payloads under "type.googleapis.com/meshplane.v1.<Message>", in
//     binary or JSON form.
// Bounded so that the trailers stay well within gRPC's 8 KiB metadata limit
// (over it, a client sees RESOURCE_EXHAUSTED instead of the error): the
// message is valid UTF-8 of at most kMaxMessageBytes, each field violation
// is cut to kMaxFieldPathBytes / kMaxDescriptionBytes, and details that would
// take the google.rpc.Status past kMaxDetailsBytes are left out (ErrorInfo
// always goes). INTERNAL, UNKNOWN and DATA_LOSS never carry their text (it
// may hold SQL or file paths): the caller logs it.
#ifndef MESHPLANE_SERVER_STATUS_H_
#define MESHPLANE_SERVER_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/rpc/status.pb.h"
#include <grpcpp/support/status.h>

namespace meshplane::server {

// ErrorInfo.domain of every Meshplane error.
inline constexpr char kErrorDomain[] = "meshplane.dev";

inline constexpr size_t kMaxMessageBytes = 1024;
inline constexpr size_t kMaxFieldPathBytes = 128;
inline constexpr size_t kMaxDescriptionBytes = 256;
inline constexpr size_t kMaxDetailsBytes = 4096;

// The message a client gets for `status` (see above).
std::string PublicMessage(const absl::Status& status);

// The reason used when core attached none: the code's canonical name
// ("NOT_FOUND", "UNAVAILABLE", ...). Stable.
std::string DefaultReason(absl::StatusCode code);

// Converts `status`, details included. Thread-safe.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The google.rpc.Status in `status`'s details; an empty one (code and
// message copied) if it has none or they do not parse.
google::rpc::Status GetRpcStatus(const grpc::Status& status);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_STATUS_H_
