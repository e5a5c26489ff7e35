// The HTTP server over loopback sockets: routing, keep-alive without a
// thread per connection, the limits a public listener needs (slow clients,
// body and header sizes, overload), streams, CORS and TLS.
#include "server/http/server.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/tls/test_certs.h"
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace meshplane::server::http {
namespace {

using ::testing::HasSubstr;

HttpResponse Text(std::string body) {
  HttpResponse r;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

// A raw loopback connection, for what an HTTP client library would not
// send: a header that never ends, a body that never comes.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    // A bound on every read, so that a server that never answers fails
    // the test instead of hanging it.
    timeval tv{20, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawClient() { close(fd_); }
  bool connected() const { return connected_; }
  bool Send(const std::string& data) {
    return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(data.size());
  }
  // Everything until the server closes (or the 20 s bound), and whether it
  // closed.
  std::string ReadUntilClosed(bool* closed) {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n == 0) {
        *closed = true;
        return out;
      }
      if (n < 0) {
        *closed = false;
        return out;
      }
      out.append(buf, static_cast<size_t>(n));
    }
  }
  // Reads until `needle` arrives (or the bound).
  std::string ReadUntil(const std::string& needle) {
    std::string out;
    char buf[4096];
    while (!absl::StrContains(out, needle)) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::unique_ptr<Server> StartServer(ServerOptions options,
                                    void (*mount)(Server&)) {
  auto server = std::make_unique<Server>(std::move(options));
  mount(*server);
  absl::Status s = server->Start();
  EXPECT_TRUE(s.ok()) << s;
  return server;
}

void MountHello(Server& server) {
  server.Handle("GET", "/hello",
                [](const HttpRequest& r) { return Text("hello " + r.peer); });
  server.Handle("POST", "/echo", [](const HttpRequest& r) {
    HttpResponse out = Text(r.body);
    out.headers.emplace_back("X-Query",
                             r.query.empty() ? "" : r.query[0].second);
    out.headers.emplace_back("X-Header", r.Header("X-Custom"));
    return out;
  });
  server.HandlePrefix("/v1/", [](const HttpRequest& r) {
    return Text("prefix " + r.method + " " + r.path);
  });
}

TEST(HttpServerTest, RoutesExactPathsThenPrefixesElse404And405) {
  auto server = StartServer(ServerOptions{}, MountHello);
  httplib::Client c("127.0.0.1", server->port());

  auto hello = c.Get("/hello");
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->status, 200);
  EXPECT_THAT(hello->body, HasSubstr("hello ipv4:127.0.0.1:"));

  auto echo =
      c.Post("/echo?q=a%20b%21", {{"X-Custom", "yes"}}, "body!", "text/plain");
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->body, "body!");
  EXPECT_EQ(echo->get_header_value("X-Query"), "a b!");
  EXPECT_EQ(echo->get_header_value("X-Header"), "yes");

  auto prefix = c.Delete("/v1/domains/x");
  ASSERT_TRUE(prefix);
  EXPECT_EQ(prefix->body, "prefix DELETE /v1/domains/x");

  auto head = c.Head("/hello");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_NE(head->get_header_value("Content-Length"), "0");

  auto missing = c.Get("/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_THAT(missing->body, HasSubstr("\"NOT_FOUND\""));

  auto wrong = c.Delete("/hello");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->get_header_value("Allow"), "GET, HEAD");
}

// cpp-httplib held a thread for each kept-alive connection, so nine idle
// clients left a tenth waiting until one of them closed: the reason the
// server library was replaced. Here 3 workers serve 40 idle connections
// and a newcomer.
TEST(HttpServerTest, IdleKeptAliveConnectionsHoldNoWorker) {
  ServerOptions options;
  options.worker_threads = 3;
  auto server = StartServer(options, MountHello);
  std::vector<std::unique_ptr<httplib::Client>> idle;
  for (int i = 0; i < 40; ++i) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    c->set_keep_alive(true);
    auto r = c->Get("/hello");
    ASSERT_TRUE(r) << i;
    ASSERT_EQ(r->status, 200);
    idle.push_back(std::move(c));
  }
  EXPECT_GE(server->stats().connections_open, 40);
  httplib::Client newcomer("127.0.0.1", server->port());
  newcomer.set_read_timeout(10, 0);
  auto r = newcomer.Get("/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // And each idle connection is still usable.
  for (auto& c : idle) {
    auto again = c->Get("/hello");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 200);
  }
}

