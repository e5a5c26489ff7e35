#include "server/call.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/common_codec.h"
#include "server/status.h"
#include <spdlog/spdlog.h>

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/limits.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/store/store.h"

namespace meshplane::server {
namespace {

using google::protobuf::FieldDescriptor;

const FieldDescriptor* FindField(const google::protobuf::Message& m,
                                 absl::string_view name,
                                 FieldDescriptor::CppType type) {
  const FieldDescriptor* f =
      m.GetDescriptor()->FindFieldByName(std::string(name));
  if (f == nullptr || f->is_repeated() || f->cpp_type() != type) {
    return nullptr;
  }
  return f;
}

std::string GetStringField(const google::protobuf::Message& m,
                           absl::string_view name) {
  const FieldDescriptor* f =
      FindField(m, name, FieldDescriptor::CPPTYPE_STRING);
  return f == nullptr ? std::string() : m.GetReflection()->GetString(m, f);
}

bool GetBoolField(const google::protobuf::Message& m, absl::string_view name) {
  const FieldDescriptor* f = FindField(m, name, FieldDescriptor::CPPTYPE_BOOL);
  return f != nullptr && m.GetReflection()->GetBool(m, f);
}

// Mutating requests are the ones with validate_only or request_id (every
// write of the API has both; reads have neither).
bool IsMutating(const google::protobuf::Message& m) {
  const google::protobuf::Descriptor* d = m.GetDescriptor();
  return d->FindFieldByName("validate_only") != nullptr ||
         d->FindFieldByName("request_id") != nullptr;
}

// The resource a write request names: its `name`, the `name` of the
// resource it carries (`domain.name`), or its `parent`/`team`; "" if none.
std::string RequestResource(const google::protobuf::Message& m) {
  for (const char* field : {"name", "team", "parent"}) {
    std::string v = GetStringField(m, field);
    if (!v.empty()) return v;
  }
  const google::protobuf::Descriptor* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !f->is_repeated() && m.GetReflection()->HasField(m, f)) {
      std::string v =
          GetStringField(m.GetReflection()->GetMessage(m, f), "name");
      if (!v.empty()) return v;
    }
  }
  return std::string();
}

// AIP-155 asks for a UUID, and docs/api.md promises that only a UUID is
// accepted: the canonical 8-4-4-4-12 hex form, either case.
bool IsUuid(absl::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-'
             : !absl::ascii_isxdigit(static_cast<unsigned char>(id[i]))) {
      return false;
    }
  }
  return true;
}

void ValidateRequestId(const std::string& id, Violations& v) {
  if (id.empty() || IsUuid(id)) {
    return;
  }
  v.Add("request_id",
        absl::StrCat(QuotePrefix(id),
                     " is not a valid request id (a UUID such as "
                     "\"0b6c2f8e-1111-4222-8333-444455556666\")"));
}

// The deadline a call's work runs under: the client's, capped at `max`
// after `start` for unary calls. Server-streaming calls (Watch) are meant to
// outlive any such bound; each of their transactions is short anyway.
absl::Time CallDeadline(const grpc::ServerContext& context,
                        absl::string_view method, absl::Time start,
                        absl::Duration max) {
  const auto client = context.deadline();
  absl::Time deadline = client == std::chrono::system_clock::time_point::max()
                            ? absl::InfiniteFuture()
                            : absl::FromChrono(client);
  if (max == absl::InfiniteDuration() || deadline <= start + max) {
    return deadline;
  }
  std::string full(method);
  std::replace(full.begin(), full.end(), '/', '.');
  const google::protobuf::MethodDescriptor* m =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          full);
  if (m != nullptr && m->server_streaming()) return deadline;
  return start + max;
}

// What the store sees of the deadline: a little earlier than the call's,
// so that a commit that starts in time has its answer back to the client
// before the client's own timer fires (the server learns the deadline as a
// timeout on receipt, after the request's transit). 5% of the time left, at
// most 50 ms.
absl::Time StoreDeadline(absl::Time deadline, absl::Time start) {
  if (deadline == absl::InfiniteFuture() || deadline <= start) {
    return deadline;
  }
  return deadline - std::min((deadline - start) / 20, absl::Milliseconds(50));
}

// A log value: bare when it is a simple token, else quoted and escaped.
std::string LogValue(absl::string_view value) {
  if (value.empty()) {
    return "\"\"";
  }
  for (char c : value) {
    if (c <= ' ' || c == '"' || c == '\\' || c == '=' || c > '~') {
      return absl::StrCat("\"", absl::CHexEscape(value), "\"");
    }
  }
  return std::string(value);
}

}  // namespace

