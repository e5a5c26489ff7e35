// The HTTP server's listener: binding, accepting, TLS and its reloads, the
// routing table and the workers every connection shares (Core), start and
// stop. One connection's exchanges are in server_connection.cc.
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

namespace meshplane::server::http {
namespace server_internal {

HttpResponse ServerError(int http_status, const absl::Status& status) {
  HttpResponse out;
  out.status = http_status;
  out.body = ErrorJson(ToGrpc(status), http_status);
  return out;
}

const HttpHandler* Core::Find(const HttpRequest& request,
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
    *answer = ServerError(
        405,
        absl::InvalidArgumentError(absl::StrCat(
            request.method, " ", request.path,
            ": method not allowed; allowed: ", absl::StrJoin(allowed, ", "))));
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

bool Core::OriginAllowed(absl::string_view origin) const {
  return !origin.empty() &&
         std::find(options.cors_origins.begin(), options.cors_origins.end(),
                   origin) != options.cors_origins.end();
}

bool Core::StartStream(const std::shared_ptr<ResponseStream>& stream,
                       std::function<void()> body) {
  {
    std::lock_guard<std::mutex> lock(streams_mu);
    if (stopping ||
        static_cast<int>(streams.size()) >= std::max(0, options.max_streams)) {
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

void Core::Register(ConnectionBase* c) {
  std::lock_guard<std::mutex> lock(connections_mu);
  connections.insert(c);
}

void Core::Unregister(ConnectionBase* c) {
  std::lock_guard<std::mutex> lock(connections_mu);
  connections.erase(c);
  connections_cv.notify_all();
}

}  // namespace server_internal

namespace {

using server_internal::ConnectionBase;
using server_internal::Core;
using server_internal::ServeConnection;
namespace beast = server_internal::beast;
namespace net = server_internal::net;
namespace ssl = server_internal::ssl;
using tcp = server_internal::tcp;

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
    ServeConnection(&core_, std::move(socket),
                    tls_ == nullptr ? nullptr : CurrentTls(), std::move(peer));
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
