// Exit codes and error reports of the meshplane CLI.
//
//   0  success
//   1  refused: FAILED_PRECONDITION, ALREADY_EXISTS, NOT_FOUND,
//      PERMISSION_DENIED, ABORTED, UNAUTHENTICATED
//   2  usage or bad input: bad flags, unreadable or invalid descriptor,
//      INVALID_ARGUMENT / OUT_OF_RANGE / RESOURCE_EXHAUSTED from the server
//   3  server unreachable (UNAVAILABLE, DEADLINE_EXCEEDED) or internal error
#ifndef MESHPLANE_CLI_ERRORS_H_
#define MESHPLANE_CLI_ERRORS_H_

#include <ostream>
#include <string>
#include <vector>

#include <grpcpp/support/status.h>

namespace meshplane::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitRefused = 1,
  kExitUsage = 2,
  kExitUnavailable = 3,
};

// The exit code for a gRPC status code.
int ExitCodeFor(grpc::StatusCode code);

// The code's name: "FAILED_PRECONDITION", "NOT_FOUND", ...
std::string CodeName(grpc::StatusCode code);

// The lines that explain a failed call: the message, then one line per
// field violation (BadRequest), the reason (ErrorInfo), and one line per
// policy violation (meshplane.v1.PolicyViolations) found in the serialized
// google.rpc.Status of `status.error_details()`. The first line has no
// prefix; the caller adds "error: ".
std::vector<std::string> DescribeError(const grpc::Status& status);

// Writes `error: <message>` and the detail lines of DescribeError to `err`
// and returns ExitCodeFor(status). An UNAVAILABLE status also names `addr`.
int ReportError(const grpc::Status& status, const std::string& addr,
                std::ostream& err);

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_ERRORS_H_
