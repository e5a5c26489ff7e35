// The AIP-160 filter subset, page tokens and update masks: the private
// helpers behind every List and Update.
#include "core/filter.h"

#include "core/field_mask.h"
#include "core/page_token.h"
#include "tests/testing/matchers/status_matchers.h"
#include <gtest/gtest.h>

#include "meshplane/common/errors.h"

namespace meshplane::core::internal {
namespace {

using ::meshplane::testing::StatusIs;
using Terms = std::vector<FilterTerm>;

TEST(FilterTest, EmptyFilterHasNoTerms) {
  ASSERT_OK_AND_ASSIGN(Terms t, ParseFilter(""));
  EXPECT_TRUE(t.empty());
  ASSERT_OK_AND_ASSIGN(t, ParseFilter("   \t "));
  EXPECT_TRUE(t.empty());
}

TEST(FilterTest, ParsesEqualityHasAndText) {
  ASSERT_OK_AND_ASSIGN(
      Terms t,
      ParseFilter(
          R"(owner_team = "teams/checkout" AND lifecycle=PUBLISHED AND tags:pii)"));
  EXPECT_EQ(t, (Terms{{"owner_team", "teams/checkout"},
                      {"lifecycle", "PUBLISHED"},
                      {"tags", "pii"}}));
  ASSERT_OK_AND_ASSIGN(t, ParseFilter("orders daily"));
  EXPECT_EQ(t, (Terms{{"", "orders"}, {"", "daily"}}));
  ASSERT_OK_AND_ASSIGN(t, ParseFilter(R"("monthly revenue" AND text = "eu")"));
  EXPECT_EQ(t, (Terms{{"", "monthly revenue"}, {"text", "eu"}}));
  ASSERT_OK_AND_ASSIGN(t, ParseFilter("member = user:ana@example.com"));
  EXPECT_EQ(t, (Terms{{"member", "user:ana@example.com"}}));
  ASSERT_OK_AND_ASSIGN(t, ParseFilter(R"(parent = "")"));
  EXPECT_EQ(t, (Terms{{"parent", ""}}));
}

TEST(FilterTest, StringsKeepQuotesBackslashesAndSqlVerbatim) {
  ASSERT_OK_AND_ASSIGN(
      Terms t,
      ParseFilter(R"(text = "it's \"quoted\" \\ '; DROP TABLE x; --")"));
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].value, R"(it's "quoted" \ '; DROP TABLE x; --)");
}

TEST(FilterTest, RefusesWhatTheSubsetLacks) {
  struct Case {
    const char* filter;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {"a = 1 OR b = 2", "OR is not supported"},
           {"NOT a = 1", "NOT is not supported"},
           {"-a", "negation"},
           {"(a = 1)", "parentheses"},
           {"a > 1", "only = and :"},
           {"a != 1", "only = and :"},
           {"a == 1", "use = rather than =="},
           {"a =", "a value is missing"},
           {"a = \"open", "unterminated string"},
           {"AND a = 1", "AND needs a term"},
           {"a = 1 AND", "ends with AND"},
           {"a = 1 AND AND b = 2", "AND needs a term"},
           {"Owner = x", "is not a field name"},
       }) {
    absl::Status s = ParseFilter(c.filter).status();
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, c.message))
        << c.filter;
    auto v = GetFieldViolations(s);
    ASSERT_EQ(v.size(), 1u) << c.filter;
    EXPECT_EQ(v[0].field, "filter");
  }
}

