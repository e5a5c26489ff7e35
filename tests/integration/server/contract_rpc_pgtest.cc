// Data contracts over real gRPC against a real PostgreSQL: publishing
// versions, the CI dry run, refusing a breaking minor bump (with the report
// as an error detail), accepting the major bump, the consumers it hits,
// contract.publish policies, immutability, the read calls and deprecation.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/server/server_fixture.h"
#include "tests/testing/text_edit.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/v1/errors.pb.h"

namespace meshplane::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr absl::string_view kV1 = R"(apiVersion: v3.0.2
kind: DataContract
id: orders-contract
name: Orders
version: 1.0.0
status: active
description:
  purpose: Every order, one row each.
schema:
  - name: orders
    properties:
      - name: order_id
        logicalType: string
        required: true
      - name: amount
        logicalType: number
      - name: note
        logicalType: string
)";

// `amount` narrowed to integer: breaks BACKWARD.
std::string Narrowed(const std::string& version) {
  return EditText(kV1, {{"version: 1.0.0", "version: " + version},
                        {"logicalType: number", "logicalType: integer"}});
}

// The CompatibilityReport detail of an error.
std::optional<v1::CompatibilityReport> ReportOf(const grpc::Status& status) {
  const google::rpc::Status details = DetailsOf(status);
  for (const auto& any : details.details()) {
    v1::CompatibilityReport r;
    if (any.UnpackTo(&r)) return r;
  }
  return std::nullopt;
}

class ContractRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_ = ServerFixture::Start();
    contracts_ = fx_->Contracts();
    fx_->SeedTeam("sales-eng", {"user:ana@example.com", "service:orders-ci"});
    fx_->SeedTeam("finance-data", {"user:erin@example.com"});
    fx_->SeedDomain("sales", "sales-eng");
    fx_->SeedDomain("finance", "finance-data");
    // sales/orders promises the contract on its port; finance/ledger and
    // finance/forecast read it.
    v1::DataProduct orders;
    orders.set_owner_team("teams/sales-eng");
    auto* port = orders.add_output_ports();
    port->set_id("orders-v1");
    port->set_contract("orders-contract");
    fx_->SeedProduct("sales", "orders", orders);
    for (const char* id : {"ledger", "forecast"}) {
      v1::DataProduct reader;
      reader.set_owner_team("teams/finance-data");
      auto* in = reader.add_input_ports();
      in->set_id("orders");
      in->set_source("domains/sales/dataProducts/orders/outputPorts/orders-v1");
      fx_->SeedProduct("finance", id, reader);
    }
    ana_ = fx_->MintToken("user:ana@example.com");
    ci_ = fx_->MintToken("service:orders-ci");
    erin_ = fx_->MintToken("user:erin@example.com");
  }

  grpc::Status Publish(
      const std::string& token, const std::string& yaml,
      v1::PublishContractResponse* out, bool validate_only = false,
      const std::string& product = "domains/sales/dataProducts/orders") {
    v1::PublishContractRequest r;
    r.set_data_product(product);
    r.set_yaml(yaml);
    r.set_validate_only(validate_only);
    auto ctx = ServerFixture::Context(token);
    return contracts_->PublishContract(ctx.get(), r, out);
  }

  std::unique_ptr<ServerFixture> fx_;
  std::unique_ptr<v1::ContractService::Stub> contracts_;
  std::string ana_, ci_, erin_;
};

