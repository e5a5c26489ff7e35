#include "cli/descriptor.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/cli_test_util.h"
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

namespace meshplane::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
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

using test_util::ErrorStrings;

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
                          "input_ports", "archetype"));
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
  EXPECT_THAT(
      d.update_mask,
      ElementsAre("display_name", "description", "owner_team", "tags", "labels",
                  "output_ports", "input_ports", "archetype", "odps_document"));
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

// ---------------------------------------------------------------------------
// The writer: what `get -o yaml|json` prints reads back as the same resource.

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;

// Parses `text` and expects exactly one descriptor, without errors.
Descriptor ReadOne(const std::string& text) {
  ParseResult r = ParseDescriptors(text, "get.yaml", {});
  EXPECT_THAT(ErrorStrings(r), IsEmpty()) << text;
  EXPECT_THAT(r.descriptors, SizeIs(1)) << text;
  return r.descriptors.empty() ? Descriptor{} : r.descriptors[0];
}

// Writes `descriptor` as YAML and as JSON; both read back to one descriptor.
std::vector<Descriptor> ReadBoth(const nlohmann::json& descriptor) {
  return {ReadOne(FormatDescriptors({descriptor}, /*yaml=*/true, false)),
          ReadOne(FormatDescriptors({descriptor}, /*yaml=*/false, false))};
}

void Stamp(std::string* uid, std::string* etag,
           google::protobuf::Timestamp* create,
           google::protobuf::Timestamp* update) {
  *uid = "9f0c3c52-58f4-4d2e-9a57-2b7d0e1f6a10";
  *etag = "W/\"7\"";
  *create = TimeUtil::SecondsToTimestamp(1767225600);
  *update = TimeUtil::SecondsToTimestamp(1767312000);
}

TEST(DescriptorWriterTest, TeamReadsBackWithMembersAndStatusSkipped) {
  v1::Team team;
  team.set_name("teams/sales-eng");
  team.set_display_name("Sales engineering");
  team.set_description("Builds the order systems.\nAnd the refunds.");
  team.add_members("user:ana@example.com");
  team.add_members("service:orders-ci");
  Stamp(team.mutable_uid(), team.mutable_etag(), team.mutable_create_time(),
        team.mutable_update_time());
  nlohmann::json doc = TeamDescriptor(team);
  EXPECT_EQ(doc["status"]["etag"], "W/\"7\"");
  EXPECT_EQ(doc["status"]["updateTime"], "2026-01-02T00:00:00Z");
  for (const Descriptor& d : ReadBoth(doc)) {
    EXPECT_EQ(d.kind, DescriptorKind::kTeam);
    EXPECT_EQ(d.id, "sales-eng");
    v1::Team want = team;
    want.clear_uid();
    want.clear_etag();
    want.clear_create_time();
    want.clear_update_time();
    EXPECT_TRUE(MessageDifferencer::Equals(d.team, want))
        << d.team.DebugString();
    EXPECT_THAT(d.update_mask,
                ElementsAre("display_name", "description", "members"));
  }
  // No members is stated as such, so apply empties the list rather than
  // leaving it alone.
  team.clear_members();
  for (const Descriptor& d : ReadBoth(TeamDescriptor(team))) {
    EXPECT_THAT(d.update_mask,
                ElementsAre("display_name", "description", "members"));
    EXPECT_EQ(d.team.members_size(), 0);
  }
}

TEST(DescriptorWriterTest, DomainReadsBack) {
  v1::Domain domain;
  domain.set_name("domains/sales-emea");
  domain.set_parent("domains/sales");
  domain.set_owner_team("teams/sales-eng");
  domain.set_display_name("Sales EMEA");
  domain.set_description("Regional sales.");
  (*domain.mutable_labels())["cost-center"] = "100";
  (*domain.mutable_labels())["region"] = "true";
  Stamp(domain.mutable_uid(), domain.mutable_etag(),
        domain.mutable_create_time(), domain.mutable_update_time());
  nlohmann::json doc = DomainDescriptor(domain);
  EXPECT_EQ(doc["spec"]["parent"], "sales");
  EXPECT_EQ(doc["spec"]["ownerTeam"], "sales-eng");
  for (const Descriptor& d : ReadBoth(doc)) {
    v1::Domain want = domain;
    want.clear_uid();
    want.clear_etag();
    want.clear_create_time();
    want.clear_update_time();
    EXPECT_TRUE(MessageDifferencer::Equals(d.domain, want))
        << d.domain.DebugString();
  }
  // A top-level domain has no parent line, which apply reads as top level.
  domain.clear_parent();
  for (const Descriptor& d : ReadBoth(DomainDescriptor(domain))) {
    EXPECT_EQ(d.domain.parent(), "");
  }
}

