// Contracts over InMemoryStore and a SimulatedClock: publishing versions
// (validation, semver and compatibility, impact, policies, immutability,
// validate_only, request ids), who may publish, the read calls, deprecation.
#include "meshplane/core/contracts.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/alias_bomb.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/memstore/in_memory_store.h"
#include "tests/testing/text_edit.h"
#include "tests/unit/core/core_test_util.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/core/governance.h"
#include "meshplane/core/registry.h"

namespace meshplane::core {
namespace {

using ::meshplane::testing::EditText;
using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Code = absl::StatusCode;

// Version 1.0.0 of "orders-contract", owned by sales/orders (named by the
// document itself).
constexpr absl::string_view kV1 = R"(apiVersion: v3.0.2
kind: DataContract
id: orders-contract
name: Orders
version: 1.0.0
status: active
domain: sales
dataProduct: orders
description:
  purpose: Every order, one row each.
schema:
  - name: orders
    properties:
      - {name: order_id, logicalType: string, required: true}
      - {name: amount, logicalType: number}
      - {name: note, logicalType: string}
)";

// 1.1.0 adds an optional property: compatible.
std::string V110() {
  return EditText(kV1, {{"version: 1.0.0", "version: 1.1.0"},
                        {"      - {name: note, logicalType: string}\n",
                         "      - {name: note, logicalType: string}\n"
                         "      - {name: currency, logicalType: string}\n"}});
}

// `version` removes `note`: breaking under BACKWARD... no: a removal breaks
// FORWARD (old consumers lose a promised column); BACKWARD is broken by a
// new required property. This one does both.
std::string Breaking(const std::string& version) {
  return EditText(kV1, {{"version: 1.0.0", "version: " + version},
                        {"      - {name: note, logicalType: string}\n",
                         "      - {name: region, logicalType: string, "
                         "required: true}\n"}});
}

std::vector<std::string> Changes(const CompatibilityReport& r) {
  std::vector<std::string> out;
  for (const auto& c : r.changes) {
    out.push_back(absl::StrCat(c.severity, " ", c.change, " ", c.path));
  }
  return out;
}

class ContractsTest : public test_util::GovernedRegistryTest {
 protected:
  ContractsTest() : contracts_(store_, authz_, clock_, &governance_) {
    sam_.principal = {"user:sam", false, {"sales-team"}};
    fin_.principal = {"user:fin", false, {"finance-team"}};
  }

  void SetUp() override {
    GovernedRegistryTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(test_util::CreateTeams(
        registry_, admin_,
        {{"sales-team", {"user:sam"}}, {"finance-team", {"user:fin"}}}));
    ASSERT_NO_FATAL_FAILURE(test_util::CreateDomains(
        registry_, admin_,
        {{"sales", "sales-team"}, {"finance", "finance-team"}}));
    // sales/orders promises the contract on orders-v1; finance/ledger reads
    // that port.
    model::DataProduct orders;
    orders.domain_id = "sales";
    orders.id = "orders";
    orders.owner_team_id = "sales-team";
    model::OutputPort port;
    port.id = "orders-v1";
    port.contract_id = "orders-contract";
    orders.output_ports = {port};
    ASSERT_OK(registry_.CreateDataProduct(admin_, orders).status());
    model::DataProduct ledger;
    ledger.domain_id = "finance";
    ledger.id = "ledger";
    ledger.owner_team_id = "finance-team";
    model::InputPort in;
    in.id = "orders";
    in.source = {"sales", "orders", "orders-v1"};
    ledger.input_ports = {in};
    ASSERT_OK(registry_.CreateDataProduct(admin_, ledger).status());
  }

  absl::StatusOr<PublishResult> Publish(const RequestContext& ctx,
                                        const std::string& yaml,
                                        const std::string& mode = "") {
    PublishRequest r;
    r.yaml = yaml;
    r.mode = mode;
    return contracts_.Publish(ctx, r);
  }