TEST_F(ContractRpcTest, PublishesVersionsAndRefusesABreakingMinorBump) {
  v1::PublishContractResponse first;
  ASSERT_TRUE(Publish(ana_, std::string(kV1), &first).ok());
  EXPECT_EQ(first.contract().name(), "contracts/orders-contract");
  EXPECT_EQ(first.contract().data_product(),
            "domains/sales/dataProducts/orders");
  EXPECT_EQ(first.contract().compatibility_mode(), v1::COMPATIBILITY_MODE_FULL);
  EXPECT_EQ(first.contract().latest_version(), "1.0.0");
  EXPECT_EQ(first.version().name(), "contracts/orders-contract/versions/1.0.0");
  EXPECT_EQ(first.version().original_yaml(), kV1);
  EXPECT_TRUE(first.report().accepted());

  // The CI dry run of a breaking change under a minor bump: the whole
  // report, accepted false, nothing written.
  v1::PublishContractResponse dry;
  ASSERT_TRUE(Publish(ci_, Narrowed("1.1.0"), &dry, true).ok());
  const v1::CompatibilityReport& r = dry.report();
  EXPECT_FALSE(r.accepted());
  EXPECT_FALSE(r.compatible());
  EXPECT_FALSE(r.version_satisfied());
  EXPECT_EQ(r.mode(), v1::COMPATIBILITY_MODE_FULL);
  EXPECT_EQ(r.previous_version(), "1.0.0");
  EXPECT_EQ(r.required_bump(), v1::SEMVER_BUMP_MAJOR);
  EXPECT_EQ(r.declared_bump(), v1::SEMVER_BUMP_MINOR);
  EXPECT_EQ(r.suggested_version(), "2.0.0");
  EXPECT_THAT(r.version_message(), HasSubstr("major"));
  ASSERT_THAT(r.changes(), SizeIs(1));
  EXPECT_EQ(r.changes(0).kind(), v1::CHANGE_KIND_BREAKING);
  EXPECT_EQ(r.changes(0).change(), "logical_type_narrowed");
  EXPECT_EQ(r.changes(0).path(),
            "schema[orders].properties[amount].logicalType");
  EXPECT_EQ(r.changes(0).breaks(), "BACKWARD");
  EXPECT_EQ(r.changes(0).against_version(), "1.0.0");
  EXPECT_EQ(r.changes(0).line(), 15);  // the property whose type changed
  std::vector<std::string> impacted;
  for (const auto& c : r.impacted_consumers()) {
    impacted.push_back(absl::StrCat(c.consumer(), " via ", c.via(), " of ",
                                    c.output_port(), " (", c.owner_team(),
                                    ")"));
  }
  EXPECT_THAT(
      impacted,
      ElementsAre("domains/finance/dataProducts/forecast via INPUT_PORT "
                  "of domains/sales/dataProducts/orders/outputPorts/"
                  "orders-v1 (teams/finance-data)",
                  "domains/finance/dataProducts/ledger via INPUT_PORT "
                  "of domains/sales/dataProducts/orders/outputPorts/"
                  "orders-v1 (teams/finance-data)"));

  // The real publish is refused with the same report attached.
  v1::PublishContractResponse out;
  grpc::Status refused = Publish(ci_, Narrowed("1.1.0"), &out);
  ASSERT_THAT(refused, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ReasonOf(refused), "CONTRACT_VERSION_BUMP");
  auto detail = ReportOf(refused);
  ASSERT_TRUE(detail.has_value());
  EXPECT_EQ(detail->impacted_consumers_size(), 2);
  EXPECT_EQ(detail->suggested_version(), "2.0.0");

  // The major bump is accepted, with a warning that consumers must move.
  v1::PublishContractResponse major;
  ASSERT_TRUE(Publish(ci_, Narrowed("2.0.0"), &major).ok());
  EXPECT_TRUE(major.report().accepted());
  EXPECT_FALSE(major.report().compatible());
  EXPECT_EQ(major.contract().latest_version(), "2.0.0");
  EXPECT_EQ(major.contract().version_count(), 2);
  ASSERT_THAT(major.report().warnings(), SizeIs(1));
  EXPECT_THAT(major.report().warnings(0).message(),
              HasSubstr("2 known consumer"));
  EXPECT_EQ(major.version().published_by(), "service:orders-ci");

  // History: newest first, each with its report.
  v1::ListContractVersionsRequest list;
  list.set_parent("contracts/orders-contract");
  list.set_omit_documents(true);
  v1::ListContractVersionsResponse versions;
  auto ctx = ServerFixture::Context(erin_);
  ASSERT_TRUE(
      contracts_->ListContractVersions(ctx.get(), list, &versions).ok());
  ASSERT_THAT(versions.contract_versions(), SizeIs(2));
  EXPECT_EQ(versions.contract_versions(0).version(), "2.0.0");
  EXPECT_EQ(versions.contract_versions(0).original_yaml(), "");
  EXPECT_EQ(versions.contract_versions(0).report().changes_size(), 1);
  EXPECT_EQ(versions.contract_versions(1).version(), "1.0.0");
}

