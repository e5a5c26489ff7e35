#include "server/http/transcoder.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/message.h"
#include "server/call.h"
#include "server/http/error_json.h"
#include <grpcpp/client_context.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/sync_stream.h>

#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"

namespace meshplane::server::http {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

struct Transcoder::Bound {
  const Route* route = nullptr;
  std::unique_ptr<Message> request;
  std::unique_ptr<Message> response;
};

std::string HttpRequest::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

namespace {

HttpResponse ErrorWithHttpStatus(const absl::Status& status, int http) {
  HttpResponse out;
  grpc::Status g = ToGrpc(status);
  out.status = http;
  out.body = ErrorJson(g, http);
  return out;
}

// The entity tag of an If-Match header: `"abc"`, `W/"abc"` or a bare value.
std::string EtagOfHeader(absl::string_view h) {
  h = absl::StripAsciiWhitespace(h);
  if (absl::StartsWith(h, "W/")) h.remove_prefix(2);
  if (h.size() >= 2 && h.front() == '"' && h.back() == '"') {
    h = h.substr(1, h.size() - 2);
  }
  return std::string(h);
}

const FieldDescriptor* EtagField(const Message& m) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName("etag");
  if (f == nullptr || f->is_repeated() ||
      f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
    return nullptr;
  }
  return f;
}

// If-Match fills the etag the request carries: its own `etag` field (a
// delete, a custom method) or that of the resource in its body (an
// update). An etag also given in the body must agree.
absl::Status ApplyIfMatch(const std::string& header, const Route& route,
                          Message* request) {
  if (header.empty() || absl::StripAsciiWhitespace(header) == "*") {
    return absl::OkStatus();
  }
  const std::string etag = EtagOfHeader(header);
  Message* target = request;
  const FieldDescriptor* f = EtagField(*request);
  if (f == nullptr && !route.body.empty() && route.body != "*") {
    const FieldDescriptor* body =
        request->GetDescriptor()->FindFieldByName(route.body);
    if (body != nullptr && !body->is_repeated() &&
        body->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      target = request->GetReflection()->MutableMessage(request, body);
      f = EtagField(*target);
    }
  }
  if (f == nullptr) {
    return InvalidArgumentWithFields(
        {FieldViolation{"If-Match", "this method takes no etag"}});
  }
  const google::protobuf::Reflection* r = target->GetReflection();
  const std::string given = r->GetString(*target, f);
  if (!given.empty() && given != etag) {
    return InvalidArgumentWithFields({FieldViolation{
        "If-Match", "differs from the etag in the body; send one"}});
  }
  r->SetString(target, f, etag);
  return absl::OkStatus();
}

void PrepareContext(const HttpRequest& req, const std::string& key,
                    grpc::ClientContext* ctx) {
  for (const std::string& value : req.authorization) {
    ctx->AddMetadata("authorization", value);
  }
  ctx->AddMetadata(kTransportMetadata, "http");
  if (!key.empty()) ctx->AddMetadata(kInProcessKeyMetadata, key);
  if (!req.peer.empty()) ctx->AddMetadata(kPeerMetadata, req.peer);
}

std::string ResponseJson(const Route& route, const Message& response) {
  if (!route.response_body.empty()) {
    const FieldDescriptor* f =
        response.GetDescriptor()->FindFieldByName(route.response_body);
    if (f != nullptr && !f->is_repeated() &&
        f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return ToJson(response.GetReflection()->GetMessage(response, f));
    }
  }
  return ToJson(response);
}

class StreamImpl final : public Transcoder::JsonStream {
 public:
  StreamImpl(const Route* route, std::unique_ptr<Message> request,
             std::unique_ptr<Message> message)
      : route_(route),
        request_(std::move(request)),
        message_(std::move(message)),
        method_(route->grpc_method.c_str(),
                grpc::internal::RpcMethod::SERVER_STREAMING) {}

