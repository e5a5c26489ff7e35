#include "cli/descriptor.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshplane::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

namespace v1 = ::meshplane::v1;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string TestData(const std::string& env, const std::string& file) {
  const char* dir = std::getenv(env.c_str());
  return std::string(dir == nullptr ? "." : dir) + "/" + file;
}

std::vector<std::string> ErrorStrings(const ParseResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.ToString());
  return out;
}

constexpr char kProduct[] = R"(apiVersion: meshplane.dev/v1
kind: DataProduct
metadata:
  name: orders
  domain: sales
  labels: {source: shop}
spec:
  displayName: Orders
  description: All orders.
  ownerTeam: sales-eng
  tier: 1
  classification: confidential
  lifecycle: published
  tags: [orders, core]
  outputPorts:
    - id: orders-v1
      type: table
      server: postgres://wh:5432/sales
      location: sales.orders
      description: Order lines.
      contract: orders-v1
      objectives:
        availabilityPercent: 99.9
        maxStaleness: 1h
        completenessPercent: 99.5
        latency: 250ms
  inputPorts:
    - id: raw
      source: domains/shop/dataProducts/raw/outputPorts/raw-v1
      description: Raw events.
)";

TEST(MeshplaneDescriptorTest, ParsesADataProduct) {
  ParseResult r = ParseDescriptors(kProduct, "orders.yaml", {});
  ASSERT_THAT(r.errors, IsEmpty()) << ErrorStrings(r)[0];
  ASSERT_THAT(r.descriptors, SizeIs(1));
  const Descriptor& d = r.descriptors[0];
  EXPECT_EQ(d.kind, DescriptorKind::kDataProduct);
  EXPECT_EQ(d.format, DescriptorFormat::kMeshplane);
  EXPECT_EQ(d.Ref(), "dataProduct/sales/orders");
  EXPECT_EQ(d.location, "orders.yaml:1");
  EXPECT_EQ(d.lifecycle, v1::LIFECYCLE_PUBLISHED);
  const v1::DataProduct& p = d.data_product;
  EXPECT_EQ(p.name(), "domains/sales/dataProducts/orders");
  EXPECT_EQ(p.display_name(), "Orders");
  EXPECT_EQ(p.owner_team(), "teams/sales-eng");
  EXPECT_EQ(p.tier(), 1);
  EXPECT_EQ(p.classification(), v1::CLASSIFICATION_CONFIDENTIAL);
  EXPECT_THAT(p.tags(), ElementsAre("orders", "core"));
  EXPECT_EQ(p.labels().at("source"), "shop");
  ASSERT_EQ(p.output_ports_size(), 1);
  const v1::OutputPort& out = p.output_ports(0);
  EXPECT_EQ(out.id(), "orders-v1");
  EXPECT_EQ(out.server(), "postgres://wh:5432/sales");
  EXPECT_EQ(out.contract(), "orders-v1");
  EXPECT_DOUBLE_EQ(out.objectives().availability_percent(), 99.9);
  EXPECT_EQ(out.objectives().max_staleness().seconds(), 3600);
  EXPECT_EQ(out.objectives().latency().nanos(), 250000000);
  EXPECT_DOUBLE_EQ(out.objectives().completeness_percent(), 99.5);
  ASSERT_EQ(p.input_ports_size(), 1);
  EXPECT_EQ(p.input_ports(0).source(),
            "domains/shop/dataProducts/raw/outputPorts/raw-v1");
  EXPECT_THAT(d.update_mask,
              ElementsAre("display_name", "description", "owner_team", "tier",
                          "classification", "tags", "labels", "output_ports",
                          "input_ports"));
}

TEST(MeshplaneDescriptorTest, ParsesTeamsAndDomains) {
  ParseResult r = ParseDescriptors(R"(apiVersion: meshplane.dev/v1
kind: Team
metadata: {name: sales-eng}
spec:
  displayName: Sales engineering
  members: [user:ana@example.com, service:orders-ci]
---
apiVersion: meshplane.dev/v1
kind: Domain
metadata:
  name: sales-emea
  labels: {a: "1"}
spec:
  parent: sales
  ownerTeam: teams/sales-eng
  displayName: Sales EMEA
  labels: {region: emea}
---
# an empty document is skipped
)",
                                   "mesh.yaml", {});
  ASSERT_THAT(r.errors, IsEmpty()) << ErrorStrings(r)[0];
  ASSERT_THAT(r.descriptors, SizeIs(2));
  const Descriptor& team = r.descriptors[0];
  EXPECT_EQ(team.kind, DescriptorKind::kTeam);
  EXPECT_EQ(team.team.name(), "teams/sales-eng");
  EXPECT_THAT(team.team.members(),
              ElementsAre("user:ana@example.com", "service:orders-ci"));
  EXPECT_THAT(team.update_mask,
              ElementsAre("display_name", "description", "members"));
  const Descriptor& domain = r.descriptors[1];
  EXPECT_EQ(domain.kind, DescriptorKind::kDomain);
  EXPECT_EQ(domain.location, "mesh.yaml:8");
  EXPECT_EQ(domain.domain.name(), "domains/sales-emea");
  EXPECT_EQ(domain.domain.parent(), "domains/sales");
  EXPECT_EQ(domain.domain.owner_team(), "teams/sales-eng");
  EXPECT_EQ(domain.domain.labels().at("a"), "1");
  EXPECT_EQ(domain.domain.labels().at("region"), "emea");
}