std::string RequestHash(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  copy->DiscardUnknownFields();
  const google::protobuf::Reflection* refl = copy->GetReflection();
  for (const char* name : {"request_id", "validate_only"}) {
    const FieldDescriptor* f = copy->GetDescriptor()->FindFieldByName(name);
    if (f != nullptr) {
      refl->ClearField(copy.get(), f);
    }
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&coded);
  }
  // The decision's formula exactly; the request type needs no place in it,
  // since the idempotency key already holds the method.
  return Sha256Hex(bytes);
}

std::string RpcMethodOf(const google::protobuf::Descriptor& request) {
  // A scan of a file's few methods costs about what the name's StrCat
  // does; no cache to keep.
  const google::protobuf::FileDescriptor* file = request.file();
  const google::protobuf::MethodDescriptor* found = nullptr;
  for (int i = 0; i < file->service_count(); ++i) {
    const google::protobuf::ServiceDescriptor* service = file->service(i);
    for (int j = 0; j < service->method_count(); ++j) {
      const google::protobuf::MethodDescriptor* m = service->method(j);
      if (m->input_type() != &request) continue;
      if (found != nullptr) return std::string();
      found = m;
    }
  }
  if (found == nullptr) return std::string();
  return absl::StrCat(found->service()->full_name(), "/", found->name());
}

absl::StatusOr<std::string> BearerSecret(const grpc::ServerContext& context) {
  const auto& md = context.client_metadata();
  // Two credentials on one call are ambiguous: which one is the caller?
  if (md.count("authorization") > 1) {
    return absl::UnauthenticatedError(
        "more than one `authorization` metadata value: send one");
  }
  auto it = md.find("authorization");
  if (it == md.end()) {
    return absl::UnauthenticatedError(
        "missing credentials: send `Authorization: Bearer <token>` (an "
        "HTTP header over REST and MCP, `authorization` metadata over "
        "gRPC)");
  }
  absl::string_view value(it->second.data(), it->second.size());
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return absl::UnauthenticatedError(
        "the authorization metadata must be `Bearer <token>`");
  }
  absl::string_view secret =
      absl::StripAsciiWhitespace(value.substr(kScheme.size()));
  if (secret.empty()) {
    return absl::UnauthenticatedError(
        "the authorization metadata must be `Bearer <token>`");
  }
  return std::string(secret);
}

CallRunner::Origin CallRunner::OriginOf(
    const grpc::ServerContext& context) const {
  Origin out{"grpc", context.peer()};
  // The metadata counts only with this process's key, which only the
  // in-process front ends know (an in-process call's peer is "unknown",
  // nothing to tell it by): an outside gRPC client cannot pass its calls
  // off as REST ones, nor forge its address.
  const auto& md = context.client_metadata();
  auto it = md.find(kTransportMetadata);
  auto key = md.find(kInProcessKeyMetadata);
  if (it == md.end() || key == md.end() ||
      !ConstantTimeEquals(
          absl::string_view(key->second.data(), key->second.size()),
          in_process_key_)) {
    return out;
  }
  absl::string_view value(it->second.data(), it->second.size());
  if (value.empty() || value.size() > 16) return out;
  for (char c : value) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c))) return out;
  }
  out.transport = std::string(value);
  if (auto peer = md.find(kPeerMetadata); peer != md.end()) {
    out.peer = std::string(peer->second.data(),
                           std::min<size_t>(peer->second.size(), 128));
  }
  return out;
}

