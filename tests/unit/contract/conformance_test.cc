// The ODCS fixtures (tests/conformance/odcs): every valid/ file is accepted,
// every invalid/ file is refused with an issue at the field its name names.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "meshplane/contract/validate.h"

namespace meshplane::contract {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<fs::path> Files(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& entry :
       fs::directory_iterator(fs::path(MESHPLANE_ODCS_FIXTURES) / dir)) {
    out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Render(const std::vector<Issue>& issues) {
  std::vector<std::string> lines;
  for (const Issue& i : issues) {
    lines.push_back(i.ToString());
  }
  return absl::StrJoin(lines, "\n");
}

TEST(OdcsConformanceTest, AcceptsEveryValidExample) {
  const std::vector<fs::path> files = Files("valid");
  ASSERT_GE(files.size(), 14u);
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    absl::StatusOr<ValidatedDocument> v = ParseAndValidate(ReadFile(file));
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_TRUE(v->issues.empty()) << Render(v->issues);
    EXPECT_FALSE(v->document.id.empty());
    EXPECT_EQ(v->document.kind, "DataContract");
  }
}

// For each invalid example, the (path, words) its issue must carry: the path
// of the field the file name points at, and words of the message.
struct Expectation {
  std::string path;
  std::string words;
};

const std::map<std::string, std::vector<Expectation>>& Expected() {
  static const auto* expected =
      new std::map<std::string, std::vector<Expectation>>{
          {"additional-unknown-property",
           {{"unknownRootField", "unknown field"}}},
          // `enum` and `map` are ODCS v3.2 drafts; v3.1.0 has no such field.
          {"enum-duplicate-values",
           {{"schema[0].properties[0].enum", "unknown field"}}},
          {"enum-missing-value",
           {{"schema[0].properties[0].enum", "unknown field"}}},
          {"invalid-api-version", {{"apiVersion", "\"v4.0.0\""}}},
          {"invalid-quality-dimension",
           {{"schema[0].properties[0].quality[0].dimension", "\"validity\""}}},
          {"invalid-quality-metric",
           {{"schema[0].properties[0].quality[0].metric",
             "\"invalidMetric\""}}},
          {"map-missing-block",
           {{"schema[0].properties[0].logicalType", "\"map\""}}},
          {"map-missing-key",
           {{"schema[0].properties[0].logicalType", "\"map\""},
            {"schema[0].properties[0].map", "unknown field"}}},
          {"missing-required-fields",
           {{"id", "missing required field"},
            {"status", "missing required field"}}},
          {"quality-custom-missing-implementation",
           {{"schema[0].properties[0].quality[0].implementation",
             "missing required field"}}},
          {"quality-library-missing-metric",
           {{"schema[0].properties[0].quality[0].metric",
             "missing required field"}}},
          {"quality-multiple-operators",
           {{"schema[0].properties[0].quality[0]", "mustBe, mustNotBe"}}},
          {"quality-sql-missing-query",
           {{"schema[0].properties[0].quality[0].query",
             "missing required field"}}},
          {"relationship-property-level-with-from",
           {{"schema[0].properties[0].relationships[0].from",
             "must not have \"from\""}}},
          {"schema-property-invalid-logicaltype",
           {{"schema[0].properties[0].logicalType", "\"binary\""}}},
          {"schema-property-missing-name",
           {{"schema[0].properties[0].name", "missing required field"}}},
          {"server-missing-conditional-fields",
           {{"servers[0].stagingDir", "type athena"},
            {"servers[0].schema", "type athena"}}},
          {"server-missing-required-fields",
           {{"servers[0].server", "missing required field"},
            {"servers[0].type", "missing required field"}}},
          {"synonym-missing-term",
           {{"schema[0].properties[0].synonyms", "unknown field"}}},
      };
  return *expected;
}

TEST(OdcsConformanceTest, RefusesEveryInvalidExampleForItsReason) {
  const std::vector<fs::path> files = Files("invalid");
  ASSERT_EQ(files.size(), Expected().size());
  for (const fs::path& file : files) {
    const std::string name = file.filename().string();
    SCOPED_TRACE(name);
    const std::string stem = name.substr(0, name.find(".odcs.yaml"));
    auto it = Expected().find(stem);
    ASSERT_NE(it, Expected().end()) << "no expectation for " << name;
    absl::StatusOr<ValidatedDocument> v = ParseAndValidate(ReadFile(file));
    ASSERT_TRUE(v.ok()) << v.status();
    ASSERT_FALSE(v->issues.empty());
    for (const Expectation& e : it->second) {
      bool found = false;
      for (const Issue& issue : v->issues) {
        found = found || (issue.path == e.path &&
                          absl::StrContains(issue.message, e.words) &&
                          issue.position.line > 0);
      }
      EXPECT_TRUE(found) << "want an issue at " << e.path << " mentioning "
                         << e.words << "; got:\n"
                         << Render(v->issues);
    }
  }
}

}  // namespace
}  // namespace meshplane::contract
