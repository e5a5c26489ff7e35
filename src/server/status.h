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
