// The parts of the HTTP server (server/http/server.h) that its two files
// share: server.cc holds the listener (accept, TLS and its reloads, start
// and stop) and what every connection shares (Core: routes, workers,
// streams, counters); server_connection.cc one client connection's HTTP
// exchanges. Only these files know Boost. Internal to server/http.
#ifndef MESHPLANE_SERVER_HTTP_SERVER_INTERNAL_H_
#define MESHPLANE_SERVER_HTTP_SERVER_INTERNAL_H_

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/http/server.h"
#include "server/http/transcoder.h"
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace meshplane::server::http::server_internal {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

// An error answered by the server itself, before or instead of a handler:
// AIP-193 JSON like every other error of the API, with `http_status`.
HttpResponse ServerError(int http_status, const absl::Status& status);

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
                          HttpResponse* answer) const;

  bool OriginAllowed(absl::string_view origin) const;

  // Runs `body` on a thread of its own for a stream, unless the server is
  // stopping or max_streams run already (then false, and the caller
  // answers 503).
  bool StartStream(const std::shared_ptr<ResponseStream>& stream,
                   std::function<void()> body);

  void Register(ConnectionBase* c);
  void Unregister(ConnectionBase* c);

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

// Serves one accepted connection until it ends: over TLS with `tls` when
// not null, else in the clear. `peer` names the client for the log
// ("ipv4:10.1.2.3:51234").
void ServeConnection(Core* core, tcp::socket socket,
                     std::shared_ptr<ssl::context> tls, std::string peer);

}  // namespace meshplane::server::http::server_internal

#endif  // MESHPLANE_SERVER_HTTP_SERVER_INTERNAL_H_