TEST(HttpServerTest, AClientThatNeverFinishesItsHeaderIsCut) {
  ServerOptions options;
  options.idle_timeout = absl::Milliseconds(300);
  auto server = StartServer(options, MountHello);
  RawClient slow(server->port());
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(slow.Send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  bool closed = false;
  std::string got = slow.ReadUntilClosed(&closed);
  EXPECT_TRUE(closed) << "the server kept a half-sent request open";
  EXPECT_EQ(got, "");
  // Counted once the server's read gives up, which may come just after
  // the client sees the close.
  for (int i = 0; i < 1000000 && server->stats().timeouts == 0; ++i) {
    std::this_thread::yield();
  }
  EXPECT_GE(server->stats().timeouts, 1);
}

TEST(HttpServerTest, ABodyThatNeverComesIsCut) {
  ServerOptions options;
  options.read_timeout = absl::Milliseconds(300);
  auto server = StartServer(options, MountHello);
  RawClient slow(server->port());
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(
      slow.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                "\r\nonly part"));
  bool closed = false;
  slow.ReadUntilClosed(&closed);
  EXPECT_TRUE(closed);
}

TEST(HttpServerTest, AnIdleKeptAliveConnectionIsClosedAfterTheIdleTimeout) {
  ServerOptions options;
  options.idle_timeout = absl::Milliseconds(300);
  auto server = StartServer(options, MountHello);
  RawClient c(server->port());
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  bool closed = false;
  std::string got = c.ReadUntilClosed(&closed);
  EXPECT_TRUE(closed);
  EXPECT_THAT(got, HasSubstr("HTTP/1.1 200 OK"));
}

TEST(HttpServerTest, ABodyOverTheLimitIsRefusedFromItsLength) {
  ServerOptions options;
  options.max_body_bytes = 1000;
  auto server = StartServer(options, MountHello);
  // The body is never sent: the length alone is enough to refuse it.
  RawClient c(server->port());
  ASSERT_TRUE(
      c.Send("POST /v1/x HTTP/1.1\r\nHost: x\r\n"
             "Content-Length: 5000000\r\n\r\n"));
  std::string got = c.ReadUntil("}}");
  EXPECT_THAT(got, HasSubstr("HTTP/1.1 413"));
  EXPECT_THAT(got, HasSubstr("\"RESOURCE_EXHAUSTED\""));
  EXPECT_THAT(got, HasSubstr("over 1000 bytes"));

  // A chunked body has no length: it is cut when it passes the limit.
  httplib::Client client("127.0.0.1", server->port());
  auto chunked = client.Post(
      "/echo",
      [](size_t offset, httplib::DataSink& sink) {
        if (offset >= 4000) {
          sink.done();
          return true;
        }
        std::string part(500, 'x');
        return sink.write(part.data(), part.size());
      },
      "text/plain");
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->status, 413);
  EXPECT_GE(server->stats().rejected_too_large, 2);
}

