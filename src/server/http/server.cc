#include "server/http/server.h"

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
#include "spdlog/spdlog.h"
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <sys/stat.h>

namespace meshplane::server::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

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

// An error answered by the server itself, before or instead of a handler:
// AIP-193 JSON like every other error of the API, with `http_status`.
HttpResponse ServerError(int http_status, const absl::Status& status) {
  HttpResponse out;
  out.status = http_status;
  out.body = ErrorJson(ToGrpc(status), http_status);
  return out;
}

// Handlers block (a REST call waits for its gRPC answer), so they run here
// rather than on the I/O threads. The queue is bounded: past it the
// server answers 503 at once instead of letting latency grow without end.
class WorkerPool {
 public:
  WorkerPool(int threads, int max_queued) : max_queued_(max_queued) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { Run(); });
    }
  }
  ~WorkerPool() { Stop(); }

  bool TrySubmit(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_ || static_cast<int>(queue_.size()) >= max_queued_) {
        return false;
      }
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
    return true;
  }

  int64_t queued() const {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int64_t>(queue_.size());
  }

  // Drops what is queued (its connections are being closed) and waits for
  // the tasks that are running.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
      queue_.clear();
    }
    cv_.notify_all();
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  const int max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopped_ = false;
  std::vector<std::thread> threads_;
};

class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // An owner, unless the last one is already gone (the connection is
  // being destroyed).
  virtual std::shared_ptr<ConnectionBase> Lock() = 0;
  // Closes the socket from any thread; pending operations end with an
  // error and the connection goes away.
  virtual void Close() = 0;
};

// What every connection shares: options, routes, workers, counters, and
// the registries that Stop() walks.
struct Core {
  explicit Core(ServerOptions o)
      : options(std::move(o)),
        workers(std::max(1, options.worker_threads),
                std::max(1, options.max_queued)) {}

  struct Route {
    std::map<std::string, HttpHandler> by_method;
  };

  // The handler for `request` (its method already GET for a HEAD), or
  // null with `*answer` set (404, 405).
  const HttpHandler* Find(const HttpRequest& request,
                          HttpResponse* answer) const {
    if (auto it = exact.find(request.path); it != exact.end()) {
      if (auto m = it->second.by_method.find(request.method);
          m != it->second.by_method.end()) {
        return &m->second;
      }
      std::vector<std::string> allowed;
      for (const auto& [method, handler] : it->second.by_method) {
        allowed.push_back(method);
        if (method == "GET") allowed.push_back("HEAD");
      }
      *answer = ServerError(405, absl::InvalidArgumentError(absl::StrCat(
                                     request.method, " ", request.path,
                                     ": method not allowed; allowed: ",
                                     absl::StrJoin(allowed, ", "))));
      answer->headers.emplace_back("Allow", absl::StrJoin(allowed, ", "));
      return nullptr;
    }
    for (const auto& [prefix, handler] : prefixes) {
      if (absl::StartsWith(request.path, prefix)) return &handler;
    }
    *answer = ServerError(
        404, absl::NotFoundError(absl::StrCat("no such path: ", request.path)));
    return nullptr;
  }

  bool OriginAllowed(absl::string_view origin) const {
    return !origin.empty() &&
           std::find(options.cors_origins.begin(), options.cors_origins.end(),
                     origin) != options.cors_origins.end();
  }

  // Runs `body` on a thread of its own for a stream, unless the server is
  // stopping or max_streams run already (then false, and the caller
  // answers 503).
  bool StartStream(const std::shared_ptr<ResponseStream>& stream,
                   std::function<void()> body) {
    {
      std::lock_guard<std::mutex> lock(streams_mu);
      if (stopping || static_cast<int>(streams.size()) >=
                          std::max(0, options.max_streams)) {
        return false;
      }
      streams.insert(stream.get());
    }
    stats_streams_open.fetch_add(1);
    std::thread([this, stream = stream, body = std::move(body)]() mutable {
      body();
      // What the body holds (its connection) goes before the stream is
      // struck off: Stop() may destroy everything once it is.
      body = nullptr;
      ResponseStream* const key = stream.get();
      stream.reset();
      std::lock_guard<std::mutex> lock(streams_mu);
      streams.erase(key);
      stats_streams_open.fetch_sub(1);
      streams_cv.notify_all();
    }).detach();
    return true;
  }