  // Starts the call; false (with `*error`) when it ended before a message.
  bool Start(grpc::ChannelInterface* channel, const HttpRequest& req,
             const std::string& key, HttpResponse* error) {
    PrepareContext(req, key, &ctx_);
    reader_.reset(grpc::internal::ClientReaderFactory<Message>::Create(
        channel, method_, &ctx_, *request_));
    if (reader_->Read(message_.get())) {
      pending_ = true;
      return true;
    }
    grpc::Status s = reader_->Finish();
    error->status = HttpStatusOf(s.error_code());
    error->body = s.ok() ? "" : ErrorJson(s);
    return false;
  }

  bool Next(std::string* line) override {
    if (done_) return false;
    if (pending_ || reader_->Read(message_.get())) {
      pending_ = false;
      *line = ResponseJson(*route_, *message_);
      return true;
    }
    done_ = true;
    grpc::Status s = reader_->Finish();
    if (s.ok()) return false;
    *line = ErrorJson(s);
    return true;
  }

  void Cancel() override { ctx_.TryCancel(); }

 private:
  const Route* route_;
  std::unique_ptr<Message> request_;
  std::unique_ptr<Message> message_;
  grpc::internal::RpcMethod method_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<Message>> reader_;
  bool pending_ = false;
  bool done_ = false;
};

}  // namespace

namespace {

// Watch's messages as NDJSON: one JSON document a line.
class NdjsonStream : public ResponseStream {
 public:
  explicit NdjsonStream(std::unique_ptr<Transcoder::JsonStream> stream)
      : stream_(std::move(stream)) {}
  bool Next(std::string* chunk) override {
    if (!stream_->Next(chunk)) return false;
    chunk->push_back('\n');
    return true;
  }
  void Cancel() override { stream_->Cancel(); }

 private:
  const std::unique_ptr<Transcoder::JsonStream> stream_;
};

}  // namespace

HttpHandler RestHandler(const Transcoder& transcoder) {
  return [&transcoder](const HttpRequest& request) {
    if (!transcoder.IsStreaming(request)) return transcoder.Handle(request);
    HttpResponse error;
    std::unique_ptr<Transcoder::JsonStream> stream =
        transcoder.OpenStream(request, &error);
    if (stream == nullptr) return error;
    HttpResponse out;
    out.content_type = "application/x-ndjson";
    out.stream = std::make_shared<NdjsonStream>(std::move(stream));
    return out;
  };
}

HttpResponse ErrorResponse(const absl::Status& status) {
  grpc::Status g = ToGrpc(status);
  HttpResponse out;
  out.status = HttpStatusOf(g.error_code());
  out.body = ErrorJson(g);
  return out;
}

Transcoder::Transcoder(RouteTable routes,
                       std::shared_ptr<grpc::Channel> channel,
                       size_t max_body_bytes, std::string in_process_key)
    : routes_(std::move(routes)),
      channel_(std::move(channel)),
      max_body_bytes_(max_body_bytes),
      in_process_key_(std::move(in_process_key)) {}