v1::DataProduct FullProduct() {
  v1::DataProduct p;
  p.set_name("domains/sales/dataProducts/orders");
  p.set_display_name("Orders");
  p.set_description("Every order: one row per line.");
  p.set_owner_team("teams/sales-eng");
  p.set_lifecycle(v1::LIFECYCLE_DEPRECATED);
  p.set_tier(1);
  p.set_classification(v1::CLASSIFICATION_CONFIDENTIAL);
  p.add_tags("orders");
  p.add_tags("core");
  (*p.mutable_labels())["source-system"] = "shop";
  v1::OutputPort* out = p.add_output_ports();
  out->set_id("orders-v1");
  out->set_name("domains/sales/dataProducts/orders/outputPorts/orders-v1");
  out->set_display_name("Orders (table)");
  out->set_type("table");
  out->set_server("postgres://warehouse.example.com:5432/sales");
  out->set_location("sales.orders_v1");
  out->set_description("Deduplicated.");
  out->set_contract("orders-v1");
  v1::ServiceLevelObjectives* slo = out->mutable_objectives();
  slo->set_availability_percent(99.9);
  slo->set_completeness_percent(99.5);
  *slo->mutable_max_staleness() = TimeUtil::SecondsToDuration(5400);
  *slo->mutable_latency() = TimeUtil::MillisecondsToDuration(250);
  v1::OutputPort* bare = p.add_output_ports();
  bare->set_id("orders-raw");
  bare->mutable_objectives();  // declared, all empty
  v1::InputPort* in = p.add_input_ports();
  in->set_id("customers");
  in->set_source(
      "domains/sales/dataProducts/customers/outputPorts/customers-v1");
  in->set_description("To join segments.");
  Stamp(p.mutable_uid(), p.mutable_etag(), p.mutable_create_time(),
        p.mutable_update_time());
  *p.mutable_sunset_time() = TimeUtil::SecondsToTimestamp(1798761600);
  return p;
}

TEST(DescriptorWriterTest, ProductReadsBackWithPortsEnumsAndDurations) {
  v1::DataProduct product = FullProduct();
  nlohmann::json doc = ProductDescriptor(product);
  EXPECT_EQ(doc["spec"]["classification"], "confidential");
  EXPECT_EQ(doc["spec"]["lifecycle"], "deprecated");
  EXPECT_EQ(doc["spec"]["outputPorts"][0]["objectives"]["maxStaleness"],
            "1h30m");
  EXPECT_EQ(doc["status"]["outputPorts"][0]["name"],
            "domains/sales/dataProducts/orders/outputPorts/orders-v1");
  EXPECT_EQ(doc["status"]["sunsetTime"], "2027-01-01T00:00:00Z");
  EXPECT_FALSE(doc["spec"]["outputPorts"][0].contains("name"));
  for (const Descriptor& d : ReadBoth(doc)) {
    EXPECT_EQ(d.kind, DescriptorKind::kDataProduct);
    EXPECT_EQ(d.lifecycle, v1::LIFECYCLE_DEPRECATED);
    v1::DataProduct want = product;
    want.clear_uid();
    want.clear_etag();
    want.clear_create_time();
    want.clear_update_time();
    want.clear_sunset_time();
    want.clear_lifecycle();
    want.mutable_output_ports(0)->clear_name();
    EXPECT_TRUE(MessageDifferencer::Equals(d.data_product, want))
        << d.data_product.DebugString();
  }
}