// With default settings (no mode named on any publish), a producer who
// drops a column consumers read, even an optional one, under a minor bump
// is refused, and the refusal names the consumers it would break.
TEST_F(ContractRpcTest, DefaultModeRefusesRemovingAColumnNamingItsConsumers) {
  v1::PublishContractResponse first;
  ASSERT_TRUE(Publish(ana_, std::string(kV1), &first).ok());
  EXPECT_EQ(first.contract().compatibility_mode(), v1::COMPATIBILITY_MODE_FULL);

  const std::string dropped = EditText(
      kV1, {{"version: 1.0.0", "version: 1.1.0"},
            {"      - name: note\n        logicalType: string\n", ""}});
  v1::PublishContractResponse out;
  grpc::Status refused = Publish(ci_, dropped, &out);
  ASSERT_THAT(refused, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ReasonOf(refused), "CONTRACT_VERSION_BUMP");
  EXPECT_THAT(refused.error_message(),
              HasSubstr("breaking under FULL: schema[orders].properties[note] "
                        "(property_removed)"));
  EXPECT_THAT(refused.error_message(),
              HasSubstr("it would break 2 consumer(s): "
                        "domains/finance/dataProducts/forecast via input port, "
                        "domains/finance/dataProducts/ledger via input port"));
  auto detail = ReportOf(refused);
  ASSERT_TRUE(detail.has_value());
  EXPECT_EQ(detail->mode(), v1::COMPATIBILITY_MODE_FULL);
  EXPECT_EQ(detail->required_bump(), v1::SEMVER_BUMP_MAJOR);
  ASSERT_THAT(detail->changes(), SizeIs(1));
  EXPECT_EQ(detail->changes(0).kind(), v1::CHANGE_KIND_BREAKING);
  EXPECT_EQ(detail->changes(0).change(), "property_removed");
  EXPECT_EQ(detail->changes(0).description(),
            "breaking under FULL: property note was removed: consumers of the "
            "old contract select it (a rename is a removal plus an addition)");
  EXPECT_EQ(detail->impacted_consumers_size(), 2);

  // Nothing was written: 1.0.0 is still the latest.
  v1::GetContractRequest get;
  get.set_name("contracts/orders-contract");
  v1::Contract contract;
  auto ctx = ServerFixture::Context(erin_);
  ASSERT_TRUE(contracts_->GetContract(ctx.get(), get, &contract).ok());
  EXPECT_EQ(contract.latest_version(), "1.0.0");
}

