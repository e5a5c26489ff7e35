#include "server/identity_codec.h"

#include "tests/unit/server/codec_test_util.h"

#include "meshplane/model/json.h"

namespace meshplane::server {
namespace {

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
