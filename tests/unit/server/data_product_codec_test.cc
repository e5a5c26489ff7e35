#include "server/data_product_codec.h"

#include "tests/unit/server/codec_test_util.h"

#include "meshplane/model/json.h"

namespace meshplane::server {
namespace {

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

}  // namespace
}  // namespace meshplane::server
