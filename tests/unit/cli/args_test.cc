#include "cli/args.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshplane::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<FlagSpec> Specs() {
  return {{"output", 'o', true, false, "FORMAT", ""},
          {"label", 0, true, true, "K=V", ""},
          {"all", 0, false, false, "", ""},
          {"owner-team", 0, true, false, "TEAM", ""}};
}

TEST(ParseArgsTest, LongShortInlineAndRepeated) {
  auto parsed =
      ParseArgs(Specs(), {"sales", "--owner-team", "t", "-o", "json",
                          "--label=a=1", "--label", "b=2", "--all", "extra"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->Get("owner-team"), "t");
  EXPECT_EQ(parsed->Get("output"), "json");
  EXPECT_THAT(parsed->GetAll("label"), ElementsAre("a=1", "b=2"));
  EXPECT_TRUE(parsed->Has("all"));
  EXPECT_THAT(parsed->positional(), ElementsAre("sales", "extra"));
}

TEST(ParseArgsTest, AttachedShortValue) {
  auto parsed = ParseArgs(Specs(), {"-oyaml"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Get("output"), "yaml");
}

TEST(ParseArgsTest, DoubleDashEndsFlags) {
  auto parsed = ParseArgs(Specs(), {"--", "--all", "-x"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->Has("all"));
  EXPECT_THAT(parsed->positional(), ElementsAre("--all", "-x"));
}

TEST(ParseArgsTest, LoneDashIsPositional) {
  auto parsed = ParseArgs(Specs(), {"-"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_THAT(parsed->positional(), ElementsAre("-"));
}

TEST(ParseArgsTest, Errors) {
  auto unknown = ParseArgs(Specs(), {"--nope"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("--nope"));

  auto missing = ParseArgs(Specs(), {"--owner-team"});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("needs a value"));

  auto twice = ParseArgs(Specs(), {"-o", "json", "--output", "yaml"});
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(std::string(twice.status().message()),
              HasSubstr("more than once"));

  auto switch_value = ParseArgs(Specs(), {"--all=yes"});
  ASSERT_FALSE(switch_value.ok());
  EXPECT_THAT(std::string(switch_value.status().message()),
              HasSubstr("takes no value"));
}

TEST(ParseArgsTest, FallbackWhenAbsent) {
  auto parsed = ParseArgs(Specs(), {});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Get("output", "table"), "table");
  EXPECT_TRUE(parsed->GetAll("label").empty());
}

}  // namespace
}  // namespace meshplane::cli