TEST(MeshplaneDescriptorTest, TeamWithoutMembersLeavesMembershipAlone) {
  ParseResult r = ParseDescriptors(
      "apiVersion: meshplane.dev/v1\nkind: Team\nmetadata: {name: t}\n", "f",
      {});
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.descriptors[0].update_mask,
              ElementsAre("display_name", "description"));
}

TEST(MeshplaneDescriptorTest, ErrorsNamePathLineAndColumn) {
  ParseResult r = ParseDescriptors(R"(apiVersion: meshplane.dev/v1
kind: DataProduct
metadata:
  name: Orders V1
  domain: sales
spec:
  ownerTeam: sales-eng
  tier: high
  classification: secret
  colour: blue
  outputPorts:
    - id: ok-port
      objectives:
        maxStaleness: 1 hour
    - type: table
  inputPorts:
    - id: in
      source: sales/orders
)",
                                   "bad.yaml", {});
  EXPECT_THAT(r.descriptors, IsEmpty());
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(
          HasSubstr("bad.yaml:4:9: metadata.name: \"Orders V1\" is not a "
                    "valid id"),
          HasSubstr("bad.yaml:10:3: spec.colour: unknown field"),
          HasSubstr("bad.yaml:8:9: spec.tier: expected an integer"),
          HasSubstr("bad.yaml:9:19: spec.classification: \"secret\" is not a "
                    "classification"),
          HasSubstr("bad.yaml:14:23: spec.outputPorts[0].objectives."
                    "maxStaleness: \"1 hour\" is not a duration"),
          HasSubstr("bad.yaml:15:7: spec.outputPorts[1].id: required field is "
                    "missing"),
          HasSubstr("bad.yaml:18:15: spec.inputPorts[0].source: "
                    "\"sales/orders\" is not an output port name")));
}

TEST(MeshplaneDescriptorTest, MissingKindSpecAndUnknownKind) {
  ParseResult r = ParseDescriptors(R"(apiVersion: meshplane.dev/v1
kind: Domain
metadata: {name: sales}
---
apiVersion: meshplane.dev/v1
kind: Gadget
metadata: {name: g}
---
apiVersion: example.com/v9
kind: Domain
)",
                                   "m.yaml", {});
  EXPECT_THAT(r.descriptors, IsEmpty());
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(HasSubstr("m.yaml:1:1: spec: required field is "
                            "missing"),
                  HasSubstr("m.yaml:6:7: kind: unknown kind \"Gadget\""),
                  HasSubstr("m.yaml:9:13: apiVersion: unsupported "
                            "apiVersion \"example.com/v9\"")));
}

TEST(MeshplaneDescriptorTest, YamlSyntaxErrorNamesLineAndColumn) {
  ParseResult r = ParseDescriptors(
      "apiVersion: meshplane.dev/v1\nkind: [Team\n", "broken.yaml", {});
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_THAT(r.errors[0].ToString(),
              ::testing::MatchesRegex("broken\\.yaml:[0-9]+:[0-9]+: invalid "
                                      "YAML: .*"));
}

TEST(MeshplaneDescriptorTest, DefaultsFillDomainAndOwner) {
  ParseResult r = ParseDescriptors(R"(apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: p}
spec: {}
)",
                                   "f", {"sales", "sales-eng"});
  ASSERT_THAT(r.errors, IsEmpty()) << ErrorStrings(r)[0];
  EXPECT_EQ(r.descriptors[0].data_product.name(),
            "domains/sales/dataProducts/p");
  EXPECT_EQ(r.descriptors[0].data_product.owner_team(), "teams/sales-eng");
}

