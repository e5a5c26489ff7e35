#include "server/codec.h"

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

MATCHER_P(ViolationOf, field, "a field violation of " + std::string(field)) {
  return arg.field == field;
}

absl::Time T(int64_t seconds, int64_t nanos = 0) {
  return absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
}

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

model::DataProduct FullProduct() {
  model::DataProduct p;
  p.domain_id = "sales";
  p.id = "orders";
  p.uid = "0b1d2e3f-4a5b-4c1e-9c44-3f1c0c7e2a5b";
  p.display_name = "Orders";
  p.description = "Every order";
  p.owner_team_id = "checkout";
  p.lifecycle = model::Lifecycle::kDeprecated;
  p.tier = 1;
  p.classification = model::Classification::kConfidential;
  p.tags = {"finance", "pii"};
  p.labels = {{"a", "b"}};
  model::OutputPort out;
  out.id = "orders-v1";
  out.display_name = "Orders v1";
  out.type = "table";
  out.server = "postgres://warehouse:5432/sales";
  out.location = "sales.orders";
  out.description = "one row per order";
  out.contract_id = "53581432-6c55-4ba2-a65f-72344a91553a";
  out.objectives.availability_percent = 99.9;
  out.objectives.max_staleness = absl::Minutes(5);
  out.objectives.completeness_percent = 99.0;
  out.objectives.latency = absl::Milliseconds(250);
  p.output_ports.push_back(out);
  model::OutputPort bare;
  bare.id = "orders-raw";
  p.output_ports.push_back(bare);
  model::InputPort in;
  in.id = "customers";
  in.source = {"crm", "customers", "customers-v2"};
  in.description = "who ordered";
  p.input_ports.push_back(in);
  p.sunset_time = T(1798761600);
  p.create_time = T(1767225600, 5);
  p.update_time = T(1767225601, 999999999);
  p.revision = 3;
  return p;
}

// --- model -> proto -> model ---

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

TEST(CodecTest, DataProductRoundTripsThroughProto) {
  model::DataProduct p = FullProduct();
  v1::DataProduct proto = EncodeDataProduct(p);
  EXPECT_EQ(proto.name(), "domains/sales/dataProducts/orders");
  EXPECT_EQ(proto.output_ports(0).name(),
            "domains/sales/dataProducts/orders/outputPorts/orders-v1");
  EXPECT_EQ(proto.input_ports(0).source(),
            "domains/crm/dataProducts/customers/outputPorts/customers-v2");
  EXPECT_EQ(proto.lifecycle(), v1::LIFECYCLE_DEPRECATED);
  EXPECT_EQ(proto.classification(), v1::CLASSIFICATION_CONFIDENTIAL);
  EXPECT_FALSE(proto.output_ports(1).has_objectives());
  ASSERT_OK_AND_ASSIGN(model::DataProduct back,
                       DecodeDataProduct(proto, "data_product"));
  back.revision = p.revision;
  EXPECT_EQ(model::ToJson(back), model::ToJson(p));
}

TEST(CodecTest, EveryLifecycleAndClassificationRoundTrips) {
  for (auto l : {model::Lifecycle::kDraft, model::Lifecycle::kPublished,
                 model::Lifecycle::kDeprecated, model::Lifecycle::kRetired}) {
    for (auto c :
         {model::Classification::kUnspecified, model::Classification::kPublic,
          model::Classification::kInternal,
          model::Classification::kConfidential,
          model::Classification::kRestricted}) {
      model::DataProduct p = FullProduct();
      p.lifecycle = l;
      p.classification = c;
      ASSERT_OK_AND_ASSIGN(model::DataProduct back,
                           DecodeDataProduct(EncodeDataProduct(p), "p"));
      EXPECT_EQ(back.lifecycle, l);
      EXPECT_EQ(back.classification, c);
    }
  }
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

// --- proto -> model -> proto ---

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

TEST(CodecTest, DataProductProtoRoundTripsThroughModel) {
  v1::DataProduct proto = EncodeDataProduct(FullProduct());
  proto.clear_etag();
  ASSERT_OK_AND_ASSIGN(model::DataProduct p,
                       DecodeDataProduct(proto, "data_product"));
  v1::DataProduct back = EncodeDataProduct(p);
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

// --- errors name the field ---

TEST(CodecTest, DataProductDecodeReportsEveryBadFieldWithItsPath) {
  v1::DataProduct proto;
  proto.set_owner_team("team/checkout");
  proto.set_lifecycle(static_cast<v1::Lifecycle>(99));
  proto.set_classification(static_cast<v1::Classification>(-3));
  proto.add_input_ports()->set_source(
      "domains/crm/dataProducts/customers/outputPorts/customers-v2");
  proto.add_input_ports()->set_source(
      "domains/Crm/dataProducts/x/outputPorts/y");
  proto.add_input_ports();  // no source
  proto.add_output_ports()
      ->mutable_objectives()
      ->mutable_latency()
      ->set_seconds(-5);
  proto.mutable_output_ports(0)
      ->mutable_objectives()
      ->mutable_latency()
      ->set_nanos(7);
  proto.mutable_sunset_time()->set_seconds(300000000000);
  auto decoded = DecodeDataProduct(proto, "data_product");
  ASSERT_THAT(decoded, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      GetFieldViolations(decoded.status()),
      UnorderedElementsAre(ViolationOf("data_product.owner_team"),
                           ViolationOf("data_product.lifecycle"),
                           ViolationOf("data_product.classification"),
                           ViolationOf("data_product.input_ports[1].source"),
                           ViolationOf("data_product.input_ports[2].source"),
                           ViolationOf("data_product.output_ports[0]."
                                       "objectives.latency"),
                           ViolationOf("data_product.sunset_time")));
  // The message names the field and quotes the value.
  EXPECT_THAT(std::string(decoded.status().message()),
              HasSubstr("data_product.owner_team"));
  EXPECT_THAT(std::string(decoded.status().message()),
              HasSubstr("\"team/checkout\""));
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

TEST(CodecTest, AuditRecordImagesBecomeStructs) {
  model::AuditRecord r;
  r.sequence = 12;
  r.time = T(1767225600);
  r.principal = "user:admin";
  r.method = "meshplane.v1.DomainService/UpdateDomain";
  r.resource = "domains/sales";
  r.request_id = "7d1f";
  r.before_json = R"({"name":"domains/sales","labels":{"a":"b"}})";
  r.after_json = R"({"name":"domains/sales","labels":{}})";
  r.outcome_code = 0;
  r.validate_only = true;
  ASSERT_OK_AND_ASSIGN(v1::AuditRecord out, EncodeAuditRecord(r));
  EXPECT_EQ(out.sequence(), 12);
  EXPECT_EQ(out.before().fields().at("name").string_value(), "domains/sales");
  EXPECT_TRUE(out.has_after());
  EXPECT_FALSE(out.has_decision());
  EXPECT_TRUE(out.validate_only());

  r.after_json = "not json";
  EXPECT_THAT(EncodeAuditRecord(r), StatusIs(absl::StatusCode::kInternal));
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
