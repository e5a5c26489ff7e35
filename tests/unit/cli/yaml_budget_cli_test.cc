// Every YAML input of the CLI is read by the one YAML reader, within its
// budgets (include/meshplane/contract/yaml.h): product descriptors, policy
// and SLO files, policy test files, contracts and stored ODPS documents. An
// alias bomb is refused at the line of the alias that crosses the budget,
// nesting past the depth budget where it goes too deep, and a text past the
// size budget before it is parsed, each with the file's name.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/app.h"
#include "cli/descriptor.h"
#include "cli/odps_export.h"
#include "cli/policy_file.h"
#include "cli/policy_test_runner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/alias_bomb.h"
#include "tests/unit/cli/cli_test_util.h"
#include <unistd.h>

#include "meshplane/contract/yaml.h"

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

// `levels` nested flow sequences: "[[...]]".
std::string Nested(int levels) {
  return std::string(levels, '[') + std::string(levels, ']');
}

// One byte past the size budget: refused before it is parsed, so it need
// not be YAML. Built once; the tests only read it.
const std::string& Oversized() {
  static const std::string* text =
      new std::string(contract::kMaxYamlTextBytes + 1, '#');
  return *text;
}

constexpr char kTooLarge[] =
    "1:1: 268435457 bytes of YAML are too many to read (256 MiB at most)";

TEST(YamlBudgetCliTest, DescriptorsRefuseNestingPastTheDepthBudget) {
  const std::string text = absl::StrCat(
      "apiVersion: meshplane.dev/v1\nkind: Team\nmetadata: {name: a}\n"
      "spec: ",
      Nested(contract::kMaxYamlDepth + 1), "\n");
  ParseResult r = ParseDescriptors(text, "deep.yaml", {});
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_EQ(r.errors[0].ToString(),
            "deep.yaml:4:206: invalid YAML: nested more than 200 levels deep");
  EXPECT_THAT(r.descriptors, SizeIs(0));
}

TEST(YamlBudgetCliTest, DescriptorsRefuseAFilePastTheSizeBudget) {
  ParseResult r = ParseDescriptors(Oversized(), "huge.yaml", {});
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_EQ(r.errors[0].ToString(), absl::StrCat("huge.yaml:", kTooLarge));
  EXPECT_THAT(r.descriptors, SizeIs(0));
}

TEST(YamlBudgetCliTest, PolicyFilesRefuseNestingPastTheDepthBudget) {
  absl::StatusOr<nlohmann::json> doc = ParseYamlDocument(
      absl::StrCat("condition: ", Nested(contract::kMaxYamlDepth + 1)),
      "policy.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(doc.status().message(),
            "policy.yaml:1:211: invalid YAML: nested more than 200 levels "
            "deep");
}

TEST(YamlBudgetCliTest, PolicyFilesRefuseAFilePastTheSizeBudget) {
  absl::StatusOr<nlohmann::json> doc =
      ParseYamlDocument(Oversized(), "policy.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(doc.status().message(), absl::StrCat("policy.yaml:", kTooLarge));
}

TEST(YamlBudgetCliTest, AStoredOdpsDocumentPastTheBudgetsCarriesNothing) {
  // The server holds whatever a writer of the product stored: a bomb there
  // is not expanded, and the export is written from the product alone.
  meshplane::v1::DataProduct product;
  product.set_name("domains/sales/dataProducts/orders");
  product.set_owner_team("teams/sales-eng");
  product.set_uid("0b6f3c1e");
  product.set_odps_document(AliasBombContract(9));
  OdpsExport out = ExportOdps(product, {});
  EXPECT_EQ(out.text,
            "apiVersion: v1.1.0\nkind: DataProduct\nid: 0b6f3c1e\n"
            "name: orders\nstatus: draft\ndomain: sales\nteam:\n"
            "  name: sales-eng\n");
  product.set_odps_document(absl::StrCat("team: ", Nested(300)));
  EXPECT_EQ(ExportOdps(product, {}).text, out.text);
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

TEST(YamlBudgetCliTest, PolicyTestFilesRefuseAnAliasBomb) {
  PolicyTestLoad load =
      ParsePolicyTestFile(AliasBombContract(9), "bomb_test.yaml");
  ASSERT_THAT(load.errors, SizeIs(1));
  EXPECT_THAT(load.errors[0], StartsWith(BombAt("bomb_test.yaml")));
}

TEST(YamlBudgetCliTest, PolicyTestFilesRefuseNestingPastTheDepthBudget) {
  PolicyTestLoad load = ParsePolicyTestFile(
      absl::StrCat("cases: ", Nested(contract::kMaxYamlDepth + 1)),
      "deep_test.yaml");
  ASSERT_THAT(load.errors, SizeIs(1));
  EXPECT_EQ(load.errors[0],
            "deep_test.yaml:1:207: invalid YAML: nested more than 200 levels "
            "deep");
}

TEST(YamlBudgetCliTest, PolicyTestFilesRefuseAFilePastTheSizeBudget) {
  PolicyTestLoad load = ParsePolicyTestFile(Oversized(), "huge_test.yaml");
  ASSERT_THAT(load.errors, SizeIs(1));
  EXPECT_EQ(load.errors[0], absl::StrCat("huge_test.yaml:", kTooLarge));
}

TEST(YamlBudgetCliTest, ContractLintRefusesAnAliasBombAsBadInput) {
  test_util::ScratchDir dir;
  ASSERT_TRUE(dir.Create("yaml_budget_cli_test"));
  for (int levels : {8, 9}) {
    SCOPED_TRACE(levels);
    const std::string path = dir.Write(
        absl::StrCat("bomb", levels, ".odcs.yaml"), AliasBombContract(levels));
    // Offline: nothing listens there.
    test_util::CliResult r = test_util::RunCliAt(
        "127.0.0.1:1", "", {"contract", "lint", "-f", path});
    EXPECT_EQ(r.code, 2) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr(BombAt(path)));
    EXPECT_THAT(r.out, HasSubstr("past the YAML budget"));
  }
}

}  // namespace
}  // namespace meshplane::cli
