#include "server/webhook_sender.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include <httplib.h>

namespace meshplane::server {

core::WebhookResponse HttpWebhookSender::Post(
    const core::WebhookRequest& request) {
  core::WebhookResponse out;
  // Split "scheme://authority/path?query": httplib's client takes the first
  // part, the request the rest.
  const std::string& url = request.url;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    out.error = absl::StrCat("\"", url, "\" is not an absolute URL");
    return out;
  }
  size_t path_start = url.find_first_of("/?", scheme_end + 3);
  std::string origin = url.substr(0, path_start);
  std::string path =
      path_start == std::string::npos ? "/" : url.substr(path_start);
  if (path[0] == '?') path = "/" + path;
  const bool https = absl::StartsWith(
      absl::AsciiStrToLower(url.substr(0, scheme_end)), "https");

  httplib::Client client(origin);
  if (!client.is_valid()) {
    out.error = absl::StrCat("cannot make a client for \"", origin, "\"");
    return out;
  }
  const int64_t us = absl::ToInt64Microseconds(request.timeout);
  const time_t sec = static_cast<time_t>(us / 1000000);
  const time_t usec = static_cast<time_t>(us % 1000000);
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  client.set_follow_location(false);
  client.set_keep_alive(false);
  if (https) {
    client.enable_server_certificate_verification(true);
    if (!ca_file_.empty()) client.set_ca_cert_path(ca_file_.c_str());
  }
  httplib::Headers headers;
  std::string content_type = "application/json";
  for (const auto& [name, value] : request.headers) {
    if (absl::EqualsIgnoreCase(name, "Content-Type")) {
      content_type = value;
    } else {
      headers.emplace(name, value);
    }
  }
  headers.emplace("User-Agent", "meshplane-webhook/1");
  httplib::Result result =
      client.Post(path, headers, request.body, content_type);
  if (!result) {
    out.error =
        absl::StrCat("POST ", url, ": ", httplib::to_string(result.error()));
    if (https) {
      const long verify = client.get_openssl_verify_result();
      if (verify != 0) {
        out.error += absl::StrCat(" (certificate verification: ",
                                  X509_verify_cert_error_string(verify), ")");
      }
    }
    return out;
  }
  out.status = result->status;
  if (out.status < 200 || out.status >= 300) {
    // The start of what the receiver said helps whoever reads the log.
    std::string body = result->body.substr(0, 200);
    for (char& c : body) {
      if (static_cast<unsigned char>(c) < ' ') c = ' ';
    }
    out.error = std::string(absl::StripAsciiWhitespace(body));
  }
  return out;
}

}  // namespace meshplane::server