  // Stores a day's grant of read on sales/orders/orders-v1 to `consumer`
  // (revoked at once when `revoked`), as Access would.
  absl::Status GrantOrdersRead(const std::string& id,
                               const std::string& consumer,
                               bool revoked = false) {
    return store_.RunInTransaction(
        store::TxnMode::kReadWrite, [&](store::Transaction& txn) {
          model::Grant g;
          g.id = id;
          g.port = {"sales", "orders", "orders-v1"};
          g.consumer = consumer;
          g.actions = {"read"};
          g.create_time = clock_.Now();
          g.expire_time = clock_.Now() + absl::Hours(24);
          g.revision = 1;
          if (revoked) g.revoke_time = clock_.Now();
          return txn.access().InsertGrant(g);
        });
  }

  RequestContext DryRun(RequestContext ctx) {
    ctx.validate_only = true;
    return ctx;
  }

  int64_t AuditCount() {
    return static_cast<int64_t>(test_util::ReadAudit(store_).size());
  }

  std::vector<std::string> EventTypes() {
    std::vector<std::string> out;
    for (const auto& e : test_util::ReadEvents(store_)) {
      if (e.type.rfind("contract.", 0) == 0)
        out.push_back(e.type + " " + e.resource);
    }
    return out;
  }

  Contracts contracts_;
  RequestContext sam_;
  RequestContext fin_;
};

TEST_F(ContractsTest, FirstVersionCreatesTheContractForTheDocumentsProduct) {
  auto r = Publish(sam_, std::string(kV1));
  ASSERT_OK(r.status());
  EXPECT_EQ(r->contract.id, "orders-contract");
  EXPECT_EQ(model::ProductName(r->contract.product),
            "domains/sales/dataProducts/orders");
  EXPECT_EQ(r->contract.display_name, "Orders");
  EXPECT_EQ(r->contract.description, "Every order, one row each.");
  EXPECT_EQ(r->contract.compatibility_mode, "FULL");
  EXPECT_EQ(r->contract.latest_version, "1.0.0");
  EXPECT_EQ(r->contract.version_count, 1);
  EXPECT_EQ(r->version.original_yaml, kV1);
  EXPECT_EQ(r->version.status, "active");
  EXPECT_EQ(r->version.published_by, "user:sam");
  EXPECT_THAT(r->version.normalized_json,
              HasSubstr(R"("dataProduct":"orders","description":{)"));
  EXPECT_EQ(r->version.content_hash.size(), 64u);
  EXPECT_TRUE(r->report.accepted);
  EXPECT_THAT(r->report.changes, IsEmpty());
  EXPECT_EQ(r->report.previous_version, "");

  ASSERT_OK_AND_ASSIGN(
      auto stored, contracts_.GetVersion(fin_, "orders-contract", "latest"));
  EXPECT_EQ(stored.original_yaml, kV1);
  EXPECT_EQ(stored.normalized_json, r->version.normalized_json);
  ASSERT_OK_AND_ASSIGN(auto report, ReportFromJson(stored.report_json));
  EXPECT_TRUE(report.accepted);
  EXPECT_THAT(EventTypes(),
              ElementsAre("contract.published "
                          "contracts/orders-contract/versions/1.0.0"));
}

TEST_F(ContractsTest, InvalidDocumentNamesEveryIssueByPathAndLine) {
  std::string bad =
      EditText(kV1, {{"logicalType: number", "logicalType: money"},
                     {"status: active\n", ""}});
  auto r = Publish(sam_, bad);
  ASSERT_THAT(r.status(), StatusIs(Code::kInvalidArgument));
  std::vector<std::string> fields;
  for (const auto& f : GetFieldViolations(r.status())) {
    fields.push_back(f.field);
    EXPECT_THAT(f.description, HasSubstr("line "));
  }
  EXPECT_THAT(fields,
              ::testing::UnorderedElementsAre(
                  "yaml.status", "yaml.schema[0].properties[1].logicalType"));
  EXPECT_THAT(Publish(sam_, "a: [").status(),
              StatusIs(Code::kInvalidArgument, "invalid YAML"));
  EXPECT_THAT(Publish(sam_, EditText(kV1, {{"version: 1.0.0", "version: v1"}}))
                  .status(),
              StatusIs(Code::kInvalidArgument, "yaml.version"));
  EXPECT_THAT(Publish(sam_, "").status(), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(Publish(sam_, std::string(kV1), "SIDEWAYS").status(),
              StatusIs(Code::kInvalidArgument, "compatibility_mode"));
  EXPECT_THAT(contracts_.ListContracts(admin_, {}), IsOk());
  EXPECT_THAT(contracts_.GetContract(admin_, "orders-contract").status(),
              StatusIs(Code::kNotFound));
}

TEST_F(ContractsTest, OnlyTheProductsOwnersPublishAndTheProductMustExist) {
  EXPECT_THAT(Publish(fin_, std::string(kV1)).status(),
              StatusIs(Code::kPermissionDenied));
  PublishRequest r;
  r.yaml = EditText(kV1, {{"dataProduct: orders\n", ""}});
  EXPECT_THAT(contracts_.Publish(sam_, r).status(),
              StatusIs(Code::kInvalidArgument, "data_product"));
  r.product = model::ProductKey{"sales", "missing"};
  EXPECT_THAT(contracts_.Publish(sam_, r).status(),
              StatusIs(Code::kNotFound, "domains/sales/dataProducts/missing"));
  r.product = model::ProductKey{"sales", "orders"};
  ASSERT_OK(contracts_.Publish(sam_, r).status());
  // Later versions stay with that product.
  r.yaml = V110();
  r.product = model::ProductKey{"finance", "ledger"};
  EXPECT_THAT(contracts_.Publish(admin_, r).status(),
              StatusIs(Code::kInvalidArgument, "belongs to"));
  RequestContext nobody;
  EXPECT_THAT(Publish(nobody, V110()).status(),
              StatusIs(Code::kUnauthenticated));
}

TEST_F(ContractsTest, RefusesWhoMayNotPublishBeforeReadingTheDocument) {
  // Text that is not YAML shows the order: PERMISSION_DENIED, not
  // INVALID_ARGUMENT, means the document was never read.
  RequestContext loner;
  loner.principal = {"service:loner", false, {}};
  for (const std::string& yaml :
       {std::string("a: ["), testing::AliasBombContract(9)}) {
    EXPECT_THAT(Publish(loner, yaml).status(),
                StatusIs(Code::kPermissionDenied, "member of no team"));
    EXPECT_THAT(Publish(DryRun(loner), yaml).status(),
                StatusIs(Code::kPermissionDenied, "member of no team"));
    // A named product's owners are known before the document too.
    PublishRequest r;
    r.yaml = yaml;
    r.product = model::ProductKey{"sales", "orders"};
    EXPECT_THAT(
        contracts_.Publish(fin_, r).status(),
        StatusIs(Code::kPermissionDenied, "domains/sales/dataProducts/orders"));
  }
  // Without a product, the document names it: the YAML budget refuses the
  // bomb before anything walks it.
  EXPECT_THAT(Publish(fin_, testing::AliasBombContract(9)).status(),
              StatusIs(Code::kInvalidArgument, "past the YAML budget"));
  // Compatibility checks are open to every authenticated caller.
  EXPECT_THAT(
      contracts_
          .CheckCompatibility(loner, testing::AliasBombContract(9), "", "")
          .status(),
      StatusIs(Code::kInvalidArgument, "past the YAML budget"));
  EXPECT_THAT(EventTypes(), IsEmpty());
}

TEST_F(ContractsTest, CompatibleChangeNeedsAMinorBump) {
  ASSERT_OK(Publish(sam_, std::string(kV1)).status());
  std::string patch_only =
      EditText(V110(), {{"version: 1.1.0", "version: 1.0.1"}});
  auto refused = Publish(sam_, patch_only);
  ASSERT_THAT(refused.status(), StatusIs(Code::kFailedPrecondition, "minor"));
  EXPECT_EQ(GetReason(refused.status()), "CONTRACT_VERSION_BUMP");
  auto payload = refused.status().GetPayload(kCompatibilityReportUrl);
  ASSERT_TRUE(payload.has_value());
  ASSERT_OK_AND_ASSIGN(auto report, ReportFromJson(std::string(*payload)));
  EXPECT_FALSE(report.accepted);
  EXPECT_TRUE(report.compatible);
  EXPECT_EQ(report.required_bump, "MINOR");
  EXPECT_EQ(report.declared_bump, "PATCH");
  EXPECT_EQ(report.suggested_version, "1.1.0");
  EXPECT_THAT(Changes(report),
              ElementsAre("COMPATIBLE property_added "
                          "schema[orders].properties[currency]"));
  // No consumer is hurt by a compatible change.
  EXPECT_THAT(report.impacted_consumers, IsEmpty());

  auto ok = Publish(sam_, V110());
  ASSERT_OK(ok.status());
  EXPECT_EQ(ok->contract.latest_version, "1.1.0");
  EXPECT_EQ(ok->contract.version_count, 2);
  EXPECT_EQ(ok->report.previous_version, "1.0.0");
  EXPECT_EQ(ok->report.declared_bump, "MINOR");
  EXPECT_THAT(ok->report.compared_versions, ElementsAre("1.0.0"));
  ASSERT_THAT(ok->report.changes, SizeIs(1));
  EXPECT_GT(ok->report.changes[0].line, 0);
}

TEST_F(ContractsTest, BreakingChangeRefusedUnderMinorAcceptedUnderMajor) {
  ASSERT_OK(Publish(sam_, std::string(kV1)).status());
  int64_t audits = AuditCount();
  auto refused = Publish(sam_, Breaking("1.1.0"));
  ASSERT_THAT(refused.status(), StatusIs(Code::kFailedPrecondition, "major"));
  ASSERT_OK_AND_ASSIGN(
      auto report, ReportFromJson(std::string(
                       *refused.status().GetPayload(kCompatibilityReportUrl))));
  EXPECT_FALSE(report.compatible);
  EXPECT_EQ(report.required_bump, "MAJOR");
  EXPECT_EQ(report.suggested_version, "2.0.0");
  EXPECT_THAT(
      Changes(report),
      ::testing::Contains(HasSubstr("BREAKING required_property_added")));
  // The consumers it would break: the ledger reads the port that promises
  // the contract.
  ASSERT_THAT(report.impacted_consumers, SizeIs(1));
  EXPECT_EQ(report.impacted_consumers[0].consumer,
            "domains/finance/dataProducts/ledger");
  EXPECT_EQ(report.impacted_consumers[0].via, "INPUT_PORT");
  EXPECT_EQ(report.impacted_consumers[0].output_port,
            "domains/sales/dataProducts/orders/outputPorts/orders-v1");
  EXPECT_EQ(report.impacted_consumers[0].owner_team, "teams/finance-team");
  // A principal with an active grant on the port is a consumer too; a
  // revoked grant is not.
  ASSERT_OK(GrantOrdersRead("00000000-0000-4000-8000-000000000001",
                            "team:finance-team"));
  ASSERT_OK(GrantOrdersRead("00000000-0000-4000-8000-000000000002", "user:gone",
                            /*revoked=*/true));
  ASSERT_OK_AND_ASSIGN(auto checked, contracts_.CheckCompatibility(
                                         sam_, Breaking("1.1.0"), "", ""));
  ASSERT_THAT(checked.impacted_consumers, SizeIs(2));
  EXPECT_EQ(checked.impacted_consumers[1].consumer, "team:finance-team");
  EXPECT_EQ(checked.impacted_consumers[1].via, "GRANT");
  EXPECT_EQ(checked.impacted_consumers[1].grant,
            "grants/00000000-0000-4000-8000-000000000001");
  EXPECT_EQ(checked.impacted_consumers[1].owner_team, "teams/finance-team");
  // Refused, and audited as such; nothing stored.
  EXPECT_EQ(AuditCount(), audits + 1);
  ASSERT_OK_AND_ASSIGN(auto c, contracts_.GetContract(sam_, "orders-contract"));
  EXPECT_EQ(c.latest_version, "1.0.0");

  auto major = Publish(sam_, Breaking("2.0.0"));
  ASSERT_OK(major.status());
  EXPECT_FALSE(major->report.compatible);
  EXPECT_TRUE(major->report.accepted);
  EXPECT_THAT(major->report.impacted_consumers, SizeIs(2));
  EXPECT_THAT(major->report.warnings, ElementsAre(HasSubstr("must migrate")));
}

// With default settings, dropping a column (optional or not) under a minor
// bump is refused, and the refusal itself names the consumers: the product
// reading the port and the holder of an active grant on it.
TEST_F(ContractsTest, DefaultModeRefusalNamesTheConsumersARemovalBreaks) {
  ASSERT_OK(Publish(sam_, std::string(kV1)).status());
  ASSERT_OK(GrantOrdersRead("00000000-0000-4000-8000-000000000001",
                            "team:finance-team"));
  std::string dropped =
      EditText(kV1, {{"version: 1.0.0", "version: 1.1.0"},
                     {"      - {name: note, logicalType: string}\n", ""}});
  auto refused = Publish(sam_, dropped);
  ASSERT_THAT(refused.status(), StatusIs(Code::kFailedPrecondition, "major"));
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("breaking under FULL: schema[orders].properties[note] "
                        "(property_removed); it would break 2 consumer(s): "
                        "domains/finance/dataProducts/ledger via input port, "
                        "team:finance-team via "
                        "grants/00000000-0000-4000-8000-000000000001"));
  // A compatible change's refusal (too small a bump) names no consumer.
  std::string patch_only =
      EditText(V110(), {{"version: 1.1.0", "version: 1.0.1"}});
  auto minor = Publish(sam_, patch_only);
  ASSERT_THAT(minor.status(), StatusIs(Code::kFailedPrecondition, "minor"));
  EXPECT_THAT(std::string(minor.status().message()),
              ::testing::Not(HasSubstr("consumer")));
}

TEST_F(ContractsTest, ValidateOnlyReportsAndWritesNothing) {
  ASSERT_OK(Publish(sam_, std::string(kV1)).status());
  auto events = EventTypes();
  auto dry = Publish(DryRun(sam_), Breaking("1.1.0"));
  ASSERT_OK(dry.status());  // a dry run reports the refusal instead
  EXPECT_FALSE(dry->report.accepted);
  EXPECT_FALSE(dry->report.version_satisfied);
  EXPECT_THAT(dry->report.impacted_consumers, SizeIs(1));
  auto dry_ok = Publish(DryRun(sam_), Breaking("2.0.0"));
  ASSERT_OK(dry_ok.status());
  EXPECT_TRUE(dry_ok->report.accepted);
  EXPECT_EQ(dry_ok->contract.latest_version, "2.0.0");  // as it would be
  ASSERT_OK_AND_ASSIGN(auto c, contracts_.GetContract(sam_, "orders-contract"));
  EXPECT_EQ(c.latest_version, "1.0.0");
  EXPECT_EQ(c.version_count, 1);
  EXPECT_EQ(EventTypes(), events);
  // A dry run of a new contract writes nothing either.
  std::string other = EditText(kV1, {{"id: orders-contract", "id: other"}});
  ASSERT_OK(Publish(DryRun(sam_), other).status());
  EXPECT_THAT(contracts_.GetContract(sam_, "other").status(),
              StatusIs(Code::kNotFound));
}

TEST_F(ContractsTest, VersionsAreImmutable) {
  ASSERT_OK(Publish(sam_, std::string(kV1)).status());
  // The same content (even laid out differently) again: nothing changes.
  std::string relaid = "# the same contract\n" + std::string(kV1);
  auto again = Publish(sam_, relaid);
  ASSERT_OK(again.status());
  EXPECT_EQ(again->contract.version_count, 1);
  EXPECT_THAT(again->report.warnings,
              ElementsAre(HasSubstr("nothing changed")));
  EXPECT_THAT(EventTypes(), SizeIs(1));
  // Other content under the same version is refused.
  std::string changed = EditText(kV1, {{"name: Orders", "name: Orders 2"}});
  EXPECT_THAT(Publish(sam_, changed).status(),
              StatusIs(Code::kAlreadyExists, "immutable"));
  // And an older version than the latest is not a new version.
  ASSERT_OK(Publish(sam_, V110()).status());
  std::string older = EditText(kV1, {{"version: 1.0.0", "version: 1.0.5"}});
  EXPECT_THAT(Publish(sam_, older).status(),
              StatusIs(Code::kFailedPrecondition));
}

TEST_F(ContractsTest, TransitiveModesCompareWithEveryEarlierVersion) {
  // 1.0.0 has `note`; 1.1.0 drops nothing but 2.0.0 drops note (FORWARD
  // break, allowed by the major bump); 2.1.0 brings note back as required:
  // against 2.0.0 a new required property, against 1.0.0 `required` added.
  ASSERT_OK(Publish(sam_, std::string(kV1), "FORWARD_TRANSITIVE").status());
  std::string v2 =
      EditText(kV1, {{"version: 1.0.0", "version: 2.0.0"},
                     {"      - {name: note, logicalType: string}\n", ""}});
  ASSERT_OK(Publish(sam_, v2).status());
  std::string v21 = EditText(kV1, {{"version: 1.0.0", "version: 2.1.0"}});
  ASSERT_OK_AND_ASSIGN(auto report,
                       contracts_.CheckCompatibility(sam_, v21, "", ""));
  EXPECT_EQ(report.mode, "FORWARD_TRANSITIVE");
  EXPECT_THAT(report.compared_versions, ElementsAre("2.0.0", "1.0.0"));
  ASSERT_OK_AND_ASSIGN(auto plain,
                       contracts_.CheckCompatibility(sam_, v21, "FORWARD", ""));
  EXPECT_THAT(plain.compared_versions, ElementsAre("2.0.0"));
  ASSERT_OK_AND_ASSIGN(auto against,
                       contracts_.CheckCompatibility(sam_, v21, "", "1.0.0"));
  EXPECT_THAT(against.compared_versions, ElementsAre("1.0.0"));
  EXPECT_THAT(against.changes, IsEmpty());
  EXPECT_THAT(contracts_.CheckCompatibility(sam_, v21, "", "9.9.9").status(),
              StatusIs(Code::kNotFound, "9.9.9"));
  // A document of an unknown contract has nothing to compare with.
  ASSERT_OK_AND_ASSIGN(
      auto fresh,
      contracts_.CheckCompatibility(
          fin_, EditText(kV1, {{"id: orders-contract", "id: new-one"}}), "",
          ""));
  EXPECT_THAT(fresh.compared_versions, IsEmpty());
  EXPECT_TRUE(fresh.accepted);
}

TEST_F(ContractsTest, PublishPoliciesDecideAndAreReported) {
  model::Policy p;
  p.id = "contracts-name-their-purpose";
  p.triggers = {"contract.publish"};
  p.condition =
      "has(resource.description) && has(resource.description.purpose) && "
      "request.data_product.startsWith('domains/')";
  p.effect = "DENY";
  p.enforcement = "ENFORCED";
  p.message = "a contract states its purpose";
  p.owner_team_id = "finance-team";
  ASSERT_OK(governance_.CreatePolicy(admin_, p).status());
  std::string no_purpose =
      EditText(kV1, {{"description:\n  purpose: Every order, "
                      "one row each.\n",
                      ""}});
  auto refused = Publish(sam_, no_purpose);
  ASSERT_THAT(refused.status(), StatusIs(Code::kFailedPrecondition,
                                         "a contract states its purpose"));
  EXPECT_EQ(GetReason(refused.status()), "POLICY_VIOLATION");
  EXPECT_THAT(GetPolicyViolations(refused.status()), SizeIs(1));
  ASSERT_OK_AND_ASSIGN(
      auto report, ReportFromJson(std::string(
                       *refused.status().GetPayload(kCompatibilityReportUrl))));
  ASSERT_THAT(report.policy_violations, SizeIs(1));
  EXPECT_EQ(report.policy_violations[0].policy,
            "policies/contracts-name-their-purpose");
  // The dry run says the same without failing.
  auto dry = Publish(DryRun(sam_), no_purpose);
  ASSERT_OK(dry.status());
  EXPECT_FALSE(dry->report.accepted);
  EXPECT_TRUE(dry->report.version_satisfied);
  EXPECT_THAT(dry->report.policy_violations, SizeIs(1));
  EXPECT_OK(Publish(sam_, std::string(kV1)).status());
}

TEST_F(ContractsTest, RetryWithTheSameRequestIdReturnsTheFirstResult) {
  RequestContext ctx = sam_;
  ctx.request_id = "8f14e45f-ceea-467f-a0e6-2f7a3c1b9d11";
  auto first = Publish(ctx, std::string(kV1));
  ASSERT_OK(first.status());
  auto second = Publish(ctx, std::string(kV1));
  ASSERT_OK(second.status());
  EXPECT_EQ(second->contract.uid, first->contract.uid);
  EXPECT_EQ(second->version.content_hash, first->version.content_hash);
  EXPECT_EQ(second->report.accepted, first->report.accepted);
  EXPECT_THAT(EventTypes(), SizeIs(1));
  EXPECT_THAT(Publish(ctx, V110()).status(),
              StatusIs(Code::kInvalidArgument, "request_id"));
}

TEST_F(ContractsTest, ListsVersionsNewestFirstAndDeprecates) {
  ASSERT_OK(Publish(sam_, std::string(kV1)).status());
  ASSERT_OK(Publish(sam_, V110()).status());
  ASSERT_OK_AND_ASSIGN(auto versions, contracts_.ListVersions(
                                          fin_, "orders-contract", {}, true));
  ASSERT_THAT(versions.items, SizeIs(2));
  EXPECT_EQ(versions.items[0].version, "1.1.0");
  EXPECT_EQ(versions.items[0].original_yaml, "");
  EXPECT_NE(versions.items[0].report_json, "");
  ASSERT_OK_AND_ASSIGN(
      auto latest, contracts_.GetVersion(fin_, "orders-contract", "latest"));
  EXPECT_EQ(latest.version, "1.1.0");

  ListQuery by_product;
  by_product.filter = "data_product = \"domains/sales/dataProducts/orders\"";
  ASSERT_OK_AND_ASSIGN(auto listed, contracts_.ListContracts(fin_, by_product));
  EXPECT_THAT(listed.items, SizeIs(1));
  ListQuery bad;
  bad.filter = "color = red";
  EXPECT_THAT(contracts_.ListContracts(fin_, bad).status(),
              StatusIs(Code::kInvalidArgument, "unknown field"));

  EXPECT_THAT(
      contracts_.Deprecate(fin_, "orders-contract", "use v2", "").status(),
      StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(contracts_.Deprecate(sam_, "orders-contract", "", "").status(),
              StatusIs(Code::kInvalidArgument, "message"));
  EXPECT_THAT(
      contracts_.Deprecate(sam_, "orders-contract", "use v2", "1").status(),
      StatusIs(Code::kAborted));
  ASSERT_OK_AND_ASSIGN(
      auto deprecated,
      contracts_.Deprecate(sam_, "orders-contract", "use orders-v2", ""));
  EXPECT_EQ(deprecated.state, "DEPRECATED");
  EXPECT_EQ(deprecated.deprecation_message, "use orders-v2");
  ListQuery by_state;
  by_state.filter = "state = DEPRECATED";
  ASSERT_OK_AND_ASSIGN(auto dep, contracts_.ListContracts(fin_, by_state));
  EXPECT_THAT(dep.items, SizeIs(1));
  // A deprecated contract still takes new versions.
  EXPECT_OK(Publish(sam_, Breaking("2.0.0")).status());
}

TEST(ContractReportTest, JsonRoundTrip) {
  CompatibilityReport r;
  r.contract = "contracts/x";
  r.candidate_version = "2.0.0";
  r.compared_versions = {"1.1.0", "1.0.0"};
  r.mode = "FULL_TRANSITIVE";
  r.compatible = false;
  r.changes.push_back({"BREAKING", "property_removed",
                       "schema[a].properties[b]", "removed", "1.0.0", "FORWARD",
                       0, 0, "MAJOR"});
  r.required_bump = "MAJOR";
  r.declared_bump = "MAJOR";
  r.impacted_consumers.push_back({"domains/d/dataProducts/p", "INPUT_PORT",
                                  "domains/d/dataProducts/q/outputPorts/o", "",
                                  "teams/t"});
  PolicyViolationDetail v;
  v.policy = "policies/p";
  v.scope = "global";
  v.effect = "WARN";
  v.enforcement = "ENFORCED";
  v.message = "m";
  v.revision = 3;
  r.policy_violations.push_back(v);
  r.warnings = {"w"};
  r.version_satisfied = true;
  r.previous_version = "1.1.0";
  r.suggested_version = "2.0.0";
  r.accepted = true;
  ASSERT_OK_AND_ASSIGN(auto back, ReportFromJson(ReportToJson(r)));
  EXPECT_EQ(ReportToJson(back), ReportToJson(r));
  EXPECT_EQ(back.changes[0].required_bump, "MAJOR");
  EXPECT_EQ(back.policy_violations[0].revision, 3);
  EXPECT_THAT(ReportFromJson("[]").status(), StatusIs(Code::kInvalidArgument));
}

}  // namespace
}  // namespace meshplane::core