TEST(DescriptorWriterTest, PolicyReadsBackWithDefaultsStated) {
  v1::Policy policy;
  policy.set_name("domains/sales/policies/tier-one-slo");
  policy.set_scope("domains/sales");
  policy.set_display_name("Tier one has objectives");
  policy.add_triggers("dataproduct.create");
  policy.add_triggers("dataproduct.update");
  policy.set_condition(
      "resource.tier != 1 ||\n  resource.output_ports.all(p, "
      "has(p.objectives))");
  policy.set_effect(v1::POLICY_EFFECT_REQUIRE_APPROVAL);
  policy.set_message("tier one products declare objectives");
  policy.set_owner("teams/governance");
  (*policy.mutable_labels())["area"] = "slo";
  policy.set_revision(3);
  Stamp(policy.mutable_uid(), policy.mutable_etag(),
        policy.mutable_create_time(), policy.mutable_update_time());
  nlohmann::json doc = PolicyDescriptor(policy);
  EXPECT_EQ(doc["metadata"]["domain"], "sales");
  EXPECT_EQ(doc["spec"]["effect"], "REQUIRE_APPROVAL");
  EXPECT_EQ(doc["spec"]["enforcement"], "ENFORCED");
  EXPECT_EQ(doc["spec"]["waivable"], true);
  EXPECT_EQ(doc["status"]["revision"], 3);
  for (const Descriptor& d : ReadBoth(doc)) {
    EXPECT_EQ(d.parent, "domains/sales");
    v1::Policy want = policy;
    want.clear_uid();
    want.clear_etag();
    want.clear_create_time();
    want.clear_update_time();
    want.clear_revision();
    want.clear_scope();
    want.set_enforcement(v1::POLICY_ENFORCEMENT_ENFORCED);
    want.set_waivable(true);
    EXPECT_TRUE(MessageDifferencer::Equals(d.policy, want))
        << d.policy.DebugString();
  }
  // A global policy: no metadata.domain; waivable false survives.
  policy.set_name("policies/owners");
  policy.set_waivable(false);
  policy.set_enforcement(v1::POLICY_ENFORCEMENT_DRY_RUN);
  for (const Descriptor& d : ReadBoth(PolicyDescriptor(policy))) {
    EXPECT_EQ(d.parent, "");
    EXPECT_EQ(d.policy.name(), "policies/owners");
    EXPECT_FALSE(d.policy.waivable());
    EXPECT_EQ(d.policy.enforcement(), v1::POLICY_ENFORCEMENT_DRY_RUN);
  }
}

TEST(DescriptorWriterTest, ListsReadBackAsTheirItems) {
  v1::Team team;
  team.set_name("teams/a");
  v1::Team other;
  other.set_name("teams/b");
  std::vector<nlohmann::json> items = {TeamDescriptor(team),
                                       TeamDescriptor(other)};
  for (bool yaml : {true, false}) {
    std::string text = FormatDescriptors(items, yaml, /*list=*/true);
    ParseResult r = ParseDescriptors(text, "list", {});
    EXPECT_THAT(ErrorStrings(r), IsEmpty()) << text;
    ASSERT_THAT(r.descriptors, SizeIs(2)) << text;
    EXPECT_EQ(r.descriptors[0].id, "a");
    EXPECT_EQ(r.descriptors[1].id, "b");
  }
  // An empty JSON list is a List without items: nothing to apply, no error.
  ParseResult empty =
      ParseDescriptors(FormatDescriptors({}, false, true), "list", {});
  EXPECT_THAT(ErrorStrings(empty), IsEmpty());
  EXPECT_THAT(empty.descriptors, IsEmpty());
  ParseResult bad = ParseDescriptors(
      "apiVersion: meshplane.dev/v1\nkind: List\nitems: 3\n", "l.yaml", {});
  EXPECT_THAT(ErrorStrings(bad),
              ElementsAre("l.yaml:3:8: items: expected a list of descriptors"));
}

