// AIP-193 errors over HTTP: a gRPC status and its google.rpc.Status details
// as
//   {"error": {"code": 404, "status": "NOT_FOUND", "message": "...",
//     "details": [
//       {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
//        "reason": "...", "domain": "meshplane.dev"}]}}
// with the HTTP status of google/rpc/code.proto's mapping. Thread-safe.
#ifndef MESHPLANE_SERVER_HTTP_ERROR_JSON_H_
#define MESHPLANE_SERVER_HTTP_ERROR_JSON_H_

#include <string>

#include "absl/status/status.h"
#include <grpcpp/support/status.h>

namespace meshplane::server::http {

// The HTTP status for a gRPC code (OK 200, INVALID_ARGUMENT 400,
// FAILED_PRECONDITION 400, OUT_OF_RANGE 400, UNAUTHENTICATED 401,
// PERMISSION_DENIED 403, NOT_FOUND 404, ALREADY_EXISTS 409, ABORTED 409,
// RESOURCE_EXHAUSTED 429, CANCELLED 499, UNIMPLEMENTED 501, UNAVAILABLE 503,
// DEADLINE_EXCEEDED 504, the rest 500).
int HttpStatusOf(grpc::StatusCode code);

// The AIP-193 body of `status` (not OK). The details are those of the
// serialized google.rpc.Status that the status carries, each as JSON with
// its "@type"; a detail whose type this binary does not know is left out.
// `http_status`, when not 0, replaces the mapped code in the body.
std::string ErrorJson(const grpc::Status& status, int http_status = 0);

// An absl::Status as the server would answer it (ToGrpcStatus), for errors
// that the HTTP layer finds before any call (bad path, bad query, body).
grpc::Status ToGrpc(const absl::Status& status);

}  // namespace meshplane::server::http

#endif  // MESHPLANE_SERVER_HTTP_ERROR_JSON_H_
