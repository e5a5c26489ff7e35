#include "cli/output.h"

#include <sstream>

#include "absl/strings/numbers.h"
#include "cli/render.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include <nlohmann/json.hpp>

#include "meshplane/contract/yaml.h"
#include "meshplane/v1/data_product.pb.h"
#include "meshplane/v1/domain.pb.h"

namespace meshplane::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The first document of `text`, read back with the one YAML reader.
contract::YamlStream ReadBack(const std::string& text) {
  absl::StatusOr<contract::YamlStream> docs = contract::ReadYaml(text);
  EXPECT_TRUE(docs.ok()) << docs.status();
  return docs.ok() ? *std::move(docs) : *contract::ReadYaml("");
}

int AsInt(contract::YamlNode node) {
  int value = -1;
  EXPECT_TRUE(absl::SimpleAtoi(node.Scalar(), &value)) << node.Scalar();
  return value;
}

double AsDouble(contract::YamlNode node) {
  double value = -1;
  EXPECT_TRUE(absl::SimpleAtod(node.Scalar(), &value)) << node.Scalar();
  return value;
}

TEST(FormatTest, Parse) {
  EXPECT_EQ(*ParseFormat("table"), Format::kTable);
  EXPECT_EQ(*ParseFormat("json"), Format::kJson);
  EXPECT_EQ(*ParseFormat("yaml"), Format::kYaml);
  EXPECT_FALSE(ParseFormat("xml").ok());
}