TEST(FilterTest, ErrorsNameTheColumn) {
  EXPECT_THAT(ParseFilter("lifecycle = DRAFT OR x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "column 19"));
}

TEST(FilterTest, CanonicalFormIgnoresSpacing) {
  ASSERT_OK_AND_ASSIGN(Terms a,
                       ParseFilter(R"(tags:pii   AND  owner_team="x")"));
  ASSERT_OK_AND_ASSIGN(Terms b,
                       ParseFilter(R"(tags = pii AND owner_team = x)"));
  EXPECT_EQ(CanonicalFilter(a), CanonicalFilter(b));
  ASSERT_OK_AND_ASSIGN(Terms c,
                       ParseFilter(R"(tags = gold AND owner_team = x)"));
  EXPECT_NE(CanonicalFilter(a), CanonicalFilter(c));
}

TEST(PageTokenTest, RoundTripsAndIsBoundToTheQuery) {
  std::string fp =
      QueryFingerprint({"dataProducts", "sales", "1", "tags=\"pii\""});
  std::string other =
      QueryFingerprint({"dataProducts", "sales", "1", "tags=\"gold\""});
  EXPECT_NE(fp, other);
  EXPECT_EQ(EncodePageToken("", fp), "");
  std::string token = EncodePageToken("sales orders/weird", fp);
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos)
      << "not base64url: " << token;
  ASSERT_OK_AND_ASSIGN(std::string cursor, DecodePageToken(token, fp));
  EXPECT_EQ(cursor, "sales orders/weird");
  EXPECT_THAT(DecodePageToken(token, other),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "different parent or filter"));
  EXPECT_THAT(DecodePageToken("not-a-token!", fp),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_token"));
  EXPECT_THAT(DecodePageToken("AAAA", fp),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(cursor, DecodePageToken("", fp));
  EXPECT_EQ(cursor, "");
}

TEST(PageTokenTest, PageSizeDefaultsAndCoercion) {
  EXPECT_EQ(*EffectivePageSize(0), 50);
  EXPECT_EQ(*EffectivePageSize(7), 7);
  EXPECT_EQ(*EffectivePageSize(1000), 1000);
  EXPECT_EQ(*EffectivePageSize(5000), 1000);
  EXPECT_THAT(EffectivePageSize(-1),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_size"));
}

TEST(FieldMaskTest, ResolvesAliasesAllAndRefusesUnknownOrImmutable) {
  const std::vector<std::string> updatable = {"display_name", "owner_team",
                                              "labels"};
  const std::map<std::string, std::string> aliases = {
      {"owner_team_id", "owner_team"}};
  const std::vector<std::string> immutable = {"name", "create_time"};
  ASSERT_OK_AND_ASSIGN(auto all,
                       ResolveMask({}, updatable, aliases, immutable));
  EXPECT_EQ(all.size(), 3u);
  ASSERT_OK_AND_ASSIGN(all,
                       ResolveMask({{"*"}}, updatable, aliases, immutable));
  EXPECT_EQ(all.size(), 3u);
  ASSERT_OK_AND_ASSIGN(auto some, ResolveMask({{"owner_team_id", "labels"}},
                                              updatable, aliases, immutable));
  EXPECT_EQ(some, (std::set<std::string>{"owner_team", "labels"}));
  absl::Status s =
      ResolveMask({{"name", "colour", "labels"}}, updatable, aliases, immutable)
          .status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          "\"name\" cannot be updated"));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          "\"colour\" is not an updatable field"));
  EXPECT_EQ(GetFieldViolations(s).size(), 2u);
}

TEST(FilterTest, LongOrManyTermFiltersAreRefusedBeforeParsing) {
  // 20,000 words of free text reached PostgreSQL, which ran out of stack
  // building the tsquery (SQLSTATE 54001, INTERNAL).
  std::string words;
  for (int i = 0; i < 20000; ++i) words += "word ";
  EXPECT_THAT(ParseFilter(words),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter: 100000 bytes; at most 2048"));
  EXPECT_EQ(GetFieldViolations(ParseFilter(words).status())[0].field, "filter");
  // Short words, and words inside one quoted string, count one by one.
  std::string short_words;
  for (int i = 0; i < 65; ++i) short_words += "a ";
  EXPECT_THAT(ParseFilter(short_words),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter: 65 terms; at most 64"));
  EXPECT_THAT(ParseFilter("\"" + short_words + "\""),
              StatusIs(absl::StatusCode::kInvalidArgument, "65 terms"));
  EXPECT_THAT(ParseFilter("text = \"a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s-t-"
                          "u-v-w-x-y-z-a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s-"
                          "t-u-v-w-x-y-z-a-b-c-d-e-f-g-h-i-j-k-l-m\""),
              StatusIs(absl::StatusCode::kInvalidArgument, "65 terms"));
  std::string ok;
  for (int i = 0; i < 63; ++i) ok += "a ";
  EXPECT_OK(ParseFilter(ok + "tags:pii").status());
  EXPECT_OK(ParseFilter(std::string(kMaxFilterBytes, ' ')).status());
}

TEST(FilterTest, ErrorsQuoteOnlyAPrefixOfABadWord) {
  absl::Status s = ParseFilter(std::string(1500, 'X') + " = 1").status();
  EXPECT_THAT(
      s, StatusIs(absl::StatusCode::kInvalidArgument, "is not a field name"));
  EXPECT_LT(s.message().size(), 200u);
}

TEST(PageTokenTest, ForgedCursorsNamePageToken) {
  const std::string fp = QueryFingerprint({"teams"});
  ASSERT_OK_AND_ASSIGN(std::string cursor,
                       DecodePageToken(EncodePageToken("sales", fp), fp));
  EXPECT_EQ(cursor, "sales");
  // The same shape with bytes no cursor has, and an oversized token.
  for (const std::string& token : {EncodePageToken(std::string("a\0b", 3), fp),
                                   EncodePageToken("\xff\xfe", fp),
                                   EncodePageToken("a\x01"
                                                   "b",
                                                   fp),
                                   std::string(5000, 'A')}) {
    absl::Status st = DecodePageToken(token, fp).status();
    EXPECT_THAT(st, StatusIs(absl::StatusCode::kInvalidArgument));
    ASSERT_EQ(GetFieldViolations(st).size(), 1u);
    EXPECT_EQ(GetFieldViolations(st)[0].field, "page_token");
  }
}
}  // namespace
}  // namespace meshplane::core::internal
