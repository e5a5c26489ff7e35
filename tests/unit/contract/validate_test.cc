// Parsing, normalisation and validation messages.
#include "meshplane/contract/validate.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "meshplane/contract/odcs.h"

namespace meshplane::contract {
namespace {

using ::testing::HasSubstr;

constexpr absl::string_view kHeader = R"(apiVersion: v3.1.0
kind: DataContract
id: orders
version: 1.0.0
status: active
)";

std::vector<Issue> IssuesOf(absl::string_view body) {
  absl::StatusOr<std::vector<Issue>> issues =
      Validate(std::string(kHeader) + std::string(body));
  EXPECT_TRUE(issues.ok()) << issues.status();
  return issues.ok() ? *issues : std::vector<Issue>{};
}

TEST(ParseTest, YamlSyntaxErrorNamesLineAndColumn) {
  absl::StatusOr<Document> d = Parse("id: a\nschema: [\n  - x: 1\n");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(d.status().message()),
              testing::MatchesRegex("[0-9]+:[0-9]+: .*"));
  EXPECT_THAT(std::string(Parse("- a\n- b\n").status().message()),
              HasSubstr("must be a YAML mapping"));
}

TEST(ToJsonTest, SortsKeysTypesScalarsAndDropsLayout) {
  absl::StatusOr<std::string> a = ToJson(R"(# a comment
version: 1.0.0
id: orders
schema:
  - name: orders   # trailing comment
    properties: &props
      - {name: amount, logicalType: number, required: true}
quality: {mustBeGreaterThan: 0x10, ratio: 2.50, big: 1e3, tiny: -.5}
flags: [True, false, ~, null, "true", '7', .inf, .NaN]
text: "tab\tquote\" slash\\ nl\n"
n: -12
)");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a, R"({"flags":[true,false,null,null,"true","7",".inf",".NaN"],)"
                R"("id":"orders","n":-12,)"
                R"("quality":{"big":1000,"mustBeGreaterThan":16,"ratio":2.5,)"
                R"("tiny":-0.5},)"
                R"("schema":[{"name":"orders","properties":[{"logicalType":)"
                R"("number","name":"amount","required":true}]}],)"
                R"("text":"tab\tquote\" slash\\ nl\n","version":"1.0.0"})");
  // Layout, comments and key order do not matter.
  absl::StatusOr<std::string> b = ToJson(
      "id: orders\nversion: 1.0.0\nn: -12\n"
      "schema: [{properties: [{required: true, name: amount, logicalType: "
      "number}], name: orders}]\n"
      "text: \"tab\\tquote\\\" slash\\\\ nl\\n\"\n"
      "quality: {tiny: -0.5, big: 1000, ratio: 2.5, mustBeGreaterThan: 16}\n"
      "flags: [true, false, null, null, 'true', '7', '.inf', '.NaN']\n");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(ToJson("- a\n").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ParseTest, NormalisesTheModel) {
  absl::StatusOr<Document> d = Parse(std::string(kHeader) + R"(name: Orders
domain: sales
dataProduct: checkout
description:
  purpose: orders for finance
schema:
  - name: orders
    physicalName: orders_v1
    properties:
      - name: id
        logicalType: string
        required: true
        primaryKey: true
        primaryKeyPosition: 1
        classification: restricted
        tags: [pii]
        logicalTypeOptions:
          maxLength: 36
      - name: lines
        logicalType: array
        items:
          logicalType: object
          properties:
            - name: sku
              logicalType: string
    quality:
      - type: sql
        query: SELECT COUNT(*) FROM orders
        mustBeGreaterThan: 10
slaProperties:
  - property: latency
    value: 4
    unit: d
team:
  - username: alice
    role: owner
)");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->name, "Orders");
  EXPECT_EQ(d->description.purpose, "orders for finance");
  ASSERT_EQ(d->schema.size(), 1u);
  const SchemaObject& o = d->schema[0];
  EXPECT_EQ(o.physical_name, "orders_v1");
  ASSERT_EQ(o.properties.size(), 2u);
  const Property& id = o.properties[0];
  EXPECT_TRUE(id.required);
  EXPECT_TRUE(id.primary_key);
  EXPECT_EQ(id.primary_key_position, 1);
  EXPECT_EQ(id.classification, "restricted");
  EXPECT_EQ(id.logical_type_options.at("maxLength"), "36");
  EXPECT_EQ(id.position.line, 15);
  ASSERT_EQ(o.properties[1].items.size(), 1u);
  EXPECT_EQ(o.properties[1].items[0].properties[0].name, "sku");
  ASSERT_EQ(o.quality.size(), 1u);
  EXPECT_EQ(o.quality[0].op, "mustBeGreaterThan");
  EXPECT_EQ(o.quality[0].operands, std::vector<double>{10});
  EXPECT_EQ(d->sla_properties[0].value, "4");
  ASSERT_EQ(d->team.members.size(), 1u);  // v3.0 list form
  EXPECT_EQ(d->team.members[0].username, "alice");
}

