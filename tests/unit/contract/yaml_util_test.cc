// The YAML front end (src/contract/yaml_util.h): libyaml's events into our
// node tree, with yaml-cpp's view of nulls, tags and positions, and the flow
// rendering that ToText gives collections.
#include "contract/yaml_util.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/contract/yaml_test_util.h"

namespace meshplane::contract::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

YamlDocument Load(absl::string_view text) {
  absl::StatusOr<YamlDocument> doc = LoadYaml(text);
  EXPECT_TRUE(doc.ok()) << doc.status();
  if (!doc.ok()) {
    return *LoadYaml("{}");
  }
  return *std::move(doc);
}

using test_util::ErrorOf;

TEST(LoadYamlTest, MappingsKeepDocumentOrderAndDuplicates) {
  const YamlDocument doc = Load("b: 1\na: 2\nb: 3\n");
  const YamlNode root = doc.root();
  ASSERT_TRUE(root.IsMap());
  EXPECT_EQ(root.size(), 3u);
  std::vector<std::string> keys;
  for (const YamlEntry& kv : root.entries()) {
    keys.emplace_back(kv.first.Scalar());
  }
  EXPECT_THAT(keys, testing::ElementsAre("b", "a", "b"));
  EXPECT_EQ(Get(root, "b").Scalar(), "1");  // the first of duplicates
  EXPECT_FALSE(Get(root, "c").IsDefined());
  EXPECT_FALSE(Get(Get(root, "c"), "d").IsDefined());  // chains safely
  EXPECT_FALSE(Get(Get(root, "a"), "d").IsDefined());  // a scalar has none
}

TEST(LoadYamlTest, SequencesIndexAndIterate) {
  const YamlDocument doc = Load("s: [a, [b, c], {d: e}]\n");
  const YamlNode s = Get(doc.root(), "s");
  ASSERT_TRUE(s.IsSequence());
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].Scalar(), "a");
  EXPECT_TRUE(s[1].IsSequence());
  EXPECT_EQ(s[1][1].Scalar(), "c");
  EXPECT_EQ(Get(s[2], "d").Scalar(), "e");
  EXPECT_FALSE(s[3].IsDefined());
  int n = 0;
  for (YamlNode item : s.items()) {
    EXPECT_TRUE(item.IsDefined());
    ++n;
  }
  EXPECT_EQ(n, 3);
  for (YamlNode item : Get(doc.root(), "missing").items()) {
    ADD_FAILURE() << "an undefined node has no items: " << item.Scalar();
  }
}

TEST(LoadYamlTest, NullsAreUntaggedPlainScalarsAsInYamlCpp) {
  const YamlDocument doc = Load(
      "a:\nb: ~\nc: null\nd: Null\ne: NULL\nf: \"null\"\ng: ''\n"
      "h: !!str null\ni: nil\n");
  const YamlNode root = doc.root();
  for (const char* key : {"a", "b", "c", "d", "e"}) {
    EXPECT_TRUE(Get(root, key).IsNull()) << key;
    EXPECT_TRUE(Get(root, key).IsDefined()) << key;
    EXPECT_EQ(TypeOf(Get(root, key)), JsonType::kNull) << key;
  }
  for (const char* key : {"f", "g", "h", "i"}) {
    EXPECT_TRUE(Get(root, key).IsScalar()) << key;
    EXPECT_EQ(TypeOf(Get(root, key)), JsonType::kString) << key;
  }
  EXPECT_EQ(Get(root, "g").Scalar(), "");
}

TEST(LoadYamlTest, TagsAsYamlCppReportsThem) {
  const YamlDocument doc = Load(
      "%TAG !e! tag:example.com,2000:\n---\n"
      "plain: 12\nquoted: \"12\"\nsingle: '12'\nblock: |\n  12\n"
      "str: !!str 12\nlocal: !foo 12\nbare: ! 12\nns: !e!bar 12\n"
      "list: [1]\n");
  const YamlNode root = doc.root();
  EXPECT_EQ(Get(root, "plain").Tag(), "?");
  EXPECT_EQ(Get(root, "quoted").Tag(), "!");
  EXPECT_EQ(Get(root, "single").Tag(), "!");
  EXPECT_EQ(Get(root, "block").Tag(), "!");
  EXPECT_EQ(Get(root, "block").Scalar(), "12\n");
  EXPECT_EQ(Get(root, "str").Tag(), "tag:yaml.org,2002:str");
  EXPECT_EQ(Get(root, "local").Tag(), "!foo");
  EXPECT_EQ(Get(root, "bare").Tag(), "!");
  EXPECT_EQ(Get(root, "ns").Tag(), "tag:example.com,2000:bar");
  EXPECT_EQ(Get(root, "list").Tag(), "?");
  EXPECT_EQ(TypeOf(Get(root, "plain")), JsonType::kInteger);
  EXPECT_EQ(TypeOf(Get(root, "quoted")), JsonType::kString);
  EXPECT_EQ(TypeOf(Get(root, "str")), JsonType::kString);
}

