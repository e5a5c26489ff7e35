#include "server/http/httplib_glue.h"

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "server/http/error_json.h"
#include "server/http/path_template.h"

namespace meshplane::server::http {
namespace {

constexpr char kJson[] = "application/json";

// A query string's key or value: '+' is a space (as HTML forms and curl
// encode one), then percent-escapes; a malformed escape stays as written,
// for the binder to refuse with the parameter's name.
std::string QueryDecode(absl::string_view in) {
  std::string text = absl::StrReplaceAll(in, {{"+", " "}});
  std::optional<std::string> decoded = PercentDecode(text);
  return decoded.has_value() ? *std::move(decoded) : text;
}

HttpRequest ToHttpRequest(const httplib::Request& req) {
  HttpRequest out;
  out.method = req.method;
  // The raw target: httplib decodes req.path, which would turn an encoded
  // "/" inside a resource id into a segment boundary.
  out.path = req.target.empty() ? req.path : req.target;
  if (size_t q = out.path.find('?'); q != std::string::npos) {
    out.path.resize(q);
  }
  // Query parameters come from the URL alone: httplib also files the
  // fields of an application/x-www-form-urlencoded body (what `curl -d`
  // sends by default) under req.params, but a REST body is JSON whatever
  // its Content-Type says.
  if (size_t q = req.target.find('?'); q != std::string::npos) {
    for (absl::string_view pair :
         absl::StrSplit(absl::string_view(req.target).substr(q + 1), '&',
                        absl::SkipEmpty())) {
      std::pair<std::string, std::string> kv =
          absl::StrSplit(pair, absl::MaxSplits('=', 1));
      out.query.emplace_back(QueryDecode(kv.first), QueryDecode(kv.second));
    }
  }
  for (const auto& [name, value] : req.headers) {
    out.headers.emplace_back(absl::AsciiStrToLower(name), value);
  }
  const size_t authorizations = req.get_header_value_count("Authorization");
  for (size_t i = 0; i < authorizations; ++i) {
    out.authorization.push_back(req.get_header_value("Authorization", i));
  }
  out.if_match = req.get_header_value("If-Match");
  out.body = req.body;
  if (!req.remote_addr.empty()) {
    const bool v6 = req.remote_addr.find(':') != std::string::npos;
    out.peer =
        v6 ? absl::StrCat("ipv6:[", req.remote_addr, "]:", req.remote_port)
           : absl::StrCat("ipv4:", req.remote_addr, ":", req.remote_port);
  }
  return out;
}

void Write(const HttpResponse& in, httplib::Response& res) {
  res.status = in.status;
  if (!in.etag.empty()) res.set_header("ETag", in.etag);
  for (const auto& [name, value] : in.headers) res.set_header(name, value);
  if (in.stream == nullptr) {
    res.set_content(in.body, in.content_type);
    return;
  }
  std::shared_ptr<ResponseStream> stream = in.stream;
  res.set_chunked_content_provider(
      in.content_type,
      [stream](size_t, httplib::DataSink& sink) {
        std::string chunk;
        if (!stream->Next(&chunk)) {
          sink.done();
          return true;
        }
        if (!sink.write(chunk.data(), chunk.size())) {
          stream->Cancel();
          return false;
        }
        return true;
      },
      [stream](bool) { stream->Cancel(); });
}

}  // namespace

void MountRest(httplib::Server& server, const Transcoder& transcoder,
               size_t max_body_bytes) {
  const httplib::Server::Handler handler =
      [&transcoder](const httplib::Request& req, httplib::Response& res) {
        HttpRequest request = ToHttpRequest(req);
        if (!transcoder.IsStreaming(request)) {
          Write(transcoder.Handle(request), res);
          return;
        }
        HttpResponse error;
        std::shared_ptr<Transcoder::JsonStream> stream =
            transcoder.OpenStream(request, &error);
        if (stream == nullptr) {
          Write(error, res);
          return;
        }
        // One JSON document per line (application/x-ndjson), flushed as each
        // message arrives; a failed write means the client left.
        res.set_chunked_content_provider(
            "application/x-ndjson",
            [stream](size_t, httplib::DataSink& sink) {
              std::string line;
              if (!stream->Next(&line)) {
                sink.done();
                return true;
              }
              line.push_back('\n');
              if (!sink.write(line.data(), line.size())) {
                stream->Cancel();
                return false;
              }
              return true;
            },
            [stream](bool) { stream->Cancel(); });
      };
  const std::string pattern = "/v1/.*";
  server.Get(pattern, handler);
  server.Post(pattern, handler);
  server.Patch(pattern, handler);
  server.Put(pattern, handler);
  server.Delete(pattern, handler);
  server.set_payload_max_length(max_body_bytes);
  // httplib writes the headers and the body of an answer apart: with
  // Nagle's algorithm the body waits for the client's delayed ACK, 40 ms a
  // call on Linux (a GetDataProduct took 42 ms at p50 over REST against
  // 0.33 ms over gRPC before this).
  server.set_tcp_nodelay(true);
  // httplib's default closes a kept-alive connection after 5 requests.
  server.set_keep_alive_max_count(1000);
  // httplib refuses an over-long body itself (413) before any handler.
  server.set_error_handler([max_body_bytes](const httplib::Request& req,
                                            httplib::Response& res) {
    if (!absl::StartsWith(req.path, "/v1/")) return;
    if (res.status == 413) {
      HttpResponse r = ErrorResponse(absl::ResourceExhaustedError(
          absl::StrCat("the body is over ", max_body_bytes, " bytes")));
      r.status = 413;
      r.body = ErrorJson(ToGrpc(absl::ResourceExhaustedError(absl::StrCat(
                             "the body is over ", max_body_bytes, " bytes"))),
                         413);
      Write(r, res);
    }
  });
}

void MountHandler(httplib::Server& server, const std::string& method,
                  const std::string& path, HttpHandler handler) {
  const httplib::Server::Handler h =
      [handler = std::move(handler)](const httplib::Request& req,
                                     httplib::Response& res) {
        Write(handler(ToHttpRequest(req)), res);
      };
  if (method == "GET") server.Get(path, h);
  if (method == "POST") server.Post(path, h);
  if (method == "DELETE") server.Delete(path, h);
  if (method == "PUT") server.Put(path, h);
  if (method == "PATCH") server.Patch(path, h);
}

}  // namespace meshplane::server::http
