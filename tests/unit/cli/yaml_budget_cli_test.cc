// Every YAML input of the CLI passes the one YAML reader's budgets before it
// is read (include/meshplane/contract/yaml.h): product descriptors, policy
// and SLO files, policy test files and contracts. An alias bomb is refused
// at the line of the alias that crosses the budget, with the file's name.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/app.h"
#include "cli/descriptor.h"
#include "cli/policy_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/alias_bomb.h"
#include <unistd.h>

#include "meshplane/contract/yaml.h"

#ifdef MESHPLANE_CLI_HAS_POLICY_ENGINE
#include "cli/policy_test_runner.h"
#endif

namespace meshplane::cli {
namespace {

using ::meshplane::testing::AliasBombContract;
using ::meshplane::testing::AliasBombLineOverBudget;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

// "<file>:<line>:" of the alias that crosses the node budget.
std::string BombAt(const std::string& file) {
  return absl::StrCat(file, ":",
                      AliasBombLineOverBudget(contract::kMaxYamlNodes), ":");
}

TEST(YamlBudgetCliTest, DescriptorsRefuseAnAliasBomb) {
  // A descriptor stream whose second document is the bomb.
  const std::string text = absl::StrCat(
      "apiVersion: meshplane.dev/v1\nkind: Team\nmetadata: {name: a}\n---\n",
      AliasBombContract(9));
  ParseResult r = ParseDescriptors(text, "mesh.yaml", {});
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_THAT(r.errors[0].ToString(),
              StartsWith(absl::StrCat(
                  "mesh.yaml:",
                  AliasBombLineOverBudget(contract::kMaxYamlNodes) + 4, ":")));
  EXPECT_THAT(r.errors[0].message, HasSubstr("past the YAML budget"));
  EXPECT_THAT(r.descriptors, SizeIs(0));
}

TEST(YamlBudgetCliTest, PolicyAndSloFilesRefuseAnAliasBomb) {
  absl::StatusOr<nlohmann::json> doc =
      ParseYamlDocument(AliasBombContract(9), "policy.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(doc.status().message()),
              StartsWith(BombAt("policy.yaml")));
  EXPECT_THAT(std::string(doc.status().message()),
              HasSubstr("past the YAML budget of 250000 nodes"));
}

#ifdef MESHPLANE_CLI_HAS_POLICY_ENGINE
TEST(YamlBudgetCliTest, PolicyTestFilesRefuseAnAliasBomb) {
  PolicyTestLoad load =
      ParsePolicyTestFile(AliasBombContract(9), "bomb_test.yaml");
  ASSERT_THAT(load.errors, SizeIs(1));
  EXPECT_THAT(load.errors[0], StartsWith(BombAt("bomb_test.yaml")));
}
#endif

#ifdef MESHPLANE_CLI_HAS_CONTRACT
TEST(YamlBudgetCliTest, ContractLintRefusesAnAliasBombAsBadInput) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("yaml_budget_cli_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (int levels : {8, 9}) {
    SCOPED_TRACE(levels);
    const std::string path =
        (dir / absl::StrCat("bomb", levels, ".odcs.yaml")).string();
    std::ofstream(path) << AliasBombContract(levels);
    std::ostringstream out;
    std::ostringstream err;
    Environment env;
    env.addr = "127.0.0.1:1";  // offline: nothing listens there
    const int code = RunCli({"contract", "lint", "-f", path}, env, out, err);
    EXPECT_EQ(code, 2) << out.str() << err.str();
    EXPECT_THAT(out.str(), HasSubstr(BombAt(path)));
    EXPECT_THAT(out.str(), HasSubstr("past the YAML budget"));
  }
  std::filesystem::remove_all(dir);
}
#endif

}  // namespace
}  // namespace meshplane::cli
