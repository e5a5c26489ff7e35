#include "server/identity_codec.h"

#include "google/protobuf/util/message_differencer.h"
#include "tests/testing/matchers/status_matchers.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/model/json.h"

namespace meshplane::server {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

absl::Time T(int64_t seconds, int64_t nanos = 0) {
  return absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
}

TEST(CodecTest, TokenRoundTripsThroughProto) {
  model::ApiToken t;
  t.id = "abcdefghijkl";
  t.principal = "user:ana@example.com";
  t.description = "laptop";
  t.platform_admin = true;
  t.create_time = T(1000);
  t.expire_time = T(2000);
  t.revoke_time = T(1500, 42);
  t.created_by = "user:admin";
  v1::Token proto = EncodeToken(t);
  EXPECT_EQ(proto.name(), "tokens/abcdefghijkl");
  ASSERT_OK_AND_ASSIGN(model::ApiToken back, DecodeToken(proto, "token"));
  EXPECT_EQ(model::ToJson(back), model::ToJson(t));
}

TEST(CodecTest, CallerIdentityNamesTeams) {
  model::Principal p;
  p.id = "user:ana@example.com";
  p.team_ids = {"checkout", "payments"};
  v1::CallerIdentity c = EncodeCaller(p);
  EXPECT_EQ(c.principal(), "user:ana@example.com");
  EXPECT_THAT(c.teams(), ElementsAre("teams/checkout", "teams/payments"));
}

}  // namespace
}  // namespace meshplane::server
