// REST/JSON over the gRPC API: an HTTP request is matched to a route
// (routes.h), bound to the method's request message (binder.h) and sent
// as a gRPC call to this same server over its in-process channel, so that
// it runs exactly the code a gRPC call runs: CallRunner's authentication,
// request-id idempotency, validation, policies, audit, metrics and log
// line. The answer comes back as proto3 JSON, an error as AIP-193 JSON
// (error_json.h).
//
// Independent of the HTTP server library: the server (server.h) turns its
// requests into HttpRequest and writes HttpResponse back.
// Thread-safe; the channel must stay usable while calls are in flight.
#ifndef MESHPLANE_SERVER_HTTP_TRANSCODER_H_
#define MESHPLANE_SERVER_HTTP_TRANSCODER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/http/binder.h"
#include "server/http/routes.h"
#include <grpcpp/channel.h>

namespace meshplane::server::http {

struct HttpRequest {
  std::string method;  // "GET", ...
  std::string path;    // without the query string, still percent-encoded
  QueryParams query;   // decoded
  // Every header as received, names in lower case, in order.
  std::vector<std::pair<std::string, std::string>> headers;
  // Every Authorization header, in order (none: empty). Each becomes an
  // `authorization` metadata value, so that CallRunner refuses two of them
  // over REST as it does over gRPC.
  std::vector<std::string> authorization;
  std::string if_match;  // the If-Match header, or ""
  std::string peer;      // the client, "ipv4:10.1.2.3:51234", or ""
  bool tls = false;      // it came over the listener's own TLS
  std::string body;

  // The first header named `name` (any case), or "".
  std::string Header(absl::string_view name) const;
};

// A body that is written as it comes (chunked): Watch's NDJSON, an MCP
// event stream.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // The next piece of the body; false once there is nothing more. Blocks
  // until there is.
  virtual bool Next(std::string* chunk) = 0;
  // Ends the stream early (the client went away). Thread-safe.
  virtual void Cancel() = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string etag;  // for the ETag header (quoted), or ""
  // Further headers, e.g. {"Mcp-Session-Id", "..."}.
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is ignored and the stream's chunks are sent
  // instead, each as soon as it comes.
  std::shared_ptr<ResponseStream> stream;
};

// Serves one request. Called on a worker thread; may block.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class Transcoder {
 public:
  // `max_body_bytes`: longer bodies get 413 (the gRPC listener's maximum
  // message size, so that both transports accept the same requests).
  // `in_process_key` is CallRunner::in_process_key(), sent with the
  // transport metadata so that the call's log line says transport=http.
  Transcoder(RouteTable routes, std::shared_ptr<grpc::Channel> channel,
             size_t max_body_bytes, std::string in_process_key = "");

  HttpResponse Handle(const HttpRequest& request) const;

  // Server streaming (Watch): a call whose messages come as JSON lines.
  class JsonStream {
   public:
    virtual ~JsonStream() = default;
    // The next line (a message's JSON, or at the end an AIP-193 error
    // when the stream ended with one); false once there is nothing more.
    // Blocks until the server sends.
    virtual bool Next(std::string* line) = 0;
    // Ends the call (the client went away). Thread-safe.
    virtual void Cancel() = 0;
  };
  // True when `request` routes to a server-streaming method.
  bool IsStreaming(const HttpRequest& request) const;
  // Starts the call and waits for its first message, so that a call that
  // fails at once (bad token, bad request) answers with its HTTP status:
  // either `*error` is set (and null returned) or the stream is.
  std::unique_ptr<JsonStream> OpenStream(const HttpRequest& request,
                                         HttpResponse* error) const;

  const RouteTable& routes() const { return routes_; }

  // Called first for every request: the Authorization value to make the
  // call with ("" leaves the request as it is), or an error to answer
  // (web sessions: web_session.h). Set before serving.
  using CredentialHook =
      std::function<absl::StatusOr<std::string>(const HttpRequest&)>;
  void SetCredentialHook(CredentialHook hook) {
    credentials_ = std::move(hook);
  }

 private:
  struct Bound;
  absl::StatusOr<Bound> Bind(const HttpRequest& request) const;

  const RouteTable routes_;
  const std::shared_ptr<grpc::Channel> channel_;
  const size_t max_body_bytes_;
  const std::string in_process_key_;
  CredentialHook credentials_;
};

// `transcoder` as an HTTP handler for the paths under /v1/: a unary call
// answers at once; Watch answers with a stream of JSON lines
// (application/x-ndjson). `transcoder` must outlive the handler.
HttpHandler RestHandler(const Transcoder& transcoder);

// An AIP-193 response for `status` (not OK).
HttpResponse ErrorResponse(const absl::Status& status);

}  // namespace meshplane::server::http

#endif  // MESHPLANE_SERVER_HTTP_TRANSCODER_H_