TEST(DescriptorWriterTest, StatusIsAcceptedOnlyAtTheTop) {
  ParseResult r = ParseDescriptors(R"(apiVersion: meshplane.dev/v1
kind: Team
metadata: {name: a}
spec:
  status: {etag: x}
status: {etag: x, anything: [1, 2]}
)",
                                   "t.yaml", {});
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(HasSubstr("t.yaml:5:3: spec.status: unknown field")));
}

// Every Meshplane-format fixture, read -> (as stored) -> written -> read,
// gives the same resources.
TEST(DescriptorWriterTest, FixturesRoundTrip) {
  for (const char* file : {"demo/mesh.yaml", "descriptors/refunds.yaml"}) {
    std::string text = ReadFile(TestData("MESHPLANE_EXAMPLES", file));
    ParseResult first = ParseDescriptors(text, file, {});
    ASSERT_THAT(ErrorStrings(first), IsEmpty()) << file;
    ASSERT_THAT(first.descriptors, Not(IsEmpty())) << file;
    for (const Descriptor& d : first.descriptors) {
      nlohmann::json doc;
      switch (d.kind) {
        case DescriptorKind::kTeam:
          doc = TeamDescriptor(d.team);
          break;
        case DescriptorKind::kDomain:
          doc = DomainDescriptor(d.domain);
          break;
        case DescriptorKind::kDataProduct: {
          v1::DataProduct stored = d.data_product;
          stored.set_lifecycle(d.lifecycle);
          doc = ProductDescriptor(stored);
          break;
        }
        case DescriptorKind::kPolicy:
          doc = PolicyDescriptor(d.policy);
          break;
        case DescriptorKind::kWaiver:
          continue;  // waivers are granted, not read back for apply
      }
      for (const Descriptor& again : ReadBoth(doc)) {
        SCOPED_TRACE(d.Ref());
        EXPECT_EQ(again.Ref(), d.Ref());
        EXPECT_EQ(again.lifecycle, d.lifecycle);
        EXPECT_TRUE(MessageDifferencer::Equals(again.team, d.team));
        EXPECT_TRUE(MessageDifferencer::Equals(again.domain, d.domain));
        EXPECT_TRUE(
            MessageDifferencer::Equals(again.data_product, d.data_product))
            << again.data_product.DebugString() << d.data_product.DebugString();
        EXPECT_TRUE(MessageDifferencer::Equals(again.policy, d.policy));
      }
    }
  }
}

TEST(OdpsV11Test, ArchetypeIsTheHyphenatedType) {
  EXPECT_EQ(ArchetypeFromOdps("sourceAligned"), "source-aligned");
  EXPECT_EQ(ArchetypeFromOdps("aggregate"), "aggregate");
  EXPECT_EQ(ArchetypeFromOdps("consumerAligned"), "consumer-aligned");
  EXPECT_EQ(ArchetypeFromOdps("consumer-aligned"), "consumer-aligned");
  EXPECT_EQ(ArchetypeFromOdps("ML Feature Store"), "ml-feature-store");
  EXPECT_EQ(OdpsTypeFromArchetype("source-aligned"), "sourceAligned");
  EXPECT_EQ(OdpsTypeFromArchetype("aggregate"), "aggregate");
  EXPECT_EQ(OdpsTypeFromArchetype("consumer-aligned"), "consumerAligned");
}

constexpr char kOdps11[] = R"(apiVersion: v1.1.0
kind: DataProduct
id: 7c1f
name: Clicks
type: sourceAligned
deprecated: true
inputPorts:
  - name: raw
    contractId: raw-clicks-v1
    deprecated: true
  - name: nothing-named
outputPorts:
  - name: clicks
    deprecated: true
  - name: sessions
    type: tables
)";

