#include "meshplane/model/json.h"

#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/model/expect_same.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace meshplane::model {
namespace {

using ::meshplane::testing::StatusIs;

absl::Time Micro(int64_t us) { return absl::FromUnixMicros(us); }

DataProduct FullProduct() {
  DataProduct p;
  p.domain_id = "sales";
  p.id = "orders";
  p.uid = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
  p.display_name = "Orders \"quoted\" 'single' \\ back; DROP TABLE x;--";
  p.description = "Grüße 東京 🚀\ttab\nnewline";
  p.owner_team_id = "checkout";
  p.lifecycle = Lifecycle::kDeprecated;
  p.tier = 1;
  p.classification = Classification::kRestricted;
  p.tags = {"gold", "pii"};
  p.labels = {{"cost-center", "cc-42"}, {"env", "it's \"prod\""}};
  OutputPort o;
  o.id = "orders-v1";
  o.display_name = "Orders v1";
  o.type = "table";
  o.server = "postgres://warehouse:5432/sales";
  o.location = "public.orders";
  o.description = "all orders";
  o.contract_id = "urn:contract:orders";
  o.objectives.availability_percent = 99.95;
  o.objectives.max_staleness = absl::Seconds(3600) + absl::Milliseconds(500);
  o.objectives.completeness_percent = 99.5;
  o.objectives.latency = absl::Microseconds(1500);
  p.output_ports.push_back(o);
  OutputPort bare;
  bare.id = "bare";
  p.output_ports.push_back(bare);
  InputPort in;
  in.id = "customers";
  in.source = {"crm", "customers", "v2"};
  in.description = "reads customers";
  p.input_ports.push_back(in);
  p.sunset_time = Micro(1800000000123456);
  p.create_time = Micro(1767225600000001);
  p.update_time = Micro(1767225600999999);
  p.revision = 7;
  return p;
}

// The JSON forms agree, and so does every field, whatever JSON carries.
void ExpectSame(const DataProduct& a, const DataProduct& b) {
  EXPECT_EQ(ToJson(a), ToJson(b));
  ::meshplane::testing::ExpectSameProduct(a, b);
}

TEST(JsonTest, DataProductRoundTripsEveryField) {
  DataProduct p = FullProduct();
  std::string json = ToJson(p);
  ASSERT_OK_AND_ASSIGN(DataProduct back, DataProductFromJson(json));
  ExpectSame(p, back);
}

TEST(JsonTest, DataProductWithoutOptionalsRoundTrips) {
  DataProduct p;
  p.domain_id = "d";
  p.id = "p";
  p.owner_team_id = "t";
  ASSERT_OK_AND_ASSIGN(DataProduct back, DataProductFromJson(ToJson(p)));
  ExpectSame(p, back);
  EXPECT_FALSE(back.sunset_time.has_value());
  EXPECT_EQ(back.create_time, absl::InfinitePast());
  // Absent objectives stay absent, not zero.
  OutputPort o;
  o.id = "x";
  o.objectives.latency = absl::Seconds(2);
  p.output_ports = {o};
  ASSERT_OK_AND_ASSIGN(back, DataProductFromJson(ToJson(p)));
  EXPECT_FALSE(
      back.output_ports[0].objectives.availability_percent.has_value());
  EXPECT_FALSE(back.output_ports[0].objectives.max_staleness.has_value());
  EXPECT_EQ(back.output_ports[0].objectives.latency, absl::Seconds(2));
}

TEST(JsonTest, IsDeterministicWithSortedKeysAndDocumentedForms) {
  DataProduct p = FullProduct();
  EXPECT_EQ(ToJson(p), ToJson(FullProduct()));
  nlohmann::json j = nlohmann::json::parse(ToJson(p));
  EXPECT_EQ(j["name"], "domains/sales/dataProducts/orders");
  EXPECT_EQ(j["owner_team"], "teams/checkout");
  EXPECT_EQ(j["lifecycle"], "DEPRECATED");
  EXPECT_EQ(j["classification"], "RESTRICTED");
  EXPECT_EQ(j["create_time"], "2026-01-01T00:00:00.000001Z");
  EXPECT_EQ(j["sunset_time"], "2027-01-15T08:00:00.123456Z");
  EXPECT_EQ(j["output_ports"][0]["objectives"]["max_staleness"], "3600.5s");
  EXPECT_EQ(j["output_ports"][0]["objectives"]["latency"], "0.0015s");
  EXPECT_EQ(j["output_ports"][0]["name"],
            "domains/sales/dataProducts/orders/outputPorts/orders-v1");
  EXPECT_EQ(j["input_ports"][0]["source"],
            "domains/crm/dataProducts/customers/outputPorts/v2");
  EXPECT_EQ(j["etag"], Etag(7));
  // Keys in sorted order: the dump starts with the alphabetically first key.
  EXPECT_EQ(ToJson(p).rfind("{\"classification\"", 0), 0u) << ToJson(p);
}

TEST(JsonTest, DomainRoundTrip) {
  Domain d;
  d.id = "sales-emea";
  d.uid = "u";
  d.display_name = "Sales \"EMEA\"";
  d.description = "it's; --";
  d.parent_id = "sales";
  d.owner_team_id = "sales-team";
  d.labels = {{"a", "1"}, {"b", "\\"}};
  d.create_time = Micro(1767225600123456);
  d.update_time = Micro(1767225601000000);
  d.revision = 3;
  ASSERT_OK_AND_ASSIGN(Domain back, DomainFromJson(ToJson(d)));
  EXPECT_EQ(ToJson(back), ToJson(d));
  EXPECT_EQ(back.parent_id, "sales");
  EXPECT_EQ(back.owner_team_id, "sales-team");
  EXPECT_EQ(back.labels, d.labels);
  EXPECT_EQ(back.create_time, d.create_time);
  EXPECT_EQ(back.revision, 3);
  Domain top = d;
  top.parent_id.clear();
  ASSERT_OK_AND_ASSIGN(back, DomainFromJson(ToJson(top)));
  EXPECT_EQ(back.parent_id, "");
}

TEST(JsonTest, TeamRoundTrip) {
  Team t;
  t.id = "checkout";
  t.uid = "u";
  t.display_name = "Checkout";
  t.members = {"service:ci", "user:ana@example.com"};
  t.create_time = Micro(1);
  t.update_time = Micro(2);
  t.revision = 2;
  ASSERT_OK_AND_ASSIGN(Team back, TeamFromJson(ToJson(t)));
  EXPECT_EQ(ToJson(back), ToJson(t));
  EXPECT_EQ(back.members, t.members);
  EXPECT_EQ(back.create_time, t.create_time);
}

TEST(JsonTest, TokenNeverCarriesTheHash) {
  ApiToken t;
  t.id = "abc";
  t.principal = "user:ana";
  t.secret_hash = "deadbeefcafe";
  t.platform_admin = true;
  t.create_time = Micro(10);
  t.expire_time = Micro(20);
  t.revoke_time = Micro(15);
  t.created_by = "user:admin";
  std::string json = ToJson(t);
  EXPECT_EQ(json.find("deadbeefcafe"), std::string::npos);
  EXPECT_EQ(json.find("secret"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(ApiToken back, ApiTokenFromJson(json));
  EXPECT_EQ(back.id, "abc");
  EXPECT_EQ(back.principal, "user:ana");
  EXPECT_TRUE(back.platform_admin);
  EXPECT_EQ(back.expire_time, t.expire_time);
  EXPECT_EQ(back.revoke_time, t.revoke_time);
  EXPECT_EQ(back.secret_hash, "");
  EXPECT_EQ(back.created_by, "user:admin");
}

TEST(JsonTest, NanosecondTimesAndDurationsSurvive) {
  DataProduct p;
  p.domain_id = "d";
  p.id = "p";
  p.create_time = absl::FromUnixNanos(1767225600123456789);
  OutputPort o;
  o.id = "x";
  o.objectives.max_staleness = absl::Nanoseconds(1);
  p.output_ports = {o};
  ASSERT_OK_AND_ASSIGN(DataProduct back, DataProductFromJson(ToJson(p)));
  EXPECT_EQ(back.create_time, p.create_time);
  EXPECT_EQ(back.output_ports[0].objectives.max_staleness,
            absl::Nanoseconds(1));
}

TEST(JsonTest, MalformedInputIsInvalidArgument) {
  EXPECT_THAT(DomainFromJson("not json"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DomainFromJson("[]"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DomainFromJson(R"({"name":"teams/x"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "domain.name"));
  EXPECT_THAT(
      DataProductFromJson(R"({"name":"domains/a/dataProducts/b","tier":"x"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "tier"));
  EXPECT_THAT(DataProductFromJson(
                  R"({"name":"domains/a/dataProducts/b","lifecycle":"GONE"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "lifecycle"));
  EXPECT_THAT(
      DataProductFromJson(
          R"({"name":"domains/a/dataProducts/b","create_time":"yesterday"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "create_time"));
  EXPECT_THAT(
      DataProductFromJson(
          R"({"name":"domains/a/dataProducts/b","output_ports":[{"id":"x","objectives":{"latency":"5 minutes"}}]})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "latency"));
  EXPECT_THAT(TeamFromJson(R"({"name":"teams/x","members":[1]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "members"));
  EXPECT_THAT(ApiTokenFromJson(R"({"name":"tokens/x","platform_admin":"yes"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "platform_admin"));
}

TEST(JsonTest, EtagIsStablePerRevision) {
  EXPECT_EQ(Etag(1), Etag(1));
  EXPECT_NE(Etag(1), Etag(2));
  EXPECT_FALSE(Etag(1).empty());
}

}  // namespace
}  // namespace meshplane::model
