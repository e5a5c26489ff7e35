#include "server/http/web_assets.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshplane::server::http {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Pair;

const std::vector<WebAsset>& Fake() {
  static const std::vector<WebAsset> kAssets = {
      {"/index.html", "text/html; charset=utf-8", "i1", false,
       "<!doctype html><title>x</title>"},
      {"/assets/app-AB12.js", "text/javascript; charset=utf-8", "j1", true,
       "console.log(1)"},
  };
  return kAssets;
}

HttpRequest Get(const std::string& path) {
  HttpRequest r;
  r.method = "GET";
  r.path = path;
  return r;
}

std::string HeaderOf(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(WebAssetsTest, ServesIndexAtRootWithoutCaching) {
  WebAssets web(Fake());
  HttpResponse r = web.Serve(Get("/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(r.body, HasSubstr("<title>x</title>"));
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(r.etag, "\"i1\"");
}

TEST(WebAssetsTest, HashedAssetIsImmutable) {
  WebAssets web(Fake());
  HttpResponse r = web.Serve(Get("/assets/app-AB12.js"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "console.log(1)");
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"),
            "public, max-age=31536000, immutable");
}

TEST(WebAssetsTest, EveryAnswerCarriesTheSecurityHeaders) {
  WebAssets web(Fake());
  for (const char* path : {"/", "/assets/app-AB12.js", "/assets/gone.js",
                           "/products/sales/orders", "/v1/domains"}) {
    HttpResponse r = web.Serve(Get(path));
    EXPECT_EQ(HeaderOf(r, "Content-Security-Policy"), kWebContentSecurityPolicy)
        << path;
    EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(HeaderOf(r, "Referrer-Policy"), "no-referrer") << path;
  }
  EXPECT_THAT(std::string(kWebContentSecurityPolicy),
              HasSubstr("script-src 'self';"));
  EXPECT_THAT(std::string(kWebContentSecurityPolicy),
              HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(std::string(kWebContentSecurityPolicy),
              ::testing::Not(HasSubstr("unsafe-inline")));
}

TEST(WebAssetsTest, AppRoutesFallBackToIndex) {
  WebAssets web(Fake());
  for (const char* path : {"/search", "/products/sales/orders",
                           "/lineage/sales/orders", "/access"}) {
    HttpResponse r = web.Serve(Get(path));
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_THAT(r.body, HasSubstr("<!doctype html>")) << path;
    EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache") << path;
  }
}

TEST(WebAssetsTest, MissingFilesAreNotFoundNotHtml) {
  WebAssets web(Fake());
  for (const char* path :
       {"/assets/app-OLD.js", "/assets/", "/favicon.ico", "/robots.txt"}) {
    HttpResponse r = web.Serve(Get(path));
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.content_type, "text/plain; charset=utf-8") << path;
  }
}

TEST(WebAssetsTest, ApiAndProbePathsAreNotOurs) {
  WebAssets web(Fake());
  for (const char* path : {"/v1", "/v1/domains", "/mcp", "/metrics", "/healthz",
                           "/readyz", "/auth/session"}) {
    EXPECT_EQ(web.Serve(Get(path)).status, 404) << path;
  }
  // Only whole segments are reserved.
  EXPECT_EQ(web.Serve(Get("/v1x")).status, 200);
  EXPECT_EQ(web.Serve(Get("/metricsboard")).status, 200);
}

TEST(WebAssetsTest, IfNoneMatchGivesNotModified) {
  WebAssets web(Fake());
  HttpRequest r = Get("/assets/app-AB12.js");
  r.headers.emplace_back("if-none-match", "W/\"zz\", \"j1\"");
  HttpResponse res = web.Serve(r);
  EXPECT_EQ(res.status, 304);
  EXPECT_TRUE(res.body.empty());
  r.headers = {{"if-none-match", "\"other\""}};
  EXPECT_EQ(web.Serve(r).status, 200);
}

TEST(WebAssetsTest, OtherMethodsAreRefused) {
  WebAssets web(Fake());
  HttpRequest r = Get("/");
  r.method = "POST";
  HttpResponse res = web.Serve(r);
  EXPECT_EQ(res.status, 405);
  EXPECT_THAT(res.headers, Contains(Pair("Allow", "GET, HEAD")));
}

TEST(WebAssetsTest, WithoutABuildSaysSo) {
  static const std::vector<WebAsset> kNone;
  WebAssets web(kNone);
  EXPECT_TRUE(web.empty());
  HttpResponse r = web.Serve(Get("/"));
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(r.body, HasSubstr("without the web catalog"));
}

// The app is mounted on "/" (every path no longer prefix claims): the
// API's, MCP's, the sessions' and the probes' paths are never answered
// with the app, even when their own handler does not take them.
TEST(WebAssetsTest, LeavesTheApiAndProbesToTheirHandlers) {
  WebAssets web(Fake());
  for (const char* path :
       {"/", "/search", "/products/sales/orders", "/v1x", "/metricsboard"}) {
    EXPECT_EQ(web.Serve(Get(path)).status, 200) << path;
  }
  for (const char* path : {"/v1/domains", "/v1", "/mcp", "/mcp/x", "/metrics",
                           "/healthz", "/readyz", "/auth/session"}) {
    EXPECT_EQ(web.Serve(Get(path)).status, 404) << path;
  }
}

// The embedded build has an index.html naming hashed assets that are there.
TEST(WebAssetsTest, EmbeddedBuildIsComplete) {
  const std::vector<WebAsset>& assets = EmbeddedWebAssets();
  ASSERT_FALSE(assets.empty()) << "built with MESHPLANE_WEB=OFF?";
  WebAssets web(assets);
  HttpResponse index = web.Serve(Get("/"));
  ASSERT_EQ(index.status, 200);
  EXPECT_THAT(index.body, ::testing::Not(HasSubstr("<script>")));
  EXPECT_THAT(index.body, ::testing::Not(HasSubstr("style=")));
  int hashed = 0;
  for (const WebAsset& a : assets) {
    if (!a.hashed) continue;
    ++hashed;
    EXPECT_THAT(index.body, HasSubstr(a.path));
    EXPECT_EQ(web.Serve(Get(a.path)).status, 200) << a.path;
  }
  EXPECT_GE(hashed, 2);  // the script and the stylesheet
}

}  // namespace
}  // namespace meshplane::server::http
