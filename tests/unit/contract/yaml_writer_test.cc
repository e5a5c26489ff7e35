// The YAML writer (include/meshplane/contract/yaml_writer.h). Every expected
// text below is what yaml-cpp 0.7's YAML::Emitter wrote for the same tree,
// which the CLI's YAML output used to be and must stay byte for byte.
#include "meshplane/contract/yaml_writer.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "meshplane/contract/yaml.h"

namespace meshplane::contract {
namespace {

// Reads `text` and writes its first document back.
std::string Rewrite(absl::string_view text) {
  absl::StatusOr<YamlStream> docs = ReadYaml(text);
  EXPECT_TRUE(docs.ok()) << docs.status();
  if (!docs.ok()) return "";
  return WriteYaml(YamlValue::Of((*docs)[0]));
}

TEST(YamlWriterTest, BlockLayoutIndentsByTwo) {
  EXPECT_EQ(Rewrite("a: 1\n"
                    "b:\n"
                    "  - x\n"
                    "  - {p: q, r: [1, 2]}\n"
                    "  - - n1\n"
                    "    - n2\n"
                    "  - k: v\n"
                    "    m:\n"
                    "      z: 1\n"
                    "c: {}\n"
                    "d: []\n"
                    "e: ~\n"),
            "a: 1\n"
            "b:\n"
            "  - x\n"
            "  - {p: q, r: [1, 2]}\n"
            "  -\n"
            "    - n1\n"
            "    - n2\n"
            "  - k: v\n"
            "    m:\n"
            "      z: 1\n"
            "c: {}\n"
            "d: []\n"
            "e: ~");
  // A sequence of mappings holding sequences.
  YamlValue seq = YamlValue::Sequence();
  YamlValue map = YamlValue::Mapping();
  YamlValue items = YamlValue::Sequence();
  items.Append(YamlValue::String("x"));
  map.Set("a", items);
  seq.Append(map);
  seq.Append(YamlValue::Mapping(/*flow=*/true));
  EXPECT_EQ(WriteYaml(seq), "- a:\n    - x\n- {}");
}

TEST(YamlWriterTest, QuotesStringsThatWouldNotReadBackPlain) {
  EXPECT_EQ(Rewrite("f: \"multi\\nline\"\n"
                    "g: 'true'\n"
                    "'': empty\n"
                    "long: \"trailing \"\n"
                    "h: \"?x\"\n"
                    "i: \"? x\"\n"
                    "j: \"a #b\"\n"
                    "k: \"tab\\there\"\n"
                    "l: \"# c\"\n"
                    "m: \"x:\"\n"
                    "n: \"!x\"\n"
                    "o: \",\"\n"
                    "p: \"a,b\"\n"
                    "q: \"a[b\"\n"
                    "r: \"a: b\"\n"
                    "s: \"- x\"\n"),
            // yaml-cpp wrote a quoted "true" plain: the writer keeps that.
            "f: \"multi\\nline\"\n"
            "g: true\n"
            "\"\": empty\n"
            "long: \"trailing \"\n"
            "h: ?x\n"
            "i: \"? x\"\n"
            "j: \"a #b\"\n"
            "k: \"tab\\there\"\n"
            "l: \"# c\"\n"
            "m: \"x:\"\n"
            "n: \"!x\"\n"
            "o: \",\"\n"
            "p: a,b\n"
            "q: a[b\n"
            "r: \"a: b\"\n"
            "s: \"- x\"");
  YamlValue map = YamlValue::Mapping();
  map.Add(YamlValue::Quoted("true"), YamlValue::Quoted("1.0"));
  map.Add(YamlValue::String("bom"), YamlValue::String("\xEF\xBB\xBFx"));
  // A no-break space is printable: plain, unless the string is Quoted.
  map.Add(YamlValue::String("nbsp"), YamlValue::String("\xC2\xA0x"));
  map.Add(YamlValue::String("quoted"), YamlValue::Quoted("\xC2\xA0x"));
  EXPECT_EQ(WriteYaml(map),
            "\"true\": \"1.0\"\nbom: \"\\ufeffx\"\nnbsp: \xC2\xA0x\n"
            "quoted: \"\\xa0x\"");
}

TEST(YamlWriterTest, KeepsTagsAndFlowKeys) {
  EXPECT_EQ(Rewrite("a: !!map\n  x: 1\n"
                    "b: !foo\n  - 1\n"
                    "c:\n  - !!str 1\n  - !bar {a: b}\n  - !!map\n    q: r\n"
                    "? [k]\n: v\n"),
            "a: !<tag:yaml.org,2002:map>\n  x: 1\n"
            "b: !<!foo>\n  - 1\n"
            "c:\n  - !<tag:yaml.org,2002:str> 1\n  - !<!bar> {a: b}\n"
            "  - !<tag:yaml.org,2002:map>\n    q: r\n"
            "[k]: v");
}

TEST(YamlWriterTest, EmptyCollectionsWhereYamlCppPutThem) {
  // An empty block collection under a key, or a sequence under a dash,
  // went on a line of its own; an empty flow one stayed on the key's line.
  YamlValue map = YamlValue::Mapping();
  map.Set("block", YamlValue::Sequence());
  map.Set("flow", YamlValue::Sequence(/*flow=*/true));
  YamlValue seq = YamlValue::Sequence();
  seq.Append(YamlValue::Sequence());
  seq.Append(YamlValue::Mapping());
  map.Set("items", seq);
  EXPECT_EQ(WriteYaml(map),
            "block:\n  []\nflow: []\nitems:\n  -\n    []\n  - {}");
  // An empty collection first in a flow collection is padded to the
  // column of its depth.
  EXPECT_EQ(Rewrite("- [[], a]\n- [{}, a]\n- [[[]]]\n- [a, []]\n"),
            "- [ [], a]\n- [ {}, a]\n- [[  []]]\n- [a, []]");
  EXPECT_EQ(Rewrite("k: [[], a]\nl: [[[]]]\n"), "k: [[], a]\nl: [[ []]]");
  EXPECT_EQ(WriteYaml(YamlValue::Mapping()), "{}");
}

TEST(YamlWriterTest, SetReplacesInPlaceAndAppendsOtherwise) {
  YamlValue map = YamlValue::Mapping();
  map.Set("a", YamlValue::String("1"));
  map.Set("b", YamlValue());
  map.Set("a", YamlValue::String("2"));
  ASSERT_NE(map.Find("b"), nullptr);
  EXPECT_TRUE(map.Find("b")->IsNull());
  EXPECT_EQ(map.Find("c"), nullptr);
  EXPECT_EQ(map.size(), 2u);
  EXPECT_EQ(WriteYaml(map), "a: 2\nb: ~");
  // Only mappings take entries, only sequences items.
  YamlValue scalar = YamlValue::String("x");
  scalar.Set("a", YamlValue());
  scalar.Append(YamlValue());
  EXPECT_EQ(scalar.size(), 0u);
  EXPECT_EQ(WriteYaml(scalar), "x");
}

TEST(YamlWriterTest, WhatItWritesReadsBackAsTheSameTree) {
  const char kText[] =
      "apiVersion: v1.1.0\n"
      "kind: DataProduct\n"
      "description:\n"
      "  purpose: \"Orders:\\n\\nevery one\"\n"
      "  customProperties:\n"
      "    - property: owner\n"
      "      value: [a, {b: c}]\n"
      "tags:\n"
      "  - core\n"
      "  - \"#hash\"";
  EXPECT_EQ(Rewrite(kText), kText);
  EXPECT_EQ(Rewrite(Rewrite(kText)), kText);
}

}  // namespace
}  // namespace meshplane::contract
