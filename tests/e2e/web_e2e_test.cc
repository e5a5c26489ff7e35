// The web catalog in a real browser: a real meshplaned (serving the
// embedded catalog and the REST API on its HTTP listener) over a fresh
// database holding the demo mesh, and the flows of web/test/*.test.mjs run
// by node's test runner, driving Debian's chromium headless through
// puppeteer-core (pinned in web/package-lock.json, installed by the build's
// npm ci). Screenshots go to the build folder (web-e2e-screenshots/), and
// to docs/web/ as well when MESHPLANE_WEB_DOCS names it.
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/e2e/server_test.h"
#include <sys/stat.h>

namespace meshplane::e2e {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

class WebE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string url =
        testing::PgFixture::ServingUrl(testing::PgFixture::Get().NewDatabase());
    http_addr_ = "127.0.0.1:" + std::to_string(UnusedPort());
    std::string error;
    ASSERT_TRUE(server_.Start(EnvOrDie("MESHPLANED"), url, kAdminToken, &error,
                              {"--http-listen", http_addr_}))
        << error;
    CommandResult applied = RunCommand(
        {EnvOrDie("MESHPLANE_CLI"), "apply", "-f",
         EnvOrDie("MESHPLANE_EXAMPLES") + "/demo/mesh.yaml"},
        {{"MESHPLANE_ADDR", server_.addr()}, {"MESHPLANE_TOKEN", kAdminToken}});
    ASSERT_EQ(applied.exit_code, 0) << applied.Describe();
  }

  void TearDown() override {
    if (HasFailure()) {
      std::fprintf(stderr, "--- meshplaned log ---\n%s\n",
                   server_.Log().c_str());
    }
    server_.Stop();
  }

  ServerProcess server_;
  std::string http_addr_;
};

TEST_F(WebE2eTest, BrowserFlows) {
  const std::string web = MESHPLANE_WEB_DIR;
  ASSERT_TRUE(Exists(web + "/node_modules/puppeteer-core/package.json"))
      << web << "/node_modules is missing: build meshplaned (its build runs "
      << "npm ci in web/) or run `npm ci --prefix web`";
  const char* chromium_env = std::getenv("CHROMIUM");
  const std::string chromium =
      chromium_env != nullptr ? chromium_env : "/usr/bin/chromium";
  ASSERT_TRUE(Exists(chromium))
      << chromium << " is missing: install Debian's chromium "
      << "(scripts/test.sh does: ensure_packages chromium)";

  std::map<std::string, std::string> env = {
      {"MESHPLANE_WEB_URL", "http://" + http_addr_},
      {"MESHPLANE_ADMIN_TOKEN", kAdminToken},
      {"MESHPLANE_WEB_ARTIFACTS", MESHPLANE_WEB_ARTIFACTS},
      {"CHROMIUM", chromium},
      // The CLI and the gRPC address, for the flows that read back with
      // `meshplane product get` what the browser wrote.
      {"MESHPLANE_CLI", EnvOrDie("MESHPLANE_CLI")},
      {"MESHPLANE_ADDR", server_.addr()},
  };
  // One file at a time, in this order (the flows share the server), and
  // one `node --test` per file: Node.js 18 has no --test-concurrency.
  // MESHPLANE_WEB_FLOWS=writes,lineage runs only those files (while
  // working on them); unset, all of them.
  const char* only = std::getenv("MESHPLANE_WEB_FLOWS");
  const std::string flows = only != nullptr ? absl::StrCat(",", only, ",") : "";
  for (const char* f :
       {"signin", "catalog", "access", "governance", "writes", "lineage"}) {
    if (!flows.empty() &&
        !absl::StrContains(flows, absl::StrCat(",", f, ","))) {
      continue;
    }
    SCOPED_TRACE(f);
    std::vector<std::string> argv = {"/usr/bin/env", "node", "--test",
                                     web + "/test/" + f + ".test.mjs"};
    CommandResult r = RunCommand(argv, env, "", /*timeout_seconds=*/300);
    // node's TAP output, whatever the outcome, for the ctest log.
    std::printf("%s\n", r.out.c_str());
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_NE(r.out.find("# fail 0"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("# pass 0\n"), std::string::npos) << "ran no flow";
  }
}

}  // namespace
}  // namespace meshplane::e2e
