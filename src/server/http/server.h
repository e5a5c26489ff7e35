// The HTTP/1.1 server of meshplaned's --http-listen: REST under /v1/, the
// probes, /metrics, and whatever else is mounted. Built on Boost.Beast
// (docs/architecture.md, "The HTTP server", says why and with which
// figures): a few I/O threads multiplex every connection, so a kept-alive
// client holds no thread between its requests; handlers run on a bounded
// pool of workers; streams (HttpResponse::stream) get a thread each, up to
// a cap.
//
// Limits a public listener needs, all from ServerOptions:
// - a request's header must arrive within idle_timeout of the connection's
//   start or of the previous answer, and its body within read_timeout of
//   the header, else the connection is closed (slow clients);
// - headers over max_header_bytes: 431; bodies over max_body_bytes: 413
//   (an AIP-193 body under /v1/), refused from Content-Length before the
//   body is read;
// - more than max_queued requests waiting for a worker: 503 with
//   Retry-After; more than max_streams streams: 503;
// - an answer (each chunk of a stream) must be taken by the client within
//   write_timeout.
// TLS when a certificate and key are given (re-read when they change).
// CORS only for the origins named in cors_origins.
//
// Only this header's .cc knows the library. Thread-safe after Start().
#ifndef MESHPLANE_SERVER_HTTP_SERVER_H_
#define MESHPLANE_SERVER_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/http/transcoder.h"

namespace meshplane::server::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: a free port (port() tells which)
  size_t max_body_bytes = 4 << 20;
  size_t max_header_bytes = 64 << 10;
  absl::Duration idle_timeout = absl::Seconds(30);
  absl::Duration read_timeout = absl::Seconds(30);
  absl::Duration write_timeout = absl::Seconds(30);
  int io_threads = 2;
  int worker_threads = 16;
  int max_queued = 1024;
  int max_streams = 256;
  // Both set: HTTPS only. PEM files, as for gRPC's --tls-cert-file and
  // --tls-key-file; re-read at most every tls_reload_interval when their
  // modification time changes (a bad pair keeps the previous one, logged).
  std::string tls_cert_file;
  std::string tls_key_file;
  absl::Duration tls_reload_interval = absl::Minutes(1);
  // Origins ("https://catalog.example.com") whose pages may call this
  // server from a browser; empty: no CORS header is ever sent.
  std::vector<std::string> cors_origins;
};

// Counters for /metrics.
struct ServerStats {
  int64_t connections_open = 0;
  int64_t connections_total = 0;
  int64_t requests_total = 0;
  int64_t requests_queued = 0;  // waiting for a worker now
  int64_t streams_open = 0;
  int64_t rejected_overload = 0;   // 503: queue or streams full
  int64_t rejected_too_large = 0;  // 413 and 431
  int64_t rejected_malformed = 0;  // 400 before any handler
  int64_t timeouts = 0;            // connections cut by a timeout
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routing, set before Start(): an exact (method, path) first (HEAD is
  // served by a GET handler without its body; a known path asked with
  // another method answers 405 with Allow), then the longest prefix
  // registered with HandlePrefix, for every method; else 404.
  void Handle(const std::string& method, const std::string& path,
              HttpHandler handler);
  void HandlePrefix(const std::string& prefix, HttpHandler handler);

  // Binds and starts serving. UNAVAILABLE when the address cannot be
  // bound, INVALID_ARGUMENT when the TLS files cannot be loaded.
  absl::Status Start();
  // The bound port after Start(), else 0.
  int port() const;
  bool tls() const;
  // Stops accepting, ends the streams (their ResponseStream::Cancel),
  // closes every connection and joins the threads. Requests still in a
  // handler finish first; their answers are dropped. Idempotent.
  void Stop();

  ServerStats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace meshplane::server::http

#endif  // MESHPLANE_SERVER_HTTP_SERVER_H_
