#include "server/http/error_json.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "server/http/binder.h"
#include "server/status.h"

namespace meshplane::server::http {
namespace {

// The canonical name of a code, as google.rpc.Code spells it.
std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::string JsonString(absl::string_view s) {
  google::protobuf::Value v;
  v.set_string_value(std::string(s));
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(v, &out);
  return out;
}

}  // namespace

int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return 400;
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 400;
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
      return 409;
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

std::string ErrorJson(const grpc::Status& status, int http_status) {
  google::rpc::Status rpc = GetRpcStatus(status);
  std::string details;
  for (const google::protobuf::Any& any : rpc.details()) {
    std::string one;
    if (!google::protobuf::util::MessageToJsonString(any, &one).ok()) {
      continue;
    }
    absl::StrAppend(&details, details.empty() ? "" : ",", one);
  }
  return absl::StrCat(
      "{\"error\":{\"code\":",
      http_status != 0 ? http_status : HttpStatusOf(status.error_code()),
      ",\"status\":", JsonString(CodeName(status.error_code())),
      ",\"message\":", JsonString(status.error_message()), ",\"details\":[",
      details, "]}}");
}

grpc::Status ToGrpc(const absl::Status& status) { return ToGrpcStatus(status); }

}  // namespace meshplane::server::http
