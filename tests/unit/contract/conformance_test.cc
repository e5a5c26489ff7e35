// The ODCS fixtures (tests/conformance/odcs, listed in fixtures.tsv with the
// version each exercises): every valid one is accepted, every invalid one is
// refused with an issue, with its line, at the field its name points at.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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

struct Fixture {
  std::string file;       // relative to the fixture folder
  std::string expect;     // valid | invalid
  std::string exercises;  // v3.2.0, or v3.2.0+RFC0051 for an RFC extra
  std::string api_version;
};

std::vector<Fixture> Manifest() {
  std::vector<Fixture> out;
  std::istringstream in(
      ReadFile(fs::path(MESHPLANE_ODCS_FIXTURES) / "fixtures.tsv"));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty()) {
      continue;
    }
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    EXPECT_EQ(f.size(), 5u) << line;
    if (f.size() == 5) {
      out.push_back({f[0], f[1], f[2], f[3]});
    }
  }
  return out;
}

std::vector<Fixture> Fixtures(const std::string& expect) {
  std::vector<Fixture> out;
  for (const Fixture& f : Manifest()) {
    if (f.expect == expect) {
      out.push_back(f);
    }
  }
  return out;
}

std::string Render(const std::vector<Issue>& issues) {
  std::vector<std::string> lines;
  for (const Issue& i : issues) {
    lines.push_back(i.ToString());
  }
  return absl::StrJoin(lines, "\n");
}

// Every file in the folder is in the manifest, and the other way round.
TEST(OdcsConformanceTest, ManifestListsEveryFixture) {
  std::set<std::string> on_disk;
  const fs::path root(MESHPLANE_ODCS_FIXTURES);
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && absl::EndsWith(e.path().string(), ".yaml")) {
      on_disk.insert(fs::relative(e.path(), root).string());
    }
  }
  std::set<std::string> listed;
  for (const Fixture& f : Manifest()) {
    EXPECT_TRUE(listed.insert(f.file).second) << "listed twice: " << f.file;
    EXPECT_TRUE(f.expect == "valid" || f.expect == "invalid") << f.file;
    EXPECT_TRUE(absl::StartsWith(f.exercises, "v3.")) << f.file;
  }
  EXPECT_EQ(on_disk, listed);
  EXPECT_GE(listed.size(), 130u);
}

