#include "meshplane/contract/convert.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "meshplane/contract/odcs.h"
#include "meshplane/contract/validate.h"

namespace meshplane::contract {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr absl::string_view kV32 = R"(apiVersion: v3.2.0
kind: DataContract
id: orders
version: 1.0.0
status: active
context: Amounts are in cents.
servers:
  - server: athena
    type: athena
    schema: sales
    stagingDir: s3://results/
    workgroup: primary
schema:
  - name: orders
    synonyms:
      - synonym: purchases
    deprecated: false
    relationships:
      - id: fk_customer
        from: orders.customer_id
        to: customers.id
    properties:
      - name: customer_id
        logicalType: string
        description: 'quoted: and "typed" text'
      - name: status
        logicalType: string
        semanticType: dimension
        enum:
          - value: open
            label: Open
          - value: paid
      - name: embedding
        logicalType: vector
        deprecated: true
        logicalTypeOptions:
          dimensions: 768
          distanceMetric: cosine
      - name: attrs
        logicalType: map
        map:
          key: {logicalType: string}
          value: {logicalType: integer}
      - name: zip
        logicalType: string
        examples: ["01234", '5678']
slaProperties:
  - property: latency
    value: 4
    unit: h
    customProperties:
      - property: alertPolicyId
        value: pol-1
)";

std::set<std::string> LossPaths(const Conversion& c) {
  std::set<std::string> out;
  for (const Loss& l : c.losses) {
    out.insert(l.path);
    EXPECT_GT(l.position.line, 0) << l.ToString();
    EXPECT_THAT(l.message, HasSubstr("not carried")) << l.ToString();
  }
  return out;
}

TEST(ConvertTest, DowngradeReportsEveryFieldItCannotCarry) {
  absl::StatusOr<Conversion> c = Convert(kV32, "v3.1.0");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->from_version, "v3.2.0");
  EXPECT_THAT(
      LossPaths(*c),
      ::testing::UnorderedElementsAre(
          "context", "servers[0].workgroup", "schema[0].synonyms",
          "schema[0].deprecated", "schema[0].relationships[0].id",
          "schema[0].properties[1].semanticType",
          "schema[0].properties[1].enum[0]",
          "schema[0].properties[2].deprecated",
          "schema[0].properties[2].logicalTypeOptions.distanceMetric",
          "schema[0].properties[3].map", "slaProperties[0].customProperties"));
  // The result is valid v3.1.0, and keeps what v3.1.0 can say.
  EXPECT_TRUE(c->issues.empty()) << ToStatus(c->issues);
  absl::StatusOr<ValidatedDocument> v = ParseAndValidate(c->yaml);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->issues.empty()) << ToStatus(v->issues) << "\n" << c->yaml;
  const Document& d = v->document;
  EXPECT_EQ(d.api_version, "v3.1.0");
  ASSERT_EQ(d.schema.size(), 1u);
  ASSERT_EQ(d.schema[0].relationships.size(), 1u);
  EXPECT_EQ(d.schema[0].relationships[0].to,
            std::vector<std::string>{"customers.id"});
  const std::vector<Property>& p = d.schema[0].properties;
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].description, "quoted: and \"typed\" text");
  ASSERT_EQ(p[1].quality.size(), 1u);
  EXPECT_EQ(p[1].quality[0].metric, "invalidValues");
  EXPECT_EQ(p[1].quality[0].valid_values,
            (std::vector<std::string>{"open", "paid"}));
  EXPECT_EQ(p[2].logical_type, "array");
  EXPECT_EQ(p[2].logical_type_options.at("minItems"), "768");
  EXPECT_EQ(p[2].logical_type_options.at("maxItems"), "768");
  ASSERT_EQ(p[2].items.size(), 1u);
  EXPECT_EQ(p[2].items[0].logical_type, "number");
  EXPECT_EQ(p[3].logical_type, "object");
  // Quoted scalars stay strings: "01234" is not the integer 1234.
  absl::StatusOr<std::string> json = ToJson(c->yaml);
  ASSERT_TRUE(json.ok());
  EXPECT_THAT(*json, HasSubstr("\"examples\":[\"01234\",\"5678\"]"));
}

TEST(ConvertTest, ReportsWhatTheTargetRequiresAndTheSourceLacks) {
  const std::string text = absl::StrReplaceAll(
      kV32, {{"status: active\n", ""}, {"value: 4\n", "value: ${LAT:-4}\n"}});
  absl::StatusOr<Conversion> c = Convert(text, "v3.1.0");
  ASSERT_TRUE(c.ok()) << c.status();
  std::vector<std::string> paths;
  for (const Issue& i : c->issues) {
    paths.push_back(i.path);
  }
  EXPECT_THAT(paths, ::testing::Contains("status"));
  // The variable is kept as written (a string, which v3.1.0 allows there).
  EXPECT_THAT(c->yaml, HasSubstr("${LAT:-4}"));
}

TEST(ConvertTest, RefusesUnknownVersions) {
  EXPECT_EQ(Convert(kV32, "v3.0.2").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Convert("apiVersion: v2.2.2\n", "v3.1.0").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Convert("a: [", "v3.1.0").status().code(),
            absl::StatusCode::kInvalidArgument);
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Every valid fixture written back in its own version means the same
// (ToJson, which ignores layout and comments, is equal), and upgraded to
// v3.2.0 only its apiVersion differs: the emitter keeps every value.
TEST(ConvertTest, EveryValidFixtureSurvivesConversionToItsOwnAndANewerVersion) {
  std::istringstream manifest(
      ReadFile(fs::path(MESHPLANE_ODCS_FIXTURES) / "fixtures.tsv"));
  std::string line;
  std::getline(manifest, line);
  int checked = 0;
  while (std::getline(manifest, line)) {
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() < 4 || f[1] != "valid") {
      continue;
    }
    SCOPED_TRACE(f[0]);
    const std::string text = ReadFile(fs::path(MESHPLANE_ODCS_FIXTURES) / f[0]);
    absl::StatusOr<Document> doc = Parse(text);
    ASSERT_TRUE(doc.ok());
    const std::string& from = doc->api_version;
    if (from != "v3.1.0" && from != "v3.2.0") {
      continue;  // v3.0.x sources upgrade below
    }
    absl::StatusOr<Conversion> same = Convert(text, from);
    ASSERT_TRUE(same.ok()) << same.status();
    EXPECT_TRUE(same->losses.empty());
    EXPECT_TRUE(same->issues.empty()) << ToStatus(same->issues);
    EXPECT_EQ(*ToJson(same->yaml), *ToJson(text));
    if (from == "v3.1.0") {
      absl::StatusOr<Conversion> up = Convert(text, "v3.2.0");
      ASSERT_TRUE(up.ok()) << up.status();
      EXPECT_TRUE(up->losses.empty());
      EXPECT_TRUE(up->issues.empty()) << ToStatus(up->issues);
      EXPECT_EQ(
          *ToJson(up->yaml),
          absl::StrReplaceAll(*ToJson(text), {{"\"apiVersion\":\"v3.1.0\"",
                                               "\"apiVersion\":\"v3.2.0\""}}));
    }
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

}  // namespace
}  // namespace meshplane::contract