TEST(ValidateTest, ReportsEveryIssueAtOnceInDocumentOrder) {
  const std::vector<Issue> issues = IssuesOf(R"(schema:
  - name: orders
    properties:
      - name: id
        logicalType: uuid
        required: "yes"
      - logicalType: string
        unique: 1
)");
  ASSERT_EQ(issues.size(), 4u);
  EXPECT_EQ(issues[0].path, "schema[0].properties[0].logicalType");
  EXPECT_THAT(issues[0].message,
              HasSubstr("\"uuid\" is not a valid logicalType"));
  EXPECT_THAT(issues[0].message, HasSubstr("expected one of string"));
  EXPECT_EQ(issues[1].path, "schema[0].properties[0].required");
  EXPECT_THAT(issues[1].message,
              HasSubstr("expected a boolean, found \"yes\""));
  EXPECT_EQ(issues[2].path, "schema[0].properties[1].name");
  EXPECT_EQ(issues[3].path, "schema[0].properties[1].unique");
  EXPECT_THAT(issues[3].message, HasSubstr("found an integer (1)"));
  EXPECT_EQ(issues[0].position.line, 10);
  EXPECT_THAT(
      issues[0].ToString(),
      HasSubstr("schema[0].properties[0].logicalType (line 10, column 22)"));
}

TEST(ValidateTest, LogicalTypeOptionsDependOnTheLogicalType) {
  const std::vector<Issue> issues = IssuesOf(R"(schema:
  - name: t
    properties:
      - name: a
        logicalType: string
        logicalTypeOptions:
          maxLength: -1
          maximum: 3
      - name: b
        logicalType: integer
        logicalTypeOptions:
          format: f64
      - name: c
        logicalType: string
        items:
          logicalType: string
)");
  ASSERT_EQ(issues.size(), 4u);
  EXPECT_EQ(issues[0].path,
            "schema[0].properties[0].logicalTypeOptions.maxLength");
  EXPECT_EQ(issues[1].path,
            "schema[0].properties[0].logicalTypeOptions.maximum");
  EXPECT_THAT(issues[1].message, HasSubstr("logicalTypeOptions of a string"));
  EXPECT_EQ(issues[2].path,
            "schema[0].properties[1].logicalTypeOptions.format");
  EXPECT_EQ(issues[3].path, "schema[0].properties[2].items");
  EXPECT_THAT(issues[3].message, HasSubstr("need logicalType array"));
}

TEST(ValidateTest, ServersQualityAndRelationships) {
  const std::vector<Issue> issues = IssuesOf(R"(servers:
  - server: pg
    type: postgres
    host: db
    port: "5432"
    database: d
    schema: s
  - server: x
    type: mainframe
schema:
  - name: t
    relationships:
      - from: t.a
        to: [u.a]
    quality:
      - type: library
        metric: rowCount
        mustBeBetween: [5, 5]
      - type: text
        mustBe: 1
)");
  std::vector<std::string> paths;
  for (const Issue& i : issues) {
    paths.push_back(i.path);
  }
  EXPECT_THAT(paths, testing::ElementsAre("servers[0].port", "servers[1].type",
                                          "schema[0].relationships[0].to",
                                          "schema[0].quality[0].mustBeBetween",
                                          "schema[0].quality[1].mustBe"));
  EXPECT_THAT(issues[0].message,
              HasSubstr("expected an integer, found \"5432\""));
  EXPECT_THAT(issues[1].message, HasSubstr("not a valid server type"));
}

TEST(ValidateTest, InvalidValuesArgumentsNameTheirPath) {
  const std::vector<Issue> issues = IssuesOf(R"(schema:
  - name: t
    properties:
      - name: status
        quality:
          - metric: invalidValues
            mustBe: 0
            arguments: {validValues: [open, {a: 1}, ~], pattern: [x]}
)");
  std::vector<std::string> paths;
  for (const Issue& i : issues) {
    paths.push_back(i.path);
  }
  EXPECT_THAT(paths,
              testing::ElementsAre(
                  // validValues[2], null, is admitted: the standard's examples
                  // list it.
                  "schema[0].properties[0].quality[0].arguments.validValues[1]",
                  "schema[0].properties[0].quality[0].arguments.pattern"));
  absl::StatusOr<ValidatedDocument> ok =
      ParseAndValidate(std::string(kHeader) + R"(schema:
  - name: t
    properties:
      - name: code
        quality:
          - metric: invalidValues
            mustBe: 0
            arguments: {pattern: '^[A-Z]{3}$', validValues: [a, 1]}
)");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(ok->issues.empty()) << ok->issues[0].ToString();
  const QualityRule& rule = ok->document.schema[0].properties[0].quality[0];
  EXPECT_EQ(rule.pattern, "^[A-Z]{3}$");
  EXPECT_THAT(rule.valid_values, testing::ElementsAre("a", "1"));
}

TEST(ValidateTest, ToStatusListsEveryIssue) {
  EXPECT_TRUE(ToStatus({}).ok());
  const absl::Status s = ToStatus(IssuesOf("kind2: x\nschema: {}\n"));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("2 issues"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("kind2"));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("schema (line 7, column 9): expected a list"));
}

TEST(ValidateTest, QuotedScalarsAreStrings) {
  EXPECT_THAT(IssuesOf("name: 12\n")[0].message,
              HasSubstr("expected a string, found an integer (12)"));
  EXPECT_TRUE(IssuesOf("name: \"12\"\n").empty());
}

}  // namespace
}  // namespace meshplane::contract
