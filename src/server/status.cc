#include "server/status.h"

#include <memory>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"

#include "meshplane/common/errors.h"
#include "meshplane/common/limits.h"
#include "meshplane/v1/errors.pb.h"

namespace meshplane::server {
namespace {

constexpr absl::string_view kMeshplaneTypePrefix =
    "type.googleapis.com/meshplane.v1.";

// Turns a payload that core attached under a meshplane.v1 type URL into an
// Any. Core cannot link the protos, so it may write either the binary or the
// JSON form of the message; anything else is dropped (and the rest of the
// status still goes out).
bool PayloadToAny(absl::string_view url, const absl::Cord& payload,
                  google::protobuf::Any* out) {
  std::string type_name(url.substr(url.find('/') + 1));
  const google::protobuf::Descriptor* desc =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
          type_name);
  if (desc == nullptr) {
    return false;
  }
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(desc);
  if (prototype == nullptr) {
    return false;
  }
  std::unique_ptr<google::protobuf::Message> message(prototype->New());
  std::string bytes(payload);
  bool parsed = false;
  if (!bytes.empty() && (bytes.front() == '{')) {
    parsed =
        google::protobuf::util::JsonStringToMessage(bytes, message.get()).ok();
  }
  if (!parsed) {
    parsed = message->ParseFromString(bytes);
  }
  if (!parsed) {
    return false;
  }
  out->set_type_url(std::string(url));
  message->SerializeToString(out->mutable_value());
  return true;
}

// What a client is told of a bug: the text of an internal error may hold
// SQL, SQLSTATEs or file paths, and is in the server's log line instead.
constexpr absl::string_view kInternalMessage =
    "internal error (logged by the server)";

bool HidesMessage(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal ||
         code == absl::StatusCode::kUnknown ||
         code == absl::StatusCode::kDataLoss;
}

// `text` as valid UTF-8 of at most `max` bytes, marked when cut.
std::string Bounded(absl::string_view text, size_t max) {
  std::string valid = ToValidUtf8(text);
  if (valid.size() <= max) return valid;
  constexpr absl::string_view kCut = " ... (cut)";
  return absl::StrCat(Utf8Prefix(valid, max - kCut.size()), kCut);
}

}  // namespace

std::string PublicMessage(const absl::Status& status) {
  if (HidesMessage(status.code())) return std::string(kInternalMessage);
  return Bounded(status.message(), kMaxMessageBytes);
}

std::string DefaultReason(absl::StatusCode code) {
  return absl::StatusCodeToString(code);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) {
    return grpc::Status::OK;
  }
  // Keep the generated PolicyViolations linked in, so that the descriptor
  // lookup in PayloadToAny finds it.
  (void)v1::PolicyViolations::default_instance();

  const std::string message = PublicMessage(status);
  google::rpc::Status rpc;
  rpc.set_code(static_cast<int>(status.code()));
  rpc.set_message(message);

  google::rpc::ErrorInfo info;
  std::string reason = GetReason(status);
  info.set_reason(reason.empty() ? DefaultReason(status.code()) : reason);
  info.set_domain(kErrorDomain);
  rpc.add_details()->PackFrom(info);

  // Trailers beyond gRPC's 8 KiB metadata limit reach the client as
  // RESOURCE_EXHAUSTED instead of the error: every detail after ErrorInfo
  // goes out only while the details stay within kMaxDetailsBytes.
  const auto add_detail = [&](const google::protobuf::Message& m) {
    google::protobuf::Any any;
    any.PackFrom(m);
    if (rpc.ByteSizeLong() + any.ByteSizeLong() + 8 <= kMaxDetailsBytes) {
      *rpc.add_details() = std::move(any);
    }
  };
  std::vector<FieldViolation> fields = GetFieldViolations(status);
  if (!fields.empty()) {
    google::rpc::BadRequest bad;
    size_t bytes = 0;
    for (const auto& f : fields) {
      google::rpc::BadRequest::FieldViolation fv;
      fv.set_field(Bounded(f.field, kMaxFieldPathBytes));
      fv.set_description(Bounded(f.description, kMaxDescriptionBytes));
      bytes += fv.ByteSizeLong();
      if (bytes > kMaxDetailsBytes / 2) break;  // the message lists them all
      *bad.add_field_violations() = std::move(fv);
    }
    add_detail(bad);
  }
  std::vector<PolicyViolationDetail> violations = GetPolicyViolations(status);
  if (!violations.empty()) {
    v1::PolicyViolations detail;
    for (const auto& v : violations) {
      v1::PolicyViolation* pv = detail.add_violations();
      pv->set_policy(ToValidUtf8(v.policy));
      pv->set_scope(ToValidUtf8(v.scope));
      pv->set_effect(v.effect);
      pv->set_enforcement(v.enforcement);
      pv->set_message(Bounded(v.message, kMaxDescriptionBytes));
      pv->set_revision(v.revision);
      pv->set_evaluation_error(v.evaluation_error);
    }
    add_detail(detail);
  }
  if (status.code() == absl::StatusCode::kUnavailable) {
    google::rpc::RetryInfo retry;
    retry.set_retry_delay_seconds(1);
    add_detail(retry);
  }
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    if (absl::StartsWith(url, kMeshplaneTypePrefix)) {
      google::protobuf::Any any;
      if (PayloadToAny(url, payload, &any) &&
          rpc.ByteSizeLong() + any.ByteSizeLong() + 8 <= kMaxDetailsBytes) {
        *rpc.add_details() = std::move(any);
      }
    }
  });

  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      rpc.SerializeAsString());
}

google::rpc::Status GetRpcStatus(const grpc::Status& status) {
  google::rpc::Status rpc;
  if (status.error_details().empty() ||
      !rpc.ParseFromString(status.error_details())) {
    rpc.Clear();
    rpc.set_code(static_cast<int>(status.error_code()));
    rpc.set_message(status.error_message());
  }
  return rpc;
}

}  // namespace meshplane::server