TEST(HttpServerTest, AHeaderOverTheLimitGets431) {
  ServerOptions options;
  options.max_header_bytes = 2048;
  auto server = StartServer(options, MountHello);
  httplib::Client c("127.0.0.1", server->port());
  auto r = c.Get("/hello", {{"X-Big", std::string(4096, 'h')}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
}

TEST(HttpServerTest, MalformedRequestsGet400) {
  auto server = StartServer(ServerOptions{}, MountHello);
  RawClient c(server->port());
  ASSERT_TRUE(c.Send("NOT HTTP AT ALL\r\n\r\n"));
  bool closed = false;
  std::string got = c.ReadUntilClosed(&closed);
  EXPECT_THAT(got, HasSubstr("HTTP/1.1 400"));
  EXPECT_THAT(got, HasSubstr("malformed HTTP request"));
}

TEST(HttpServerTest, Expect100ContinueIsAnswered) {
  auto server = StartServer(ServerOptions{}, MountHello);
  RawClient c(server->port());
  ASSERT_TRUE(
      c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
             "Expect: 100-continue\r\n\r\n"));
  EXPECT_THAT(c.ReadUntil("\r\n\r\n"), HasSubstr("100 Continue"));
  ASSERT_TRUE(c.Send("hello"));
  EXPECT_THAT(c.ReadUntil("hello"), HasSubstr("200 OK"));
}

// Workers busy and the queue full: the next request is refused at once
// with 503, not left to wait.
TEST(HttpServerTest, OverloadAnswers503WithRetryAfter) {
  ServerOptions options;
  options.worker_threads = 1;
  options.max_queued = 1;
  auto server = std::make_unique<Server>(options);
  absl::Notification release;
  std::atomic<int> started{0};
  server->Handle("GET", "/block", [&](const HttpRequest&) {
    started.fetch_add(1);
    release.WaitForNotification();
    return Text("done");
  });
  ASSERT_TRUE(server->Start().ok());
  const int port = server->port();
  std::thread first([port] {
    httplib::Client c("127.0.0.1", port);
    auto r = c.Get("/block");
    EXPECT_TRUE(r && r->status == 200);
  });
  while (started.load() == 0) std::this_thread::yield();
  std::thread second([port] {  // waits in the queue
    httplib::Client c("127.0.0.1", port);
    auto r = c.Get("/block");
    EXPECT_TRUE(r && r->status == 200);
  });
  while (server->stats().requests_queued == 0) std::this_thread::yield();
  httplib::Client c("127.0.0.1", port);
  auto refused = c.Get("/block");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  EXPECT_THAT(refused->body, HasSubstr("\"UNAVAILABLE\""));
  release.Notify();
  first.join();
  second.join();
  EXPECT_EQ(server->stats().rejected_overload, 1);
}

class CountingStream : public ResponseStream {
 public:
  explicit CountingStream(int chunks) : left_(chunks) {}
  bool Next(std::string* chunk) override {
    if (left_ > 0) {
      *chunk = absl::StrCat("line ", left_--, "\n");
      return true;
    }
    if (left_ == 0 && !endless_) return false;
    cancelled_.WaitForNotification();  // an endless stream: until Cancel
    return false;
  }
  void Cancel() override {
    if (!cancelled_.HasBeenNotified()) cancelled_.Notify();
  }
  void MakeEndless() { endless_ = true; }
  bool cancelled() const { return cancelled_.HasBeenNotified(); }

 private:
  int left_;
  bool endless_ = false;
  absl::Notification cancelled_;
};

TEST(HttpServerTest, StreamsAreChunkedAndStopCancelsThem) {
  auto finite = std::make_shared<CountingStream>(3);
  auto endless = std::make_shared<CountingStream>(1);
  endless->MakeEndless();
  auto server = std::make_unique<Server>(ServerOptions{});
  server->Handle("GET", "/finite", [finite](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "application/x-ndjson";
    r.stream = finite;
    return r;
  });
  server->Handle("GET", "/endless", [endless](const HttpRequest&) {
    HttpResponse r;
    r.stream = endless;
    return r;
  });
  ASSERT_TRUE(server->Start().ok());
  httplib::Client c("127.0.0.1", server->port());
  auto r = c.Get("/finite");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "line 3\nline 2\nline 1\n");
  EXPECT_EQ(r->get_header_value("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/x-ndjson");

  RawClient raw(server->port());
  ASSERT_TRUE(raw.Send("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_THAT(raw.ReadUntil("line 1"), HasSubstr("line 1"));
  EXPECT_EQ(server->stats().streams_open, 1);
  server->Stop();  // returns only once the stream has ended
  EXPECT_TRUE(endless->cancelled());
  EXPECT_EQ(server->stats().streams_open, 0);
}

TEST(HttpServerTest, TooManyStreamsAnswer503) {
  auto endless = std::make_shared<CountingStream>(1);
  endless->MakeEndless();
  ServerOptions options;
  options.max_streams = 1;
  auto server = std::make_unique<Server>(options);
  server->Handle("GET", "/stream", [endless](const HttpRequest&) {
    HttpResponse r;
    r.stream = endless;
    return r;
  });
  server->Handle("GET", "/other", [](const HttpRequest&) {
    HttpResponse r;
    r.stream = std::make_shared<CountingStream>(1);
    return r;
  });
  ASSERT_TRUE(server->Start().ok());
  RawClient first(server->port());
  ASSERT_TRUE(first.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  first.ReadUntil("line 1");
  httplib::Client c("127.0.0.1", server->port());
  auto refused = c.Get("/other");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  server->Stop();
}

TEST(HttpServerTest, CorsOnlyForTheOriginsAllowed) {
  ServerOptions options;
  options.cors_origins = {"https://catalog.example.com"};
  auto server = StartServer(options, MountHello);
  httplib::Client c("127.0.0.1", server->port());

  auto allowed = c.Get("/hello", {{"Origin", "https://catalog.example.com"}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->get_header_value("Access-Control-Allow-Origin"),
            "https://catalog.example.com");
  EXPECT_EQ(allowed->get_header_value("Vary"), "Origin");

  auto other = c.Get("/hello", {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);  // the browser is what blocks it
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Origin"));

  auto preflight =
      c.Options("/v1/domains", {{"Origin", "https://catalog.example.com"},
                                {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_THAT(preflight->get_header_value("Access-Control-Allow-Methods"),
              HasSubstr("PATCH"));
  EXPECT_THAT(preflight->get_header_value("Access-Control-Allow-Headers"),
              HasSubstr("authorization"));

  auto refused =
      c.Options("/v1/domains", {{"Origin", "https://evil.example"},
                                {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_FALSE(refused->has_header("Access-Control-Allow-Origin"));
}

TEST(HttpServerTest, NoCorsHeaderWhenNoOriginIsAllowed) {
  auto server = StartServer(ServerOptions{}, MountHello);
  httplib::Client c("127.0.0.1", server->port());
  auto r = c.Get("/hello", {{"Origin", "https://catalog.example.com"}});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
}

TEST(HttpServerTest, ServesHttpsWithTheCertificateFiles) {
  auto certs = meshplane::testing::MakeTestCertificates(::testing::TempDir() +
                                                        "http-tls-XXXXXX");
  ASSERT_TRUE(certs.ok()) << certs.status();
  ServerOptions options;
  options.tls_cert_file = certs->server.cert;
  options.tls_key_file = certs->server.key;
  auto server = StartServer(options, MountHello);
  EXPECT_TRUE(server->tls());

  httplib::SSLClient tls("127.0.0.1", server->port());
  tls.set_ca_cert_path(certs->ca.cert.c_str());
  tls.enable_server_certificate_verification(true);
  auto r = tls.Get("/hello");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);

  // A client that trusts another CA refuses the handshake.
  httplib::SSLClient stranger("127.0.0.1", server->port());
  stranger.set_ca_cert_path(certs->other_ca.cert.c_str());
  stranger.enable_server_certificate_verification(true);
  EXPECT_FALSE(stranger.Get("/hello"));

  // Plain HTTP on the TLS port gets no answer.
  httplib::Client plain("127.0.0.1", server->port());
  plain.set_read_timeout(5, 0);
  auto p = plain.Get("/hello");
  EXPECT_TRUE(!p || p->status != 200);
}

TEST(HttpServerTest, BadTlsFilesFailTheStartNamingTheFlag) {
  ServerOptions options;
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  Server server(options);
  absl::Status s = server.Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("--tls-cert-file"));
}

TEST(HttpServerTest, AnAddressInUseIsUnavailable) {
  auto first = StartServer(ServerOptions{}, MountHello);
  ServerOptions options;
  options.port = first->port();
  Server second(options);
  EXPECT_EQ(second.Start().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace meshplane::server::http
