// The OpenAPI document as an outside client meets it: fetched from a real
// meshplaned (over a private PostgreSQL) without a token, linted by
// Redocly's CLI with docs/redocly.yaml, turned into TypeScript types by
// openapi-typescript, and used through openapi-fetch by
// tools/node/openapi/register.ts (type-checked by tsc, run by tsx) to
// register a team, a domain and a data product and read them back. The
// tools are those pinned in tools/node (scripts/common.sh ensure_node_tools
// installs them).
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/e2e/server_test.h"
#include "tests/testing/pg/pg_fixture.h"
#include <httplib.h>
#include <nlohmann/json.hpp>

namespace meshplane::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSource = MESHPLANE_SOURCE_DIR;
const std::string kNode = kSource + "/tools/node";

class OpenApiClientTest : public ServerE2eTest {
 protected:
  void SetUp() override {
    // Never skipped: without the tools this test proves nothing.
    ASSERT_TRUE(std::filesystem::exists(kNode + "/node_modules/.bin/redocly"))
        << kNode << "/node_modules is missing: run `source scripts/common.sh "
        << "&& ensure_node_tools` (scripts/test.sh does)";
    http_port_ = UnusedPort();
    StartServer(ServingDatabaseUrl(),
                {"--http-listen", absl::StrCat("127.0.0.1:", http_port_)});
  }

  void TearDown() override {
    ServerE2eTest::TearDown();
    // The generated types and the copies (remove_all does not follow the
    // node_modules link); kept when a check failed, to look at.
    if (!HasFailure() && !dir_.empty()) std::filesystem::remove_all(dir_);
  }

  httplib::Result Get(const std::string& path, const std::string& token) {
    httplib::Client client("127.0.0.1", http_port_);
    client.set_read_timeout(30, 0);
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client.Get(path, headers);
  }

  // Runs a tool of tools/node/node_modules/.bin.
  CommandResult Tool(const std::string& name, std::vector<std::string> args,
                     std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), kNode + "/node_modules/.bin/" + name);
    env["NO_COLOR"] = "1";
    return RunCommand(args, env, "", 180);
  }

  int http_port_ = 0;
};

TEST_F(OpenApiClientTest, LintedGeneratedAndDrivenByAnOutsideClient) {
  // Served without a token, and the same bytes as the committed copy.
  httplib::Result doc = Get("/v1/openapi.json", "");
  ASSERT_TRUE(doc) << "no answer on the HTTP port";
  ASSERT_EQ(doc->status, 200) << doc->body;
  EXPECT_THAT(doc->get_header_value("Content-Type"),
              HasSubstr("application/json"));
  EXPECT_TRUE(doc->body == ReadFile(kSource + "/docs/openapi.json"))
      << "the served document differs from docs/openapi.json";
  const std::string spec = dir_ + "/openapi.json";
  WriteFile(spec, doc->body);

  // 1. An outside validator, with every rule of docs/redocly.yaml (strict:
  // a warning fails too).
  CommandResult lint = Tool(
      "redocly", {"lint", "--config", kSource + "/docs/redocly.yaml", spec},
      {{"REDOCLY_TELEMETRY", "off"},
       {"REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"}});
  ASSERT_EQ(lint.exit_code, 0) << lint.Describe();
  EXPECT_THAT(lint.out + lint.err, HasSubstr("Your API description is valid"));
  // "You have N warnings" (the strict set makes each an error anyway).
  EXPECT_THAT(lint.out + lint.err, Not(HasSubstr("You have")));

  // 2. An outside generator: TypeScript types of every path and schema.
  CommandResult gen =
      Tool("openapi-typescript", {spec, "-o", dir_ + "/api.d.ts"});
  ASSERT_EQ(gen.exit_code, 0) << gen.Describe();
  EXPECT_THAT(ReadFile(dir_ + "/api.d.ts"),
              HasSubstr("\"/v1/domains/{domain}/dataProducts/{dataProduct}\""));

  // 3. A program against those types, beside them, resolving its packages
  // from tools/node.
  for (const char* file : {"register.ts", "tsconfig.json", "package.json"}) {
    std::filesystem::copy_file(kNode + "/openapi/" + file, dir_ + "/" + file);
  }
  std::filesystem::create_directory_symlink(kNode + "/node_modules",
                                            dir_ + "/node_modules");
  CommandResult tsc = Tool("tsc", {"-p", dir_ + "/tsconfig.json"});
  ASSERT_EQ(tsc.exit_code, 0) << tsc.Describe();

  CommandResult run =
      Tool("tsx", {dir_ + "/register.ts"},
           {{"MESHPLANE_URL", absl::StrCat("http://127.0.0.1:", http_port_)},
            {"MESHPLANE_TOKEN", kAdminToken}});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  for (const char* line :
       {"ok registered teams/checkout", "ok registered domains/sales",
        "ok registered domains/sales/dataProducts/orders",
        "ok read back domains/sales/dataProducts/orders",
        "ok the ETag header is the quoted etag",
        "ok a stale If-Match is 409 ABORTED",
        "ok a missing product is an AIP-193 404 with its ErrorInfo",
        "ok no token is 401 UNAUTHENTICATED",
        "openapi client: all checks passed"}) {
    EXPECT_THAT(run.out, HasSubstr(line)) << run.Describe();
  }

  // What the client registered is there, as the client last left it.
  httplib::Result product =
      Get("/v1/domains/sales/dataProducts/orders", kAdminToken);
  ASSERT_TRUE(product);
  EXPECT_EQ(product->status, 200) << product->body;
  EXPECT_THAT(product->body, HasSubstr("\"displayName\":\"Orders (v2)\""));
  EXPECT_THAT(product->body, HasSubstr("\"ownerTeam\":\"teams/checkout\""));
}

// The document describes what the server routes, no more: each operation,
// with "x" for every path parameter and no token, reaches authentication
// (401) instead of "no REST route" (404) or another method's path (405).
TEST_F(OpenApiClientTest, EveryDocumentedOperationIsRouted) {
  nlohmann::json doc =
      nlohmann::json::parse(ReadFile(kSource + "/docs/openapi.json"));
  size_t checked = 0;
  for (const auto& [path, item] : doc["paths"].items()) {
    if (path == "/v1/openapi.json") continue;
    std::string url = std::regex_replace(path, std::regex("\\{[^}]+\\}"), "x");
    for (const auto& [method, op] : item.items()) {
      httplib::Client client("127.0.0.1", http_port_);
      client.set_read_timeout(30, 0);
      httplib::Request req;
      req.method = absl::AsciiStrToUpper(method);
      req.path = url;
      if (op.contains("requestBody")) {
        req.body = "{}";
        req.headers.emplace("Content-Type", "application/json");
      }
      httplib::Response res;
      httplib::Error err = httplib::Error::Success;
      ASSERT_TRUE(client.send(req, res, err)) << req.method << " " << url;
      EXPECT_EQ(res.status, 401) << op["operationId"] << ": " << req.method
                                 << " " << url << " " << res.body;
      ++checked;
    }
  }
  EXPECT_GT(checked, 60u);
}

TEST_F(OpenApiClientTest, EveryOtherV1PathStillNeedsAToken) {
  httplib::Result r = Get("/v1/callerIdentity", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401) << r->body;
  httplib::Result doc = Get("/v1/openapi.json", "not-a-token");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->status, 200) << "a bad token does not matter here";
}

}  // namespace
}  // namespace meshplane::e2e
