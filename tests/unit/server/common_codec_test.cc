#include "server/common_codec.h"

#include "server/data_product_codec.h"
#include "server/domain_codec.h"
#include "server/identity_codec.h"
#include "server/team_codec.h"
#include "tests/unit/server/codec_test_util.h"

namespace meshplane::server {
namespace {

// --- errors name the field ---

TEST(CodecTest, NameHelpersCarryFieldViolations) {
  auto id = DomainIdFromName("name", "teams/x");
  ASSERT_THAT(id, StatusIs(absl::StatusCode::kInvalidArgument, "name"));
  EXPECT_THAT(GetFieldViolations(id.status()),
              ElementsAre(ViolationOf("name")));
  EXPECT_THAT(ProductKeyFromName("name", "domains/a/dataProducts/b"), IsOk());
  EXPECT_THAT(TeamIdFromName("team", "teams/a-"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(TokenIdFromName("name", "tokens/abc"), IsOk());
}

// --- update masks (AIP-134) ---

TEST(CodecTest, ImpliedUpdateMaskIsTheSetFields) {
  v1::DataProduct p;
  p.set_name("domains/a/dataProducts/b");  // not updatable: not in the mask
  p.set_etag("3");
  p.set_description("new");
  p.set_tier(2);
  p.add_tags("x");
  (*p.mutable_labels())["k"] = "v";
  p.mutable_sunset_time();
  ASSERT_OK_AND_ASSIGN(core::FieldMask mask,
                       ResolveUpdateMask({}, p, DataProductUpdatableFields()));
  EXPECT_THAT(mask.paths, ElementsAre("description", "tier", "tags", "labels",
                                      "sunset_time"));
}

TEST(CodecTest, ExplicitUpdateMaskIsKeptAndCanClearFields) {
  v1::Domain d;  // nothing set: the mask clears description
  google::protobuf::FieldMask mask;
  mask.add_paths("labels");
  mask.add_paths("description");
  mask.add_paths("labels");
  ASSERT_OK_AND_ASSIGN(core::FieldMask out,
                       ResolveUpdateMask(mask, d, DomainUpdatableFields()));
  EXPECT_THAT(out.paths, ElementsAre("description", "labels"));
}

TEST(CodecTest, StarMaskMeansEveryUpdatableField) {
  google::protobuf::FieldMask mask;
  mask.add_paths("*");
  ASSERT_OK_AND_ASSIGN(
      core::FieldMask out,
      ResolveUpdateMask(mask, v1::Team(), TeamUpdatableFields()));
  EXPECT_EQ(out.paths, TeamUpdatableFields());
}

TEST(CodecTest, UnknownMaskPathsAreNamed) {
  google::protobuf::FieldMask mask;
  mask.add_paths("display_name");
  mask.add_paths("etag");
  mask.add_paths("nope");
  auto out = ResolveUpdateMask(mask, v1::Domain(), DomainUpdatableFields());
  ASSERT_THAT(out, StatusIs(absl::StatusCode::kInvalidArgument, "etag"));
  EXPECT_THAT(GetFieldViolations(out.status()),
              ElementsAre(ViolationOf("update_mask.paths[1]"),
                          ViolationOf("update_mask.paths[2]")));
}

// --- shared request checks ---

TEST(CodecTest, NulCharactersAreFoundAtAnyDepth) {
  v1::UpdateDataProductRequest r;
  r.mutable_data_product()->set_description(std::string("a\0b", 3));
  r.mutable_data_product()->add_tags("ok");
  r.mutable_data_product()->add_tags(std::string("\0", 1));
  (*r.mutable_data_product()->mutable_labels())["k"] = std::string("v\0", 2);
  r.mutable_data_product()->add_output_ports()->set_location(
      std::string("x\0", 2));
  Violations v;
  CheckNoNulCharacters(r, v);
  auto fields = GetFieldViolations(v.ToStatus());
  EXPECT_THAT(fields,
              UnorderedElementsAre(
                  ViolationOf("data_product.description"),
                  ViolationOf("data_product.tags[1]"),
                  ViolationOf("data_product.labels[\"k\"]"),
                  ViolationOf("data_product.output_ports[0].location")));
}

TEST(CodecTest, CleanRequestsPassTheNulCheck) {
  v1::CreateDomainRequest r;
  r.set_domain_id("x");
  r.mutable_domain()->set_description("quotes ' \" ; -- /* */ \\ ✓");
  Violations v;
  CheckNoNulCharacters(r, v);
  EXPECT_TRUE(v.empty());
}

TEST(CodecTest, NegativePageSizeIsRefused) {
  EXPECT_THAT(MakeListQuery(-1, "", ""),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_size"));
  ASSERT_OK_AND_ASSIGN(core::ListQuery q, MakeListQuery(5000, "tok", "f"));
  EXPECT_EQ(q.page_size, 5000);  // core coerces down (AIP-158)
  EXPECT_EQ(q.page_token, "tok");
  EXPECT_EQ(q.filter, "f");
}

// --- scalars ---

TEST(CodecTest, TimestampsOutOfRangeAreViolations) {
  Violations v;
  google::protobuf::Timestamp ts;
  ts.set_seconds(0);
  ts.set_nanos(-1);
  DecodeTime(ts, "x.time", v);
  ts.set_seconds(253402300800);  // year 10000
  ts.set_nanos(0);
  DecodeTime(ts, "y.time", v);
  EXPECT_THAT(GetFieldViolations(v.ToStatus()),
              ElementsAre(ViolationOf("x.time"), ViolationOf("y.time")));
}

TEST(CodecTest, DurationsRoundTrip) {
  for (absl::Duration d :
       {absl::ZeroDuration(), absl::Nanoseconds(1),
        absl::Seconds(-3) - absl::Nanoseconds(5), absl::Hours(24 * 365)}) {
    google::protobuf::Duration proto;
    EncodeDuration(d, &proto);
    Violations v;
    EXPECT_EQ(DecodeDuration(proto, "d", v), d);
    EXPECT_TRUE(v.empty());
  }
}

}  // namespace
}  // namespace meshplane::server