TEST(OdpsDescriptorTest, CustomerExampleMapsOntoADataProduct) {
  std::string path =
      TestData("MESHPLANE_ODPS_TESTDATA", "customer-data-product.odps.yaml");
  ParseResult r = ParseDescriptors(ReadFile(path), "customer.yaml", {});
  ASSERT_THAT(r.errors, IsEmpty()) << ErrorStrings(r)[0];
  ASSERT_THAT(r.descriptors, SizeIs(1));
  const Descriptor& d = r.descriptors[0];
  EXPECT_EQ(d.format, DescriptorFormat::kOdps);
  const v1::DataProduct& p = d.data_product;
  EXPECT_EQ(p.name(), "domains/seller/dataProducts/customer-data-product");
  EXPECT_EQ(p.display_name(), "Customer Data Product");
  EXPECT_EQ(p.owner_team(), "teams/data-team");
  EXPECT_EQ(d.lifecycle, v1::LIFECYCLE_DRAFT);
  EXPECT_THAT(p.description(), HasSubstr("Enterprise view of a customer."));
  EXPECT_THAT(p.description(), HasSubstr("Limitations: No known limitations."));
  EXPECT_THAT(p.tags(), ElementsAre("customer"));
  EXPECT_EQ(p.labels().at("odps-id"), "fbe8d147-28db-4f1d-bedf-a3fe9f458427");
  EXPECT_EQ(p.labels().at("odps-tenant"), "RetailCorp");
  // Ports with the same name differ by version (ODPS keys them by both).
  ASSERT_EQ(p.output_ports_size(), 4);
  EXPECT_EQ(p.output_ports(0).id(), "rawtransactions-v1-0-0");
  EXPECT_EQ(p.output_ports(1).id(), "rawtransactions-v2-0-0");
  EXPECT_EQ(p.output_ports(1).contract(),
            "c2798941-1b7e-4b03-9e0d-955b1a872b33");
  EXPECT_EQ(p.output_ports(1).display_name(), "rawtransactions 2.0.0");
  EXPECT_EQ(p.output_ports(2).id(), "consolidatedtransactions");
  EXPECT_EQ(p.output_ports(2).type(), "tables");
  // Input ports name contracts; apply resolves them.
  EXPECT_EQ(p.input_ports_size(), 0);
  ASSERT_THAT(d.contract_inputs, SizeIs(4));
  EXPECT_EQ(d.contract_inputs[0].port_id, "payments-v1-0-0");
  EXPECT_EQ(d.contract_inputs[0].contract_id,
            "dbb7b1eb-7628-436e-8914-2a00638ba6db");
  EXPECT_THAT(d.contract_inputs[0].location, HasSubstr("customer.yaml:18:"));
  EXPECT_THAT(d.update_mask,
              ElementsAre("display_name", "description", "owner_team", "tags",
                          "labels", "output_ports", "input_ports"));
}

TEST(OdpsDescriptorTest, SimpleExampleNeedsDomainAndTeamFromFlags) {
  std::string text = ReadFile(
      TestData("MESHPLANE_ODPS_TESTDATA", "simple-data-product.odps.yaml"));
  ParseResult without = ParseDescriptors(text, "simple.yaml", {});
  EXPECT_THAT(without.descriptors, IsEmpty());
  EXPECT_THAT(ErrorStrings(without),
              ElementsAre(HasSubstr("simple.yaml:1:1: domain: required field "
                                    "is missing")));

  ParseResult no_team = ParseDescriptors(text, "simple.yaml", {"lab", ""});
  EXPECT_THAT(ErrorStrings(no_team),
              ElementsAre(HasSubstr("simple.yaml:1:1: team.name: required")));

  ParseResult with = ParseDescriptors(text, "simple.yaml", {"lab", "testers"});
  ASSERT_THAT(with.errors, IsEmpty()) << ErrorStrings(with)[0];
  const Descriptor& d = with.descriptors[0];
  EXPECT_EQ(d.data_product.name(),
            "domains/lab/dataProducts/simple-data-product");
  EXPECT_EQ(d.data_product.owner_team(), "teams/testers");
  EXPECT_EQ(d.lifecycle, v1::LIFECYCLE_PUBLISHED);  // status: active
  EXPECT_EQ(d.data_product.labels().at("odps-version"), "v1.0.0");
  EXPECT_THAT(d.data_product.tags(), ElementsAre("simple", "test"));
  EXPECT_EQ(d.data_product.output_ports(0).id(), "processed-data");
}

