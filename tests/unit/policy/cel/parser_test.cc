#include "meshplane/policy/cel/parser.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshplane::policy::cel {
namespace {

using ::testing::HasSubstr;

ParseResult ParseText(const std::string& text,
                      const ParserOptions& options = ParserOptions()) {
  return Parse(Source(text), options);
}

TEST(ParserTest, ParsesOperatorsWithCelPrecedence) {
  ParseResult r = ParseText("1 + 2 * 3 == 7 && !false || x in [1]");
  ASSERT_TRUE(r.issues.empty());
  const Expr& root = *r.ast.root;
  EXPECT_EQ(root.kind, ExprKind::kCall);
  EXPECT_EQ(root.name, "_||_");
  EXPECT_EQ(root.args[0]->name, "_&&_");
  const Expr& eq = *root.args[0]->args[0];
  EXPECT_EQ(eq.name, "_==_");
  EXPECT_EQ(eq.args[0]->name, "_+_");
  EXPECT_EQ(eq.args[0]->args[1]->name, "_*_");
  EXPECT_EQ(root.args[1]->name, "@in");
}

TEST(ParserTest, ParsesLiterals) {
  struct Case {
    const char* text;
    std::string debug;
  } cases[] = {
      {"42", "42"},
      {"0x1F", "31"},
      {"7u", "7u"},
      {"0x10U", "16u"},
      {"-9223372036854775808", "-9223372036854775808"},
      {"1.5e3", "1500.0"},
      {".5", "0.5"},
      {"'a\\tb'", "\"a\\tb\""},
      {"\"\\u00e9\\U0001F431\"", "\"\xC3\xA9\xF0\x9F\x90\xB1\""},
      {"'\\101\\x42'", "\"AB\""},
      {"r'\\n'", "\"\\\\n\""},
      {"'''a\nb'''", "\"a\\nb\""},
      {"b'\\377'", "b\"\\xff\""},
      {"true", "true"},
      {"null", "null"},
  };
  for (const Case& c : cases) {
    ParseResult r = ParseText(c.text);
    ASSERT_TRUE(r.issues.empty()) << c.text << ": " << r.issues[0].message;
    ASSERT_EQ(r.ast.root->kind, ExprKind::kConst) << c.text;
    EXPECT_EQ(r.ast.root->const_value.DebugString(), c.debug) << c.text;
  }
}

TEST(ParserTest, ExpandsMacros) {
  ParseResult r = ParseText("xs.all(x, x > 0) && has(a.b) && m.map(k, v, v)");
  ASSERT_TRUE(r.issues.empty());
  // Chains of && are balanced: (all) && ((has) && (map)).
  const Expr& all = *r.ast.root->args[0];
  EXPECT_EQ(all.kind, ExprKind::kComprehension);
  EXPECT_EQ(all.macro, MacroKind::kAll);
  EXPECT_EQ(all.iter_var, "x");
  const Expr& has = *r.ast.root->args[1]->args[0];
  EXPECT_EQ(has.kind, ExprKind::kSelect);
  EXPECT_TRUE(has.test_only);
  EXPECT_EQ(r.ast.root->args[1]->args[1]->macro, MacroKind::kMapFilter);
}

TEST(ParserTest, RejectsMacroWithNonIdentifierVariable) {
  ParseResult r = ParseText("[1].all(1, true)");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_THAT(r.issues[0].message, HasSubstr("simple name"));
}

TEST(ParserTest, ReportsLineColumnAndWhatWasExpected) {
  ParseResult r = ParseText("a &&\n  (b || )");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].line, 2);
  EXPECT_EQ(r.issues[0].column, 9);
  EXPECT_THAT(r.issues[0].message, HasSubstr("expected an expression"));
}

TEST(ParserTest, RejectsUnterminatedString) {
  ParseResult r = ParseText("'abc");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_THAT(r.issues[0].message, HasSubstr("unterminated string"));
}

TEST(ParserTest, RejectsBadEscapesAndOverflowingLiterals) {
  EXPECT_FALSE(ParseText("'\\q'").issues.empty());
  EXPECT_FALSE(ParseText("b'\\u0041'").issues.empty());
  EXPECT_FALSE(ParseText("9223372036854775808").issues.empty());
  EXPECT_FALSE(ParseText("18446744073709551616u").issues.empty());
  EXPECT_FALSE(ParseText("'\\uD800'").issues.empty());
}

TEST(ParserTest, ReservedWordsOnlyAsFieldNames) {
  EXPECT_TRUE(ParseText("a.if").issues.empty());
  EXPECT_TRUE(ParseText("a.while()").issues.empty());
  ParseResult r = ParseText("if");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_THAT(r.issues[0].message, HasSubstr("reserved"));
}

TEST(ParserTest, EnforcesRecursionLimit) {
  std::string deep(1000, '(');
  deep += "1";
  deep += std::string(1000, ')');
  ParseResult r = ParseText(deep);
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_THAT(r.issues[0].message, HasSubstr("recursion"));

  std::string negations(5000, '!');
  EXPECT_FALSE(ParseText(negations + "true").issues.empty());
}

TEST(ParserTest, EnforcesSizeAndNodeLimits) {
  ParserOptions options;
  options.max_expression_size = 10;
  ParseResult r = ParseText("1 + 2 + 3 + 4", options);
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_THAT(r.issues[0].message, HasSubstr("exceeds the limit"));

  options = ParserOptions();
  options.max_node_count = 5;
  r = ParseText("[1, 2, 3, 4, 5, 6]", options);
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_THAT(r.issues[0].message, HasSubstr("nodes"));
}

TEST(ParserTest, LongLogicalChainsStayShallow) {
  std::string chain = "true";
  for (int i = 0; i < 3000; ++i) chain += " && true";
  EXPECT_TRUE(ParseText(chain).issues.empty());
}

TEST(ParserTest, FormatsIssueWithCaret) {
  Source src("a + ");
  ParseResult r = Parse(src);
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(src.Format(r.issues[0]),
            "ERROR: <input>:1:5: Syntax error: expected an expression, found "
            "the end of the expression\n | a + \n | ....^");
  EXPECT_EQ(r.issues[0].FormatWithCaret(),
            "1:5: Syntax error: expected an expression, found the end of the "
            "expression\n | a + \n | ....^");
}

}  // namespace
}  // namespace meshplane::policy::cel
