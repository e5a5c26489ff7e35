// Federated governance over real gRPC against a real PostgreSQL: policies
// as resources, federation and who may write where, every effect and mode
// on governed writes, waivers, fail-closed evaluation, the decision log,
// EvaluatePolicies and SimulatePolicy.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/server/server_fixture.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/v1/errors.pb.h"

namespace meshplane::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// The PolicyViolations detail of an error (empty when absent).
std::vector<v1::PolicyViolation> ViolationsOf(const grpc::Status& status) {
  std::vector<v1::PolicyViolation> out;
  const google::rpc::Status details = DetailsOf(status);
  for (const auto& any : details.details()) {
    v1::PolicyViolations pv;
    if (any.UnpackTo(&pv))
      out.assign(pv.violations().begin(), pv.violations().end());
  }
  return out;
}

std::vector<std::string> PolicyNames(
    const std::vector<v1::PolicyViolation>& v) {
  std::vector<std::string> out;
  for (const auto& x : v) out.push_back(x.policy());
  return out;
}

class GovernanceRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_ = ServerFixture::Start();
    policies_ = fx_->Policies();
    products_ = fx_->Products();
    domains_ = fx_->Domains();
    // governance runs the global rules; sales-eng owns sales and its
    // subdomain sales-emea; finance-data owns finance.
    fx_->SeedTeam("governance", {"user:gina@example.com"});
    fx_->SeedTeam("sales-eng", {"user:ana@example.com"});
    fx_->SeedTeam("finance-data", {"user:erin@example.com"});
    fx_->SeedDomain("sales", "sales-eng");
    fx_->SeedDomain("sales-emea", "sales-eng", "domains/sales");
    fx_->SeedDomain("finance", "finance-data");
    ana_ = fx_->MintToken("user:ana@example.com");
    gina_ = fx_->MintToken("user:gina@example.com");
  }

  // A policy over dataproduct.create with `condition`.
  static v1::Policy Rule(
      const std::string& condition,
      v1::PolicyEffect effect = v1::POLICY_EFFECT_DENY,
      v1::PolicyEnforcement enforcement = v1::POLICY_ENFORCEMENT_ENFORCED) {
    v1::Policy p;
    p.add_triggers("dataproduct.create");
    p.set_condition(condition);
    p.set_effect(effect);
    p.set_enforcement(enforcement);
    p.set_message("the rule does not hold");
    p.set_owner("teams/governance");
    return p;
  }

  grpc::Status CreatePolicy(const std::string& token, const std::string& parent,
                            const std::string& id, const v1::Policy& p,
                            v1::Policy* out = nullptr,
                            bool validate_only = false) {
    v1::CreatePolicyRequest r;
    r.set_parent(parent);
    r.set_policy_id(id);
    *r.mutable_policy() = p;
    r.set_validate_only(validate_only);
    v1::Policy sink;
    auto ctx = ServerFixture::Context(token);
    return policies_->CreatePolicy(ctx.get(), r, out ? out : &sink);
  }

  grpc::Status CreateProduct(const std::string& domain, const std::string& id,
                             const std::string& description,
                             v1::DataProduct* out = nullptr,
                             const std::vector<std::string>& tags = {}) {
    v1::CreateDataProductRequest r;
    r.set_parent("domains/" + domain);
    r.set_data_product_id(id);
    r.mutable_data_product()->set_owner_team("teams/sales-eng");
    r.mutable_data_product()->set_description(description);
    for (const auto& t : tags) r.mutable_data_product()->add_tags(t);
    v1::DataProduct sink;
    auto ctx = fx_->AdminContext();
    return products_->CreateDataProduct(ctx.get(), r, out ? out : &sink);
  }

  std::unique_ptr<ServerFixture> fx_;
  std::unique_ptr<v1::PolicyService::Stub> policies_;
  std::unique_ptr<v1::DataProductService::Stub> products_;
  std::unique_ptr<v1::DomainService::Stub> domains_;
  std::string ana_;
  std::string gina_;
};

