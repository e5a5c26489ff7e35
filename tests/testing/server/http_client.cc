#include "tests/testing/server/http_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

namespace meshplane::testing {

HttpReply HttpCall(int port, const std::string& method, const std::string& path,
                   const std::string& token, const std::string& body,
                   const HttpHeaders& extra) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  httplib::Request req;
  req.method = method;
  req.path = path;
  for (const auto& [name, value] : extra) {
    req.headers.emplace(name, value);
  }
  if (!token.empty()) {
    req.headers.emplace("Authorization", "Bearer " + token);
  }
  if (!body.empty()) {
    req.body = body;
    req.headers.emplace("Content-Type", "application/json");
  }
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  HttpReply out;
  if (!client.send(req, res, error)) {
    ADD_FAILURE() << method << " " << path << ": " << httplib::to_string(error);
    return out;
  }
  out.status = res.status;
  out.body = res.body;
  out.etag = res.get_header_value("ETag");
  out.content_type = res.get_header_value("Content-Type");
  return out;
}

std::pair<int, std::string> HttpProbe(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  auto res = client.Get(path.c_str());
  return res ? std::make_pair(res->status, res->body)
             : std::make_pair(-1, std::string());
}

int HttpStatus(int port, const std::string& path) {
  return HttpProbe(port, path).first;
}

}  // namespace meshplane::testing
