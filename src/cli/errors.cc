#include "cli/errors.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/render.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

#include "meshplane/v1/errors.pb.h"

namespace meshplane::cli {

int ExitCodeFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kExitOk;
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::UNAUTHENTICATED:
      return kExitRefused;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
    // The server refuses messages over its receive limit this way: the
    // input was too big, which the user fixes by changing the input.
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return kExitUsage;
    default:
      // UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, UNKNOWN, UNIMPLEMENTED,
      // DATA_LOSS, CANCELLED.
      return kExitUnavailable;
  }
}

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "OK";
  }
}

// A policy refusal's message repeats every violation ("refused by policy:
// P1: m1; P2: m2"), and each is printed on its own line below with its
// scope, effect and revision: keep only the lead-in of the message then.
std::string CondensePolicyMessage(const google::rpc::Status& rpc_status,
                                  const std::string& message) {
  std::vector<std::string> texts;
  for (const google::protobuf::Any& detail : rpc_status.details()) {
    meshplane::v1::PolicyViolations policies;
    if (detail.UnpackTo(&policies)) {
      for (const auto& p : policies.violations()) {
        texts.push_back(absl::StrCat(p.policy(), ": ", p.message()));
      }
    }
  }
  if (texts.empty()) return message;
  for (const std::string& t : texts) {
    if (message.find(t) == std::string::npos) return message;
  }
  std::string lead = message.substr(0, message.find(texts[0]));
  while (!lead.empty() && (lead.back() == ' ' || lead.back() == ':')) {
    lead.pop_back();
  }
  if (lead.empty()) return message;
  return absl::StrCat(lead, " (", texts.size(),
                      texts.size() == 1 ? " violation" : " violations", "):");
}

std::vector<std::string> DescribeError(const grpc::Status& status) {
  std::vector<std::string> lines;
  std::string message = status.error_message();
  if (message.empty()) {
    message = absl::StrCat("request failed with status code ",
                           static_cast<int>(status.error_code()));
  }
  lines.push_back(message);
  if (status.error_details().empty()) {
    return lines;
  }
  google::rpc::Status rpc_status;
  if (!rpc_status.ParseFromString(status.error_details())) {
    return lines;
  }
  // The server's message usually is the violations joined with "; ": print
  // each violation once, on its own line.
  std::vector<std::string> violations;
  for (const google::protobuf::Any& detail : rpc_status.details()) {
    google::rpc::BadRequest bad_request;
    if (detail.UnpackTo(&bad_request)) {
      for (const auto& v : bad_request.field_violations()) {
        violations.push_back(absl::StrCat(v.field(), ": ", v.description()));
      }
    }
  }
  bool single = violations.size() == 1 && violations[0] == message;
  if (violations.size() > 1 && absl::StrJoin(violations, "; ") == message) {
    lines[0] = absl::StrCat(violations.size(), " fields are invalid:");
  }
  lines[0] = CondensePolicyMessage(rpc_status, lines[0]);
  for (const google::protobuf::Any& detail : rpc_status.details()) {
    google::rpc::BadRequest bad_request;
    google::rpc::ErrorInfo info;
    meshplane::v1::PolicyViolations policies;
    meshplane::v1::PolicyViolation policy;
    if (detail.UnpackTo(&bad_request)) {
      if (single) {
        continue;
      }
      for (const auto& v : bad_request.field_violations()) {
        lines.push_back(absl::StrCat("  ", v.field(), ": ", v.description()));
      }
    } else if (detail.UnpackTo(&info)) {
      // A reason that only repeats the status code says nothing new.
      if (!info.reason().empty() &&
          info.reason() != CodeName(status.error_code())) {
        lines.push_back(absl::StrCat("  reason: ", info.reason()));
      }
    } else if (detail.UnpackTo(&policies)) {
      for (const auto& p : policies.violations()) {
        lines.push_back(absl::StrCat("  ", DescribeViolation(p)));
      }
    } else if (detail.UnpackTo(&policy)) {
      lines.push_back(absl::StrCat("  ", DescribeViolation(policy)));
    }
  }
  return lines;
}

int ReportError(const grpc::Status& status, const std::string& addr,
                std::ostream& err) {
  std::vector<std::string> lines = DescribeError(status);
  // Say what kind of refusal it was when the message does not: scripts and
  // people grep for these words.
  const std::string lower = absl::AsciiStrToLower(lines[0]);
  if (status.error_code() == grpc::StatusCode::PERMISSION_DENIED &&
      lower.find("permission") == std::string::npos) {
    lines[0] = absl::StrCat("permission denied: ", lines[0]);
  } else if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED &&
             lower.find("authenticat") == std::string::npos) {
    lines[0] = absl::StrCat("not authenticated: ", lines[0]);
  }
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    lines[0] = absl::StrCat("server ", addr, " unavailable: ", lines[0]);
  } else if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    lines[0] = absl::StrCat("server ", addr,
                            " did not answer in time (--timeout): ", lines[0]);
  }
  err << "error: " << lines[0] << "\n";
  for (size_t i = 1; i < lines.size(); ++i) {
    err << lines[i] << "\n";
  }
  return ExitCodeFor(status.error_code());
}

}  // namespace meshplane::cli