TEST(OdcsConformanceTest, AcceptsEveryValidExample) {
  const std::vector<Fixture> files = Fixtures("valid");
  ASSERT_GE(files.size(), 90u);
  for (const Fixture& f : files) {
    SCOPED_TRACE(f.file);
    absl::StatusOr<ValidatedDocument> v =
        ParseAndValidate(ReadFile(fs::path(MESHPLANE_ODCS_FIXTURES) / f.file));
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
  static const auto* expected = new std::map<std::string,
                                             std::vector<Expectation>>{
      // The standard's negative tests (development branch, v3.2.0).
      {"additional-unknown-property", {{"unknownRootField", "unknown field"}}},
      {"enum-duplicate-values",
       {{"schema[0].properties[0].enum[1]", "must be unique"}}},
      {"enum-empty",
       {{"schema[0].properties[0].enum", "at least one enum value"}}},
      {"enum-missing-value",
       {{"schema[0].properties[0].enum[0].value", "missing required field"}}},
      {"invalid-api-version", {{"apiVersion", "\"v4.0.0\""}}},
      {"invalid-kind", {{"kind", "\"DataModel\""}}},
      {"invalid-quality-dimension",
       {{"schema[0].properties[0].quality[0].dimension", "\"validity\""}}},
      {"invalid-quality-metric",
       {{"schema[0].properties[0].quality[0].metric", "\"invalidMetric\""}}},
      {"invalid-quality-type",
       {{"schema[0].properties[0].quality[0].type", "quality rule type"}}},
      {"map-missing-block",
       {{"schema[0].properties[0].map", "missing required field"}}},
      {"map-missing-key",
       {{"schema[0].properties[0].map.key", "missing required field"}}},
      {"map-missing-value",
       {{"schema[0].properties[0].map.value", "missing required field"}}},
      {"missing-required-fields", {{"id", "missing required field"}}},
      {"quality-custom-missing-implementation",
       {{"schema[0].properties[0].quality[0].implementation",
         "missing required field"}}},
      {"quality-element-field",
       {{"schema[0].properties[0].quality[0].element", "unknown field"}}},
      {"quality-library-missing-metric",
       {{"schema[0].properties[0].quality[0].metric",
         "missing required field"}}},
      {"quality-multiple-operators",
       {{"schema[0].properties[0].quality[0]", "mustBe, mustNotBe"}}},
      {"quality-mustbebetween-wrong-size",
       {{"schema[0].quality[0].mustBeBetween", "two numbers"}}},
      {"quality-sql-missing-query",
       {{"schema[0].properties[0].quality[0].query",
         "missing required field"}}},
      {"relationship-property-level-with-from",
       {{"schema[0].properties[0].relationships[0].from",
         "must not have \"from\""}}},
      {"relationship-schema-level-missing-from-to",
       {{"schema[0].relationships[0].from", "missing required field"},
        {"schema[0].relationships[0].to", "missing required field"}}},
      {"schema-property-invalid-logicaltype",
       {{"schema[0].properties[0].logicalType", "\"binary\""}}},
      {"schema-property-missing-name",
       {{"schema[0].properties[0].name", "missing required field"}}},
      {"server-invalid-type", {{"servers[0].type", "server type"}}},
      {"server-missing-conditional-fields",
       {{"servers[0].schema", "type athena"}}},
      {"server-missing-required-fields",
       {{"servers[0].server", "missing required field"},
        {"servers[0].type", "missing required field"}}},
      {"sla-missing-required-value",
       {{"slaProperties[0].value", "missing required field"}}},
      {"synonym-missing-term",
       {{"schema[0].properties[0].synonyms[0].synonym",
         "missing required field"}}},
      // Meshplane's own (own/invalid).
      {"context-statement-missing-question",
       {{"context.verifiedStatements[0].question", "missing required field"}}},
      {"context-in-v3.1.0", {{"context", "no such field in ODCS v3.1.0"}}},
      {"deprecated-not-boolean",
       {{"schema[0].properties[0].deprecated", "expected a boolean"}}},
      {"vector-missing-dimensions",
       {{"schema[0].properties[0].logicalTypeOptions.dimensions",
         "missing required field"}}},
      {"vector-in-v3.1.0",
       {{"schema[0].properties[0].logicalType", "\"vector\""}}},
      {"map-on-string",
       {{"schema[0].properties[0].map", "needs logicalType map"}}},
      {"semantic-type-invalid",
       {{"schema[0].properties[0].semanticType", "\"metric\""}}},
      {"relationship-id-invalid",
       {{"schema[0].properties[0].relationships[0].id", "not a valid id"}}},
      {"variable-in-v3.1.0", {{"servers[0].port", "expected an integer"}}},
      {"enum-value-not-scalar",
       {{"schema[0].properties[0].enum[0].value", "expected a string"}}},
      {"status-missing-v3.1.0", {{"status", "missing required field"}}},
  };
  return *expected;
}

TEST(OdcsConformanceTest, RefusesEveryInvalidExampleForItsReason) {
  const std::vector<Fixture> files = Fixtures("invalid");
  ASSERT_EQ(files.size(), Expected().size());
  for (const Fixture& f : files) {
    const std::string name = fs::path(f.file).filename().string();
    SCOPED_TRACE(f.file);
    const std::string stem = name.substr(0, name.find(".odcs.yaml"));
    auto it = Expected().find(stem);
    ASSERT_NE(it, Expected().end()) << "no expectation for " << name;
    absl::StatusOr<ValidatedDocument> v =
        ParseAndValidate(ReadFile(fs::path(MESHPLANE_ODCS_FIXTURES) / f.file));
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
