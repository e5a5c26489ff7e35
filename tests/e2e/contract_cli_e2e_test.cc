// `meshplane contract lint` and `contract diff` as a producing team's CI runs
// them: the built binary on contract files, no server. Exit codes, the key
// lines of each report, JSON that parses, GitHub annotations.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/testing/alias_bomb.h"
#include <nlohmann/json.hpp>

#include "meshplane/contract/yaml.h"

namespace meshplane::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string Data(const std::string& name) {
  return EnvOrDie("MESHPLANE_E2E_TESTDATA") + "/contract/" + name;
}

CommandResult Contract(std::vector<std::string> args) {
  args.insert(args.begin(), {EnvOrDie("MESHPLANE_CLI"), "contract"});
  // No server: make sure nothing could be reached even by mistake.
  return RunCommand(args, {{"MESHPLANE_ADDR", "127.0.0.1:1"}});
}

std::vector<std::string> LinesStartingWith(const std::string& text,
                                           const std::string& prefix) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, prefix)) lines.emplace_back(line);
  }
  return lines;
}

TEST(ContractCliE2eTest, LintAcceptsTheStandardsExamples) {
  CommandResult r =
      Contract({"lint", "-f", Data("transactions-1.0.0.odcs.yaml"), "-f",
                Data("air-quality.odcs.yaml")});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("transactions-1.0.0.odcs.yaml: valid "
                               "(53581432-6c55-4ba2-a65f-72344a91553c 1.0.0, "
                               "ODCS v3.0.2)\n"));
  EXPECT_THAT(r.out, HasSubstr("2 files: 2 valid, 0 invalid\n"));
}

TEST(ContractCliE2eTest, LintRefusesAnInvalidContractWithEveryIssue) {
  CommandResult r =
      Contract({"lint", "-f", Data("invalid-logicaltype.odcs.yaml")});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("invalid-logicaltype.odcs.yaml:14:22: "
                               "schema[0].properties[0].logicalType: "
                               "\"binary\" is not a valid logicalType"));
  // ODCS v3.2.0 is a version the validator knows: only the type is wrong.
  EXPECT_THAT(r.out, Not(HasSubstr("apiVersion")));
  EXPECT_THAT(r.out, HasSubstr("invalid (1 issue)"));
}

TEST(ContractCliE2eTest, LintRefusesYamlThatDoesNotParse) {
  CommandResult r = Contract({"lint", "-f", Data("not-yaml.odcs.yaml")});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("not-yaml.odcs.yaml:5:1: invalid YAML: "));
}

TEST(ContractCliE2eTest, LintJsonParses) {
  CommandResult r = Contract({"lint", "-o", "json", "-f",
                              Data("invalid-logicaltype.odcs.yaml"), "-f",
                              Data("air-quality.odcs.yaml")});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["valid"], 1);
  EXPECT_EQ(doc["invalid"], 1);
  EXPECT_EQ(doc["files"][0]["issues"].size(), 1u);
  EXPECT_EQ(doc["files"][1]["valid"], true);
}

TEST(ContractCliE2eTest, LintGithubPrintsOneAnnotationPerIssue) {
  std::string file = Data("invalid-logicaltype.odcs.yaml");
  CommandResult r = Contract({"lint", "--format", "github", "-f", file});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  std::vector<std::string> errors = LinesStartingWith(r.out, "::error ");
  ASSERT_EQ(errors.size(), 1u) << r.out;
  EXPECT_THAT(errors[0],
              StartsWith("::error file=" + file +
                         ",line=14,col=22,title=invalid contract "
                         "at schema[0].properties[0].logicalType::"));
}

TEST(ContractCliE2eTest, DiffOfACompatibleMinorVersionExitsZero) {
  CommandResult r = Contract({"diff", Data("transactions-1.0.0.odcs.yaml"),
                              Data("transactions-1.1.0-compatible.odcs.yaml")});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("property_added"));
  EXPECT_THAT(r.out, HasSubstr("schema[tbl].properties[currency]"));
  EXPECT_THAT(r.out, HasSubstr("1.0.0 -> 1.1.0 is a minor bump"));
  EXPECT_THAT(r.out, HasSubstr("verdict: compatible under FULL"));
}

