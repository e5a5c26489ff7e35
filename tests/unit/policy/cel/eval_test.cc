#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "meshplane/policy/cel/activation.h"
#include "meshplane/policy/cel/json.h"
#include "meshplane/policy/cel/program.h"

namespace meshplane::policy::cel {
namespace {

using ::testing::HasSubstr;

// Compiles `expr` (unchecked when `check` is false) and evaluates it with
// `act`. Fails the test on compile issues.
Value Eval(const std::string& expr, const Activation& act = Activation(),
           Env env = Env::Standard(), bool check = true) {
  CompileOptions options;
  options.type_check = check;
  absl::StatusOr<CompileResult> r = Compile(env, expr, options);
  EXPECT_TRUE(r.ok());
  if (r->program == nullptr) {
    ADD_FAILURE() << expr << "\n" << r->FormatIssues();
    return Value::Error("compile failed");
  }
  return r->program->Evaluate(act);
}

std::string EvalToString(const std::string& expr) {
  return Eval(expr).DebugString();
}

TEST(EvalTest, Arithmetic) {
  EXPECT_EQ(EvalToString("1 + 2 * 3 - 4 / 2 % 3"), "5");
  EXPECT_EQ(EvalToString("7u / 2u"), "3u");
  EXPECT_EQ(EvalToString("1.5 * 2.0"), "3.0");
  EXPECT_EQ(EvalToString("-7 % 3"), "-1");
  EXPECT_EQ(EvalToString("'a' + 'b'"), "\"ab\"");
  EXPECT_EQ(EvalToString("[1] + [2]"), "[1, 2]");
}

TEST(EvalTest, OverflowAndDivisionByZeroAreErrors) {
  for (const char* expr :
       {"9223372036854775807 + 1", "-9223372036854775808 - 1",
        "-(-9223372036854775808)", "0u - 1u", "1 / 0", "1 % 0", "1u / 0u",
        "18446744073709551615u * 2u", "-9223372036854775808 / -1"}) {
    Value v = Eval(expr);
    EXPECT_TRUE(v.IsError()) << expr << " = " << v.DebugString();
  }
  EXPECT_EQ(EvalToString("1.0 / 0.0"), "double(\"Infinity\")");
}

TEST(EvalTest, HeterogeneousNumbers) {
  EXPECT_EQ(EvalToString("dyn(1) == 1.0"), "true");
  EXPECT_EQ(EvalToString("dyn(1u) < 2"), "true");
  EXPECT_EQ(EvalToString("[1, 2.0] == [1u, 2]"), "true");
  EXPECT_EQ(EvalToString("{1: 'a'}[dyn(1u)]"), "\"a\"");
  EXPECT_EQ(EvalToString("dyn(-1) < 0u"), "true");
}

TEST(EvalTest, LogicalOperatorsAbsorbErrors) {
  EXPECT_EQ(EvalToString("1/0 == 1 || true"), "true");
  EXPECT_EQ(EvalToString("true || 1/0 == 1"), "true");
  EXPECT_EQ(EvalToString("1/0 == 1 && false"), "false");
  EXPECT_TRUE(Eval("1/0 == 1 && true").IsError());
  EXPECT_TRUE(Eval("false || 1/0 == 1").IsError());
  EXPECT_EQ(EvalToString("true ? 1 : 1/0"), "1");
}

TEST(EvalTest, Macros) {
  EXPECT_EQ(EvalToString("[1, 2, 3].all(x, x > 0)"), "true");
  EXPECT_EQ(EvalToString("[1, 2, 3].exists(x, x == 2)"), "true");
  EXPECT_EQ(EvalToString("[1, 2, 3].exists_one(x, x > 1)"), "false");
  EXPECT_EQ(EvalToString("[1, 2, 3].map(x, x * 2)"), "[2, 4, 6]");
  EXPECT_EQ(EvalToString("[1, 2, 3].map(x, x > 1, x * 2)"), "[4, 6]");
  EXPECT_EQ(EvalToString("[1, 2, 3].filter(x, x % 2 == 1)"), "[1, 3]");
  EXPECT_EQ(EvalToString("{'a': 1}.all(k, v, k == 'a' && v == 1)"), "true");
  EXPECT_EQ(EvalToString("has({'a': 1}.a) && !has({'a': 1}.b)"), "true");
  // An error is absorbed when another element decides.
  EXPECT_EQ(EvalToString("[0, 1].exists(x, 1 / x == 1)"), "true");
}

TEST(EvalTest, ComprehensionBudgetStopsRunawayExpressions) {
  // Each level's range reads the enclosing variable, so nothing can be
  // hoisted out of the loops: 10^8 iterations.
  std::string expr = "x7";
  for (int i = 7; i >= 0; --i) {
    std::string outer = i == 0 ? "1" : "x" + std::to_string(i - 1);
    expr = "[" + outer + ",2,3,4,5,6,7,8,9,10].map(x" + std::to_string(i) +
           ", " + expr + ")";
  }
  Value v = Eval(expr);
  ASSERT_TRUE(v.IsError());
  EXPECT_THAT(std::string(v.error_message()), HasSubstr("budget"));
}

TEST(EvalTest, HostileExpressionsEndInErrorsNotExhaustion) {
  // Doubling shared structure 60 times: comparing or printing it would walk
  // 2^60 elements, so building it past the weight limit is an error.
  std::string shared = "[1]";
  for (int i = 0; i < 60; ++i) {
    std::string v = "a" + std::to_string(i);
    shared = "[" + shared + "].map(" + v + ", [" + v + ", " + v + "])[0]";
  }
  Value v = Eval(shared + " == " + shared);
  ASSERT_TRUE(v.IsError());
  EXPECT_THAT(std::string(v.error_message()), HasSubstr("too large"));

  // Strings that grow tenfold per call.
  std::string grow = "'a'";
  for (int i = 0; i < 12; ++i) grow += ".replace('a', 'aaaaaaaaaa')";
  EXPECT_TRUE(Eval(grow).IsError());

  // Lists that double at every level.
  std::string list = "[1,2,3,4,5,6,7,8,9,10]";
  for (int i = 0; i < 30; ++i) {
    std::string x = "x" + std::to_string(i);
    list = "[" + list + "].map(" + x + ", " + x + " + " + x + ")[0]";
  }
  EXPECT_TRUE(Eval("size(" + list + ")").IsError());
}

TEST(EvalTest, StringFunctions) {
  EXPECT_EQ(EvalToString("'hello'.startsWith('he') && 'hello'.endsWith('lo')"),
            "true");
  EXPECT_EQ(EvalToString("'orders_v1'.matches('^[a-z][a-z0-9_]*$')"), "true");
  EXPECT_EQ(EvalToString("'a,b,c'.split(',')"), "[\"a\", \"b\", \"c\"]");
  EXPECT_EQ(EvalToString("['a', 'b'].join('-')"), "\"a-b\"");
  EXPECT_EQ(EvalToString("'  x '.trim().upperAscii()"), "\"X\"");
  EXPECT_EQ(EvalToString("'héllo'.substring(1, 3)"), "\"él\"");
  EXPECT_EQ(EvalToString("'%s has %d'.format(['x', 3])"), "\"x has 3\"");
  EXPECT_EQ(EvalToString("size('héllo')"), "5");
  EXPECT_TRUE(Eval("'abc'.substring(2, 1)").IsError());
}

TEST(EvalTest, Conversions) {
  EXPECT_EQ(EvalToString("int('42') + int(2.9) + int(3u)"), "47");
  EXPECT_EQ(EvalToString("string(1.5)"), "\"1.5\"");
  EXPECT_EQ(EvalToString("type(1) == int"), "true");
  EXPECT_TRUE(Eval("int(1e99)").IsError());
  EXPECT_TRUE(Eval("uint(-1)").IsError());
  EXPECT_TRUE(Eval("int('x')").IsError());
}

TEST(EvalTest, TimestampsAndDurations) {
  EXPECT_EQ(EvalToString("timestamp('2024-03-01T10:00:00Z') + duration('90m')"),
            "timestamp(\"2024-03-01T11:30:00Z\")");
  EXPECT_EQ(EvalToString("timestamp('2024-03-01T10:00:00Z') - "
                         "timestamp('2024-02-29T10:00:00Z')"),
            "duration(\"86400s\")");
  EXPECT_EQ(EvalToString("timestamp('2024-03-01T01:00:00Z').getDate('-02:00')"),
            "29");
  EXPECT_EQ(EvalToString(
                "timestamp('2024-03-01T23:30:00Z').getHours('Asia/Kolkata')"),
            "5");
  EXPECT_EQ(EvalToString("timestamp('2024-03-01T10:00:00Z').getDayOfWeek()"),
            "5");
  EXPECT_TRUE(Eval("timestamp('2024-13-01T10:00:00Z')").IsError());
  EXPECT_TRUE(Eval("timestamp('2024-01-01T00:00:00Z').getHours('Mars/Base')")
                  .IsError());
}

TEST(EvalTest, VariablesFromDocuments) {
  Env env = Env::Standard();
  env.AddVariable("resource", Type::Dyn());
  Activation act;
  act.Bind("resource", *ValueFromJson(R"({"tier": 1,
      "sla": {"availability": 99.9}, "owner": "team-a"})"));
  EXPECT_EQ(Eval("resource.tier == 1 ? resource.sla.availability >= 99.5 : "
                 "true",
                 act, env)
                .DebugString(),
            "true");
  Value missing = Eval("resource.nope", act, env);
  ASSERT_TRUE(missing.IsError());
  EXPECT_THAT(std::string(missing.error_message()), HasSubstr("no such key"));
  EXPECT_EQ(missing.error_offset(), 8);
}

TEST(EvalTest, LoopInvariantsAreHoisted) {
  // 400 x 400 iterations exceed the budget of 100,000; the inner map reads
  // no outer variable, so it runs once: 400 + 400 iterations.
  Env env = Env::Standard();
  env.AddVariable("l", Type::List(Type::Int()));
  std::vector<Value> items;
  for (int i = 0; i < 400; ++i) items.push_back(Value::Int(i));
  Activation act;
  act.Bind("l", Value::List(std::move(items)));
  EXPECT_EQ(
      Eval("l.map(x, l.map(y, y * 2).size() + x)[399]", act, env).DebugString(),
      "799");
  // Reading the outer variable keeps the inner loop inside: over budget.
  EXPECT_TRUE(Eval("l.map(x, l.map(y, y * x).size())[0]", act, env).IsError());
}

TEST(EvalTest, FieldLookupHandlesDocumentsOfDifferentShapes) {
  // Field lookups remember where they last found a key; documents whose
  // keys come in other orders, or lack the key, must still be right.
  Env env = Env::Standard();
  env.AddVariable("docs", Type::Dyn());
  Activation act;
  act.Bind("docs", *ValueFromJson(R"([{"a": 1, "b": 2}, {"b": 3, "a": 4},
      {"c": 5, "b": 6}, {"a": 7}])"));
  EXPECT_EQ(Eval("docs.map(d, has(d.b) ? d.b : 0)", act, env).DebugString(),
            "[2, 3, 6, 0]");
  Activation other;
  other.Bind("docs",
             Value::List({Value::Map({{Value::String("b"), Value::Int(9)}})}));
  EXPECT_EQ(Eval("docs.map(d, d.b)", other, env).DebugString(), "[9]");
}

TEST(EvalTest, LazyBindingsAreCalledOncePerEvaluation) {
  Env env = Env::Standard();
  env.AddVariable("x", Type::Int());
  int calls = 0;
  Activation act;
  act.BindLazy("x", [&calls] {
    ++calls;
    return Value::Int(2);
  });
  EXPECT_EQ(Eval("x + x * x", act, env).DebugString(), "6");
  EXPECT_EQ(calls, 1);
}

TEST(EvalTest, UnboundVariableIsAnErrorValue) {
  Env env = Env::Standard();
  env.AddVariable("x", Type::Int());
  Value v = Eval("x + 1", Activation(), env);
  EXPECT_TRUE(v.IsError());
}

TEST(EvalTest, UncheckedModeResolvesAtRunTime) {
  Activation act;
  act.Bind("a.b", *ValueFromJson(R"({"c": "yes"})"));
  EXPECT_EQ(Eval("a.b.c", act, Env::Standard(), false).DebugString(),
            "\"yes\"");
  EXPECT_TRUE(Eval("f_unknown(1)", act, Env::Standard(), false).IsError());
}

TEST(EvalTest, ProgramIsSafeToShareAcrossThreads) {
  Env env = Env::Standard();
  env.AddVariable("doc", Type::Dyn());
  auto r = Compile(env, "doc.items.filter(i, i % 2 == 0).size() == 50");
  ASSERT_TRUE(r.ok());
  ASSERT_NE(r->program, nullptr);
  std::string json = "{\"items\": [";
  for (int i = 0; i < 100; ++i) json += (i ? "," : "") + std::to_string(i);
  json += "]}";
  Value doc = *ValueFromJson(json);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      Activation act;
      act.Bind("doc", doc);
      for (int i = 0; i < 500; ++i) {
        Value v = r->program->Evaluate(act);
        if (v.kind() == ValueKind::kBool && v.bool_value()) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 2000);
}

}  // namespace
}  // namespace meshplane::policy::cel
