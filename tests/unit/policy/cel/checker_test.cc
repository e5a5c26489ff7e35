#include "meshplane/policy/cel/checker.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "meshplane/policy/cel/program.h"

namespace meshplane::policy::cel {
namespace {

using ::testing::HasSubstr;

CompileResult CompileOrDie(const Env& env, const std::string& expr) {
  absl::StatusOr<CompileResult> r = Compile(env, expr);
  EXPECT_TRUE(r.ok()) << r.status();
  return *std::move(r);
}

Env PolicyEnv() {
  Env env = Env::Standard();
  env.AddVariable("resource", Type::Map(Type::String(), Type::Dyn()));
  env.AddVariable("tier", Type::Int());
  env.AddVariable("names", Type::List(Type::String()));
  return env;
}

TEST(CheckerTest, InfersResultTypes) {
  Env env = PolicyEnv();
  EXPECT_EQ(CompileOrDie(env, "tier + 1").result_type, Type::Int());
  EXPECT_EQ(CompileOrDie(env, "names.map(n, size(n))").result_type,
            Type::List(Type::Int()));
  EXPECT_EQ(CompileOrDie(env, "resource.owner").result_type, Type::Dyn());
  EXPECT_EQ(CompileOrDie(env, "{'a': 1}").result_type,
            Type::Map(Type::String(), Type::Int()));
  EXPECT_EQ(CompileOrDie(env, "type(1)").result_type,
            Type::TypeType(Type::Int()));
  EXPECT_EQ(CompileOrDie(env, "timestamp('2024-01-01T00:00:00Z')").result_type,
            Type::Timestamp());
}

TEST(CheckerTest, ReportsUndeclaredReference) {
  CompileResult r = CompileOrDie(PolicyEnv(), "resource.x == 1 && y");
  ASSERT_EQ(r.program, nullptr);
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].message,
            "undeclared reference to 'y' (in container '')");
  EXPECT_EQ(r.issues[0].line, 1);
  EXPECT_EQ(r.issues[0].column, 20);
}

TEST(CheckerTest, ReportsNoMatchingOverload) {
  CompileResult r = CompileOrDie(PolicyEnv(), "tier + 'a'");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].message,
            "found no matching overload for '_+_' applied to '(int, string)'");
}

TEST(CheckerTest, ReportsEveryIssue) {
  CompileResult r =
      CompileOrDie(PolicyEnv(), "a + 1 == b\n&& tier.startsWith('x')");
  ASSERT_EQ(r.issues.size(), 3u);
  EXPECT_THAT(r.issues[0].message, HasSubstr("'a'"));
  EXPECT_THAT(r.issues[1].message, HasSubstr("'b'"));
  EXPECT_THAT(r.issues[2].message, HasSubstr("startsWith"));
  EXPECT_EQ(r.issues[2].line, 2);
  EXPECT_THAT(r.FormatIssues(), HasSubstr("\n | && tier.startsWith('x')\n | "));
}

TEST(CheckerTest, DynIsGradual) {
  Env env = PolicyEnv();
  EXPECT_NE(CompileOrDie(env, "resource.tier + 1 > 2").program, nullptr);
  EXPECT_NE(CompileOrDie(env, "dyn(1) == 1u").program, nullptr);
  EXPECT_EQ(CompileOrDie(env, "1 == 1u").program, nullptr);
}

TEST(CheckerTest, ComprehensionVariablesAreScoped) {
  Env env = PolicyEnv();
  EXPECT_NE(CompileOrDie(env, "names.all(n, n != '')").program, nullptr);
  CompileResult r = CompileOrDie(env, "names.all(n, n != '') && n == ''");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_THAT(r.issues[0].message, HasSubstr("'n'"));
  r = CompileOrDie(env, "names.all(n, size(n))");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_THAT(r.issues[0].message, HasSubstr("expected type 'bool'"));
}

TEST(CheckerTest, RejectsBadConstantRegex) {
  CompileResult r = CompileOrDie(PolicyEnv(), "resource.name.matches('(')");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_THAT(r.issues[0].message, HasSubstr("invalid regular expression"));
}

TEST(CheckerTest, ResolvesDottedVariableNames) {
  Env env = Env::Standard();
  env.AddVariable("a.b", Type::Map(Type::String(), Type::String()));
  CompileResult r = CompileOrDie(env, "a.b.c");
  ASSERT_NE(r.program, nullptr);
  EXPECT_EQ(r.result_type, Type::String());
}

TEST(CheckerTest, TypeToString) {
  EXPECT_EQ(Type::Map(Type::String(), Type::List(Type::Int())).ToString(),
            "map(string, list(int))");
  EXPECT_EQ(Type::Timestamp().ToString(), "google.protobuf.Timestamp");
}

}  // namespace
}  // namespace meshplane::policy::cel