TEST_F(GovernanceRpcTest,
       DomainOwnersWriteOnlyTheirSubtreeAndNeverGlobalPolicies) {
  v1::Policy p = Rule("has(resource.description)");
  p.clear_owner();
  EXPECT_THAT(CreatePolicy(ana_, "", "global-by-ana", p),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(CreatePolicy(ana_, "domains/finance", "not-mine", p),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  v1::Policy created;
  ASSERT_TRUE(CreatePolicy(ana_, "domains/sales", "mine", p, &created).ok());
  EXPECT_EQ(created.name(), "domains/sales/policies/mine");
  EXPECT_EQ(created.scope(), "domains/sales");
  EXPECT_EQ(created.owner(),
            "teams/sales-eng");  // defaults to the domain's owner
  EXPECT_EQ(created.revision(), 1);
  EXPECT_TRUE(CreatePolicy(ana_, "domains/sales-emea", "sub", p).ok());
  // A domain policy cannot be made non-waivable: only global ones can.
  p.set_waivable(false);
  EXPECT_THAT(CreatePolicy(ana_, "domains/sales", "strict", p),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  // The admin writes global policies; ana may not change or delete them.
  v1::Policy global;
  ASSERT_TRUE(
      CreatePolicy(fx_->admin_token(), "", "g", Rule("true"), &global).ok());
  v1::UpdatePolicyRequest u;
  *u.mutable_policy() = global;
  u.mutable_policy()->set_condition("false");
  u.mutable_update_mask()->add_paths("condition");
  v1::Policy sink;
  auto ctx = ServerFixture::Context(ana_);
  EXPECT_THAT(policies_->UpdatePolicy(ctx.get(), u, &sink),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  v1::DeletePolicyRequest d;
  d.set_name("policies/g");
  google::protobuf::Empty empty;
  auto ctx2 = ServerFixture::Context(ana_);
  EXPECT_THAT(policies_->DeletePolicy(ctx2.get(), d, &empty),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
}

TEST_F(GovernanceRpcTest, APolicyThatDoesNotCompileIsRefusedWithItsPosition) {
  grpc::Status s = CreatePolicy(fx_->admin_token(), "", "broken",
                                Rule("resource.tier ==\n  'a' +"));
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  auto fields = FieldViolationsOf(s);
  ASSERT_THAT(fields, SizeIs(1));
  EXPECT_EQ(fields[0].field, "policy.condition");
  EXPECT_THAT(fields[0].description, HasSubstr(":2:"));
  EXPECT_THAT(fields[0].description, HasSubstr("^"));
  // `previous` is not bound on create triggers: a type error, not a
  // surprise at run time.
  s = CreatePolicy(fx_->admin_token(), "", "no-previous",
                   Rule("previous.description == resource.description"));
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(s.error_message(), HasSubstr("previous"));
}

TEST_F(GovernanceRpcTest, ValidateOnlyChecksEverythingAndStoresNothing) {
  EXPECT_TRUE(CreatePolicy(fx_->admin_token(), "", "dry", Rule("true"), nullptr,
                           /*validate_only=*/true)
                  .ok());
  v1::GetPolicyRequest g;
  g.set_name("policies/dry");
  v1::Policy out;
  auto ctx = fx_->AdminContext();
  EXPECT_THAT(policies_->GetPolicy(ctx.get(), g, &out),
              GrpcIs(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(
      CreatePolicy(fx_->admin_token(), "", "dry", Rule("1 +"), nullptr, true),
      GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
}

TEST_F(GovernanceRpcTest, EnforcedDenyRefusesWithEveryViolationNamed) {
  ASSERT_TRUE(CreatePolicy(fx_->admin_token(), "", "has-description",
                           Rule("has(resource.description)"))
                  .ok());
  v1::Policy domain_rule = Rule("size(resource.tags) > 0");
  domain_rule.set_message_expression("'add a tag to ' + resource.name");
  ASSERT_TRUE(
      CreatePolicy(ana_, "domains/sales", "has-tags", domain_rule).ok());

  // A product in the subdomain: the global rule and the parent domain's.
  grpc::Status s = CreateProduct("sales-emea", "orders", "");
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ReasonOf(s), "POLICY_VIOLATION");
  auto v = ViolationsOf(s);
  ASSERT_THAT(PolicyNames(v), ElementsAre("domains/sales/policies/has-tags",
                                          "policies/has-description"));
  EXPECT_EQ(v[0].scope(), "domains/sales");
  EXPECT_EQ(v[0].effect(), "DENY");
  EXPECT_EQ(v[0].enforcement(), "ENFORCED");
  EXPECT_EQ(v[0].message(),
            "add a tag to domains/sales-emea/dataProducts/orders");
  EXPECT_EQ(v[0].revision(), 1);
  EXPECT_EQ(v[1].scope(), "global");
  EXPECT_EQ(v[1].message(), "the rule does not hold");
  // Nothing was written.
  v1::GetDataProductRequest g;
  g.set_name("domains/sales-emea/dataProducts/orders");
  v1::DataProduct out;
  auto ctx = fx_->AdminContext();
  EXPECT_THAT(products_->GetDataProduct(ctx.get(), g, &out),
              GrpcIs(grpc::StatusCode::NOT_FOUND));
  // The sales rule does not reach finance; the global one does.
  s = CreateProduct("finance", "ledger", "");
  EXPECT_THAT(PolicyNames(ViolationsOf(s)),
              ElementsAre("policies/has-description"));
  EXPECT_TRUE(CreateProduct("finance", "ledger", "The ledger").ok());
  EXPECT_TRUE(
      CreateProduct("sales", "orders", "Orders", nullptr, {"core"}).ok());
}

TEST_F(GovernanceRpcTest, WarnAndDryRunLetTheWriteThroughWithWarnings) {
  ASSERT_TRUE(
      CreatePolicy(fx_->admin_token(), "", "warn-tags",
                   Rule("size(resource.tags) > 0", v1::POLICY_EFFECT_WARN))
          .ok());
  ASSERT_TRUE(
      CreatePolicy(fx_->admin_token(), "", "new-rule",
                   Rule("resource.description.size() > 10",
                        v1::POLICY_EFFECT_DENY, v1::POLICY_ENFORCEMENT_DRY_RUN))
          .ok());
  v1::DataProduct created;
  grpc::Status s = CreateProduct("sales", "orders", "short", &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_THAT(created.warnings(), SizeIs(2));
  EXPECT_EQ(created.warnings(0).source(), "policies/new-rule");
  EXPECT_THAT(created.warnings(0).message(), HasSubstr("dry run"));
  EXPECT_EQ(created.warnings(1).source(), "policies/warn-tags");

  // The decision log has the decision with the policy versions used.
  v1::ListAuditRecordsRequest r;
  r.set_filter("resource = \"domains/sales/dataProducts/orders\"");
  v1::ListAuditRecordsResponse page;
  auto ctx = fx_->AdminContext();
  ASSERT_TRUE(fx_->Events()->ListAuditRecords(ctx.get(), r, &page).ok());
  ASSERT_THAT(page.audit_records(), SizeIs(1));
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(
                  page.audit_records(0).decision(), &json)
                  .ok());
  EXPECT_THAT(json, HasSubstr("\"outcome\":\"ALLOW\""));
  EXPECT_THAT(json, HasSubstr("policies/new-rule"));
  EXPECT_THAT(json, HasSubstr("policies/warn-tags"));
  EXPECT_THAT(json, HasSubstr("\"revision\":1"));
}

TEST_F(GovernanceRpcTest,
       ARunTimeErrorFailsClosedWhenEnforcedAndOnlyWarnsInDryRun) {
  // Division by zero at run time (the type checker cannot see it).
  const std::string divides_by_zero =
      "100 / (size(resource.tags) - size(resource.tags)) > 1";
  ASSERT_TRUE(CreatePolicy(fx_->admin_token(), "", "zero-dry",
                           Rule(divides_by_zero, v1::POLICY_EFFECT_DENY,
                                v1::POLICY_ENFORCEMENT_DRY_RUN))
                  .ok());
  v1::DataProduct created;
  ASSERT_TRUE(CreateProduct("sales", "a", "A product", &created).ok());
  ASSERT_THAT(created.warnings(), SizeIs(1));
  EXPECT_THAT(created.warnings(0).message(), HasSubstr("divide by zero"));

  ASSERT_TRUE(
      CreatePolicy(fx_->admin_token(), "", "zero", Rule(divides_by_zero)).ok());
  grpc::Status s = CreateProduct("sales", "b", "B product");
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  auto v = ViolationsOf(s);
  ASSERT_THAT(v, SizeIs(1));
  EXPECT_EQ(v[0].policy(), "policies/zero");
  EXPECT_TRUE(v[0].evaluation_error());
  EXPECT_THAT(v[0].message(), HasSubstr("divide by zero"));
}

TEST_F(GovernanceRpcTest, AWaiverExemptsOneResourceUntilItExpires) {
  ASSERT_TRUE(CreatePolicy(fx_->admin_token(), "", "has-description",
                           Rule("has(resource.description)"))
                  .ok());
  v1::CreateWaiverRequest w;
  w.set_parent("policies/has-description");
  w.set_waiver_id("legacy-orders");
  w.mutable_waiver()->set_resource("domains/sales/dataProducts/legacy");
  w.mutable_waiver()->set_reason("migrated from the old catalogue");
  w.mutable_waiver()->mutable_expire_time()->set_seconds(
      absl::ToUnixSeconds(absl::Now()) + 3);
  v1::Waiver waiver;
  // ana owns neither the policy nor its scope.
  auto denied = ServerFixture::Context(ana_);
  EXPECT_THAT(policies_->CreateWaiver(denied.get(), w, &waiver),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  // gina is in the policy's owner team.
  auto ctx = ServerFixture::Context(gina_);
  grpc::Status s = policies_->CreateWaiver(ctx.get(), w, &waiver);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(waiver.name(), "policies/has-description/waivers/legacy-orders");
  EXPECT_EQ(waiver.created_by(), "user:gina@example.com");

  EXPECT_TRUE(CreateProduct("sales", "legacy", "").ok());  // waived
  EXPECT_THAT(CreateProduct("sales", "other", ""),         // not this one
              GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  // Expired waivers stop applying by themselves.
  v1::DeleteDataProductRequest d;
  d.set_name("domains/sales/dataProducts/legacy");
  google::protobuf::Empty empty;
  auto ctx2 = fx_->AdminContext();
  ASSERT_TRUE(products_->DeleteDataProduct(ctx2.get(), d, &empty).ok());
  absl::SleepFor(absl::Seconds(3.5));
  EXPECT_THAT(CreateProduct("sales", "legacy", ""),
              GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));

  // A non-waivable global policy cannot be waived.
  v1::Policy strict = Rule("true");
  strict.set_waivable(false);
  ASSERT_TRUE(CreatePolicy(fx_->admin_token(), "", "strict", strict).ok());
  w.set_parent("policies/strict");
  w.mutable_waiver()->mutable_expire_time()->set_seconds(
      absl::ToUnixSeconds(absl::Now()) + 3600);
  auto ctx3 = fx_->AdminContext();
  s = policies_->CreateWaiver(ctx3.get(), w, &waiver);
  EXPECT_THAT(s, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ReasonOf(s), "NOT_WAIVABLE");
}

TEST_F(GovernanceRpcTest, UpdateAndLifecycleTriggersSeePrevious) {
  v1::Policy keep_owner;
  keep_owner.add_triggers("domain.update");
  keep_owner.set_condition("previous.owner_team == resource.owner_team");
  keep_owner.set_effect(v1::POLICY_EFFECT_DENY);
  keep_owner.set_message(
      "a domain's owner team changes through the governance team");
  keep_owner.set_owner("teams/governance");
  ASSERT_TRUE(
      CreatePolicy(fx_->admin_token(), "", "keep-owner", keep_owner).ok());
  v1::UpdateDomainRequest u;
  u.mutable_domain()->set_name("domains/finance");
  u.mutable_domain()->set_owner_team("teams/sales-eng");
  u.mutable_update_mask()->add_paths("owner_team");
  v1::Domain out;
  auto ctx = fx_->AdminContext();
  EXPECT_THAT(domains_->UpdateDomain(ctx.get(), u, &out),
              GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));

  v1::Policy sunset;
  sunset.add_triggers("dataproduct.lifecycle");
  sunset.set_condition(
      "resource.lifecycle != 'DEPRECATED' || previous.lifecycle == "
      "'DEPRECATED' || "
      "(has(resource.sunset_time) && resource.sunset_time >= now + "
      "duration('720h'))");
  sunset.set_effect(v1::POLICY_EFFECT_DENY);
  sunset.set_message(
      "a deprecated product names a sunset at least 30 days ahead");
  sunset.set_owner("teams/governance");
  ASSERT_TRUE(CreatePolicy(fx_->admin_token(), "", "sunset", sunset).ok());
  ASSERT_TRUE(CreateProduct("sales", "orders", "Orders").ok());
  v1::PublishDataProductRequest pub;
  pub.set_name("domains/sales/dataProducts/orders");
  v1::DataProduct published;
  auto ctx_pub = fx_->AdminContext();
  ASSERT_TRUE(
      products_->PublishDataProduct(ctx_pub.get(), pub, &published).ok());
  v1::DeprecateDataProductRequest dep;
  dep.set_name("domains/sales/dataProducts/orders");
  dep.mutable_sunset_time()->set_seconds(absl::ToUnixSeconds(absl::Now()) +
                                         86400);
  v1::DataProduct p;
  auto ctx2 = fx_->AdminContext();
  grpc::Status s = products_->DeprecateDataProduct(ctx2.get(), dep, &p);
  ASSERT_THAT(s, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_THAT(PolicyNames(ViolationsOf(s)), ElementsAre("policies/sunset"));
  dep.mutable_sunset_time()->set_seconds(absl::ToUnixSeconds(absl::Now()) +
                                         40 * 86400);
  auto ctx3 = fx_->AdminContext();
  EXPECT_TRUE(products_->DeprecateDataProduct(ctx3.get(), dep, &p).ok());
}

TEST_F(GovernanceRpcTest, RevisionsAreKeptAndOutliveTheirPolicy) {
  v1::Policy p;
  ASSERT_TRUE(
      CreatePolicy(fx_->admin_token(), "", "history", Rule("true"), &p).ok());
  v1::UpdatePolicyRequest u;
  *u.mutable_policy() = p;
  u.mutable_policy()->set_condition("resource.tier >= 0");
  u.mutable_update_mask()->add_paths("condition");
  v1::Policy updated;
  auto ctx = fx_->AdminContext();
  ASSERT_TRUE(policies_->UpdatePolicy(ctx.get(), u, &updated).ok());
  EXPECT_EQ(updated.revision(), 2);
  // A stale etag changes nothing.
  u.mutable_policy()->set_condition("false");
  auto ctx2 = fx_->AdminContext();
  EXPECT_THAT(policies_->UpdatePolicy(ctx2.get(), u, &updated),
              GrpcIs(grpc::StatusCode::ABORTED));
  v1::DeletePolicyRequest d;
  d.set_name("policies/history");
  google::protobuf::Empty empty;
  auto ctx3 = fx_->AdminContext();
  ASSERT_TRUE(policies_->DeletePolicy(ctx3.get(), d, &empty).ok());
  v1::ListPolicyRevisionsRequest r;
  r.set_name("policies/history");
  v1::ListPolicyRevisionsResponse page;
  auto ctx4 = fx_->AdminContext();
  ASSERT_TRUE(policies_->ListPolicyRevisions(ctx4.get(), r, &page).ok());
  ASSERT_THAT(page.revisions(), SizeIs(2));
  EXPECT_EQ(page.revisions(0).policy().revision(), 2);
  EXPECT_EQ(page.revisions(0).policy().condition(), "resource.tier >= 0");
  EXPECT_EQ(page.revisions(0).author(), "user:admin");
  EXPECT_EQ(page.revisions(1).policy().condition(), "true");
}

TEST_F(GovernanceRpcTest, ListsTheEffectiveSetOfADomain) {
  ASSERT_TRUE(CreatePolicy(fx_->admin_token(), "", "g", Rule("true")).ok());
  ASSERT_TRUE(CreatePolicy(ana_, "domains/sales", "s", Rule("true")).ok());
  ASSERT_TRUE(CreatePolicy(ana_, "domains/sales-emea", "e", Rule("true")).ok());
  ASSERT_TRUE(
      CreatePolicy(fx_->admin_token(), "domains/finance", "f", Rule("true"))
          .ok());
  v1::ListPoliciesRequest r;
  r.set_parent("domains/sales-emea");
  r.set_include_inherited(true);
  v1::ListPoliciesResponse page;
  auto ctx = fx_->AdminContext();
  ASSERT_TRUE(policies_->ListPolicies(ctx.get(), r, &page).ok());
  std::vector<std::string> names;
  for (const auto& p : page.policies()) names.push_back(p.name());
  EXPECT_THAT(names, ElementsAre("policies/g", "domains/sales/policies/s",
                                 "domains/sales-emea/policies/e"));
}

TEST_F(GovernanceRpcTest, EvaluatePoliciesDecidesWithoutWriting) {
  ASSERT_TRUE(CreatePolicy(fx_->admin_token(), "", "has-description",
                           Rule("has(resource.description)"))
                  .ok());
  v1::EvaluatePoliciesRequest r;
  r.set_trigger("dataproduct.create");
  r.set_resource_name("domains/sales/dataProducts/planned");
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(
          R"({"name": "domains/sales/dataProducts/planned", "tags": []})",
          r.mutable_resource())
          .ok());
  v1::EvaluatePoliciesResponse out;
  auto ctx = ServerFixture::Context(ana_);
  ASSERT_TRUE(policies_->EvaluatePolicies(ctx.get(), r, &out).ok());
  EXPECT_EQ(out.decision().outcome(), v1::DECISION_OUTCOME_DENY);
  ASSERT_THAT(out.decision().violations(), SizeIs(1));
  EXPECT_EQ(out.decision().evaluated(0).policy(), "policies/has-description");
  EXPECT_TRUE(out.decision().evaluated(0).violated());
  // An unknown trigger is bad input.
  r.set_trigger("dataproduct.explode");
  auto ctx2 = ServerFixture::Context(ana_);
  EXPECT_THAT(policies_->EvaluatePolicies(ctx2.get(), r, &out),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
}

TEST_F(GovernanceRpcTest, SimulatePolicyReportsWhatADraftWouldRefuse) {
  ASSERT_TRUE(CreateProduct("sales", "a", "described").ok());
  ASSERT_TRUE(CreateProduct("sales-emea", "b", "").ok());
  ASSERT_TRUE(CreateProduct("finance", "c", "").ok());
  v1::SimulatePolicyRequest r;
  r.set_parent("domains/sales");
  *r.mutable_policy() = Rule("has(resource.description)");
  auto ctx = ServerFixture::Context(ana_);
  auto reader = policies_->SimulatePolicy(ctx.get(), r);
  std::vector<std::string> refused;
  v1::SimulationSummary summary;
  v1::SimulatePolicyResponse item;
  while (reader->Read(&item)) {
    if (item.has_result()) refused.push_back(item.result().resource());
    if (item.has_summary()) summary = item.summary();
  }
  ASSERT_TRUE(reader->Finish().ok());
  // Only the sales subtree is covered; finance's product is out of scope.
  EXPECT_THAT(refused, ElementsAre("domains/sales-emea/dataProducts/b"));
  EXPECT_EQ(summary.evaluated(), 2);
  EXPECT_EQ(summary.violated(), 1);
  EXPECT_FALSE(summary.truncated());
}

}  // namespace
}  // namespace meshplane::testing