TEST(OdpsDescriptorTest, UnknownAndMissingFieldsAreErrorsWithPaths) {
  ParseResult r = ParseDescriptors(R"(apiVersion: v1.0.0
kind: DataProduct
name: Broken
domain: sales
team: {name: sales-eng}
owner: somebody
outputPorts:
  - name: out
    contractId: abc
    colour: red
inputPorts:
  - name: in
    version: 1.0.0
description:
  purpose: x
  summary: y
)",
                                   "odps.yaml", {});
  EXPECT_THAT(r.descriptors, IsEmpty());
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(
          HasSubstr("odps.yaml:6:1: owner: unknown field"),
          HasSubstr("odps.yaml:1:1: id: required field is missing"),
          HasSubstr("odps.yaml:1:1: status: required field is missing"),
          HasSubstr("odps.yaml:16:3: description.summary: unknown field"),
          HasSubstr("odps.yaml:12:5: inputPorts[0].contractId: required"),
          HasSubstr("odps.yaml:10:5: outputPorts[0].colour: unknown field"),
          HasSubstr("odps.yaml:8:5: outputPorts[0].version: required")));
}

TEST(OdpsDescriptorTest, UnknownStatusIsAnError) {
  ParseResult r = ParseDescriptors(R"(apiVersion: v1.0.0
kind: DataProduct
id: p1
status: sleeping
domain: d
team: {name: t}
)",
                                   "s.yaml", {});
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(HasSubstr("s.yaml:4:9: status: \"sleeping\"")));
}

TEST(OrderForApplyTest, TeamsThenDomainsParentsFirstThenSourcesFirst) {
  ParseResult r = ParseDescriptors(R"(apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: consumer, domain: b}
spec:
  ownerTeam: t
  inputPorts:
    - {id: in, source: domains/a/dataProducts/source/outputPorts/out}
---
apiVersion: meshplane.dev/v1
kind: Domain
metadata: {name: child}
spec: {parent: parent, ownerTeam: t}
---
apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: source, domain: a}
spec:
  ownerTeam: t
  outputPorts: [{id: out, contract: c-1}]
---
apiVersion: meshplane.dev/v1
kind: Domain
metadata: {name: parent}
spec: {ownerTeam: t}
---
apiVersion: meshplane.dev/v1
kind: Team
metadata: {name: t}
---
apiVersion: v1.0.0
kind: DataProduct
id: odps-reader
name: Reader
status: draft
domain: b
team: {name: t}
inputPorts: [{name: in, version: "1", contractId: c-1}]
)",
                                   "o.yaml", {});
  ASSERT_THAT(r.errors, IsEmpty()) << ErrorStrings(r)[0];
  std::vector<std::string> refs;
  for (const Descriptor& d : OrderForApply(r.descriptors)) {
    refs.push_back(d.Ref());
  }
  EXPECT_THAT(refs,
              ElementsAre("team/t", "domain/parent", "domain/child",
                          "dataProduct/a/source", "dataProduct/b/consumer",
                          "dataProduct/b/reader"));
}

TEST(ExamplesTest, DescriptorExamplesParseCleanly) {
  for (const char* file :
       {"descriptors/refunds.yaml", "descriptors/customer.odps.yaml"}) {
    std::string text = ReadFile(TestData("MESHPLANE_EXAMPLES", file));
    ASSERT_FALSE(text.empty()) << file;
    ParseResult r = ParseDescriptors(text, file, {});
    EXPECT_THAT(r.errors, IsEmpty()) << ErrorStrings(r)[0];
    EXPECT_THAT(r.descriptors, SizeIs(1)) << file;
  }
}

TEST(DemoMeshTest, ParsesCleanlyAndOrdersLineage) {
  std::string path = TestData("MESHPLANE_EXAMPLES", "demo/mesh.yaml");
  std::string text = ReadFile(path);
  ASSERT_FALSE(text.empty()) << path;
  ParseResult r = ParseDescriptors(text, "mesh.yaml", {});
  ASSERT_THAT(r.errors, IsEmpty()) << ErrorStrings(r)[0];
  int teams = 0, domains = 0, products = 0, inputs = 0;
  for (const Descriptor& d : r.descriptors) {
    teams += d.kind == DescriptorKind::kTeam;
    domains += d.kind == DescriptorKind::kDomain;
    products += d.kind == DescriptorKind::kDataProduct;
    inputs += d.data_product.input_ports_size();
  }
  EXPECT_EQ(teams, 4);
  EXPECT_EQ(domains, 4);
  EXPECT_EQ(products, 6);
  EXPECT_GE(inputs, 5);
}

}  // namespace
}  // namespace meshplane::cli
