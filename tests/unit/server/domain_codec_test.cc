#include "server/domain_codec.h"

#include "tests/unit/server/codec_test_util.h"

#include "meshplane/model/json.h"

namespace meshplane::server {
namespace {

model::Domain FullDomain() {
  model::Domain d;
  d.id = "sales";
  d.uid = "3f1c0c7e-2a5b-4c1e-9c44-0b1d2e3f4a5b";
  d.display_name = "Sales 'n' \"Orders\"; DROP TABLE domains; --";
  d.description = "Ünïcode ✓ and \\backslashes\\";
  d.parent_id = "commerce";
  d.owner_team_id = "checkout";
  d.labels = {{"cost-center", "42"}, {"tier", "gold"}};
  d.create_time = T(1767225600, 123456789);
  d.update_time = T(1767225700, 1);
  d.revision = 7;
  return d;
}

TEST(CodecTest, DomainRoundTripsThroughProto) {
  model::Domain d = FullDomain();
  v1::Domain proto = EncodeDomain(d);
  EXPECT_EQ(proto.name(), "domains/sales");
  EXPECT_EQ(proto.parent(), "domains/commerce");
  EXPECT_EQ(proto.owner_team(), "teams/checkout");
  EXPECT_EQ(proto.etag(), model::Etag(7));
  ASSERT_OK_AND_ASSIGN(model::Domain back, DecodeDomain(proto, "domain"));
  // The revision travels only as the opaque etag, handed to core as is.
  back.revision = d.revision;
  EXPECT_EQ(model::ToJson(back), model::ToJson(d));
}

TEST(CodecTest, TopLevelDomainHasNoParent) {
  model::Domain d = FullDomain();
  d.parent_id.clear();
  v1::Domain proto = EncodeDomain(d);
  EXPECT_EQ(proto.parent(), "");
  ASSERT_OK_AND_ASSIGN(model::Domain back, DecodeDomain(proto, "domain"));
  EXPECT_EQ(back.parent_id, "");
}

TEST(CodecTest, DomainProtoRoundTripsThroughModel) {
  v1::Domain proto;
  proto.set_name("domains/sales");
  proto.set_uid("u");
  proto.set_display_name("Sales");
  proto.set_description("d");
  proto.set_parent("domains/commerce");
  proto.set_owner_team("teams/checkout");
  (*proto.mutable_labels())["k"] = "v";
  proto.mutable_create_time()->set_seconds(-1);  // before 1970
  proto.mutable_create_time()->set_nanos(999999999);
  proto.mutable_update_time()->set_seconds(0);  // exactly the epoch
  ASSERT_OK_AND_ASSIGN(model::Domain d, DecodeDomain(proto, "domain"));
  v1::Domain back = EncodeDomain(d);
  EXPECT_TRUE(MessageDifferencer::Equals(back, proto))
      << back.DebugString() << "\nvs\n"
      << proto.DebugString();
}

TEST(CodecTest, UnsetTimesStayUnset) {
  model::Domain d;
  d.id = "x";
  v1::Domain proto = EncodeDomain(d);
  EXPECT_FALSE(proto.has_create_time());
  EXPECT_FALSE(proto.has_update_time());
  EXPECT_EQ(proto.etag(), "");
}

TEST(CodecTest, DomainDecodeNamesParentAndOwnerTeam) {
  v1::Domain proto;
  proto.set_name("domains/ok");
  proto.set_parent("domains/");
  proto.set_owner_team("teams/Checkout");
  auto decoded = DecodeDomain(proto, "domain");
  ASSERT_THAT(decoded, StatusIs(absl::StatusCode::kInvalidArgument));
  auto violations = GetFieldViolations(decoded.status());
  ASSERT_THAT(violations,
              UnorderedElementsAre(ViolationOf("domain.parent"),
                                   ViolationOf("domain.owner_team")));
  for (const auto& v : violations) {
    // The description does not repeat the path.
    EXPECT_THAT(v.description, ::testing::Not(HasSubstr(v.field + ":")));
  }
}

}  // namespace
}  // namespace meshplane::server
