#include "server/http/path_template.h"

#include "tests/testing/matchers/status_matchers.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshplane::server::http {
namespace {

using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Pair;

PathTemplate Parse(const std::string& text) {
  absl::StatusOr<PathTemplate> t = PathTemplate::Parse(text);
  EXPECT_THAT(t, IsOk()) << text;
  return *t;
}

TEST(PathTemplateTest, BindsANameOfSeveralSegmentsWithAVerb) {
  PathTemplate t = Parse("/v1/{name=domains/*/dataProducts/*}:publish");
  EXPECT_EQ(t.verb(), "publish");
  EXPECT_THAT(t.FieldPaths(), ElementsAre("name"));
  auto b = t.Match("/v1/domains/sales/dataProducts/orders:publish");
  ASSERT_TRUE(b.has_value());
  EXPECT_THAT(*b,
              ElementsAre(Pair("name", "domains/sales/dataProducts/orders")));
  EXPECT_FALSE(t.Match("/v1/domains/sales/dataProducts/orders").has_value());
  EXPECT_FALSE(t.Match("/v1/domains/sales/dataProducts/orders:retire"));
  EXPECT_FALSE(t.Match("/v1/domains/sales/teams/orders:publish"));
  EXPECT_FALSE(t.Match("/v1/domains/sales:publish"));
}

TEST(PathTemplateTest, BindsAParentBeforeALiteral) {
  PathTemplate t = Parse("/v1/{parent=domains/*}/dataProducts");
  EXPECT_THAT(*t.Match("/v1/domains/sales/dataProducts"),
              ElementsAre(Pair("parent", "domains/sales")));
  EXPECT_FALSE(t.Match("/v1/domains/sales/dataProducts/x"));
  EXPECT_FALSE(t.Match("/v1/domains//dataProducts"));
  EXPECT_FALSE(t.Match("v1/domains/sales/dataProducts"));
}

TEST(PathTemplateTest, BindsNestedFieldPaths) {
  PathTemplate t = Parse("/v1/{data_product.name=domains/*/dataProducts/*}");
  EXPECT_THAT(t.FieldPaths(), ElementsAre("data_product.name"));
  EXPECT_THAT(
      *t.Match("/v1/domains/a/dataProducts/b"),
      ElementsAre(Pair("data_product.name", "domains/a/dataProducts/b")));
}

TEST(PathTemplateTest, BareVariableIsOneSegment) {
  PathTemplate t = Parse("/v1/teams/{team}/members");
  EXPECT_THAT(*t.Match("/v1/teams/x/members"), ElementsAre(Pair("team", "x")));
  EXPECT_FALSE(t.Match("/v1/teams/x/y/members"));
}

TEST(PathTemplateTest, DoubleStarTakesTheRest) {
  PathTemplate t = Parse("/v1/{name=domains/**}");
  EXPECT_THAT(*t.Match("/v1/domains/a/b/c"),
              ElementsAre(Pair("name", "domains/a/b/c")));
  EXPECT_FALSE(t.Match("/v1/domains"));
  PathTemplate star = Parse("/v1/*/x");
  EXPECT_TRUE(star.Match("/v1/anything/x"));
  EXPECT_TRUE(star.FieldPaths().empty());
}

TEST(PathTemplateTest, PercentDecodesSegments) {
  PathTemplate t = Parse("/v1/{name=domains/*}");
  EXPECT_THAT(*t.Match("/v1/domains/sa%6Ces"),
              ElementsAre(Pair("name", "domains/sales")));
  // An encoded "/" would forge a segment boundary inside a variable.
  EXPECT_FALSE(t.Match("/v1/domains/a%2Fb"));
  EXPECT_FALSE(t.Match("/v1/domains/a%zz"));
  EXPECT_FALSE(t.Match("/v1/domains/a%2"));
  EXPECT_EQ(*PercentDecode("a%20b%3a"), "a b:");
}

TEST(PathTemplateTest, RefusesMalformedTemplatesByPosition) {
  for (const char* bad : {"", "v1/x", "/v1/{name", "/v1/{1abc}", "/v1/{name=}",
                          "/v1//x", "/v1/{name=domains/**/x}", "/v1/**/x",
                          "/v1/{a}/{a}", "/v1/x:", "/v1/{a.=x}"}) {
    EXPECT_THAT(PathTemplate::Parse(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, "path template"))
        << bad;
  }
}

TEST(PathTemplateTest, ExpandIsTheInverseOfMatch) {
  PathTemplate t = Parse("/v1/{name=domains/*/dataProducts/*}:publish");
  auto path = t.Expand({"domains/a/dataProducts/b"});
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(*path, "/v1/domains/a/dataProducts/b:publish");
  EXPECT_FALSE(t.Expand({"teams/a"}).has_value());
  EXPECT_FALSE(t.Expand({}).has_value());
}

}  // namespace
}  // namespace meshplane::server::http