TEST(TableTest, AlignsColumnsAndMarksEmptyCells) {
  Table table({"ID", "OWNER", "NAME"});
  table.AddRow({"sales", "sales-eng", "Sales"});
  table.AddRow({"hr", "", "People"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(),
            "ID     OWNER      NAME\n"
            "sales  sales-eng  Sales\n"
            "hr     -          People\n");
}

TEST(DetailsTest, PadsKeys) {
  Details d;
  d.Add("Name", "domains/sales");
  d.Add("Owner team", "");
  std::ostringstream out;
  d.Print(out);
  EXPECT_EQ(out.str(), "Name:       domains/sales\nOwner team: -\n");
}

TEST(DetailsTest, IndentsContinuationLines) {
  Details d;
  d.Add("Description", "first\nsecond");
  std::ostringstream out;
  d.Print(out);
  EXPECT_EQ(out.str(), "Description: first\n             second\n");
}

meshplane::v1::DataProduct SampleProduct() {
  meshplane::v1::DataProduct p;
  p.set_name("domains/sales/dataProducts/orders");
  p.set_display_name("Orders");
  p.set_owner_team("teams/sales-eng");
  p.set_lifecycle(meshplane::v1::LIFECYCLE_PUBLISHED);
  p.set_tier(1);
  p.set_classification(meshplane::v1::CLASSIFICATION_CONFIDENTIAL);
  p.add_tags("core");
  p.add_tags("orders");
  (*p.mutable_labels())["version"] = "1.0";
  (*p.mutable_labels())["flag"] = "true";
  auto* port = p.add_output_ports();
  port->set_id("orders-v1");
  port->set_type("table");
  port->mutable_objectives()->set_availability_percent(99.9);
  port->mutable_objectives()->mutable_max_staleness()->set_seconds(3600);
  auto* in = p.add_input_ports();
  in->set_id("raw");
  in->set_source("domains/shop/dataProducts/raw/outputPorts/raw-v1");
  p.mutable_create_time()->set_seconds(1798675200);
  return p;
}

TEST(JsonTest, UsesProtoFieldNames) {
  std::string json = MessageToJson(SampleProduct());
  auto parsed = nlohmann::json::parse(json);
  EXPECT_EQ(parsed["owner_team"], "teams/sales-eng");
  EXPECT_EQ(parsed["display_name"], "Orders");
  EXPECT_EQ(parsed["lifecycle"], "LIFECYCLE_PUBLISHED");
  EXPECT_EQ(parsed["output_ports"][0]["objectives"]["max_staleness"], "3600s");
  EXPECT_EQ(parsed["create_time"], "2026-12-31T00:00:00Z");
  EXPECT_THAT(json, Not(HasSubstr("ownerTeam")));
  // Empty fields are printed too, so that scripts can rely on them.
  EXPECT_EQ(parsed["etag"], "");
  EXPECT_TRUE(parsed["warnings"].is_array());
}

TEST(YamlTest, RoundTripsTheJsonValues) {
  std::string json = MessageToJson(SampleProduct());
  auto yaml = JsonToYaml(json);
  ASSERT_TRUE(yaml.ok());
  contract::YamlStream docs = ReadBack(*yaml);
  contract::YamlNode node = docs[0];
  EXPECT_EQ(node["owner_team"].Scalar(), "teams/sales-eng");
  EXPECT_EQ(AsInt(node["tier"]), 1);
  // Strings that look like other YAML types stay strings.
  EXPECT_EQ(node["labels"]["flag"].Tag(), "!");
  EXPECT_EQ(node["labels"]["flag"].Scalar(), "true");
  EXPECT_EQ(node["labels"]["version"].Tag(), "!");
  EXPECT_EQ(node["tags"][1].Scalar(), "orders");
  EXPECT_EQ(
      AsDouble(node["output_ports"][0]["objectives"]["availability_percent"]),
      99.9);
  // Block style, not JSON-in-YAML.
  EXPECT_THAT(*yaml, HasSubstr("owner_team: teams/sales-eng\n"));
}

TEST(YamlTest, EmptyContainersAndInvalidJson) {
  auto yaml = JsonToYaml(R"({"a": [], "b": {}, "c": null, "d": ""})");
  ASSERT_TRUE(yaml.ok());
  contract::YamlStream docs = ReadBack(*yaml);
  contract::YamlNode node = docs[0];
  EXPECT_EQ(node["a"].size(), 0u);
  EXPECT_TRUE(node["b"].IsMap());
  EXPECT_TRUE(node["c"].IsNull());
  EXPECT_TRUE(node["d"].IsScalar());
  EXPECT_EQ(node["d"].Scalar(), "");
  EXPECT_FALSE(JsonToYaml("{not json").ok());
}

TEST(RenderTest, ProductsTable) {
  google::protobuf::RepeatedPtrField<meshplane::v1::DataProduct> products;
  *products.Add() = SampleProduct();
  std::ostringstream out;
  RenderProducts(products, out);
  EXPECT_EQ(out.str(),
            "DOMAIN  ID      LIFECYCLE  TIER  CLASSIFICATION  OWNER      "
            "PORTS       TAGS\n"
            "sales   orders  published  1     confidential    sales-eng  "
            "1 out/1 in  core,orders\n");
}

TEST(RenderTest, ProductDetailsShowPorts) {
  std::ostringstream out;
  RenderProduct(SampleProduct(), out);
  EXPECT_THAT(out.str(), HasSubstr("Lifecycle:      published\n"));
  EXPECT_THAT(out.str(), HasSubstr("Labels:         flag=true,version=1.0\n"));
  EXPECT_THAT(out.str(), HasSubstr("Output ports:\n"));
  EXPECT_THAT(out.str(), HasSubstr("orders-v1  table"));
  EXPECT_THAT(out.str(), HasSubstr("99.9%"));
  EXPECT_THAT(out.str(), HasSubstr("1h"));
  EXPECT_THAT(
      out.str(),
      HasSubstr("raw  domains/shop/dataProducts/raw/outputPorts/raw-v1"));
}

TEST(RenderTest, DomainsAndLineage) {
  google::protobuf::RepeatedPtrField<meshplane::v1::Domain> domains;
  auto* d = domains.Add();
  d->set_name("domains/sales-emea");
  d->set_parent("domains/sales");
  d->set_owner_team("teams/sales-eng");
  std::ostringstream out;
  RenderDomains(domains, out);
  EXPECT_EQ(out.str(),
            "ID          PARENT  OWNER      DISPLAY NAME  LABELS\n"
            "sales-emea  sales   sales-eng  -             -\n");

  meshplane::v1::GetLineageResponse lineage;
  *lineage.add_data_products() = SampleProduct();
  auto* edge = lineage.add_edges();
  edge->set_source("domains/sales/dataProducts/orders/outputPorts/orders-v1");
  edge->set_consumer("domains/finance/dataProducts/revenue");
  edge->set_input_port("orders");
  edge->set_depth(1);
  std::ostringstream lout;
  RenderLineage(lineage, lout);
  EXPECT_THAT(
      lout.str(),
      HasSubstr("sales/orders:orders-v1  finance/revenue  orders      1"));
}

TEST(FormatNamesTest, EnumsAndTimes) {
  EXPECT_EQ(LifecycleName(meshplane::v1::LIFECYCLE_DEPRECATED), "deprecated");
  EXPECT_EQ(LifecycleName(meshplane::v1::LIFECYCLE_UNSPECIFIED), "");
  EXPECT_EQ(ClassificationName(meshplane::v1::CLASSIFICATION_RESTRICTED),
            "restricted");
  google::protobuf::Timestamp ts;
  EXPECT_EQ(FormatTimestamp(ts), "");
  ts.set_seconds(1798675200);
  EXPECT_EQ(FormatTimestamp(ts), "2026-12-31T00:00:00Z");
}

}  // namespace
}  // namespace meshplane::cli
