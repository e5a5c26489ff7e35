#include "meshplane/model/resource_name.h"

#include <string>
#include <vector>

#include "tests/testing/matchers/status_matchers.h"
#include <gtest/gtest.h>

namespace meshplane::model {
namespace {

using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;

TEST(ResourceNameTest, ValidIds) {
  for (const char* id : {"a", "sales", "sales-emea", "a1", "x-1-2", "z9"}) {
    EXPECT_TRUE(IsValidId(id)) << id;
    EXPECT_THAT(ValidateId("domain.id", id), IsOk());
  }
  EXPECT_TRUE(IsValidId(std::string(63, 'a')));
}

TEST(ResourceNameTest, InvalidIds) {
  for (const std::string& id : std::vector<std::string>{
           "", "Sales", "1abc", "-abc", "abc-", "a_b", "a.b", "a b", "a/b", "ä",
           "orders'; DROP TABLE x;--", std::string(64, 'a')}) {
    EXPECT_FALSE(IsValidId(id)) << id;
  }
}

TEST(ResourceNameTest, ValidateIdMessageNamesFieldAndValue) {
  absl::Status s = ValidateId("data_product.output_ports[1].id", "Orders V1");
  EXPECT_THAT(
      s, StatusIs(absl::StatusCode::kInvalidArgument,
                  "data_product.output_ports[1].id: \"Orders V1\" is not a "
                  "valid id (lowercase letters, digits, hyphens; 1-63 "
                  "chars"));
}

TEST(ResourceNameTest, FormatAndParseRoundTrip) {
  EXPECT_EQ(DomainName("sales"), "domains/sales");
  EXPECT_EQ(TeamName("checkout"), "teams/checkout");
  EXPECT_EQ(TokenName("abc"), "tokens/abc");
  EXPECT_EQ(ProductName({"sales", "orders"}),
            "domains/sales/dataProducts/orders");
  EXPECT_EQ(OutputPortName({"sales", "orders", "v1"}),
            "domains/sales/dataProducts/orders/outputPorts/v1");

  ASSERT_OK_AND_ASSIGN(std::string d,
                       ParseDomainName("parent", "domains/sales"));
  EXPECT_EQ(d, "sales");
  ASSERT_OK_AND_ASSIGN(std::string t, ParseTeamName("owner", "teams/checkout"));
  EXPECT_EQ(t, "checkout");
  ASSERT_OK_AND_ASSIGN(std::string k, ParseTokenName("name", "tokens/abc"));
  EXPECT_EQ(k, "abc");
  ASSERT_OK_AND_ASSIGN(
      ProductKey p,
      ParseProductName("name", "domains/sales/dataProducts/orders"));
  EXPECT_EQ(p, (ProductKey{"sales", "orders"}));
  ASSERT_OK_AND_ASSIGN(
      OutputPortRef r,
      ParseOutputPortName("source",
                          "domains/sales/dataProducts/orders/outputPorts/v1"));
  EXPECT_EQ(r, (OutputPortRef{"sales", "orders", "v1"}));
}

TEST(ResourceNameTest, ParseRefusesMalformedNames) {
  EXPECT_THAT(
      ParseDomainName("parent", "sales"),
      StatusIs(absl::StatusCode::kInvalidArgument, "parent: \"sales\""));
  EXPECT_THAT(ParseDomainName("parent", "teams/sales"),
              StatusIs(absl::StatusCode::kInvalidArgument, "domains/{domain}"));
  EXPECT_THAT(ParseDomainName("parent", "domains/Sales"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"Sales\" is not a valid id"));
  EXPECT_THAT(ParseDomainName("parent", "domains/sales/"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseProductName("name", "domains/sales/products/orders"),
              StatusIs(absl::StatusCode::kInvalidArgument, "name:"));
  EXPECT_THAT(ParseOutputPortName("source", "domains/a/dataProducts/b"),
              StatusIs(absl::StatusCode::kInvalidArgument, "source:"));
  EXPECT_THAT(ParseTeamName("t", ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseTokenName("t", "tokens/"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ResourceNameTest, Principals) {
  for (const char* p : {"user:ana@example.com", "service:orders-ci",
                        "team:checkout", "user:x"}) {
    EXPECT_THAT(ValidatePrincipal("principal", p), IsOk()) << p;
  }
  for (const std::string& p :
       std::vector<std::string>{"", "ana", "user:", "robot:x", "service:Orders",
                                "team:", "user:ana smith", "user:\tana", "us",
                                "user:" + std::string(320, 'a')}) {
    EXPECT_THAT(
        ValidatePrincipal("team.members[0]", p),
        StatusIs(absl::StatusCode::kInvalidArgument, "team.members[0]: "))
        << p;
  }
}

}  // namespace
}  // namespace meshplane::model
