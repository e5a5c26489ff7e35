#include "meshplane/policy/cel/value.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "meshplane/policy/cel/json.h"

namespace meshplane::policy::cel {
namespace {

using ::testing::HasSubstr;

TEST(ValueTest, CopiesShareHeapObjects) {
  Value list = Value::List({Value::Int(1), Value::String("x")});
  Value copy = list;
  EXPECT_EQ(&copy.list(), &list.list());
  EXPECT_TRUE(ValuesEqual(copy, list));
}

TEST(ValueTest, InternedStringsShareIdentity) {
  Value a = Value::InternedString("owner");
  Value b = Value::InternedString(std::string("own") + "er");
  EXPECT_EQ(a.identity(), b.identity());
  EXPECT_TRUE(a.IsInterned());
  EXPECT_NE(Value::String("owner").identity(), a.identity());
  EXPECT_FALSE(Value::InternedString(std::string(500, 'x')).IsInterned());
}

TEST(ValueTest, MapLookupUsesHeterogeneousKeys) {
  std::vector<std::pair<Value, Value>> entries;
  for (int i = 0; i < 50; ++i) {
    entries.emplace_back(Value::Int(i), Value::Int(i * i));
  }
  Value map = MapValue::Build(std::move(entries));
  ASSERT_FALSE(map.IsError());
  ASSERT_NE(map.map().Find(Value::Uint(7)), nullptr);
  EXPECT_EQ(map.map().Find(Value::Double(7.0))->int_value(), 49);
  EXPECT_EQ(map.map().Find(Value::Double(7.5)), nullptr);
}

TEST(ValueTest, MapBuildRejectsDuplicateAndInvalidKeys) {
  EXPECT_TRUE(MapValue::Build({{Value::Int(1), Value::Null()},
                               {Value::Uint(1), Value::Null()}})
                  .IsError());
  EXPECT_TRUE(MapValue::Build({{Value::Double(1.0), Value::Null()}}).IsError());
}

TEST(ValueTest, DebugStringIsCelLiteralSyntax) {
  Value v = Value::Map({{Value::String("k"),
                         Value::List({Value::Uint(2), Value::Double(1.0),
                                      Value::Bytes("\x01"), Value::Null()})}});
  EXPECT_EQ(v.DebugString(), "{\"k\": [2u, 1.0, b\"\\x01\", null]}");
  EXPECT_EQ(Value::Duration(90, 500000000).DebugString(),
            "duration(\"90.5s\")");
}

TEST(ValueTest, OrderingAcrossNumericKinds) {
  int cmp;
  bool unordered;
  ASSERT_TRUE(CompareValues(Value::Int(-1), Value::Uint(0), &cmp, &unordered));
  EXPECT_EQ(cmp, -1);
  ASSERT_TRUE(
      CompareValues(Value::Double(2.5), Value::Int(2), &cmp, &unordered));
  EXPECT_EQ(cmp, 1);
  EXPECT_FALSE(
      CompareValues(Value::String("a"), Value::Int(1), &cmp, &unordered));
}

TEST(JsonTest, ParsesDocuments) {
  absl::StatusOr<Value> v = ValueFromJson(
      R"({"a": [1, 2.5, "x\u00e9", true, null], "b": {"c": -3e2}})");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->DebugString(),
            "{\"a\": [1, 2.5, \"x\xC3\xA9\", true, null], \"b\": {\"c\": "
            "-300.0}}");
}

TEST(JsonTest, RejectsMalformedInput) {
  for (const char* bad : {"{", "[1,]", "{\"a\" 1}", "01", "\"\\x\"", "nul",
                          "{\"a\":1,\"a\":2}", "1 2"}) {
    absl::StatusOr<Value> v = ValueFromJson(bad);
    EXPECT_FALSE(v.ok()) << bad;
  }
  std::string deep(1000, '[');
  absl::StatusOr<Value> v = ValueFromJson(deep);
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("deep"));
}

TEST(JsonTest, RoundTrips) {
  const char* doc = R"({"a":[1,2.5,"q\"",false,null],"b":{"c":"d"}})";
  absl::StatusOr<Value> v = ValueFromJson(doc);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(ValueToJson(*v), doc);
  EXPECT_EQ(ValueToJson(Value::Bytes("hi")), "\"aGk=\"");
  EXPECT_EQ(ValueToJson(Value::Error("boom")), "{\"error\":\"boom\"}");
}

}  // namespace
}  // namespace meshplane::policy::cel
