#include "meshplane/policy/cel/proto_struct.h"

#include <cmath>

#include "gtest/gtest.h"

#include "meshplane/policy/cel/activation.h"
#include "meshplane/policy/cel/json.h"
#include "meshplane/policy/cel/program.h"

namespace meshplane::policy::cel {
namespace {

TEST(ProtoStructTest, StructBecomesMapAndEvaluates) {
  google::protobuf::Struct doc;
  (*doc.mutable_fields())["tier"].set_number_value(1);
  (*doc.mutable_fields())["owner"].set_string_value("teams/a");
  auto* tags = (*doc.mutable_fields())["tags"].mutable_list_value();
  tags->add_values()->set_string_value("gold");
  tags->add_values()->set_null_value(google::protobuf::NULL_VALUE);

  absl::StatusOr<Value> v = ValueFromStruct(doc);
  ASSERT_TRUE(v.ok()) << v.status();
  Env env = Env::Standard();
  env.AddVariable("resource", Type::Map(Type::String(), Type::Dyn()));
  auto c = Compile(env, "resource.tier == 1 && 'gold' in resource.tags");
  ASSERT_TRUE(c.ok());
  ASSERT_NE(c->program, nullptr);
  Activation act;
  act.Bind("resource", *v);
  EXPECT_EQ(c->program->Evaluate(act).DebugString(), "true");
}

TEST(ProtoStructTest, RoundTrips) {
  Value v = *ValueFromJson(R"({"a": [1, "x", true, null], "b": {"c": 2.5}})");
  absl::StatusOr<google::protobuf::Value> p = ValueToProto(v);
  ASSERT_TRUE(p.ok()) << p.status();
  absl::StatusOr<Value> back = ValueFromProto(*p);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(ValuesEqual(v, *back));
}

TEST(ProtoStructTest, RejectsErrorsAndNaN) {
  EXPECT_FALSE(ValueToProto(Value::Error("x")).ok());
  EXPECT_FALSE(ValueToProto(Value::Double(std::nan(""))).ok());
}

}  // namespace
}  // namespace meshplane::policy::cel
