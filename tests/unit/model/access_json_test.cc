#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/model/expect_same.h"

#include "meshplane/model/access.h"
#include "meshplane/model/json.h"

namespace meshplane::model {
namespace {

using ::meshplane::testing::ExpectSameAccessRequest;
using ::meshplane::testing::ExpectSameGrant;
using ::meshplane::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

AccessRequest SampleRequest() {
  AccessRequest r;
  r.id = "0b6c2f8e-1111-4222-8333-444455556666";
  r.uid = "9f0e8d7c-aaaa-4bbb-8ccc-ddddeeeeffff";
  r.port = OutputPortRef{"sales", "orders", "orders-v1"};
  r.consumer = "team:analytics";
  r.requester = "user:ana@example.com";
  r.actions = {"read", "write"};
  r.purpose = "Quarterly \"revenue\" report\nwith a second line";
  r.duration = absl::Hours(24 * 90) + absl::Milliseconds(500);
  r.state = AccessRequestState::kApproved;
  r.decision_json = R"({"outcome": "ALLOW",  "violations": []})";
  r.grant_id = "11111111-2222-4333-8444-555566667777";
  r.reviewer = "user:owner@example.com";
  r.review_comment = "ok";
  r.create_time = absl::FromUnixMicros(1700000000123456);
  r.update_time = absl::FromUnixMicros(1700000100000000);
  r.expire_time = absl::FromUnixMicros(1700600000000001);
  r.revision = 3;
  return r;
}

Grant SampleGrant() {
  Grant g;
  g.id = "11111111-2222-4333-8444-555566667777";
  g.uid = "22222222-3333-4444-8555-666677778888";
  g.port = OutputPortRef{"sales", "orders", "orders-v1"};
  g.consumer = "team:analytics";
  g.actions = {"read"};
  g.purpose = "Quarterly report";
  g.access_request_id = "0b6c2f8e-1111-4222-8333-444455556666";
  g.granted_by = "user:owner@example.com";
  g.create_time = absl::FromUnixMicros(1700000100000000);
  g.expire_time = absl::FromUnixMicros(1707776100000000);
  g.revoke_time = absl::FromUnixMicros(1700000200000007);
  g.revoked_by = "user:admin@example.com";
  g.revoke_reason = "left the team";
  g.revision = 2;
  return g;
}

TEST(AccessJsonTest, RequestRoundTrips) {
  AccessRequest r = SampleRequest();
  std::string json = ToJson(r);
  EXPECT_THAT(
      json,
      HasSubstr(
          R"("name":"accessRequests/0b6c2f8e-1111-4222-8333-444455556666")"));
  EXPECT_THAT(
      json,
      HasSubstr(
          R"("output_port":"domains/sales/dataProducts/orders/outputPorts/orders-v1")"));
  EXPECT_THAT(
      json,
      HasSubstr(R"("grant":"grants/11111111-2222-4333-8444-555566667777")"));
  EXPECT_THAT(json, HasSubstr(R"("duration":"7776000.5s")"));
  EXPECT_THAT(json, HasSubstr(R"("state":"APPROVED")"));
  EXPECT_THAT(json, HasSubstr(R"("actions":["read","write"])"));
  EXPECT_THAT(json,
              HasSubstr(R"("create_time":"2023-11-14T22:13:20.123456Z")"));
  EXPECT_THAT(json, HasSubstr(R"("etag":"3")"));
  absl::StatusOr<AccessRequest> back = AccessRequestFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameAccessRequest(*back, r);
  EXPECT_EQ(ToJson(*back), json);
}

TEST(AccessJsonTest, RequestKeepsTheDecisionByteForByte) {
  AccessRequest r = SampleRequest();
  std::string json = ToJson(r);
  // A string, not a re-serialised object: the double space survives.
  EXPECT_THAT(json, HasSubstr(R"("decision":"{\"outcome\": \"ALLOW\",  )"));
  absl::StatusOr<AccessRequest> back = AccessRequestFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->decision_json, r.decision_json);
}

TEST(AccessJsonTest, KeysComeOutInStableOrder) {
  std::string json = ToJson(SampleRequest());
  size_t last = 0;
  for (const char* key :
       {"\"actions\"", "\"consumer\"", "\"create_time\"", "\"decision\"",
        "\"duration\"", "\"etag\"", "\"expire_time\"", "\"grant\"", "\"name\"",
        "\"output_port\"", "\"purpose\"", "\"requester\"", "\"review_comment\"",
        "\"reviewer\"", "\"revision\"", "\"state\"", "\"uid\"",
        "\"update_time\""}) {
    size_t at = json.find(std::string(key) + ":");
    ASSERT_NE(at, std::string::npos) << key;
    EXPECT_GT(at, last) << key;
    last = at;
  }
  EXPECT_EQ(ToJson(SampleRequest()), json);
}

TEST(AccessJsonTest, RequestDefaultsRoundTrip) {
  AccessRequest r;
  r.id = "abc";
  std::string json = ToJson(r);
  // No expiry, no port, no grant: the keys are left out, not invented.
  EXPECT_THAT(json, Not(HasSubstr("expire_time")));
  EXPECT_THAT(json, Not(HasSubstr("output_port")));
  EXPECT_THAT(json, Not(HasSubstr("\"grant\"")));
  EXPECT_THAT(json, HasSubstr(R"("duration":"0s")"));
  EXPECT_THAT(json, HasSubstr(R"("state":"PENDING")"));
  absl::StatusOr<AccessRequest> back = AccessRequestFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameAccessRequest(*back, r);
  EXPECT_EQ(back->expire_time, absl::InfiniteFuture());
}

TEST(AccessJsonTest, RequestRejectsMalformedFields) {
  EXPECT_THAT(
      AccessRequestFromJson(R"({"name":"grants/abc"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "access_request.name"));
  EXPECT_THAT(
      AccessRequestFromJson(R"({})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "access_request.name"));
  EXPECT_THAT(AccessRequestFromJson(
                  R"({"name":"accessRequests/a","output_port":"domains/s"})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "access_request.output_port"));
  EXPECT_THAT(
      AccessRequestFromJson(R"({"name":"accessRequests/a","state":"ACTIVE"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "access_request.state"));
  EXPECT_THAT(
      AccessRequestFromJson(R"({"name":"accessRequests/a","duration":"1h"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "access_request.duration"));
  EXPECT_THAT(
      AccessRequestFromJson(
          R"({"name":"accessRequests/a","grant":"accessRequests/b"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "access_request.grant"));
  EXPECT_THAT(AccessRequestFromJson(
                  R"({"name":"accessRequests/a","expire_time":"tomorrow"})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "access_request.expire_time"));
  EXPECT_THAT(
      AccessRequestFromJson("[]"),
      StatusIs(absl::StatusCode::kInvalidArgument, "not a JSON object"));
}

TEST(AccessJsonTest, GrantRoundTrips) {
  Grant g = SampleGrant();
  std::string json = ToJson(g);
  EXPECT_THAT(
      json,
      HasSubstr(R"("name":"grants/11111111-2222-4333-8444-555566667777")"));
  EXPECT_THAT(
      json,
      HasSubstr(
          R"("access_request":"accessRequests/0b6c2f8e-1111-4222-8333-444455556666")"));
  EXPECT_THAT(
      json,
      HasSubstr(
          R"("output_port":"domains/sales/dataProducts/orders/outputPorts/orders-v1")"));
  EXPECT_THAT(json,
              HasSubstr(R"("revoke_time":"2023-11-14T22:16:40.000007Z")"));
  EXPECT_THAT(json, HasSubstr(R"("etag":"2")"));
  absl::StatusOr<Grant> back = GrantFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameGrant(*back, g);
  EXPECT_EQ(ToJson(*back), json);
}

TEST(AccessJsonTest, GrantWithoutRevocationOrExpiryRoundTrips) {
  Grant g = SampleGrant();
  g.revoke_time.reset();
  g.revoked_by.clear();
  g.revoke_reason.clear();
  g.expire_time = absl::InfiniteFuture();
  g.access_request_id.clear();
  std::string json = ToJson(g);
  EXPECT_THAT(json, Not(HasSubstr("revoke")));
  EXPECT_THAT(json, Not(HasSubstr("expire_time")));
  EXPECT_THAT(json, Not(HasSubstr("access_request")));
  absl::StatusOr<Grant> back = GrantFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameGrant(*back, g);
  EXPECT_FALSE(back->revoke_time.has_value());
}

TEST(AccessJsonTest, GrantRejectsMalformedFields) {
  EXPECT_THAT(GrantFromJson(R"({"name":"accessRequests/a"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "grant.name"));
  EXPECT_THAT(
      GrantFromJson(R"({"name":"grants/a","access_request":"x/y"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "grant.access_request"));
  EXPECT_THAT(GrantFromJson(R"({"name":"grants/a","actions":"read"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "grant.actions"));
  EXPECT_THAT(
      GrantFromJson(R"({"name":"grants/a","revoke_time":"now"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "grant.revoke_time"));
  EXPECT_THAT(
      GrantFromJson(
          R"({"name":"grants/a","output_port":"domains/a/dataProducts/b"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "grant.output_port"));
}

}  // namespace
}  // namespace meshplane::model