absl::StatusOr<Transcoder::Bound> Transcoder::Bind(
    const HttpRequest& req) const {
  std::optional<RouteTable::Match> match = routes_.Find(req.method, req.path);
  if (!match) {
    std::vector<std::string> methods = routes_.MethodsFor(req.path);
    if (!methods.empty()) {
      return absl::UnimplementedError(
          absl::StrCat(req.method, " is not served on ", req.path,
                       " (it serves ", absl::StrJoin(methods, ", "), ")"));
    }
    return absl::NotFoundError(
        absl::StrCat("no REST route for ", req.method, " ", req.path));
  }
  Bound b;
  b.route = match->route;
  google::protobuf::MessageFactory* factory =
      google::protobuf::MessageFactory::generated_factory();
  const google::protobuf::MethodDescriptor* m = b.route->method;
  b.request.reset(factory->GetPrototype(m->input_type())->New());
  b.response.reset(factory->GetPrototype(m->output_type())->New());
  if (b.route->body.empty() && !absl::StripAsciiWhitespace(req.body).empty()) {
    return InvalidArgumentWithFields({FieldViolation{
        "body", absl::StrCat(req.method, " ", b.route->path.text(),
                             " takes no body")}});
  }
  MP_RETURN_IF_ERROR(BindBody(req.body, b.route->body, b.request.get()));
  // The path binds after the body, so that the path decides the resource.
  for (const auto& [field, value] : match->bindings) {
    MP_RETURN_IF_ERROR(SetFieldFromText(b.request.get(), field, value, field));
  }
  MP_RETURN_IF_ERROR(BindQuery(req.query, b.route->path.FieldPaths(),
                               b.route->body, b.request.get()));
  MP_RETURN_IF_ERROR(ApplyIfMatch(req.if_match, *b.route, b.request.get()));
  return b;
}

HttpResponse Transcoder::Handle(const HttpRequest& req) const {
  if (credentials_) {
    absl::StatusOr<std::string> authorization = credentials_(req);
    if (!authorization.ok()) return ErrorResponse(authorization.status());
    if (!authorization->empty()) {
      // The hook leaves a request that sends an Authorization as it is:
      // this recursion is one level deep.
      HttpRequest with = req;
      with.authorization = {*std::move(authorization)};
      return Handle(with);
    }
  }
  if (req.body.size() > max_body_bytes_) {
    return ErrorWithHttpStatus(absl::ResourceExhaustedError(absl::StrCat(
                                   "the body has ", req.body.size(),
                                   " bytes; at most ", max_body_bytes_)),
                               413);
  }
  absl::StatusOr<Bound> b = Bind(req);
  if (!b.ok()) {
    if (b.status().code() == absl::StatusCode::kUnimplemented) {
      return ErrorWithHttpStatus(b.status(), 405);
    }
    return ErrorResponse(b.status());
  }
  grpc::ClientContext ctx;
  PrepareContext(req, in_process_key_, &ctx);
  const grpc::internal::RpcMethod method(b->route->grpc_method.c_str(),
                                         grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::Status s = grpc::internal::BlockingUnaryCall<Message, Message>(
      channel_.get(), method, &ctx, *b->request, b->response.get());
  HttpResponse out;
  if (!s.ok()) {
    out.status = HttpStatusOf(s.error_code());
    out.body = ErrorJson(s);
    return out;
  }
  out.body = ResponseJson(*b->route, *b->response);
  if (const FieldDescriptor* f = EtagField(*b->response)) {
    std::string etag = b->response->GetReflection()->GetString(*b->response, f);
    if (!etag.empty()) out.etag = absl::StrCat("\"", etag, "\"");
  }
  return out;
}

bool Transcoder::IsStreaming(const HttpRequest& req) const {
  std::optional<RouteTable::Match> match = routes_.Find(req.method, req.path);
  return match && match->route->method->server_streaming();
}

std::unique_ptr<Transcoder::JsonStream> Transcoder::OpenStream(
    const HttpRequest& req, HttpResponse* error) const {
  if (credentials_) {
    absl::StatusOr<std::string> authorization = credentials_(req);
    if (!authorization.ok()) {
      *error = ErrorResponse(authorization.status());
      return nullptr;
    }
    if (!authorization->empty()) {
      HttpRequest with = req;
      with.authorization = {*std::move(authorization)};
      return OpenStream(with, error);
    }
  }
  absl::StatusOr<Bound> b = Bind(req);
  if (!b.ok()) {
    *error = ErrorResponse(b.status());
    return nullptr;
  }
  auto stream = std::make_unique<StreamImpl>(b->route, std::move(b->request),
                                             std::move(b->response));
  if (!stream->Start(channel_.get(), req, in_process_key_, error))
    return nullptr;
  return stream;
}

}  // namespace meshplane::server::http