absl::StatusOr<model::Principal> CallRunner::Authenticate(
    const grpc::ServerContext& context) const {
  // A bearer token, when sent, decides who calls, and a bad one is refused
  // even over a mapped certificate: the caller asked to be that token's
  // principal (a person's CLI on a host with a workload certificate), and
  // falling back silently would run the call as someone else.
  if (certs_ == nullptr ||
      context.client_metadata().count("authorization") > 0) {
    MP_ASSIGN_OR_RETURN(std::string secret, BearerSecret(context));
    return AuthenticateBearer(secret, identity_, oidc_);
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  PeerCertificate peer;
  if (auth != nullptr) peer = PeerCertificateOf(*auth);
  if (!peer.present) {
    return absl::UnauthenticatedError(
        "missing credentials: present a client certificate or send the "
        "metadata `authorization: Bearer <token>`");
  }
  MP_ASSIGN_OR_RETURN(CertPrincipal who, certs_->Map(peer));
  return identity_.ResolvePrincipal(who.principal, who.platform_admin);
}

absl::Status CallRunner::Prepare(grpc::ServerContext* context,
                                 absl::string_view method,
                                 const google::protobuf::Message& request,
                                 core::RequestContext* ctx) const {
  // The deadline check is cheap; IsCancelled() is not on the sync API (it
  // polls the call's completion queue: ~12 us, 15% of a Get's server CPU in
  // docs/performance.md), so it is asked once, and only before writes,
  // whose work is worth sparing.
  if (context->deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError(
        "the call's deadline passed before the server started it");
  }
  MP_ASSIGN_OR_RETURN(ctx->principal, Authenticate(*context));

  Violations v;
  CheckNoNulCharacters(request, v);
  ctx->request_id = GetStringField(request, "request_id");
  ValidateRequestId(ctx->request_id, v);
  MP_RETURN_IF_ERROR(v.ToStatus());

  ctx->method = std::string(method);
  ctx->validate_only = GetBoolField(request, "validate_only");
  // The hash only serves to compare a retry with the first request under
  // the same request id; without one there is nothing to compare.
  if (!ctx->request_id.empty()) {
    ctx->request_hash = RequestHash(request);
  }
  if (IsMutating(request)) {
    // Authentication may have taken a while (a cold token cache, a slow
    // database): do not start a write the client has given up on.
    if (context->IsCancelled()) {
      return absl::CancelledError("the client cancelled the call");
    }
    if (context->deadline() <= std::chrono::system_clock::now()) {
      return absl::DeadlineExceededError(
          "the call's deadline passed before the server started it");
    }
  }
  return absl::OkStatus();
}

grpc::Status CallRunner::Run(grpc::ServerContext* context,
                             absl::string_view method,
                             const google::protobuf::Message& request,
                             const Work& work) const {
  const absl::Time start = absl::Now();
  core::RequestContext ctx;
  ctx.deadline = CallDeadline(*context, method, start, max_call_duration_);
  // Known before the work, so that the call's audit records say it too.
  const Origin origin = OriginOf(*context);
  ctx.transport = origin.transport;
  std::optional<store::DeadlineScope> deadline_scope;
  deadline_scope.emplace(StoreDeadline(ctx.deadline, start));
  // Governed writes leave their policy warnings here; handlers copy them
  // into the response (see AddWarnings).
  std::vector<PolicyViolationDetail> warnings;
  ctx.warnings = &warnings;
  absl::Status status;
  try {
    status = Prepare(context, method, request, &ctx);
    if (status.ok()) {
      status = work(ctx);
    }
  } catch (const std::exception& e) {
    spdlog::error("rpc method={} uncaught exception: {}", std::string(method),
                  e.what());
    status = absl::InternalError("internal error (logged by the server)");
  } catch (...) {
    spdlog::error("rpc method={} uncaught non-standard exception",
                  std::string(method));
    status = absl::InternalError("internal error (logged by the server)");
  }
  deadline_scope.reset();
  if (!status.ok() && audit_ != nullptr && IsMutating(request)) {
    // Every refused write is audited (core does so for what reaches it;
    // this covers what the handler refused first). The resource is what
    // the request names, as far as it names one.
    if (ctx.method.empty()) ctx.method = std::string(method);
    audit_->RecordRefusal(ctx, RequestResource(request), status);
  }
  grpc::Status out = ToGrpcStatus(status);

  const absl::Duration latency = absl::Now() - start;
  const double latency_ms = absl::ToDoubleMilliseconds(latency);
  if (metrics_ != nullptr) {
    metrics_->RecordRpc(method, status.code(), latency);
  }
  // CheckAccess is the hot path of enforcement points and every decision
  // is in the access decision log already: its successful calls are logged
  // at debug level, and a line nobody will see is not even built.
  spdlog::level::level_enum level = spdlog::level::info;
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      level = spdlog::level::err;
      break;
    case absl::StatusCode::kUnavailable:
      level = spdlog::level::warn;
      break;
    case absl::StatusCode::kOk:
      if (absl::EndsWith(method, "/CheckAccess") ||
          absl::EndsWith(method, "/BatchCheckAccess")) {
        level = spdlog::level::debug;
      }
      break;
    default:
      break;
  }
  if (!spdlog::should_log(level)) return out;
  std::string line = absl::StrCat(
      "rpc method=", LogValue(method), " principal=",
      LogValue(ctx.principal.id.empty() ? "-" : ctx.principal.id),
      " code=", absl::StatusCodeToString(status.code()),
      " latency_ms=", absl::StrFormat("%.3f", latency_ms),
      " request_id=", LogValue(ctx.request_id.empty() ? "-" : ctx.request_id),
      " validate_only=", ctx.validate_only ? "true" : "false",
      " peer=", LogValue(origin.peer), " transport=", origin.transport);
  if (!status.ok()) {
    absl::StrAppend(&line,
                    " error=", LogValue(status.message().substr(0, 512)));
  }
  spdlog::log(level, "{}", line);
  return out;
}

grpc::Status CallRunner::Run(grpc::ServerContext* context,
                             const google::protobuf::Message& request,
                             const Work& work) const {
  const std::string method = RpcMethodOf(*request.GetDescriptor());
  if (method.empty()) {
    const std::string type = request.GetDescriptor()->full_name();
    return Run(context, type, request,
               [&type](const core::RequestContext&) -> absl::Status {
                 return absl::InternalError(absl::StrCat(
                     "no single RPC takes ", type, " as its request"));
               });
  }
  return Run(context, method, request, work);
}

}  // namespace meshplane::server
