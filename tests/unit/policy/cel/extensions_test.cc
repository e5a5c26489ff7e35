// The extension libraries (cel::Library): what the conformance suite does
// not cover (lists, sets, limits, checking, scoping), case by case.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "meshplane/policy/cel/activation.h"
#include "meshplane/policy/cel/program.h"

namespace meshplane::policy::cel {
namespace {

using ::testing::HasSubstr;

// Compiles `expr` in `env` and evaluates it; fails the test on issues.
Value Eval(const std::string& expr, const Activation& act = Activation(),
           Env env = Env::Extended()) {
  absl::StatusOr<CompileResult> r = Compile(env, expr);
  EXPECT_TRUE(r.ok());
  if (r->program == nullptr) {
    ADD_FAILURE() << expr << "\n" << r->FormatIssues();
    return Value::Error("compile failed");
  }
  return r->program->Evaluate(act);
}

std::string Str(const std::string& expr, Env env = Env::Extended()) {
  return Eval(expr, Activation(), std::move(env)).DebugString();
}

// The issues of compiling `expr`, formatted; empty when it compiles.
std::string Issues(const std::string& expr, Env env = Env::Extended()) {
  absl::StatusOr<CompileResult> r = Compile(env, expr);
  EXPECT_TRUE(r.ok());
  return r->FormatIssues();
}

// The checked type of `expr`.
std::string TypeOf(const std::string& expr, Env env = Env::Extended()) {
  absl::StatusOr<CompileResult> r = Compile(env, expr);
  EXPECT_TRUE(r.ok());
  EXPECT_NE(r->program, nullptr) << r->FormatIssues();
  return r->result_type.ToString();
}

Value IntList(int n) {
  std::vector<Value> items;
  for (int i = 0; i < n; ++i) items.push_back(Value::Int(i));
  return Value::List(std::move(items));
}

TEST(BindTest, ScopesAndShadows) {
  EXPECT_EQ(Str("cel.bind(x, 2, x * x)"), "4");
  EXPECT_EQ(Str("cel.bind(x, 1, cel.bind(x, x + 1, x * 10))"), "20");
  EXPECT_EQ(Str("cel.bind(x, 1, cel.bind(y, x + 1, [x, y]))"), "[1, 2]");
  EXPECT_EQ(Str("[1, 2].map(i, cel.bind(d, i * 2, d + i))"), "[3, 6]");
  EXPECT_EQ(Str("cel.bind(x, 'a', [1].map(x, x + 1))"), "[2]");
  EXPECT_EQ(TypeOf("cel.bind(x, 'a', x + 'b')"), "string");
  // The name is not visible outside the body, nor in its own initialiser.
  EXPECT_THAT(Issues("cel.bind(x, 1, x) + x"),
              HasSubstr("undeclared reference to 'x'"));
  EXPECT_THAT(Issues("cel.bind(x, x, 1)"),
              HasSubstr("undeclared reference to 'x'"));
  EXPECT_THAT(Issues("cel.bind(x, 1, x + 'a')"),
              HasSubstr("no matching overload"));
}

TEST(BindTest, EvaluatesItsInitialiserOnce) {
  // The initialiser loops 400 times; evaluated per use, three uses would
  // exceed a budget of 1,000 iterations.
  Env env = Env::Extended();
  env.AddVariable("l", Type::List(Type::Int()));
  env.eval_options().comprehension_budget = 1000;
  Activation act;
  act.Bind("l", IntList(400));
  EXPECT_EQ(Eval("cel.bind(m, l.map(x, x * 2), m[1] + m[2] + m[399])", act,
                 env)
                .DebugString(),
            "804");
  // An error in an unused initialiser does not surface.
  EXPECT_EQ(Str("cel.bind(x, 1 / 0, true)"), "true");
  EXPECT_TRUE(Eval("cel.bind(x, 1 / 0, x == 1)").IsError());
}

TEST(BindTest, OnlyWhenEnabled) {
  EXPECT_THAT(Issues("cel.bind(x, 1, x)", Env::Standard()),
              HasSubstr("undeclared reference"));
  Env env = Env::Standard();
  env.Enable(Library::kBindings);
  EXPECT_EQ(Str("cel.bind(x, 1, x)", env), "1");
}

}  // namespace
}  // namespace meshplane::policy::cel
