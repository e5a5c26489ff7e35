#include "cli/util.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshplane::cli {
namespace {

TEST(ParseDurationTest, Units) {
  EXPECT_EQ(*ParseDuration("30d"), absl::Hours(24 * 30));
  EXPECT_EQ(*ParseDuration("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseDuration("250ms"), absl::Milliseconds(250));
  EXPECT_EQ(*ParseDuration("90s"), absl::Seconds(90));
  EXPECT_EQ(*ParseDuration("2w"), absl::Hours(24 * 14));
  EXPECT_EQ(*ParseDuration("1.5h"), absl::Minutes(90));
}

TEST(ParseDurationTest, RejectsBareNumbersAndUnknownUnits) {
  for (const char* bad : {"", "30", "10y", "h", "1h x", "-5m", "1..5h"}) {
    auto d = ParseDuration(bad);
    EXPECT_FALSE(d.ok()) << bad;
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(HumanDurationTest, ShortForms) {
  EXPECT_EQ(HumanDuration(absl::Minutes(90)), "1h30m");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 30)), "30d");
  EXPECT_EQ(HumanDuration(absl::Milliseconds(250)), "250ms");
  EXPECT_EQ(HumanDuration(absl::ZeroDuration()), "0s");
}

TEST(IdTest, ValidAndInvalid) {
  EXPECT_TRUE(IsValidId("sales"));
  EXPECT_TRUE(IsValidId("sales-emea-2"));
  EXPECT_TRUE(IsValidId(std::string(63, 'a')));
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId("Sales"));
  EXPECT_FALSE(IsValidId("2sales"));
  EXPECT_FALSE(IsValidId("sales-"));
  EXPECT_FALSE(IsValidId("sales_emea"));
  EXPECT_FALSE(IsValidId(std::string(64, 'a')));
}

TEST(SlugifyTest, MakesIds) {
  EXPECT_EQ(Slugify("Customer Data Product"), "customer-data-product");
  EXPECT_EQ(Slugify("  payments "), "payments");
  EXPECT_EQ(Slugify("employee_record"), "employee-record");
  EXPECT_EQ(Slugify("064c4630-8aad"), "x-064c4630-8aad");
  EXPECT_EQ(Slugify("!!!"), "");
  EXPECT_TRUE(IsValidId(Slugify(std::string(100, 'z'))));
}

TEST(NameTest, ShortAndFullForms) {
  EXPECT_EQ(DomainName("sales"), "domains/sales");
  EXPECT_EQ(DomainName("domains/sales"), "domains/sales");
  EXPECT_EQ(TeamName("x"), "teams/x");
  EXPECT_EQ(TokenName("tokens/abc"), "tokens/abc");
  EXPECT_EQ(LastSegment("domains/sales"), "sales");
  EXPECT_EQ(*ProductName("sales/orders", ""),
            "domains/sales/dataProducts/orders");
  EXPECT_EQ(*ProductName("orders", "sales"),
            "domains/sales/dataProducts/orders");
  EXPECT_EQ(*ProductName("domains/a/dataProducts/b", "ignored"),
            "domains/a/dataProducts/b");
  EXPECT_FALSE(ProductName("orders", "").ok());
  EXPECT_FALSE(ProductName("a/b/c", "").ok());
}

TEST(LabelTest, KeyValue) {
  auto label = ParseLabel("cost-center=cc=1");
  ASSERT_TRUE(label.ok());
  EXPECT_EQ(label->first, "cost-center");
  EXPECT_EQ(label->second, "cc=1");
  EXPECT_EQ(ParseLabel("k=")->second, "");
  EXPECT_FALSE(ParseLabel("novalue").ok());
  EXPECT_FALSE(ParseLabel("=v").ok());
}

TEST(ParseTimeTest, DatesAndRfc3339) {
  EXPECT_EQ(absl::ToUnixSeconds(*ParseTime("2026-12-31")), 1798675200);
  EXPECT_EQ(absl::ToUnixSeconds(*ParseTime("2026-12-31T00:00:00Z")),
            1798675200);
  EXPECT_FALSE(ParseTime("tomorrow").ok());
}

}  // namespace
}  // namespace meshplane::cli
