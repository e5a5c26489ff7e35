// Policy and waiver names and their JSON forms.
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/model/expect_same.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "meshplane/model/json.h"
#include "meshplane/model/policy.h"

namespace meshplane::model {
namespace {

using ::meshplane::testing::ExpectSamePolicy;
using ::meshplane::testing::ExpectSameWaiver;
using ::meshplane::testing::StatusIs;

Policy FullPolicy() {
  Policy p;
  p.domain_id = "sales";
  p.id = "require-owner";
  p.uid = "9b2f0c1e-1111-4c4c-8888-000000000001";
  p.display_name = "Require \"owner\" 'label'";
  p.description = "Grüße 東京 🚀\nsecond line";
  p.triggers = {"dataproduct.create", "dataproduct.update"};
  p.condition = "resource.labels.exists(k, k == 'owner')";
  p.effect = "WARN";
  p.enforcement = "DRY_RUN";
  p.message = "add an owner label";
  p.message_expression = "'missing on ' + resource.name";
  p.labels = {{"area", "quality"}, {"tier", "1"}};
  p.owner_team_id = "governance";
  p.waivable = false;
  p.revision = 7;
  p.create_time = absl::FromUnixMicros(1767225600123456);
  p.update_time = absl::FromUnixMicros(1767225600999999);
  return p;
}

TEST(PolicyNameTest, GlobalAndDomainPolicies) {
  EXPECT_EQ(PolicyName({"", "no-pii"}), "policies/no-pii");
  EXPECT_EQ(PolicyName({"sales", "no-pii"}), "domains/sales/policies/no-pii");
  Waiver w;
  w.policy = {"sales", "no-pii"};
  w.id = "legacy";
  EXPECT_EQ(WaiverName(w), "domains/sales/policies/no-pii/waivers/legacy");
  w.policy = {"", "no-pii"};
  EXPECT_EQ(WaiverName(w), "policies/no-pii/waivers/legacy");
}

TEST(PolicyJsonTest, RoundTripsEveryField) {
  Policy p = FullPolicy();
  std::string json = ToJson(p);
  auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["name"], "domains/sales/policies/require-owner");
  EXPECT_EQ(j["owner"], "teams/governance");
  EXPECT_EQ(j["waivable"], false);
  EXPECT_EQ(j["etag"], "7");
  EXPECT_EQ(j["message_expression"], "'missing on ' + resource.name");
  EXPECT_EQ(j["create_time"], "2026-01-01T00:00:00.123456Z");
  absl::StatusOr<Policy> back = PolicyFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSamePolicy(*back, p);
  EXPECT_EQ(ToJson(*back), json);  // deterministic
}

TEST(PolicyJsonTest, GlobalPolicyAndDefaults) {
  Policy p;
  p.id = "global-one";
  p.owner_team_id = "platform";
  std::string json = ToJson(p);
  EXPECT_EQ(nlohmann::json::parse(json)["name"], "policies/global-one");
  absl::StatusOr<Policy> back = PolicyFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSamePolicy(*back, p);
  // Absent fields take the model's defaults, not "" or false.
  absl::StatusOr<Policy> minimal = PolicyFromJson(R"({"name":"policies/x"})");
  ASSERT_TRUE(minimal.ok()) << minimal.status();
  EXPECT_EQ(minimal->effect, "DENY");
  EXPECT_EQ(minimal->enforcement, "ENFORCED");
  EXPECT_TRUE(minimal->waivable);
  EXPECT_EQ(minimal->domain_id, "");
}

TEST(PolicyJsonTest, RejectsMalformedDocuments) {
  EXPECT_THAT(PolicyFromJson("[]"),
              StatusIs(absl::StatusCode::kInvalidArgument, "policy"));
  EXPECT_THAT(PolicyFromJson(R"({"name":"teams/x"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "policy.name"));
  EXPECT_THAT(PolicyFromJson(R"({"name":"policies/x","owner":"people/y"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "policy.owner"));
  EXPECT_THAT(PolicyFromJson(R"({"name":"policies/x","triggers":"a"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "policy.triggers"));
  EXPECT_THAT(PolicyFromJson(R"({"name":"policies/x","waivable":"no"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "policy.waivable"));
}

Waiver FullWaiver() {
  Waiver w;
  w.policy = {"sales", "no-pii"};
  w.id = "legacy-orders";
  w.uid = "uid-w";
  w.resource = "domains/sales/dataProducts/orders";
  w.reason = "migrating until Q3; it's \"fine\"";
  w.expire_time = absl::FromUnixMicros(1767225600000001);
  w.created_by = "user:alice";
  w.create_time = absl::FromUnixMicros(1767225500000000);
  w.policy_revision = 3;
  return w;
}

TEST(WaiverJsonTest, RoundTripsEveryField) {
  for (Waiver w : {FullWaiver(), [] {
                     Waiver g = FullWaiver();
                     g.policy.domain_id = "";
                     g.expire_time = absl::InfiniteFuture();
                     return g;
                   }()}) {
    std::string json = ToJson(w);
    auto j = nlohmann::json::parse(json);
    EXPECT_EQ(j["name"], WaiverName(w));
    EXPECT_EQ(j["policy"], PolicyName(w.policy));
    EXPECT_EQ(j["policy_revision"], 3);
    absl::StatusOr<Waiver> back = WaiverFromJson(json);
    ASSERT_TRUE(back.ok()) << back.status();
    ExpectSameWaiver(*back, w);
  }
}

TEST(WaiverJsonTest, RejectsMalformedDocuments) {
  EXPECT_THAT(WaiverFromJson(R"({"name":"policies/x"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "waiver.name"));
  EXPECT_THAT(WaiverFromJson(R"({"name":"teams/t/waivers/w"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "waiver.name"));
  EXPECT_THAT(WaiverFromJson(
                  R"({"name":"policies/x/waivers/w","policy":"policies/y"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "waiver.policy"));
  EXPECT_THAT(
      WaiverFromJson(R"({"name":"policies/x/waivers/w","expire_time":"soon"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "waiver.expire_time"));
}

}  // namespace
}  // namespace meshplane::model
