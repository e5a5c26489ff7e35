#include "meshplane/datacheck/datacheck.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "meshplane/contract/odcs.h"

namespace meshplane::datacheck {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

contract::QualityRule Rule(const std::string& op, std::vector<double> x,
                           const std::string& unit = "") {
  contract::QualityRule r;
  r.type = "library";
  r.metric = "rowCount";
  r.op = op;
  r.operands = std::move(x);
  r.unit = unit;
  return r;
}

TEST(QuoteIdentifierTest, DoublesQuotesSoAHostileNameStaysOneIdentifier) {
  EXPECT_EQ(QuoteIdentifier("orders"), "\"orders\"");
  EXPECT_EQ(QuoteIdentifier("x\"; DROP TABLE t; --"),
            "\"x\"\"; DROP TABLE t; --\"");
  EXPECT_EQ(QuoteIdentifier("\""), "\"\"\"\"");
  EXPECT_EQ(QuoteIdentifier("Mixed Case"), "\"Mixed Case\"");
}

TEST(MetricSqlTest, QuotedIdentifiersAndPlaceholdersOnly) {
  const std::string t = QuoteIdentifier("public") + "." + QuoteIdentifier("t");
  const std::string c = QuoteIdentifier("a\"b");
  EXPECT_EQ(MetricSql("rowCount", t, c, 0, false),
            "SELECT count(*), count(*) FROM \"public\".\"t\"");
  EXPECT_EQ(MetricSql("nullValues", t, c, 0, false),
            "SELECT count(*) FILTER (WHERE \"a\"\"b\" IS NULL), count(*) "
            "FROM \"public\".\"t\"");
  EXPECT_EQ(MetricSql("duplicateValues", t, c, 0, false),
            "SELECT count(\"a\"\"b\") - count(DISTINCT \"a\"\"b\"), count(*) "
            "FROM \"public\".\"t\"");
  EXPECT_EQ(MetricSql("invalidValues", t, c, 2, true),
            "SELECT count(*) FILTER (WHERE \"a\"\"b\" IS NOT NULL AND "
            "(\"a\"\"b\"::text NOT IN ($1, $2) OR \"a\"\"b\"::text !~ $3)), "
            "count(*) FROM \"public\".\"t\"");
  EXPECT_EQ(MetricSql("invalidValues", t, c, 0, true),
            "SELECT count(*) FILTER (WHERE \"a\"\"b\" IS NOT NULL AND "
            "(\"a\"\"b\"::text !~ $1)), count(*) FROM \"public\".\"t\"");
}

TEST(TypeTest, NormalisesPhysicalTypes) {
  EXPECT_EQ(NormaliseType("VARCHAR(20)"), "character varying");
  EXPECT_EQ(NormaliseType("int8"), "bigint");
  EXPECT_EQ(NormaliseType("numeric(10, 2)"), "numeric");
  EXPECT_EQ(NormaliseType("timestamptz"), "timestamp with time zone");
  EXPECT_EQ(NormaliseType("timestamp(3) with time zone"),
            "timestamp with time zone");
  EXPECT_EQ(NormaliseType("int4[]"), "integer[]");
  EXPECT_EQ(NormaliseType(" Text "), "text");
}

TEST(TypeTest, PhysicalTypeWinsOverLogical) {
  EXPECT_THAT(CompatibleTypes("integer", "int8"), ElementsAre("bigint"));
  EXPECT_THAT(CompatibleTypes("integer", ""),
              ElementsAre("smallint", "integer", "bigint"));
  EXPECT_THAT(CompatibleTypes("string", ""), ::testing::Contains("text"));
  EXPECT_THAT(CompatibleTypes("number", ""), ::testing::Contains("numeric"));
  EXPECT_THAT(CompatibleTypes("timestamp", ""),
              ::testing::Contains("timestamp with time zone"));
  EXPECT_TRUE(CompatibleTypes("", "").empty());
  EXPECT_TRUE(CompatibleTypes("array", "").empty());
}

TEST(HoldsTest, EveryOperator) {
  EXPECT_TRUE(*Holds(Rule("mustBe", {0}), 0));
  EXPECT_FALSE(*Holds(Rule("mustBe", {0}), 1));
  EXPECT_TRUE(*Holds(Rule("mustNotBe", {0}), 1));
  EXPECT_TRUE(*Holds(Rule("mustBeGreaterThan", {5}), 6));
  EXPECT_FALSE(*Holds(Rule("mustBeGreaterThan", {5}), 5));
  EXPECT_TRUE(*Holds(Rule("mustBeGreaterOrEqualTo", {5}), 5));
  EXPECT_TRUE(*Holds(Rule("mustBeLessThan", {5}), 4));
  EXPECT_FALSE(*Holds(Rule("mustBeLessThan", {5}), 5));
  EXPECT_TRUE(*Holds(Rule("mustBeLessOrEqualTo", {5}), 5));
  EXPECT_TRUE(*Holds(Rule("mustBeBetween", {1, 3}), 1));
  EXPECT_TRUE(*Holds(Rule("mustBeBetween", {1, 3}), 3));
  EXPECT_FALSE(*Holds(Rule("mustBeBetween", {1, 3}), 4));
  EXPECT_TRUE(*Holds(Rule("mustNotBeBetween", {1, 3}), 4));
  EXPECT_FALSE(*Holds(Rule("mustNotBeBetween", {1, 3}), 2));
  contract::QualityRule text = Rule("mustBe", {});
  text.operand_text = "many";
  EXPECT_THAT(Holds(text, 1).status().message(), HasSubstr("many"));
  EXPECT_FALSE(Holds(Rule("", {}), 1).ok());
}

TEST(DescribeTest, SaysTheExpectationInWords) {
  EXPECT_EQ(DescribeExpectation(Rule("mustBe", {0})), "= 0");
  EXPECT_EQ(DescribeExpectation(Rule("mustBeLessThan", {5}, "percent")),
            "< 5%");
  EXPECT_EQ(DescribeExpectation(Rule("mustBeBetween", {1, 2.5})),
            "between 1 and 2.5");
}

TEST(ServerTest, FindsPostgresServersByName) {
  contract::Document doc;
  EXPECT_THAT(FindServer(doc, "").status().message(),
              HasSubstr("declares 0 servers"));
  contract::Server pg;
  pg.server = "prod";
  pg.type = "postgres";
  contract::Server s3;
  s3.server = "lake";
  s3.type = "s3";
  doc.servers = {pg, s3};
  EXPECT_THAT(FindServer(doc, "").status().message(),
              HasSubstr("name one with --server"));
  EXPECT_EQ(FindServer(doc, "prod")->server, "prod");
  EXPECT_THAT(FindServer(doc, "lake").status().message(),
              HasSubstr("servers[1].type: \"s3\" is not a PostgreSQL server"));
  EXPECT_THAT(FindServer(doc, "nope").status().message(),
              HasSubstr("no server \"nope\" in the contract (it declares: "
                        "prod, lake)"));
}

TEST(ServerTest, ConnInfoQuotesValuesAndNamesNoUser) {
  contract::Server s;
  s.server = "prod";
  s.type = "postgres";
  s.attributes = {
      {"host", "db.example"}, {"port", "5433"}, {"database", "it's \\ here"}};
  const std::string c = ConnInfo(s);
  EXPECT_THAT(c, HasSubstr("host='db.example'"));
  EXPECT_THAT(c, HasSubstr("port='5433'"));
  EXPECT_THAT(c, HasSubstr("dbname='it\\'s \\\\ here'"));
  EXPECT_THAT(c, Not(HasSubstr("password")));
  EXPECT_THAT(c, Not(HasSubstr("user")));
}

}  // namespace
}  // namespace meshplane::datacheck
