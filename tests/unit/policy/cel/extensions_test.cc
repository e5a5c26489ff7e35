// The extension libraries (cel::Library): what the conformance suite does
// not cover (lists, sets, limits, checking, scoping), case by case.
#include <fstream>
#include <sstream>
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
  EXPECT_EQ(Eval("cel.bind(m, l.map(x, x * 2), m[1] + m[2] + m[399])", act, env)
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

TEST(OptionalTest, SelectionAndIndexing) {
  Env env = Env::Extended();
  env.AddVariable("r", Type::Map(Type::String(), Type::Dyn()));
  Activation act;
  act.Bind("r", Value::Map(
                    {{Value::String("sla"),
                      Value::Map({{Value::String("hours"), Value::Int(4)}})}}));
  EXPECT_EQ(Eval("r.?sla.hours.orValue(24)", act, env).DebugString(), "4");
  EXPECT_EQ(Eval("r.?owner.team.orValue('none')", act, env).DebugString(),
            "\"none\"");
  EXPECT_EQ(Eval("r.?sla.?hours", act, env).DebugString(), "optional.of(4)");
  EXPECT_EQ(Eval("r.?sla.missing.hasValue()", act, env).DebugString(), "false");
  EXPECT_EQ(Str("[1, 2][?5].orValue(0)"), "0");
  EXPECT_EQ(Str("[1, 2][?1]"), "optional.of(2)");
  EXPECT_EQ(Str("{'a': 1}[?'a'].value()"), "1");
  EXPECT_TRUE(Eval("optional.none().value()").IsError());
  EXPECT_EQ(TypeOf("{'a': 1}.?a"), "optional_type(int)");
  EXPECT_EQ(TypeOf("[1][?0].orValue(2)"), "int");
  EXPECT_EQ(TypeOf("optional.of('x').optMap(s, size(s))"),
            "optional_type(int)");
  EXPECT_EQ(Str("type(optional.none()) == optional_type"), "true");
}

TEST(OptionalTest, FieldChainsWithDefaultsKeepTheirMeaning) {
  // root.?f.g.orValue(d) is planned as a walk over the maps; every other
  // case must give what the optionals give.
  Env env = Env::Extended();
  env.AddVariable("r", Type::Map(Type::String(), Type::Dyn()));
  Activation act;
  act.Bind("r",
           Value::Map({{Value::String("sla"),
                        Value::Map({{Value::String("hours"), Value::Int(4)}})},
                       {Value::String("tags"), Value::List({Value::Int(1)})},
                       {Value::String("n"), Value::Int(3)}}));
  auto eval = [&](const char* expr) {
    return Eval(expr, act, env).DebugString();
  };
  EXPECT_EQ(eval("r.?sla.hours.orValue(1 / 0)"), "4");
  EXPECT_EQ(eval("r.?sla.days.orValue(7)"), "7");
  EXPECT_EQ(eval("r.?owner.team.name.orValue('x')"), "\"x\"");
  EXPECT_EQ(eval("r.sla.?hours.orValue(0)"), "4");
  EXPECT_EQ(eval("[r, r].map(d, d.?sla.hours.orValue(0))"), "[4, 4]");
  EXPECT_EQ(eval("optional.of(r).?sla.hours.orValue(0)"), "4");
  EXPECT_EQ(eval("{'a': {'b': 2}}.?a.b.orValue(0)"), "2");
  EXPECT_EQ(eval("dyn({'a': {'b': 2}}).?a.b.orValue(0)"), "2");
  // A field of something that is not a map is an error, as without the
  // shortcut; so is an error in the root.
  EXPECT_THAT(eval("r.?n.x.orValue(0)"), HasSubstr("error"));
  EXPECT_THAT(eval("r.?tags.x.orValue(0)"), HasSubstr("error"));
  EXPECT_THAT(eval("dyn([1]).?a.orValue(0)"), HasSubstr("error"));
  EXPECT_THAT(eval("r.missing.?a.orValue(0)"), HasSubstr("error"));
  EXPECT_EQ(eval("r.?tags[?0].orValue(0)"), "1");
}

TEST(OptionalTest, OrAndOrValueShortCircuit) {
  // The alternative is evaluated only when the optional is none.
  EXPECT_EQ(Str("optional.of(1).orValue(1 / 0)"), "1");
  EXPECT_EQ(Str("optional.of(1).or(optional.of(1 / 0)).value()"), "1");
  EXPECT_TRUE(Eval("optional.none().orValue(1 / 0)").IsError());
  EXPECT_EQ(Str("optional.none().or(optional.of(2)).or(optional.of(1 / 0))"),
            "optional.of(2)");
  EXPECT_EQ(Str("optional.none().optMap(x, 1 / 0)"), "optional.none()");
}

TEST(OptionalTest, OptionalEntriesInLiterals) {
  EXPECT_EQ(Str("[1, ?optional.none(), ?optional.of(3)]"), "[1, 3]");
  EXPECT_EQ(Str("{'a': 1, ?'b': optional.none(), ?'c': optional.of(2)}"),
            "{\"a\": 1, \"c\": 2}");
  EXPECT_EQ(TypeOf("[?optional.of(1)]"), "list(int)");
  EXPECT_THAT(Issues("[?1]"), HasSubstr("expected type 'optional_type'"));
  EXPECT_THAT(Issues("{?'a': 1}"), HasSubstr("expected type 'optional_type'"));
  EXPECT_THAT(Issues("optional.of(1).optFlatMap(x, x)"),
              HasSubstr("optFlatMap needs an optional result"));
  EXPECT_THAT(Issues("1.optMap(x, x)"), HasSubstr("optMap needs an optional"));
}

TEST(OptionalTest, SyntaxOnlyWhenEnabled) {
  for (const char* expr :
       {"{}.?a", "[1][?0]", "[?optional.none()]", "{?'a': optional.none()}"}) {
    EXPECT_THAT(Issues(expr, Env::Standard()), HasSubstr("not enabled"))
        << expr;
  }
  EXPECT_THAT(Issues("optional.of(1)", Env::Standard()),
              HasSubstr("undeclared reference"));
  Env env = Env::Standard();
  env.Enable(Library::kOptional);
  EXPECT_EQ(Str("{}.?a.orValue(1)", env), "1");
}

TEST(MathTest, FunctionsAndTheirTypes) {
  EXPECT_EQ(Str("math.greatest(3, 7, 5)"), "7");
  EXPECT_EQ(Str("math.least([2.5, -1, 3u])"), "-1");
  EXPECT_EQ(TypeOf("math.greatest(1, 2)"), "int");
  EXPECT_EQ(TypeOf("math.greatest(1, 2.0)"), "dyn");
  EXPECT_EQ(TypeOf("math.least([1u, 2u])"), "uint");
  EXPECT_EQ(Str("math.sqrt(16)"), "4.0");
  EXPECT_EQ(Str("math.sqrt(2.25)"), "1.5");
  EXPECT_EQ(TypeOf("math.sqrt(4u)"), "double");
  EXPECT_EQ(Str("math.abs(-3)"), "3");
  EXPECT_TRUE(Eval("math.abs(-9223372036854775808)").IsError());
  EXPECT_EQ(Str("math.bitShiftRight(-1, 60)"), "15");
  EXPECT_EQ(Str("math.bitShiftLeft(1u, 63)"), "9223372036854775808u");
  EXPECT_TRUE(Eval("math.bitShiftRight(1, -1)").IsError());
  EXPECT_TRUE(Eval("math.greatest(dyn([]))").IsError());
  EXPECT_TRUE(Eval("math.greatest(dyn(['a']))").IsError());
  EXPECT_THAT(Issues("math.greatest('a', 'b')"),
              HasSubstr("found no matching overload for 'math.greatest'"));
  EXPECT_THAT(Issues("math.ceil(1)"),
              HasSubstr("found no matching overload for 'math.ceil'"));
  EXPECT_THAT(Issues("math.greatest()"),
              HasSubstr("requires at least one argument"));
}

TEST(ListsTest, Functions) {
  EXPECT_EQ(Str("[1, 2, 3, 4].slice(1, 3)"), "[2, 3]");
  EXPECT_EQ(Str("[1, 2].slice(2, 2)"), "[]");
  EXPECT_TRUE(Eval("[1, 2].slice(1, 3)").IsError());
  EXPECT_TRUE(Eval("[1, 2].slice(-1, 1)").IsError());
  EXPECT_TRUE(Eval("[1, 2].slice(2, 1)").IsError());
  EXPECT_EQ(Str("[[1], [2, 3], []].flatten()"), "[1, 2, 3]");
  EXPECT_EQ(Str("dyn([1, [2, [3, [4]]]]).flatten()"), "[1, 2, [3, [4]]]");
  EXPECT_EQ(Str("[1, [2, [3, [4]]]].flatten(2)"), "[1, 2, 3, [4]]");
  EXPECT_TRUE(Eval("[1, [2]].flatten(-1)").IsError());
  EXPECT_THAT(Issues("[1, 2].flatten()"), HasSubstr("no matching overload"));
  EXPECT_EQ(Str("[1, 2, 2, 1.0, 3u, 'a', 'a'].distinct()"),
            "[1, 2, 3u, \"a\"]");
  EXPECT_EQ(Str("[[1], [1.0], [2]].distinct()"), "[[1], [2]]");
  EXPECT_EQ(Str("[{1: 'a'}, {1u: 'a'}, {2: 'a'}].distinct().size()"), "2");
  // Lists of lists hash by content: 20,000 one-element lists are not
  // compared pairwise.
  EXPECT_EQ(Str("lists.range(20000).map(i, [i]).distinct().size()"), "20000");
  EXPECT_EQ(Str("sets.equivalent(lists.range(20000).map(i, [i]),"
                " lists.range(20000).map(i, [19999 - i]))"),
            "true");
  EXPECT_EQ(Str("[1, 2, 3].reverse()"), "[3, 2, 1]");
  EXPECT_EQ(Str("'abc'.reverse()"), "\"cba\"");
  EXPECT_EQ(Str("[3, 1, 2].sort()"), "[1, 2, 3]");
  EXPECT_EQ(Str("['b', 'c', 'a'].sort()"), "[\"a\", \"b\", \"c\"]");
  EXPECT_EQ(Str("[2.0, 1.0, -1.0].sort()"), "[-1.0, 1.0, 2.0]");
  // NaN sorts last, so that the order stays strict.
  EXPECT_EQ(Str("math.isNaN([2.0, 0.0 / 0.0, 1.0].sort()[2])"), "true");
  EXPECT_TRUE(Eval("dyn([1, 'b']).sort()").IsError());
  EXPECT_TRUE(Eval("dyn([1, 2.0]).sort()").IsError());
  EXPECT_THAT(Issues("[[1]].sort()"), HasSubstr("no matching overload"));
  EXPECT_EQ(TypeOf("[3, 1].sort()"), "list(int)");
  EXPECT_EQ(Str("[1, 2].first()"), "optional.of(1)");
  EXPECT_EQ(Str("[1, 2].last().value()"), "2");
  EXPECT_EQ(Str("[].first().orValue('none')"), "\"none\"");
  EXPECT_EQ(Str("lists.range(4)"), "[0, 1, 2, 3]");
  EXPECT_EQ(Str("lists.range(-2)"), "[]");
  EXPECT_EQ(TypeOf("lists.range(3)"), "list(int)");
}

TEST(ListsTest, SortByOrdersStablyByKey) {
  Env env = Env::Extended();
  env.AddVariable("teams", Type::List(Type::Map(Type::String(), Type::Dyn())));
  Activation act;
  auto team = [](const char* name, int64_t size) {
    return Value::Map({{Value::String("name"), Value::String(name)},
                       {Value::String("size"), Value::Int(size)}});
  };
  act.Bind("teams", Value::List({team("a", 3), team("b", 1), team("c", 3),
                                 team("d", 2)}));
  EXPECT_EQ(
      Eval("teams.sortBy(t, t.size).map(t, t.name)", act, env).DebugString(),
      "[\"b\", \"d\", \"a\", \"c\"]");
  EXPECT_EQ(Eval("teams.sortBy(t, -t.size)[0].name", act, env).DebugString(),
            "\"a\"");
  EXPECT_EQ(TypeOf("[3, 1].sortBy(x, -x)"), "list(int)");
  EXPECT_TRUE(Eval("dyn([1, 'a']).sortBy(x, x)").IsError());
  EXPECT_THAT(Issues("[1].sortBy(x, [x])"), HasSubstr("not comparable"));
  EXPECT_THAT(Issues("1.sortBy(x, x)"), HasSubstr("sortBy needs a list"));
}

TEST(ListsTest, LimitsCoverSortByAndRange) {
  // sortBy's keys count against the comprehension budget, nested loops
  // over lists.range too, and lists.range against the allocation budget
  // before it allocates.
  Env env = Env::Extended();
  env.eval_options().comprehension_budget = 1000;
  Activation none;
  Value v = Eval("lists.range(2000).sortBy(x, -x)[0]", none, env);
  ASSERT_TRUE(v.IsError());
  EXPECT_THAT(std::string(v.error_message()), HasSubstr("budget"));
  EXPECT_EQ(Eval("lists.range(900).sortBy(x, -x)[0]", none, env).DebugString(),
            "899");
  v = Eval("lists.range(40).map(i, lists.range(40).map(j, i * j))", none, env);
  ASSERT_TRUE(v.IsError());
  EXPECT_THAT(std::string(v.error_message()), HasSubstr("budget"));
  v = Eval("lists.range(9223372036854775807)");
  ASSERT_TRUE(v.IsError());
  EXPECT_THAT(std::string(v.error_message()), HasSubstr("allocation budget"));
  Env small = Env::Extended();
  small.eval_options().allocation_budget = 1000;
  v = Eval("[1, 2].map(i, lists.range(600 + i)).size()", none, small);
  ASSERT_TRUE(v.IsError());
  EXPECT_THAT(std::string(v.error_message()), HasSubstr("allocation budget"));
}

TEST(SetsTest, Functions) {
  EXPECT_EQ(Str("sets.contains([], [])"), "true");
  EXPECT_EQ(Str("sets.contains([], [1])"), "false");
  EXPECT_EQ(Str("sets.contains([1, 2, 3, 4], [2, 3])"), "true");
  EXPECT_EQ(Str("sets.contains([1, 2.0, 3u], [1.0, 2u, 3])"), "true");
  EXPECT_EQ(Str("sets.equivalent([1], [1, 1])"), "true");
  EXPECT_EQ(Str("sets.equivalent([1, 2, 3], [3u, 2.0, 1])"), "true");
  EXPECT_EQ(Str("sets.equivalent([1, 2], [1])"), "false");
  EXPECT_EQ(Str("sets.intersects([1], [])"), "false");
  EXPECT_EQ(Str("sets.intersects([1], [1, 2])"), "true");
  EXPECT_EQ(Str("sets.intersects([[1], [2, 3]], [[1, 2], [2, 3.0]])"), "true");
  EXPECT_THAT(Issues("sets.contains([1], ['a'])"),
              HasSubstr("no matching overload"));
}

TEST(EncodersTest, Base64) {
  EXPECT_EQ(Str("base64.encode(b'hello')"), "\"aGVsbG8=\"");
  EXPECT_EQ(Str("base64.decode('aGVsbG8=') == b'hello'"), "true");
  EXPECT_EQ(Str("base64.decode('aGVsbG8') == b'hello'"), "true");
  EXPECT_TRUE(Eval("base64.decode('a!b')").IsError());
  EXPECT_THAT(Issues("base64.encode('hello')"),
              HasSubstr("no matching overload"));
}

TEST(LibrariesTest, EachIsEnabledOnItsOwn) {
  struct Case {
    Library lib;
    const char* expr;
  } cases[] = {{Library::kMath, "math.abs(-1) == 1"},
               {Library::kEncoders, "base64.encode(b'') == ''"},
               {Library::kLists, "lists.range(1) == [0]"},
               {Library::kSets, "sets.contains([1], [1])"}};
  for (const Case& c : cases) {
    EXPECT_THAT(Issues(c.expr, Env::Standard()),
                HasSubstr("undeclared reference"))
        << c.expr;
    Env env = Env::Standard();
    env.Enable(c.lib);
    EXPECT_EQ(Str(c.expr, env), "true") << c.expr;
  }
}

TEST(DocsTest, PolicyLanguageExamplesCompile) {
  // Every ```cel block of docs/policy-language.md is one expression that
  // compiles against the variables of an update trigger, as policies do.
  std::ifstream in(std::string(MESHPLANE_SOURCE_DIR) +
                   "/docs/policy-language.md");
  ASSERT_TRUE(in) << "docs/policy-language.md not found";
  Env env = Env::Extended();
  Type doc = Type::Map(Type::String(), Type::Dyn());
  for (const char* name : {"resource", "principal", "request", "previous"}) {
    env.AddVariable(name, doc);
  }
  env.AddVariable("domain", Type::Dyn());
  env.AddVariable("now", Type::Timestamp());
  std::string line, block;
  bool inside = false;
  int blocks = 0;
  while (std::getline(in, line)) {
    if (!inside && line == "```cel") {
      inside = true;
      block.clear();
    } else if (inside && line == "```") {
      inside = false;
      ++blocks;
      EXPECT_EQ(Issues(block, env), "") << block;
    } else if (inside) {
      block += line + "\n";
    }
  }
  EXPECT_GE(blocks, 10);
}

}  // namespace
}  // namespace meshplane::policy::cel
