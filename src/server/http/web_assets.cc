#include "server/http/web_assets.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace meshplane::server::http {
namespace {

constexpr char kIndex[] = "/index.html";

// The headers of every answer, errors included: a strict CSP (no inline
// script or style, so that an injected string can run nothing), no MIME
// sniffing (a JSON body is never taken for a script), no Referer carrying a
// catalog URL elsewhere, and no framing (clickjacking).
HttpResponse Base(int status) {
  HttpResponse r;
  r.status = status;
  r.headers = {
      {"Content-Security-Policy", kWebContentSecurityPolicy},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
  };
  return r;
}

HttpResponse Plain(int status, absl::string_view text) {
  HttpResponse r = Base(status);
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = std::string(text);
  return r;
}

bool Reserved(absl::string_view path) {
  for (absl::string_view p :
       {"/v1", "/mcp", "/auth", "/metrics", "/healthz", "/readyz"}) {
    if (path == p || absl::StartsWith(path, absl::StrCat(p, "/"))) {
      return true;
    }
  }
  return false;
}

// The If-None-Match header names `etag` (one of a list, quoted or weak).
bool Matches(absl::string_view if_none_match, absl::string_view etag) {
  if (if_none_match == "*") return true;
  for (absl::string_view tag : absl::StrSplit(if_none_match, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    absl::ConsumePrefix(&tag, "W/");
    if (absl::ConsumePrefix(&tag, "\"") && absl::ConsumeSuffix(&tag, "\"") &&
        tag == etag) {
      return true;
    }
  }
  return false;
}

}  // namespace

WebAssets::WebAssets(const std::vector<WebAsset>& assets) {
  for (const WebAsset& a : assets) by_path_.emplace(a.path, &a);
}

HttpResponse WebAssets::Serve(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse r = Plain(405, "only GET and HEAD\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  absl::string_view path = request.path;
  if (Reserved(path)) return Plain(404, "not found\n");
  auto it = by_path_.find(path == "/" ? kIndex : path);
  if (it == by_path_.end()) {
    const absl::string_view last = path.substr(path.rfind('/') + 1);
    if (absl::StartsWith(path, "/assets/") || absl::StrContains(last, '.')) {
      return Plain(404, "not found\n");
    }
    it = by_path_.find(kIndex);
    if (it == by_path_.end()) {
      return Plain(404, "this meshplaned was built without the web catalog\n");
    }
  }
  const WebAsset& a = *it->second;
  HttpResponse r = Base(200);
  r.content_type = a.content_type;
  r.etag = absl::StrCat("\"", a.etag, "\"");
  // Hashed names change with their bytes: cache them for good. index.html
  // names the current hashes, so it is revalidated on every load (and a
  // new release is picked up at once).
  r.headers.emplace_back(
      "Cache-Control",
      a.hashed ? "public, max-age=31536000, immutable" : "no-cache");
  if (Matches(request.Header("if-none-match"), a.etag)) {
    r.status = 304;
    return r;
  }
  r.body = std::string(a.data);
  return r;
}

}  // namespace meshplane::server::http