TEST_F(ContractRpcTest, InvalidDocumentsAndOutsidersAreRefused) {
  v1::PublishContractResponse out;
  grpc::Status bad = Publish(
      ana_, EditText(kV1, {{"logicalType: number", "logicalType: money"}}),
      &out);
  ASSERT_THAT(bad, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  auto fields = FieldViolationsOf(bad);
  ASSERT_THAT(fields, SizeIs(1));
  EXPECT_EQ(fields[0].field, "yaml.schema[0].properties[1].logicalType");
  EXPECT_THAT(fields[0].description, HasSubstr("line 16"));
  EXPECT_THAT(Publish(erin_, std::string(kV1), &out),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(Publish(ana_, std::string(kV1), &out, false,
                      "domains/sales/dataProducts/nothing"),
              GrpcIs(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(Publish("", std::string(kV1), &out),
              GrpcIs(grpc::StatusCode::UNAUTHENTICATED));
  v1::GetContractRequest get;
  get.set_name("contracts/orders-contract");
  v1::Contract c;
  auto ctx = fx_->AdminContext();
  EXPECT_THAT(contracts_->GetContract(ctx.get(), get, &c),
              GrpcIs(grpc::StatusCode::NOT_FOUND));
}

TEST_F(ContractRpcTest, PublishPoliciesRefuseAndTheDryRunSaysSo) {
  v1::CreatePolicyRequest p;
  p.set_policy_id("pii-classified");
  v1::Policy* policy = p.mutable_policy();
  policy->add_triggers("contract.publish");
  policy->set_condition(
      "resource.schema.all(o, o.properties.all(p, !has(p.tags) || "
      "!('pii' in p.tags) || has(p.classification)))");
  policy->set_effect(v1::POLICY_EFFECT_DENY);
  policy->set_enforcement(v1::POLICY_ENFORCEMENT_ENFORCED);
  policy->set_message("PII properties carry a classification");
  policy->set_owner("teams/finance-data");
  v1::Policy created;
  auto admin = fx_->AdminContext();
  ASSERT_TRUE(fx_->Policies()->CreatePolicy(admin.get(), p, &created).ok());

  std::string pii =
      EditText(kV1, {{"      - name: note\n        logicalType: string\n",
                      "      - name: note\n        logicalType: string\n"
                      "        tags: [pii]\n"}});
  v1::PublishContractResponse dry;
  ASSERT_TRUE(Publish(ana_, pii, &dry, true).ok());
  EXPECT_FALSE(dry.report().accepted());
  EXPECT_TRUE(dry.report().version_satisfied());
  ASSERT_THAT(dry.report().policy_violations(), SizeIs(1));
  EXPECT_EQ(dry.report().policy_violations(0).policy(),
            "policies/pii-classified");

  v1::PublishContractResponse out;
  grpc::Status refused = Publish(ana_, pii, &out);
  ASSERT_THAT(refused, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ReasonOf(refused), "POLICY_VIOLATION");
  ASSERT_TRUE(ReportOf(refused).has_value());

  std::string classified =
      EditText(pii, {{"        tags: [pii]\n",
                      "        tags: [pii]\n"
                      "        classification: restricted\n"}});
  EXPECT_TRUE(Publish(ana_, classified, &out).ok());
}

TEST_F(ContractRpcTest, ReadsComparesAndDeprecates) {
  v1::PublishContractResponse out;
  ASSERT_TRUE(Publish(ana_, std::string(kV1), &out).ok());
  // Publishing the same version again changes nothing; other content under
  // it is refused.
  ASSERT_TRUE(Publish(ana_, std::string(kV1), &out).ok());
  EXPECT_EQ(out.contract().version_count(), 1);
  EXPECT_THAT(
      Publish(ana_, EditText(kV1, {{"name: Orders", "name: Orderz"}}), &out),
      GrpcIs(grpc::StatusCode::ALREADY_EXISTS));

  v1::CheckContractCompatibilityRequest check;
  check.set_yaml(Narrowed("1.0.1"));
  check.set_compatibility_mode(v1::COMPATIBILITY_MODE_FORWARD);
  v1::CheckContractCompatibilityResponse checked;
  auto ctx = ServerFixture::Context(erin_);
  ASSERT_TRUE(
      contracts_->CheckContractCompatibility(ctx.get(), check, &checked).ok());
  EXPECT_EQ(checked.report().mode(), v1::COMPATIBILITY_MODE_FORWARD);
  EXPECT_TRUE(checked.report().compatible());  // narrowing keeps FORWARD
  EXPECT_EQ(checked.report().required_bump(), v1::SEMVER_BUMP_MINOR);
  EXPECT_FALSE(checked.report().accepted());

  v1::GetContractVersionRequest gv;
  gv.set_name("contracts/orders-contract/versions/latest");
  v1::ContractVersion version;
  ctx = ServerFixture::Context(erin_);
  ASSERT_TRUE(contracts_->GetContractVersion(ctx.get(), gv, &version).ok());
  EXPECT_EQ(version.version(), "1.0.0");
  EXPECT_EQ(version.original_yaml(), kV1);
  EXPECT_EQ(version.content_hash().size(), 64u);

  v1::ListContractsRequest list;
  list.set_filter("domain = \"domains/sales\" AND state = ACTIVE");
  v1::ListContractsResponse listed;
  ctx = ServerFixture::Context(erin_);
  ASSERT_TRUE(contracts_->ListContracts(ctx.get(), list, &listed).ok());
  ASSERT_THAT(listed.contracts(), SizeIs(1));

  v1::DeprecateContractRequest dep;
  dep.set_name("contracts/orders-contract");
  dep.set_message("use orders-contract-v2");
  v1::Contract deprecated;
  ctx = ServerFixture::Context(erin_);
  EXPECT_THAT(contracts_->DeprecateContract(ctx.get(), dep, &deprecated),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  ctx = ServerFixture::Context(ana_);
  ASSERT_TRUE(contracts_->DeprecateContract(ctx.get(), dep, &deprecated).ok());
  EXPECT_EQ(deprecated.state(), v1::CONTRACT_STATE_DEPRECATED);
  list.set_filter("state = ACTIVE");
  ctx = ServerFixture::Context(erin_);
  ASSERT_TRUE(contracts_->ListContracts(ctx.get(), list, &listed).ok());
  EXPECT_THAT(listed.contracts(), IsEmpty());

  // The publish and the deprecation are in the audit log.
  v1::ListAuditRecordsRequest audit;
  audit.set_filter("resource = \"contracts/orders-contract\"");
  v1::ListAuditRecordsResponse records;
  auto admin = fx_->AdminContext();
  ASSERT_TRUE(
      fx_->Events()->ListAuditRecords(admin.get(), audit, &records).ok());
  std::vector<std::string> methods;
  for (const auto& rec : records.audit_records())
    methods.push_back(rec.method());
  EXPECT_THAT(methods, ::testing::Contains(
                           "meshplane.v1.ContractService/DeprecateContract"));
}

}  // namespace
}  // namespace meshplane::testing
