// The base of e2e tests that drive the meshplane binary against a real
// meshplaned on a fresh database of the test's private PostgreSQL.
#ifndef MESHPLANE_TESTS_E2E_SERVER_TEST_H_
#define MESHPLANE_TESTS_E2E_SERVER_TEST_H_

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/testing/pg/pg_fixture.h"

namespace meshplane::e2e {

// The bootstrap admin token the server is started with.
inline constexpr char kAdminToken[] = "e2e-bootstrap-admin-token-0123456789";

// The value of an environment variable ctest sets (binary paths, data
// folders); aborts with a hint when it is missing.
inline std::string EnvOrDie(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    std::fprintf(stderr, "%s is not set (run through ctest)\n", name);
    std::abort();
  }
  return value;
}

class ServerE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // As in production: the server connects as the serving role, which
    // cannot alter the schema or the audit tables.
    std::string url =
        testing::PgFixture::ServingUrl(testing::PgFixture::Get().NewDatabase());
    std::string error;
    ASSERT_TRUE(server_.Start(EnvOrDie("MESHPLANED"), url, kAdminToken, &error))
        << error;
    dir_ = MakeTempDir();
  }

  void TearDown() override {
    if (HasFailure()) {
      std::fprintf(stderr, "--- meshplaned log ---\n%s\n",
                   server_.Log().c_str());
    }
    server_.Stop();
  }

  // Runs meshplane as the admin (or as `token`; "" runs without a token).
  CommandResult Cli(std::vector<std::string> args,
                    const std::string& token = kAdminToken,
                    const std::string& input = "") {
    args.insert(args.begin(), EnvOrDie("MESHPLANE_CLI"));
    std::map<std::string, std::string> env = {
        {"MESHPLANE_ADDR", server_.addr()}};
    env["MESHPLANE_TOKEN"] = token.empty() ? "\x01" : token;
    return RunCommand(args, env, input);
  }

  // Writes `text` to `name` in the test's temporary folder; its path.
  std::string File(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    WriteFile(path, text);
    return path;
  }

  ServerProcess server_;
  std::string dir_;
};

}  // namespace meshplane::e2e

#endif  // MESHPLANE_TESTS_E2E_SERVER_TEST_H_
