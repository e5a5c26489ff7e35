#include <algorithm>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/matchers/status_matchers.h"

#include "meshplane/model/contract.h"
#include "meshplane/model/json.h"

namespace meshplane::model {
namespace {

using ::meshplane::testing::StatusIs;

Contract SampleContract() {
  Contract c;
  c.id = "orders.v1_x-2";
  c.uid = "0b6c2f8e-1111-4222-8333-444455556666";
  c.product = ProductKey{"sales", "orders"};
  c.display_name = "Orders";
  c.description = "Every order placed";
  c.compatibility_mode = "FULL_TRANSITIVE";
  c.state = "DEPRECATED";
  c.deprecation_message = "use orders-v2";
  c.latest_version = "2.1.0-rc.1";
  c.version_count = 7;
  c.labels = {{"tier", "gold"}};
  c.create_time = absl::FromUnixMicros(1700000000123456);
  c.update_time = absl::FromUnixMicros(1700000100000000);
  c.revision = 9;
  return c;
}

ContractVersion SampleVersion() {
  ContractVersion v;
  v.contract_id = "orders.v1_x-2";
  v.version = "2.1.0-rc.1+build.5";
  v.major = 2;
  v.minor = 1;
  v.patch = 0;
  v.prerelease = "rc.1";
  v.status = "active";
  v.original_yaml = "id: orders\n# comment\nversion: 2.1.0-rc.1\n";
  v.normalized_json = R"({"id":"orders","version":"2.1.0-rc.1"})";
  v.content_hash = std::string(64, 'a');
  v.published_by = "user:ana@example.com";
  v.create_time = absl::FromUnixMicros(1700000000000001);
  v.report_json = R"({"compatible": true, "changes": []})";
  return v;
}

TEST(ContractJsonTest, ContractRoundTrips) {
  Contract c = SampleContract();
  std::string json = ToJson(c);
  EXPECT_THAT(json,
              ::testing::HasSubstr(
                  R"("data_product":"domains/sales/dataProducts/orders")"));
  EXPECT_THAT(json,
              ::testing::HasSubstr(R"("name":"contracts/orders.v1_x-2")"));
  EXPECT_THAT(json, ::testing::HasSubstr(R"("etag":"9")"));
  absl::StatusOr<Contract> back = ContractFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(ToJson(*back), json);
  EXPECT_EQ(back->product, c.product);
  EXPECT_EQ(back->compatibility_mode, "FULL_TRANSITIVE");
  EXPECT_EQ(back->labels, c.labels);
  EXPECT_EQ(back->create_time, c.create_time);
  EXPECT_EQ(back->version_count, 7);
}

TEST(ContractJsonTest, AbsentModeAndStateAreTheDefaults) {
  absl::StatusOr<Contract> c =
      ContractFromJson(R"({"name":"contracts/orders"})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->compatibility_mode, "FULL");
  EXPECT_EQ(c->state, "ACTIVE");
}

TEST(ContractJsonTest, ContractRejectsBadNames) {
  EXPECT_THAT(ContractFromJson(R"({"name":"contract/orders"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "contract.name"));
  EXPECT_THAT(
      ContractFromJson(
          R"({"name":"contracts/o","data_product":"domains/sales"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "contract.data_product"));
  EXPECT_THAT(
      ContractFromJson("[]"),
      StatusIs(absl::StatusCode::kInvalidArgument, "not a JSON object"));
}

TEST(ContractJsonTest, VersionRoundTripsByteForByte) {
  ContractVersion v = SampleVersion();
  std::string json = ToJson(v);
  EXPECT_THAT(
      json,
      ::testing::HasSubstr(
          R"("name":"contracts/orders.v1_x-2/versions/2.1.0-rc.1+build.5")"));
  absl::StatusOr<ContractVersion> back = ContractVersionFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(ToJson(*back), json);
  EXPECT_EQ(back->original_yaml, v.original_yaml);
  EXPECT_EQ(back->report_json, v.report_json);  // not re-serialised
  EXPECT_EQ(back->prerelease, "rc.1");
  EXPECT_EQ(back->major, 2);
}

TEST(ContractJsonTest, VersionRejectsAContractOtherThanItsName) {
  EXPECT_THAT(
      ContractVersionFromJson(
          R"({"name":"contracts/a/versions/1.0.0","contract":"contracts/b"})"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "contract_version.contract"));
  EXPECT_THAT(
      ContractVersionFromJson(
          R"({"name":"contracts/a/versions/1.0.0","version":"1.0.1"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "contract_version.version"));
  EXPECT_THAT(
      ContractVersionFromJson(R"({"name":"contracts/a"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "contract_version.name"));
}

TEST(ContractModelTest, Names) {
  EXPECT_EQ(ContractName("orders"), "contracts/orders");
  EXPECT_EQ(ContractVersionName("orders", "1.2.0"),
            "contracts/orders/versions/1.2.0");
}

TEST(ContractModelTest, ValidIds) {
  EXPECT_TRUE(IsValidContractId("a"));
  EXPECT_TRUE(IsValidContractId("0b6c2f8e-1111-4222-8333-444455556666"));
  EXPECT_TRUE(IsValidContractId("Orders.V1_x-2"));
  EXPECT_TRUE(IsValidContractId(std::string(128, 'x')));
  EXPECT_FALSE(IsValidContractId(""));
  EXPECT_FALSE(IsValidContractId(std::string(129, 'x')));
  EXPECT_FALSE(IsValidContractId("-orders"));
  EXPECT_FALSE(IsValidContractId(".orders"));
  EXPECT_FALSE(IsValidContractId("orders/v1"));
  EXPECT_FALSE(IsValidContractId("orders v1"));
}

// semver.org section 11.4's own example, shuffled: the keys must sort the
// pre-releases into its order, with the release last.
TEST(ContractModelTest, PrereleaseOrderKeyFollowsSemverPrecedence) {
  const std::vector<std::string> ascending = {"alpha", "alpha.1", "alpha.beta",
                                              "beta",  "beta.2",  "beta.11",
                                              "rc.1",  ""};
  std::vector<std::string> shuffled = {"rc.1",  "",          "beta.11",
                                       "alpha", "beta.2",    "alpha.1",
                                       "beta",  "alpha.beta"};
  std::sort(shuffled.begin(), shuffled.end(),
            [](const std::string& a, const std::string& b) {
              return PrereleaseOrderKey(a) < PrereleaseOrderKey(b);
            });
  EXPECT_EQ(shuffled, ascending);
}

TEST(ContractModelTest, PrereleaseOrderKeyEdgeCases) {
  auto less = [](const std::string& a, const std::string& b) {
    return PrereleaseOrderKey(a) < PrereleaseOrderKey(b);
  };
  EXPECT_TRUE(less("alpha", "alphab"));  // ASCII order of identifiers
  EXPECT_TRUE(less("9", "10"));          // numerically, not as text
  EXPECT_TRUE(less("999", "alpha"));     // numeric below alphanumeric
  EXPECT_TRUE(less("Z", "a"));           // ASCII: upper case first
  EXPECT_TRUE(less("1.2", "1.2.0"));     // more identifiers rank higher
  EXPECT_TRUE(less("x.y", "x-y"));       // "x" < "x-y" as identifiers
  EXPECT_TRUE(less("99999999999999999999", ""));
  EXPECT_FALSE(less("rc.1", "rc.1"));
}

}  // namespace
}  // namespace meshplane::model