TEST(ContractCliE2eTest, DiffOfAnInsufficientBumpExitsOne) {
  CommandResult r =
      Contract({"diff", Data("transactions-1.0.0.odcs.yaml"),
                Data("transactions-1.0.1-insufficient.odcs.yaml")});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("does not make the minor bump these changes "
                               "require; use 1.1.0 or later"));
  EXPECT_THAT(r.out, HasSubstr("verdict: INSUFFICIENT VERSION BUMP"));
}

TEST(ContractCliE2eTest, DiffOfABreakingChangeExitsOne) {
  CommandResult r = Contract({"diff", Data("transactions-1.0.0.odcs.yaml"),
                              Data("transactions-1.1.0-breaking.odcs.yaml")});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("breaking  logical_type_narrowed"));
  EXPECT_THAT(r.out, HasSubstr("breaking  required_property_added"));
  EXPECT_THAT(r.out, HasSubstr("the changes require major (lowest: 2.0.0)"));
  EXPECT_THAT(r.out, HasSubstr("verdict: BREAKING under FULL\n"));

  // The same contract under NONE only checks the version.
  CommandResult none =
      Contract({"diff", "--mode", "NONE", Data("transactions-1.0.0.odcs.yaml"),
                Data("transactions-2.0.0-breaking.odcs.yaml")});
  EXPECT_EQ(none.exit_code, 0) << none.Describe();
  EXPECT_THAT(none.out, HasSubstr("verdict: compatible under NONE"));
}

TEST(ContractCliE2eTest, DiffJsonParses) {
  CommandResult r =
      Contract({"diff", "-o", "json", Data("transactions-1.0.0.odcs.yaml"),
                Data("transactions-1.1.0-breaking.odcs.yaml")});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["verdict"], "breaking");
  EXPECT_EQ(doc["required_bump"], "major");
  EXPECT_EQ(doc["actual_bump"], "minor");
  EXPECT_EQ(doc["changes"].size(), 3u);
}

TEST(ContractCliE2eTest, DiffGithubAnnotatesEachBreakingChange) {
  std::string candidate = Data("transactions-1.1.0-breaking.odcs.yaml");
  CommandResult r = Contract({"diff", "--format", "github",
                              Data("transactions-1.0.0.odcs.yaml"), candidate});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  std::vector<std::string> errors = LinesStartingWith(r.out, "::error ");
  // Three breaking changes and the version.
  ASSERT_EQ(errors.size(), 4u) << r.out;
  EXPECT_THAT(errors[2],
              StartsWith("::error file=" + candidate +
                         ",line=40,col=9,title=breaking change under FULL "
                         "(required_property_added)::"));
  EXPECT_THAT(errors[3], HasSubstr("title=contract version bump::"));
  EXPECT_THAT(r.out, Not(HasSubstr("::notice")));
}

TEST(ContractCliE2eTest, DiffOfAnInvalidFileExitsTwo) {
  CommandResult r = Contract({"diff", Data("transactions-1.0.0.odcs.yaml"),
                              Data("not-yaml.odcs.yaml")});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("nothing was compared"));
}

// Under 1 KiB that aliases expand to 4e7 (8 levels) or 4e8 (9) nodes: the
// linter used to die of std::bad_alloc. Refused as bad input at the alias
// that crosses the YAML budget, at once.
TEST(ContractCliE2eTest, LintRefusesAliasBombsFastNamingTheLine) {
  const std::string dir = MakeTempDir();
  const std::string line =
      std::to_string(testing::AliasBombLineOverBudget(contract::kMaxYamlNodes));
  for (int levels : {8, 9}) {
    SCOPED_TRACE(levels);
    const std::string file =
        dir + "/bomb-" + std::to_string(levels) + ".odcs.yaml";
    WriteFile(file, testing::AliasBombContract(levels));
    const auto start = std::chrono::steady_clock::now();
    CommandResult r = Contract({"lint", "-f", file});
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_THAT(r.out, HasSubstr(file + ":" + line + ":"));
    EXPECT_THAT(r.out, HasSubstr("past the YAML budget of 250000 nodes"));
    // Generous: the refusal takes milliseconds; the old expansion, minutes.
    EXPECT_LT(took, std::chrono::seconds(5));
  }
}

}  // namespace
}  // namespace meshplane::e2e