TEST(LoadYamlTest, PositionsAreOneBasedAndAnchorsCountAsTheStart) {
  const YamlDocument doc = Load(
      "id: x\nschema:\n  - name: t\n    tags: &t [a, b]\n    more: *t\n"
      "empty:\n");
  const YamlNode root = doc.root();
  EXPECT_EQ(root.position().line, 1);
  EXPECT_EQ(root.position().column, 1);
  const YamlNode object = Get(root, "schema")[0];
  EXPECT_EQ(object.position().line, 3);  // a block mapping starts at its key
  EXPECT_EQ(object.position().column, 5);
  EXPECT_EQ(Get(object, "name").position().column, 11);
  const YamlNode tags = Get(object, "tags");
  EXPECT_EQ(tags.position().line, 4);
  EXPECT_EQ(tags.position().column, 11);  // the anchor, as yaml-cpp says
  EXPECT_EQ(tags[1].position().column, 18);
  // An empty value sits right after its key's colon.
  EXPECT_EQ(Get(root, "empty").position().line, 6);
  EXPECT_EQ(Get(root, "empty").position().column, 7);
  EXPECT_EQ(YamlNode().position().line, 0);
}

TEST(LoadYamlTest, AliasesAreTheAnchoredNode) {
  const YamlDocument doc =
      Load("a: &x {k: v}\nb: *x\nc: &s 1\nd: &s 2\ne: *s\nm:\n  <<: *x\n");
  const YamlNode root = doc.root();
  const YamlNode b = Get(root, "b");
  ASSERT_TRUE(b.IsMap());
  EXPECT_EQ(Get(b, "k").Scalar(), "v");
  EXPECT_EQ(b.position().line, 1);          // the anchored node's place
  EXPECT_EQ(Get(root, "e").Scalar(), "2");  // the latest anchor of a name
  // Merge keys are ordinary keys, as in yaml-cpp 0.7.
  EXPECT_TRUE(Get(Get(root, "m"), "<<").IsMap());
  EXPECT_FALSE(Get(Get(root, "m"), "k").IsDefined());
}

TEST(LoadYamlTest, ReadsOnlyTheFirstDocument) {
  const YamlDocument doc = Load("a: 1\n---\nb: 2\n---\n[unclosed\n");
  EXPECT_EQ(doc.root().size(), 1u);
  EXPECT_FALSE(Get(doc.root(), "b").IsDefined());
}

TEST(LoadYamlTest, MovingTheDocumentKeepsNodesValid) {
  absl::StatusOr<YamlDocument> loaded = LoadYaml("a: [x, y]\n");
  ASSERT_TRUE(loaded.ok());
  const YamlNode a = Get(loaded->root(), "a");
  YamlDocument moved = *std::move(loaded);
  EXPECT_EQ(a[1].Scalar(), "y");
  EXPECT_EQ(Get(moved.root(), "a")[0].Scalar(), "x");
}

TEST(LoadYamlTest, SyntaxErrorsNameLineColumnAndReason) {
  EXPECT_THAT(ErrorOf("id: x\nschema: [unclosed\n"),
              StartsWith("3:1: invalid YAML: did not find expected ',' or "
                         "']' (while parsing a flow sequence that starts at "
                         "2:9)"));
  EXPECT_THAT(ErrorOf("a: b: c\n"),
              StartsWith("1:5: invalid YAML: mapping values are not allowed"));
  EXPECT_THAT(ErrorOf("a: \"open\n"), StartsWith("2:1: invalid YAML: "));
  // The reader reports a byte offset; it still becomes a line and column.
  EXPECT_THAT(ErrorOf("a: 1\nb: \xff\n"),
              StartsWith("2:4: invalid YAML: invalid leading UTF-8 octet "
                         "(byte 0xff)"));
}

TEST(LoadYamlTest, RefusesUnknownAliasesAndCycles) {
  EXPECT_EQ(ErrorOf("a: *nope\n"),
            "1:4: invalid YAML: alias *nope has no anchor &nope before it");
  EXPECT_EQ(ErrorOf("a: &x [1, *x]\n"),
            "1:11: invalid YAML: alias *x refers to a collection that "
            "contains it");
}

TEST(LoadYamlTest, RefusesNestingDeeperThanEveryLaterLayerReads) {
  // kMaxDocumentDepth (200) levels are read, one more is refused.
  auto nested = [](int levels) {
    return "a: " + std::string(levels - 1, '[') + std::string(levels - 1, ']');
  };
  EXPECT_TRUE(LoadYaml(nested(200)).ok());
  EXPECT_THAT(ErrorOf(nested(201)),
              HasSubstr("invalid YAML: nested more than 200 levels deep"));
  EXPECT_THAT(ErrorOf("a: " + std::string(100000, '[')),
              HasSubstr("nested more than 200 levels deep"));
}

