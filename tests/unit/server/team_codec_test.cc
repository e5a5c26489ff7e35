#include "server/team_codec.h"

#include "tests/unit/server/codec_test_util.h"

#include "meshplane/model/json.h"

namespace meshplane::server {
namespace {

TEST(CodecTest, TeamRoundTripsThroughProto) {
  model::Team t;
  t.id = "checkout";
  t.uid = "u-1";
  t.display_name = "Checkout";
  t.description = "pays";
  t.members = {"service:orders-ci", "user:ana@example.com"};
  t.create_time = T(100);
  t.update_time = T(200);
  t.revision = 2;
  ASSERT_OK_AND_ASSIGN(model::Team back, DecodeTeam(EncodeTeam(t), "team"));
  back.revision = t.revision;
  EXPECT_EQ(model::ToJson(back), model::ToJson(t));
}

}  // namespace
}  // namespace meshplane::server
