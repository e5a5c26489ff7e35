#include "cli/filter.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshplane::cli {
namespace {

TEST(FilterTest, EmptyOptionsGiveEmptyFilter) {
  EXPECT_EQ(*BuildProductFilter({}), "");
  EXPECT_EQ(BuildDomainFilter("", false, ""), "");
  EXPECT_EQ(BuildTeamFilter(""), "");
}

TEST(FilterTest, ProductTermsJoinedWithAnd) {
  ProductFilterOptions options;
  options.owner_team = "checkout";
  options.lifecycle = "published";
  options.tags = {"pii", "core"};
  options.search = "customer orders";
  EXPECT_EQ(
      *BuildProductFilter(options),
      "owner_team = \"teams/checkout\" AND lifecycle = PUBLISHED AND "
      "tags = \"pii\" AND tags = \"core\" AND text = \"customer orders\"");
}

TEST(FilterTest, LifecycleSpellings) {
  for (const char* s : {"published", "PUBLISHED", "lifecycle_published",
                        "LIFECYCLE_PUBLISHED"}) {
    EXPECT_EQ(*NormalizeLifecycle(s), "PUBLISHED") << s;
  }
  auto bad = BuildProductFilter({"", "live", {}, ""});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              ::testing::HasSubstr("live"));
}

TEST(FilterTest, QuotesAndBackslashesAreEscaped) {
  EXPECT_EQ(QuoteFilterString("say \"hi\" \\o/"), "\"say \\\"hi\\\" \\\\o/\"");
  ProductFilterOptions options;
  options.search = "a\" OR tags = \"x";
  EXPECT_EQ(*BuildProductFilter(options), "text = \"a\\\" OR tags = \\\"x\"");
}

TEST(FilterTest, DomainAndTeamFilters) {
  EXPECT_EQ(BuildDomainFilter("sales", false, ""),
            "parent = \"domains/sales\"");
  EXPECT_EQ(BuildDomainFilter("", true, "teams/t"),
            "parent = \"\" AND owner_team = \"teams/t\"");
  EXPECT_EQ(BuildTeamFilter("user:ana@example.com"),
            "member = \"user:ana@example.com\"");
}

}  // namespace
}  // namespace meshplane::cli