  void Register(ConnectionBase* c) {
    std::lock_guard<std::mutex> lock(connections_mu);
    connections.insert(c);
  }
  void Unregister(ConnectionBase* c) {
    std::lock_guard<std::mutex> lock(connections_mu);
    connections.erase(c);
    connections_cv.notify_all();
  }

  const ServerOptions options;
  std::map<std::string, Route> exact;
  std::vector<std::pair<std::string, HttpHandler>> prefixes;
  WorkerPool workers;

  std::mutex streams_mu;
  std::condition_variable streams_cv;
  std::set<ResponseStream*> streams;
  bool stopping = false;  // under streams_mu

  mutable std::mutex connections_mu;
  std::condition_variable connections_cv;
  std::set<ConnectionBase*> connections;

  std::atomic<int64_t> stats_connections_total{0};
  std::atomic<int64_t> stats_requests_total{0};
  std::atomic<int64_t> stats_streams_open{0};
  std::atomic<int64_t> stats_rejected_overload{0};
  std::atomic<int64_t> stats_rejected_too_large{0};
  std::atomic<int64_t> stats_rejected_malformed{0};
  std::atomic<int64_t> stats_timeouts{0};
};

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

absl::StatusOr<std::shared_ptr<ssl::context>> LoadTls(
    const std::string& cert_file, const std::string& key_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                   ssl::context::no_tlsv1_1);
  beast::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-cert-file ", cert_file, ": ", ec.message()));
  }
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-key-file ", key_file, ": ", ec.message()));
  }
  return ctx;
}

int64_t ModifiedNanos(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 +
         st.st_mtim.tv_nsec;
}

std::string PeerOf(const tcp::socket& socket) {
  beast::error_code ec;
  tcp::endpoint ep = socket.remote_endpoint(ec);
  if (ec) return "";
  if (ep.address().is_v6()) {
    return absl::StrCat("ipv6:[", ep.address().to_string(), "]:", ep.port());
  }
  return absl::StrCat("ipv4:", ep.address().to_string(), ":", ep.port());
}

}  // namespace

class Server::Impl {
 public:
  explicit Impl(ServerOptions options) : core_(std::move(options)) {}

  ~Impl() { Stop(); }

