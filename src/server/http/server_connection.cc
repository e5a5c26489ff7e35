// One client connection of the HTTP server: read a request (within the
// limits of ServerOptions), route it, run its handler on a worker, write
// the answer or stream it, CORS and HEAD on the way; keep-alive until the
// client closes, a timeout cuts it, or the server stops.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "server/http/error_json.h"
#include "server/http/path_template.h"
#include "server/http/server_internal.h"
#include "spdlog/spdlog.h"
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <sys/stat.h>

namespace meshplane::server::http::server_internal {
namespace {

std::chrono::nanoseconds Chrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

// A query string's key or value: '+' is a space (as HTML forms and curl
// encode one), then percent-escapes; a malformed escape stays as written,
// for the binder to refuse with the parameter's name.
std::string QueryDecode(absl::string_view in) {
  std::string text = absl::StrReplaceAll(in, {{"+", " "}});
  std::optional<std::string> decoded = PercentDecode(text);
  return decoded.has_value() ? *std::move(decoded) : text;
}

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

bool IsHttpParseError(const beast::error_code& ec) {
  return &ec.category() ==
         &bhttp::make_error_code(bhttp::error::bad_method).category();
}

// One client connection, on a strand of its own: read a request, hand it
// to a worker, write the answer, read the next (keep-alive), until the
// client closes, a timeout cuts it, or the server stops.
template <class Stream>
class Connection : public ConnectionBase,
                   public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(Core* core, Stream stream, std::shared_ptr<ssl::context> tls,
             std::string peer)
      : core_(core),
        stream_(std::move(stream)),
        tls_(std::move(tls)),
        peer_(std::move(peer)) {
    core_->Register(this);
  }
  ~Connection() override { core_->Unregister(this); }

