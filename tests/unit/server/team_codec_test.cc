#include "server/team_codec.h"

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