  absl::Status Start() {
    const ServerOptions& o = core_.options;
    if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
      absl::StatusOr<std::shared_ptr<ssl::context>> ctx =
          LoadTls(o.tls_cert_file, o.tls_key_file);
      if (!ctx.ok()) return ctx.status();
      tls_ = *std::move(ctx);
      cert_mtime_ = ModifiedNanos(o.tls_cert_file);
      key_mtime_ = ModifiedNanos(o.tls_key_file);
      next_tls_check_ = absl::Now() + o.tls_reload_interval;
    }
    std::stable_sort(core_.prefixes.begin(), core_.prefixes.end(),
                     [](const auto& a, const auto& b) {
                       return a.first.size() > b.first.size();
                     });
    beast::error_code ec;
    net::ip::address address = net::ip::make_address(o.host, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("--http-listen: ", o.host, " is not an IP address"));
    }
    tcp::endpoint endpoint(address, static_cast<unsigned short>(o.port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("cannot listen for HTTP on ",
                                                 o.host, ":", o.port, ": ",
                                                 ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (int i = 0; i < std::max(1, o.io_threads); ++i) {
      io_threads_.emplace_back([this] { ioc_.run(); });
    }
    return absl::OkStatus();
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(core_.streams_mu);
      if (stopped_) return;
      stopped_ = true;
      core_.stopping = true;
    }
    if (io_threads_.empty()) return;  // never started
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    // Streams first, while the I/O threads still write their last chunk.
    {
      std::unique_lock<std::mutex> lock(core_.streams_mu);
      for (ResponseStream* s : core_.streams) s->Cancel();
      core_.streams_cv.wait(lock, [this] { return core_.streams.empty(); });
    }
    core_.workers.Stop();
    {
      // Owners are taken under the lock but closed and dropped outside it:
      // dropping the last one runs the destructor, which takes the lock.
      std::vector<std::shared_ptr<ConnectionBase>> open;
      {
        std::lock_guard<std::mutex> lock(core_.connections_mu);
        for (ConnectionBase* c : core_.connections) {
          if (std::shared_ptr<ConnectionBase> owner = c->Lock()) {
            open.push_back(std::move(owner));
          }
        }
      }
      for (const std::shared_ptr<ConnectionBase>& c : open) c->Close();
      open.clear();
      std::unique_lock<std::mutex> lock(core_.connections_mu);
      core_.connections_cv.wait_for(lock, std::chrono::seconds(5), [this] {
        return core_.connections.empty();
      });
    }
    work_.reset();
    ioc_.stop();
    for (std::thread& t : io_threads_) t.join();
    io_threads_.clear();
  }

  Core core_;
  int port_ = 0;
  std::shared_ptr<ssl::context> tls_;

 private:
  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec,
                                                          tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
          return;
        }
        // EMFILE and the like: keep accepting, as the next one may fit.
        spdlog::warn("http accept: {}", ec.message());
      } else {
        OnAccept(std::move(socket));
      }
      Accept();
    });
  }

  void OnAccept(tcp::socket socket) {
    core_.stats_connections_total.fetch_add(1);
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::string peer = PeerOf(socket);
    if (tls_ == nullptr) {
      std::make_shared<Connection<PlainStream>>(
          &core_, PlainStream(std::move(socket)), nullptr, std::move(peer))
          ->Run();
      return;
    }
    std::shared_ptr<ssl::context> ctx = CurrentTls();
    std::make_shared<Connection<TlsStream>>(
        &core_, TlsStream(std::move(socket), *ctx), ctx, std::move(peer))
        ->Run();
  }

  // The certificate in force: re-read when a file changed, checked at most
  // every tls_reload_interval (on the accepting strand only).
  std::shared_ptr<ssl::context> CurrentTls() {
    const absl::Time now = absl::Now();
    if (now < next_tls_check_) return tls_;
    const ServerOptions& o = core_.options;
    next_tls_check_ = now + o.tls_reload_interval;
    const int64_t cert = ModifiedNanos(o.tls_cert_file);
    const int64_t key = ModifiedNanos(o.tls_key_file);
    if (cert == cert_mtime_ && key == key_mtime_) return tls_;
    absl::StatusOr<std::shared_ptr<ssl::context>> ctx =
        LoadTls(o.tls_cert_file, o.tls_key_file);
    if (!ctx.ok()) {
      spdlog::warn("http tls: keeping the previous certificate: {}",
                   std::string(ctx.status().message()));
      return tls_;
    }
    cert_mtime_ = cert;
    key_mtime_ = key;
    tls_ = *std::move(ctx);
    spdlog::info("http tls: certificate re-read from {}", o.tls_cert_file);
    return tls_;
  }

  bool stopped_ = false;  // under core_.streams_mu
  int64_t cert_mtime_ = 0;
  int64_t key_mtime_ = 0;
  absl::Time next_tls_check_;
  std::vector<std::thread> io_threads_;
  // Last: destroyed first, with the handlers (and connections) it holds.
  net::io_context ioc_;
  net::executor_work_guard<net::io_context::executor_type> work_ =
      net::make_work_guard(ioc_);
  tcp::acceptor acceptor_{net::make_strand(ioc_)};
};

Server::Server(ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() { Stop(); }

void Server::Handle(const std::string& method, const std::string& path,
                    HttpHandler handler) {
  impl_->core_.exact[path].by_method[method] = std::move(handler);
}

void Server::HandlePrefix(const std::string& prefix, HttpHandler handler) {
  impl_->core_.prefixes.emplace_back(prefix, std::move(handler));
}

absl::Status Server::Start() { return impl_->Start(); }

int Server::port() const { return impl_->port_; }

bool Server::tls() const { return impl_->tls_ != nullptr; }

void Server::Stop() { impl_->Stop(); }

ServerStats Server::stats() const {
  const Core& c = impl_->core_;
  ServerStats s;
  {
    std::lock_guard<std::mutex> lock(c.connections_mu);
    s.connections_open = static_cast<int64_t>(c.connections.size());
  }
  s.connections_total = c.stats_connections_total.load();
  s.requests_total = c.stats_requests_total.load();
  s.requests_queued = c.workers.queued();
  s.streams_open = c.stats_streams_open.load();
  s.rejected_overload = c.stats_rejected_overload.load();
  s.rejected_too_large = c.stats_rejected_too_large.load();
  s.rejected_malformed = c.stats_rejected_malformed.load();
  s.timeouts = c.stats_timeouts.load();
  return s;
}

}  // namespace meshplane::server::http
