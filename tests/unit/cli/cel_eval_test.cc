#include "cli/commands/cel_eval.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshplane::cli {
namespace {

using ::testing::HasSubstr;

struct CommandRun {
  int code;
  std::string out;
  std::string err;
};

CommandRun CelEval(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = RunCelEval(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(CelEvalCommandTest, PrintsResultInCelSyntax) {
  CommandRun r = CelEval({"[1, 2u, 'x'] + [{'k': 1.5}]"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "[1, 2u, \"x\", {\"k\": 1.5}]\n");
}

TEST(CelEvalCommandTest, BindsJsonVariables) {
  CommandRun r = CelEval(
      {"resource.tier == 1 ? resource.sla.availability >= 99.5 "
       ": true",
       "--var", R"(resource={"tier": 1, "sla": {"availability": 99.9}})"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "true\n");
  r = CelEval({"--var=x=3", "x * 2"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "6\n");
}

TEST(CelEvalCommandTest, EvaluationErrorExitsOneWithPosition) {
  CommandRun r = CelEval({"1 + 2 / 0"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err,
              HasSubstr("<input>:1:7: evaluation error: divide by zero"));
  EXPECT_THAT(r.err, HasSubstr("\n | 1 + 2 / 0\n | ......^"));
}

TEST(CelEvalCommandTest, CompileErrorsExitTwoWithEveryIssue) {
  CommandRun r = CelEval({"a + 1 == b"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("1:1: undeclared reference to 'a'"));
  EXPECT_THAT(r.err, HasSubstr("1:10: undeclared reference to 'b'"));
  r = CelEval({"1 +"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("Syntax error"));
}

TEST(CelEvalCommandTest, UsageErrorsExitTwo) {
  EXPECT_EQ(CelEval({}).code, 2);
  EXPECT_EQ(CelEval({"1", "2"}).code, 2);
  EXPECT_EQ(CelEval({"x", "--var", "x={"}).code, 2);
  EXPECT_EQ(CelEval({"x", "--var", "noequals"}).code, 2);
  EXPECT_EQ(CelEval({"x", "--bogus"}).code, 2);
}

}  // namespace
}  // namespace meshplane::cli
