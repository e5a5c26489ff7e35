// Plain HTTP to a test server's HTTP listener on 127.0.0.1: the REST API
// with a bearer token, and the probes (health, readiness) without one.
//
//   HttpReply r = HttpCall(fx->http_port(), "GET", "/v1/domains/sales",
//                          fx->admin_token());
//   EXPECT_EQ(r.status, 200) << r.body;
//   EXPECT_EQ(HttpStatus(fx->http_port(), "/readyz"), 200);
#ifndef MESHPLANE_TESTS_TESTING_SERVER_HTTP_CLIENT_H_
#define MESHPLANE_TESTS_TESTING_SERVER_HTTP_CLIENT_H_

#include <string>
#include <utility>
#include <vector>

namespace meshplane::testing {

struct HttpReply {
  int status = 0;  // 0 when nothing answered
  std::string body;
  std::string etag;          // the ETag header
  std::string content_type;  // the Content-Type header
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Sends `method` `path` to 127.0.0.1:`port` with `Authorization: Bearer
// <token>` (none when `token` is empty), `body` as application/json (none
// when empty) and the `extra` headers, and waits up to 30 s for the answer.
// No answer is a test failure (ADD_FAILURE, naming the call) and status 0.
HttpReply HttpCall(int port, const std::string& method, const std::string& path,
                   const std::string& token, const std::string& body = "",
                   const HttpHeaders& extra = {});

// GET `path` without credentials, for probes that poll a server which may be
// down: the status and the body, status -1 (and no test failure) when there
// is no answer within 10 s.
std::pair<int, std::string> HttpProbe(int port, const std::string& path);
// The status of HttpProbe().
int HttpStatus(int port, const std::string& path);

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_SERVER_HTTP_CLIENT_H_