TEST(OdpsV11Test, TypeDeprecatedAndOptionalFieldsMap) {
  ParseResult r =
      ParseDescriptors(kOdps11, "clicks.odps.yaml", {"web", "web-team"});
  ASSERT_THAT(ErrorStrings(r), IsEmpty());
  ASSERT_THAT(r.descriptors, SizeIs(1));
  const Descriptor& d = r.descriptors[0];
  const v1::DataProduct& p = d.data_product;
  EXPECT_EQ(p.name(), "domains/web/dataProducts/clicks");
  EXPECT_EQ(p.archetype(), "source-aligned");
  // No status, but deprecated: true.
  EXPECT_EQ(d.lifecycle, v1::LIFECYCLE_DEPRECATED);
  ASSERT_EQ(p.output_ports_size(), 2);
  EXPECT_TRUE(p.output_ports(0).deprecated());
  EXPECT_FALSE(p.output_ports(1).deprecated());
  // An output port without a version keeps its name as display name.
  EXPECT_EQ(p.output_ports(1).display_name(), "sessions");
  ASSERT_THAT(d.contract_inputs, SizeIs(2));
  EXPECT_TRUE(d.contract_inputs[0].deprecated);
  EXPECT_EQ(d.contract_inputs[1].contract_id, "");
  EXPECT_EQ(p.odps_document(), kOdps11);
  EXPECT_THAT(d.update_mask, testing::Contains("odps_document"));
  EXPECT_THAT(d.update_mask, testing::Contains("archetype"));
}

TEST(OdpsV11Test, V10DocumentsStillNeedWhatV10Requires) {
  ParseResult r = ParseDescriptors(R"(apiVersion: v1.0.0
kind: DataProduct
id: 7c1f
name: Clicks
outputPorts:
  - name: clicks
    deprecated: true
)",
                                   "old.odps.yaml", {"web", "web-team"});
  EXPECT_THAT(
      ErrorStrings(r),
      testing::UnorderedElementsAre(
          HasSubstr("old.odps.yaml:1:1: status: required field is missing"),
          HasSubstr("old.odps.yaml:6:5: outputPorts[0].version: required"),
          HasSubstr("old.odps.yaml:7:5: outputPorts[0].deprecated: unknown")));
}

TEST(OdpsV11Test, EachDocumentOfAFileKeepsItsOwnText) {
  const std::string first = R"(# leading comment
apiVersion: v1.1.0
kind: DataProduct
id: first
)";
  const std::string second = R"(# the second one
apiVersion: v1.1.0
kind: DataProduct
id: second
)";
  ParseResult r = ParseDescriptors(first + "---\n" + second + "---\n",
                                   "two.odps.yaml", {"web", "web-team"});
  ASSERT_THAT(ErrorStrings(r), IsEmpty());
  ASSERT_THAT(r.descriptors, SizeIs(2));
  EXPECT_EQ(r.descriptors[0].data_product.odps_document(), first);
  EXPECT_EQ(r.descriptors[1].data_product.odps_document(), second);
  // A file that starts with a marker keeps it.
  r = ParseDescriptors("---\n" + second, "one.odps.yaml", {"web", "web-team"});
  ASSERT_THAT(r.descriptors, SizeIs(1));
  EXPECT_EQ(r.descriptors[0].data_product.odps_document(), "---\n" + second);
}

TEST(OdpsV11Test, MeshplaneFormatCarriesArchetypeAndDeprecatedPorts) {
  ParseResult r =
      ParseDescriptors(kOdps11, "clicks.odps.yaml", {"web", "web-team"});
  ASSERT_THAT(r.descriptors, SizeIs(1));
  v1::DataProduct stored = r.descriptors[0].data_product;
  v1::InputPort* in = stored.add_input_ports();
  in->set_id("raw");
  in->set_source("domains/web/dataProducts/raw/outputPorts/clicks");
  in->set_deprecated(true);
  ParseResult back = ParseDescriptors(
      FormatDescriptors({ProductDescriptor(stored)}, true, false), "got.yaml",
      {});
  ASSERT_THAT(ErrorStrings(back), IsEmpty());
  ASSERT_THAT(back.descriptors, SizeIs(1));
  const v1::DataProduct& p = back.descriptors[0].data_product;
  EXPECT_EQ(p.archetype(), "source-aligned");
  EXPECT_TRUE(p.output_ports(0).deprecated());
  EXPECT_TRUE(p.input_ports(0).deprecated());
  // The Meshplane form leaves the stored ODPS document alone.
  EXPECT_THAT(back.descriptors[0].update_mask,
              Not(testing::Contains("odps_document")));
}

}  // namespace
}  // namespace meshplane::cli