TEST(LoadYamlTest, TheTopLevelMustBeAMapping) {
  EXPECT_EQ(ErrorOf(""),
            "1:1: a data contract must be a YAML mapping (apiVersion, kind, "
            "id, ...), found null");
  EXPECT_THAT(ErrorOf("# only a comment\n"), HasSubstr("found null"));
  EXPECT_THAT(ErrorOf("- a\n"), HasSubstr("found a list"));
  EXPECT_THAT(ErrorOf("text\n"), HasSubstr("found \"text\""));
  EXPECT_THAT(ErrorOf(absl::string_view()), HasSubstr("found null"));
}

TEST(ToTextTest, ScalarsAsWrittenCollectionsAsCompactFlow) {
  const YamlDocument doc = Load(
      "s: plain text\nq: \"a, b\"\nn: ~\n"
      "flow: [a, [b, c], {d: e}]\n"
      "block:\n  - x\n  - k: v\n    l:\n      - 1\n"
      "map:\n  k: v\n  n:\n"
      "empty: [[], {}]\n");
  const YamlNode root = doc.root();
  EXPECT_EQ(ToText(Get(root, "s")), "plain text");
  EXPECT_EQ(ToText(Get(root, "q")), "a, b");  // a scalar is not re-quoted
  EXPECT_EQ(ToText(Get(root, "n")), "");
  EXPECT_EQ(ToText(Get(root, "missing")), "");
  EXPECT_EQ(ToText(Get(root, "flow")), "[a, [b, c], {d: e}]");
  // Block style in the source renders as flow too (yaml-cpp kept the
  // source's style, so a block list became several lines).
  EXPECT_EQ(ToText(Get(root, "block")), "[x, {k: v, l: [1]}]");
  EXPECT_EQ(ToText(Get(root, "map")), "{k: v, n: ~}");
  EXPECT_EQ(ToText(Get(root, "empty")), "[[], {}]");
}

TEST(ToTextTest, QuotesScalarsAsYamlCppsEmitterDoes) {
  // Checked against yaml-cpp 0.7's YAML::Emitter (Flow) on the same input.
  const YamlDocument doc = Load(
      "v: [\"a, b\", \"x: y\", \"a #b\", \"what?\", \"-\", -x, \":x\", "
      "\"trail \", \"\", \"null\", \"~\", \"tab\\there\", "
      "\"line\\nbreak\", \"quote\\\"s\", \u00e9, \"\\x9f\", '12', "
      "!!str 7, !foo bar, true]\n");
  EXPECT_EQ(ToText(Get(doc.root(), "v")),
            "[\"a, b\", \"x: y\", \"a #b\", \"what?\", \"-\", -x, :x, "
            "\"trail \", \"\", \"null\", \"~\", \"tab\\there\", "
            "\"line\\nbreak\", quote\"s, \u00e9, \"\\x9f\", 12, "
            "!<tag:yaml.org,2002:str> 7, !<!foo> bar, true]");
}

TEST(JsonTypeTest, CoreSchemaTypesAndDescriptions) {
  const YamlDocument doc =
      Load("i: -12\nh: 0x1F\nf: 1.5e3\nb: True\ns: yes\nl: []\nm: {}\n");
  const YamlNode root = doc.root();
  EXPECT_EQ(TypeOf(Get(root, "i")), JsonType::kInteger);
  EXPECT_EQ(TypeOf(Get(root, "h")), JsonType::kInteger);
  EXPECT_EQ(TypeOf(Get(root, "f")), JsonType::kNumber);
  EXPECT_EQ(TypeOf(Get(root, "b")), JsonType::kBoolean);
  EXPECT_EQ(TypeOf(Get(root, "s")), JsonType::kString);  // YAML 1.2: not bool
  EXPECT_EQ(Describe(Get(root, "i")), "an integer (-12)");
  EXPECT_EQ(Describe(Get(root, "s")), "\"yes\"");
  EXPECT_EQ(Describe(Get(root, "l")), "a list");
  EXPECT_EQ(Describe(Get(root, "m")), "a mapping");
  EXPECT_EQ(Describe(Get(root, "missing")), "null");
}

TEST(ToJsonTest, AliasesExpandAndLaterDuplicatesWin) {
  const YamlDocument doc = Load("a: &x [1, \"2\"]\nb: *x\nc: 1\nc: 2\n");
  EXPECT_EQ(ToJson(doc.root()), R"({"a":[1,"2"],"b":[1,"2"],"c":2})");
}

}  // namespace
}  // namespace meshplane::contract::internal
