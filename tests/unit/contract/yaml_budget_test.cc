// The budgets of the one YAML reader (include/meshplane/contract/yaml.h):
// nodes, scalar bytes and depth counted with aliases expanded, refused at
// the alias that crosses them, in LoadYaml (contracts) and in
// CheckYamlBudgets (every other YAML input of the CLI).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "contract/yaml_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/alias_bomb.h"
#include "tests/unit/contract/yaml_test_util.h"

#include "meshplane/contract/odcs.h"
#include "meshplane/contract/validate.h"
#include "meshplane/contract/yaml.h"

namespace meshplane::contract::internal {
namespace {

namespace fs = std::filesystem;
using ::meshplane::testing::AliasBombContract;
using ::meshplane::testing::AliasBombLineOverBudget;
using ::meshplane::testing::kAliasBombFirstLevelLine;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using test_util::ErrorOf;

std::string Repeat(absl::string_view item, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += ", ";
    out.append(item.data(), item.size());
  }
  return out;
}

TEST(YamlBudgetTest, RefusesAnAliasBombAtTheAliasThatCrossesTheNodeBudget) {
  const int line = AliasBombLineOverBudget(kMaxYamlNodes);
  const int level = line - kAliasBombFirstLevelLine;
  for (int levels : {8, 9}) {
    SCOPED_TRACE(levels);
    const std::string bomb = AliasBombContract(levels);
    EXPECT_LT(bomb.size(), 1024u);
    const std::string error = ErrorOf(bomb);
    EXPECT_THAT(error, StartsWith(absl::StrCat(line, ":")));
    EXPECT_THAT(error,
                HasSubstr(absl::StrCat("alias *x", level - 1, " repeats ")));
    EXPECT_THAT(error, HasSubstr("past the YAML budget of 250000 nodes"));
    // Every entry point of the library goes through the same reader.
    EXPECT_EQ(std::string(Parse(bomb).status().message()), error);
    EXPECT_EQ(std::string(ParseAndValidate(bomb).status().message()), error);
    EXPECT_EQ(std::string(contract::ToJson(bomb).status().message()), error);
    EXPECT_EQ(std::string(CheckYamlBudgets(bomb).message()), error);
  }
}

TEST(YamlBudgetTest, AnAliasCountsAsEveryNodeItRepeats) {
  // The root, two keys, the anchored list, its 1000 scalars and the list of
  // aliases are 1005 nodes; each alias repeats 1001.
  const int fits = static_cast<int>((kMaxYamlNodes - 1005) / 1001);
  auto doc = [](int aliases) {
    return absl::StrCat("k: &a [", Repeat("x", 1000), "]\nl: [\n",
                        Repeat("*a", aliases), "]\n");
  };
  const absl::StatusOr<YamlDocument> ok = LoadYaml(doc(fits));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(Get(ok->root(), "l").size(), static_cast<size_t>(fits));
  EXPECT_THAT(ErrorOf(doc(fits + 1)),
              StartsWith(absl::StrCat("3:", 1 + 4 * fits,
                                      ": alias *a repeats 1001 nodes, past the "
                                      "YAML budget of 250000 nodes")));
}

TEST(YamlBudgetTest, NodesCountWithoutAliasesToo) {
  const int n = static_cast<int>(kMaxYamlNodes) - 2;  // + the root, the key
  EXPECT_TRUE(LoadYaml(absl::StrCat("a: [", Repeat("0", n - 1), "]")).ok());
  EXPECT_THAT(ErrorOf(absl::StrCat("a: [", Repeat("0", n), "]")),
              HasSubstr("the document has more than 250000 nodes"));
}

TEST(YamlBudgetTest, ScalarBytesCountWhatAliasesRepeat) {
  // The keys "a" and "b" are 2 bytes; each copy of &s is 64 KiB.
  const std::string big(64 << 10, 'z');
  const int copies = static_cast<int>(kMaxYamlScalarBytes / big.size());
  auto doc = [&](int aliases) {
    return absl::StrCat("a: &s ", big, "\nb: [", Repeat("*s", aliases), "]\n");
  };
  EXPECT_TRUE(LoadYaml(doc(copies - 2)).ok());
  EXPECT_THAT(ErrorOf(doc(copies - 1)),
              StartsWith(absl::StrCat(
                  "2:", 5 + 4 * (copies - 2),
                  ": alias *s repeats 65536 bytes of scalars, past the YAML "
                  "budget of 4194304")));
}

TEST(YamlBudgetTest, DepthCountsAnAliasAsItsNodeInPlace) {
  // 150 nested lists anchored at depth 2, and an alias of them at depth
  // 152: 151 + 150 = 301 levels when read, where the text nests 151.
  const std::string deep = absl::StrCat(
      "a: &d ", std::string(150, '['), std::string(150, ']'),
      "\nb: ", std::string(150, '['), "*d", std::string(150, ']'), "\n");
  EXPECT_THAT(ErrorOf(deep),
              StartsWith(absl::StrCat(
                  "2:154: alias *d nests 301 levels deep, past the YAML "
                  "budget of ",
                  kMaxYamlDepth, " levels")));
  // 100 + 99 = 199 levels: within the budget.
  EXPECT_TRUE(
      LoadYaml(absl::StrCat("a: &d ", std::string(99, '['),
                            std::string(99, ']'), "\nb: ", std::string(99, '['),
                            "*d", std::string(99, ']'), "\n"))
          .ok());
}

TEST(CheckYamlBudgetsTest, ReadsEveryDocumentOfAStreamAnyTopLevel) {
  EXPECT_TRUE(CheckYamlBudgets("").ok());
  EXPECT_TRUE(CheckYamlBudgets("- a\n- b\n").ok());
  EXPECT_TRUE(CheckYamlBudgets("plain scalar").ok());
  EXPECT_TRUE(CheckYamlBudgets("a: &x [1]\n---\nb: &x [2]\nc: *x\n").ok());
  // The bomb in the second document of a stream.
  const std::string stream =
      absl::StrCat("kind: DataProduct\n---\n", AliasBombContract(8));
  EXPECT_THAT(std::string(CheckYamlBudgets(stream).message()),
              HasSubstr("past the YAML budget of 250000 nodes"));
  // Anchors belong to their document (YAML 1.2 §9.2).
  EXPECT_THAT(std::string(CheckYamlBudgets("a: &x 1\n---\nb: *x\n").message()),
              StartsWith("3:4: invalid YAML: alias *x has no anchor"));
  // The budget holds for the stream, not for each document.
  const std::string half = absl::StrCat(
      "[", Repeat("0", static_cast<int>(kMaxYamlNodes / 2)), "]\n");
  EXPECT_TRUE(CheckYamlBudgets(half).ok());
  EXPECT_THAT(
      std::string(
          CheckYamlBudgets(absl::StrCat(half, "---\n", half)).message()),
      HasSubstr("more than 250000 nodes"));
  absl::Status syntax = CheckYamlBudgets("a: [\n");
  EXPECT_EQ(syntax.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(syntax.message()), HasSubstr("invalid YAML"));
}

TEST(YamlBudgetTest, RefusesATextPastTheSizeBudgetBeforeParsing) {
  YamlBudget budget;
  budget.text_bytes = 16;
  // Sixteen bytes are read; one more is refused without being parsed (an
  // unclosed flow sequence would otherwise be a syntax error).
  EXPECT_TRUE(ReadYaml("a: [1, 2, 3, 45]", budget).ok());
  absl::StatusOr<YamlStream> big = ReadYaml("a: [1, 2, 3, 4567", budget);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(big.status().message(),
            "1:1: 17 bytes of YAML are too many to read (16 bytes at most)");
  EXPECT_EQ(CheckYamlStream("a: [1, 2, 3, 4567", budget).message(),
            big.status().message());
  absl::StatusOr<YamlDocument> contract = LoadYaml("a: [1, 2, 3, 4567", budget);
  EXPECT_EQ(contract.status().message(),
            "1:1: a data contract of 17 bytes is too large to read (16 bytes "
            "at most)");
  // The default: 256 MiB, for every caller.
  EXPECT_EQ(YamlBudget().text_bytes, kMaxYamlTextBytes);
  EXPECT_EQ(kMaxYamlTextBytes, size_t{256} << 20);
  budget.text_bytes = size_t{1} << 20;
  EXPECT_THAT(
      std::string(ReadYaml(std::string((size_t{1} << 20) + 1, '#'), budget)
                      .status()
                      .message()),
      HasSubstr("(1 MiB at most)"));
}

TEST(ReadYamlTest, ReturnsEveryDocumentOfAStream) {
  absl::StatusOr<YamlStream> none = ReadYaml("# only a comment\n");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE((*none)[0].IsDefined());

  absl::StatusOr<YamlStream> docs =
      ReadYaml("kind: Team\n---\n---\n- a\n- b\n--- plain\n");
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 4u);
  EXPECT_EQ((*docs)[0]["kind"].Scalar(), "Team");
  EXPECT_EQ((*docs)[0].position().line, 1);
  EXPECT_TRUE((*docs)[1].IsNull());  // "---" alone: an empty document
  EXPECT_TRUE((*docs)[2].IsSequence());
  EXPECT_EQ((*docs)[2].position().line, 4);
  EXPECT_EQ((*docs)[2][1].Scalar(), "b");
  EXPECT_EQ((*docs)[3].Scalar(), "plain");
  EXPECT_FALSE((*docs)[4].IsDefined());
  // Flow style is kept for the writer.
  absl::StatusOr<YamlStream> flow = ReadYaml("a: [1]\nb:\n  - 1\n");
  ASSERT_TRUE(flow.ok());
  EXPECT_TRUE((*flow)[0]["a"].IsFlow());
  EXPECT_FALSE((*flow)[0]["b"].IsFlow());
  EXPECT_FALSE((*flow)[0].IsFlow());
}

std::vector<fs::path> YamlFilesUnder(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".yaml" || ext == ".yml") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(YamlBudgetTest, EveryExampleFitsATenthOfTheBudgets) {
  const YamlBudget tenth{kMaxYamlNodes / 10, kMaxYamlScalarBytes / 10,
                         kMaxYamlDepth / 10};
  int checked = 0;
  for (const char* dir : {MESHPLANE_ODCS_VALID, MESHPLANE_E2E_TESTDATA}) {
    for (const fs::path& file : YamlFilesUnder(dir)) {
      if (file.filename() == "not-yaml.odcs.yaml") continue;  // on purpose
      std::ifstream in(file, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      EXPECT_TRUE(CheckYamlStream(text.str(), tenth).ok())
          << file << ": " << CheckYamlStream(text.str(), tenth);
      ++checked;
    }
  }
  EXPECT_GT(checked, 20);
}

}  // namespace
}  // namespace meshplane::contract::internal