  void Run() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(
          Chrono(core_->options.idle_timeout));
      stream_.async_handshake(
          ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) {
            if (ec) {
              if (ec == beast::error::timeout) {
                self->core_->stats_timeouts.fetch_add(1);
              }
              return;
            }
            self->ReadHeader();
          });
    } else {
      ReadHeader();
    }
  }

  std::shared_ptr<ConnectionBase> Lock() override {
    return this->weak_from_this().lock();
  }

  // The caller holds an owner (Lock()).
  void Close() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_)
          .socket()
          .shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(self->stream_).close();
    });
  }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(core_->options.max_header_bytes));
    parser_->body_limit(core_->options.max_body_bytes);
    // A client that keeps the connection without sending a whole header is
    // cut after idle_timeout: an idle keep-alive connection, or a slow one.
    beast::get_lowest_layer(stream_).expires_after(
        Chrono(core_->options.idle_timeout));
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) {
          self->OnHeader(ec);
        });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) {
      OnReadError(ec);
      return;
    }
    const auto& header = parser_->get();
    version_ = header.version();
    target_ = std::string(header.target());
    if (boost::optional<std::uint64_t> length = parser_->content_length();
        length.has_value() && *length > core_->options.max_body_bytes) {
      RefuseTooLarge();
      return;
    }
    beast::get_lowest_layer(stream_).expires_after(
        Chrono(core_->options.read_timeout));
    if (absl::EqualsIgnoreCase(std::string(header[bhttp::field::expect]),
                               "100-continue")) {
      // curl sends `Expect: 100-continue` before a body over 1 KiB and
      // waits a second for this answer before it sends the body anyway.
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(
          bhttp::status::continue_, version_);
      bhttp::async_write(stream_, *cont,
                         [self = this->shared_from_this(), cont](
                             beast::error_code ec, size_t) {
                           if (ec) return;
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) {
          if (ec) {
            self->OnReadError(ec);
            return;
          }
          self->Dispatch();
        });
  }

  void OnReadError(const beast::error_code& ec) {
    if (ec == bhttp::error::end_of_stream) {
      Shutdown();
      return;
    }
    if (ec == beast::error::timeout) {
      core_->stats_timeouts.fetch_add(1);
      return;  // tcp_stream closed the socket
    }
    if (ec == bhttp::error::body_limit) {
      RefuseTooLarge();
      return;
    }
    if (ec == bhttp::error::header_limit) {
      core_->stats_rejected_too_large.fetch_add(1);
      Answer(ServerError(431, absl::InvalidArgumentError(absl::StrCat(
                                  "the request's header is over ",
                                  core_->options.max_header_bytes, " bytes"))),
             /*keep_alive=*/false);
      return;
    }
    if (IsHttpParseError(ec)) {
      core_->stats_rejected_malformed.fetch_add(1);
      Answer(ServerError(400, absl::InvalidArgumentError(absl::StrCat(
                                  "malformed HTTP request: ", ec.message()))),
             /*keep_alive=*/false);
    }
    // Anything else: the connection is gone.
  }

  void RefuseTooLarge() {
    core_->stats_rejected_too_large.fetch_add(1);
    Answer(ServerError(413, absl::ResourceExhaustedError(absl::StrCat(
                                "the body is over ",
                                core_->options.max_body_bytes, " bytes"))),
           /*keep_alive=*/false);
  }

  HttpRequest ToRequest(bhttp::request<bhttp::string_body>& msg) {
    HttpRequest out;
    out.method = std::string(msg.method_string());
    const std::string target_text(msg.target());
    absl::string_view target = target_text;
    const size_t q = target.find('?');
    out.path = std::string(target.substr(0, q));
    if (q != absl::string_view::npos) {
      for (absl::string_view pair :
           absl::StrSplit(target.substr(q + 1), '&', absl::SkipEmpty())) {
        std::pair<std::string, std::string> kv =
            absl::StrSplit(pair, absl::MaxSplits('=', 1));
        out.query.emplace_back(QueryDecode(kv.first), QueryDecode(kv.second));
      }
    }
    for (const auto& field : msg) {
      std::string name = absl::AsciiStrToLower(absl::string_view(
          field.name_string().data(), field.name_string().size()));
      std::string value(field.value());
      if (name == "authorization") out.authorization.push_back(value);
      if (name == "if-match" && out.if_match.empty()) out.if_match = value;
      out.headers.emplace_back(std::move(name), std::move(value));
    }
    out.peer = peer_;
    out.tls = std::is_same_v<Stream, TlsStream>;
    out.body = std::move(msg.body());
    return out;
  }

  void Dispatch() {
    core_->stats_requests_total.fetch_add(1);
    bhttp::request<bhttp::string_body> msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    head_ = msg.method() == bhttp::verb::head;
    HttpRequest request = ToRequest(msg);
    origin_ = request.Header("origin");
    if (head_) request.method = "GET";
    if (request.method == "OPTIONS" && !origin_.empty() &&
        !request.Header("access-control-request-method").empty()) {
      Answer(Preflight(), keep_alive_);
      return;
    }
    HttpResponse answer;
    const HttpHandler* handler = core_->Find(request, &answer);
    if (handler == nullptr) {
      Answer(std::move(answer), keep_alive_);
      return;
    }
    const bool queued =
        core_->workers.TrySubmit([self = this->shared_from_this(), handler,
                                  request = std::move(request)]() mutable {
          HttpResponse response = (*handler)(request);
          net::post(self->stream_.get_executor(),
                    [self, response = std::move(response)]() mutable {
                      self->Answer(std::move(response), self->keep_alive_);
                    });
        });
    if (!queued) {
      core_->stats_rejected_overload.fetch_add(1);
      HttpResponse busy = ServerError(
          503, absl::UnavailableError(
                   "the HTTP server is at capacity; retry shortly"));
      busy.headers.emplace_back("Retry-After", "1");
      Answer(std::move(busy), keep_alive_);
    }
  }

  // A CORS preflight: allowed origins get what a browser needs to send
  // the API's methods and headers; any other origin gets 403 and no CORS
  // header, so the browser blocks the call.
  HttpResponse Preflight() const {
    if (!core_->OriginAllowed(origin_)) {
      return ServerError(403, absl::PermissionDeniedError(absl::StrCat(
                                  "origin ", origin_,
                                  " is not allowed (--http-cors-origin)")));
    }
    HttpResponse out;
    out.status = 204;
    out.content_type.clear();
    out.headers = {
        {"Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE"},
        {"Access-Control-Allow-Headers",
         "authorization, content-type, if-match, mcp-session-id, "
         "mcp-protocol-version"},
        {"Access-Control-Max-Age", "600"}};
    return out;
  }

  template <class Message>
  void SetHeaders(Message& m, const HttpResponse& in) const {
    if (!in.content_type.empty()) {
      m.set(bhttp::field::content_type, in.content_type);
    }
    if (!in.etag.empty()) m.set(bhttp::field::etag, in.etag);
    for (const auto& [name, value] : in.headers) m.insert(name, value);
    if (core_->OriginAllowed(origin_)) {
      m.set(bhttp::field::access_control_allow_origin, origin_);
      m.set(bhttp::field::access_control_expose_headers,
            "ETag, Mcp-Session-Id");
      m.insert(bhttp::field::vary, "Origin");
    }
  }

  // On the strand: writes `in` and reads the next request, or closes.
  void Answer(HttpResponse in, bool keep_alive) {
    if (in.stream != nullptr) {
      AnswerStream(std::move(in));
      return;
    }
    auto m = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(in.status), version_);
    SetHeaders(*m, in);
    m->keep_alive(keep_alive);
    m->body() = std::move(in.body);
    m->prepare_payload();
    if (head_) m->body().clear();  // Content-Length stays the GET's
    beast::get_lowest_layer(stream_).expires_after(
        Chrono(core_->options.write_timeout));
    bhttp::async_write(
        stream_, *m,
        [self = this->shared_from_this(), m](beast::error_code ec, size_t) {
          if (ec) {
            if (ec == beast::error::timeout) {
              self->core_->stats_timeouts.fetch_add(1);
            }
            return;
          }
          if (!m->keep_alive()) {
            self->Shutdown();
            return;
          }
          self->ReadHeader();
        });
  }

  // A chunked answer fed by a thread of its own (the stream's Next()
  // blocks); each chunk is written on the strand, and the connection
  // closes when the stream ends.
  void AnswerStream(HttpResponse in) {
    std::shared_ptr<ResponseStream> stream = std::move(in.stream);
    auto head = std::make_shared<bhttp::response<bhttp::empty_body>>(
        static_cast<bhttp::status>(in.status), version_);
    SetHeaders(*head, in);
    head->set(bhttp::field::cache_control, "no-store");
    head->chunked(true);
    head->keep_alive(false);
    auto serializer =
        std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*head);
    auto self = this->shared_from_this();
    const bool started =
        core_->StartStream(stream, [self, stream, head, serializer] {
          std::promise<bool> header_done;
          net::post(self->stream_.get_executor(), [&] {
            beast::get_lowest_layer(self->stream_)
                .expires_after(Chrono(self->core_->options.write_timeout));
            bhttp::async_write_header(self->stream_, *serializer,
                                      [&](beast::error_code ec, size_t) {
                                        header_done.set_value(!ec);
                                      });
          });
          bool ok = header_done.get_future().get();
          std::string chunk;
          while (ok && stream->Next(&chunk)) {
            if (chunk.empty()) continue;
            ok = self->WriteBlocking(bhttp::make_chunk(net::buffer(chunk)));
          }
          stream->Cancel();
          if (ok) self->WriteBlocking(bhttp::make_chunk_last());
          net::post(self->stream_.get_executor(), [self] { self->Shutdown(); });
        });
    if (!started) {
      stream->Cancel();
      core_->stats_rejected_overload.fetch_add(1);
      HttpResponse busy = ServerError(
          503, absl::UnavailableError("too many streams are open; retry "
                                      "shortly"));
      busy.headers.emplace_back("Retry-After", "1");
      Answer(std::move(busy), /*keep_alive=*/false);
    }
  }

  // From a stream's thread: writes `buffers` on the strand and waits.
  template <class Buffers>
  bool WriteBlocking(const Buffers& buffers) {
    std::promise<bool> done;
    net::post(stream_.get_executor(), [&] {
      beast::get_lowest_layer(stream_).expires_after(
          Chrono(core_->options.write_timeout));
      net::async_write(stream_, buffers, [&](beast::error_code ec, size_t) {
        done.set_value(!ec);
      });
    });
    return done.get_future().get();
  }

  void Shutdown() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) {
            beast::get_lowest_layer(self->stream_).close();
          });
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      Linger();
    }
  }

  // After our half-close, reads and drops what the client still sends
  // (the rest of a refused body) until it closes too, for at most 2 s:
  // closing with unread data makes the kernel answer with a reset, and a
  // client still writing its body would lose our answer (a 413) to it.
  void Linger() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    stream_.async_read_some(
        net::buffer(linger_buffer_),
        [self = this->shared_from_this()](beast::error_code ec, size_t) {
          if (ec) {
            beast::get_lowest_layer(self->stream_).close();
            return;
          }
          self->Linger();
        });
  }

  Core* const core_;
  Stream stream_;
  const std::shared_ptr<ssl::context> tls_;  // outlives the stream's SSL
  const std::string peer_;
  beast::flat_buffer buffer_;
  std::array<char, 16384> linger_buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  unsigned version_ = 11;
  std::string target_;
  std::string origin_;
  bool keep_alive_ = true;
  bool head_ = false;
};

}  // namespace

void ServeConnection(Core* core, tcp::socket socket,
                     std::shared_ptr<ssl::context> tls, std::string peer) {
  if (tls == nullptr) {
    std::make_shared<Connection<PlainStream>>(
        core, PlainStream(std::move(socket)), nullptr, std::move(peer))
        ->Run();
    return;
  }
  ssl::context& ctx = *tls;
  std::make_shared<Connection<TlsStream>>(
      core, TlsStream(std::move(socket), ctx), std::move(tls), std::move(peer))
      ->Run();
}

}  // namespace meshplane::server::http::server_internal
