// `meshplane policy test` as CI runs it: the built binary, no server. The
// starter library's own tests pass; a wrong expectation exits 1; a policy
// that does not compile exits 2.
#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"

namespace meshplane::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

CommandResult PolicyTest(const std::vector<std::string>& files) {
  std::vector<std::string> argv = {EnvOrDie("MESHPLANE_CLI"), "policy", "test"};
  for (const std::string& f : files) {
    argv.push_back("-f");
    argv.push_back(f);
  }
  // No server: make sure nothing could be reached even by mistake.
  return RunCommand(argv, {{"MESHPLANE_ADDR", "127.0.0.1:1"}});
}

TEST(PolicyTestE2eTest, StarterLibraryTestsPass) {
  std::string dir = EnvOrDie("MESHPLANE_POLICIES") + "/tests/";
  CommandResult r = PolicyTest({dir + "products.yaml", dir + "lifecycle.yaml",
                                dir + "contracts.yaml", dir + "access.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr(" passed, 0 failed\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("FAIL")));
}

TEST(PolicyTestE2eTest, AWrongExpectationExitsOne) {
  CommandResult r = PolicyTest(
      {EnvOrDie("MESHPLANE_E2E_TESTDATA") + "/policy/broken_tests.yaml"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("PASS  a product without an owner is refused"));
  EXPECT_THAT(r.out, HasSubstr("FAIL  wrongly expects a product without a "
                               "description to pass"));
  EXPECT_THAT(r.out, HasSubstr("expected outcome ALLOW, got DENY"));
  EXPECT_THAT(r.out, HasSubstr("violated: policies/products-have-description"));
  EXPECT_THAT(r.out, HasSubstr("1 passed, 1 failed\n"));
}

TEST(PolicyTestE2eTest, APolicyThatDoesNotCompileExitsTwo) {
  CommandResult r = PolicyTest({EnvOrDie("MESHPLANE_E2E_TESTDATA") +
                                "/policy/compile_error/tests.yaml"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("compile_error/policy.yaml:1: policy "
                               "policies/typo: condition: "));
  EXPECT_THAT(r.err, HasSubstr("^"));
  EXPECT_THAT(r.err, HasSubstr("no test was run"));
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace meshplane::e2e
