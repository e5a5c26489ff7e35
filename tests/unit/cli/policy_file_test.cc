// Policy and Waiver documents (the YAML of `apply` and `policy apply`), the
// YAML -> JSON conversion of `policy eval` / `policy test`, and policy names
// typed in short form.
#include "cli/policy_file.h"

#include "cli/descriptor.h"
#include "cli/util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/cli_test_util.h"

namespace meshplane::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

namespace v1 = ::meshplane::v1;

using test_util::ErrorStrings;

constexpr char kPolicy[] = R"(apiVersion: meshplane.dev/v1
kind: Policy
metadata:
  name: tier-one-slo
  domain: sales
  labels: {area: slo}
spec:
  displayName: Tier one SLO
  description: Tier-1 ports promise 99.5%.
  triggers: [dataproduct.create, dataproduct.update]
  condition: resource.tier != 1 || resource.output_ports.size() > 0
  effect: warn
  enforcement: DRY_RUN
  message: tier-1 products declare an SLO
  messageExpression: '"port " + resource.name'
  owner: sales-eng
  waivable: false
)";

TEST(PolicyDocumentTest, ParsesEveryField) {
  ParseResult r = ParseDescriptors(kPolicy, "p.yaml", {});
  ASSERT_THAT(r.errors, IsEmpty()) << ErrorStrings(r)[0];
  ASSERT_THAT(r.descriptors, SizeIs(1));
  const Descriptor& d = r.descriptors[0];
  EXPECT_EQ(d.kind, DescriptorKind::kPolicy);
  EXPECT_EQ(d.Ref(), "policy/sales/tier-one-slo");
  EXPECT_EQ(d.id, "tier-one-slo");
  EXPECT_EQ(d.parent, "domains/sales");
  const v1::Policy& p = d.policy;
  EXPECT_EQ(p.name(), "domains/sales/policies/tier-one-slo");
  EXPECT_EQ(p.display_name(), "Tier one SLO");
  EXPECT_EQ(p.description(), "Tier-1 ports promise 99.5%.");
  EXPECT_THAT(p.triggers(),
              ElementsAre("dataproduct.create", "dataproduct.update"));
  EXPECT_EQ(p.condition(),
            "resource.tier != 1 || resource.output_ports.size() > 0");
  EXPECT_EQ(p.effect(), v1::POLICY_EFFECT_WARN);
  EXPECT_EQ(p.enforcement(), v1::POLICY_ENFORCEMENT_DRY_RUN);
  EXPECT_EQ(p.message(), "tier-1 products declare an SLO");
  EXPECT_EQ(p.message_expression(), "\"port \" + resource.name");
  EXPECT_EQ(p.owner(), "teams/sales-eng");
  EXPECT_TRUE(p.has_waivable());
  EXPECT_FALSE(p.waivable());
  EXPECT_EQ(p.labels().at("area"), "slo");
  // Declarative: every field is in the mask, the owner because it is given.
  EXPECT_THAT(d.update_mask,
              ElementsAre("display_name", "description", "triggers",
                          "condition", "effect", "enforcement", "message",
                          "message_expression", "labels", "waivable", "owner"));
}

TEST(PolicyDocumentTest, GlobalPolicyDefaults) {
  ParseResult r = ParseDescriptors(R"(apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: owners}
spec:
  triggers: [dataproduct.create]
  condition: has(resource.owner_team)
  effect: DENY
  owner: teams/governance
)",
                                   "g.yaml", {});
  ASSERT_THAT(r.errors, IsEmpty()) << ErrorStrings(r)[0];
  const Descriptor& d = r.descriptors[0];
  EXPECT_EQ(d.Ref(), "policy/owners");
  EXPECT_EQ(d.parent, "");
  EXPECT_EQ(d.policy.name(), "policies/owners");
  EXPECT_EQ(d.policy.enforcement(), v1::POLICY_ENFORCEMENT_ENFORCED);
  EXPECT_TRUE(d.policy.waivable());
  EXPECT_EQ(d.policy.owner(), "teams/governance");
}

TEST(PolicyDocumentTest, ReportsEachProblemWithItsPlace) {
  ParseResult r = ParseDescriptors(R"(apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: Bad_Id}
spec:
  triggers: []
  condition: "  "
  effect: BLOCK
  enforcement: sometimes
  waivable: maybe
  colour: red
)",
                                   "bad.yaml", {});
  EXPECT_THAT(r.descriptors, IsEmpty());
  std::vector<std::string> errors = ErrorStrings(r);
  for (const char* want :
       {"bad.yaml:3:18: metadata.name: \"Bad_Id\" is not a valid id",
        "bad.yaml:5:13: spec.triggers: needs at least one trigger",
        "bad.yaml:6:14: spec.condition: must not be empty",
        "bad.yaml:7:11: spec.effect: \"BLOCK\" is not an effect (DENY, WARN "
        "or REQUIRE_APPROVAL)",
        "spec.enforcement: \"sometimes\" is not an enforcement",
        "spec.waivable: expected true or false",
        "bad.yaml:10:3: spec.colour: unknown field",
        "spec.owner: required field is missing (global policies need an owner "
        "team)"}) {
    EXPECT_THAT(errors, testing::Contains(HasSubstr(want)));
  }
}

TEST(PolicyDocumentTest, ParsesAWaiver) {
  ParseResult r = ParseDescriptors(R"(apiVersion: meshplane.dev/v1
kind: Waiver
metadata:
  name: legacy-orders
  policy: tier-one-slo
  domain: sales
spec:
  resource: domains/sales/dataProducts/orders
  reason: SLO agreed in INC-42
  expireTime: 2027-01-01T00:00:00Z
)",
                                   "w.yaml", {});
  ASSERT_THAT(r.errors, IsEmpty()) << ErrorStrings(r)[0];
  const Descriptor& d = r.descriptors[0];
  EXPECT_EQ(d.kind, DescriptorKind::kWaiver);
  EXPECT_EQ(d.Ref(), "waiver/sales/tier-one-slo/legacy-orders");
  EXPECT_EQ(d.parent, "domains/sales/policies/tier-one-slo");
  EXPECT_EQ(d.waiver.name(),
            "domains/sales/policies/tier-one-slo/waivers/legacy-orders");
  EXPECT_EQ(d.waiver.resource(), "domains/sales/dataProducts/orders");
  EXPECT_EQ(d.waiver.reason(), "SLO agreed in INC-42");
  EXPECT_EQ(d.waiver.expire_time().seconds(), 1798761600);
}

TEST(PolicyDocumentTest, WaiverNeedsAPolicyAResourceAndATime) {
  ParseResult r = ParseDescriptors(R"(apiVersion: meshplane.dev/v1
kind: Waiver
metadata: {name: w}
spec:
  resource: orders
  expireTime: next week
)",
                                   "w.yaml", {});
  std::vector<std::string> errors = ErrorStrings(r);
  EXPECT_THAT(errors, testing::Contains(HasSubstr(
                          "metadata.policy: required field is missing")));
  EXPECT_THAT(errors, testing::Contains(HasSubstr(
                          "spec.resource: \"orders\" is not a resource name")));
  EXPECT_THAT(errors, testing::Contains(
                          HasSubstr("spec.reason: required field is missing")));
  EXPECT_THAT(errors, testing::Contains(HasSubstr(
                          "spec.expireTime: \"next week\" is not a time")));
}

TEST(PolicyDocumentTest, ApplyOrderPutsPoliciesAfterDomainsBeforeProducts) {
  ParseResult r = ParseDescriptors(R"(apiVersion: meshplane.dev/v1
kind: DataProduct
metadata: {name: orders, domain: sales}
spec: {ownerTeam: t}
---
apiVersion: meshplane.dev/v1
kind: Waiver
metadata: {name: w, policy: owners}
spec: {resource: domains/sales/dataProducts/orders, reason: r,
       expireTime: 2027-01-01}
---
apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: owners}
spec: {triggers: [dataproduct.create], condition: "true", effect: DENY,
       owner: governance}
---
apiVersion: meshplane.dev/v1
kind: Domain
metadata: {name: sales}
spec: {ownerTeam: t}
)",
                                   "m.yaml", {});
  ASSERT_THAT(r.errors, IsEmpty()) << ErrorStrings(r)[0];
  std::vector<std::string> refs;
  for (const Descriptor& d : OrderForApply(r.descriptors)) {
    refs.push_back(d.Ref());
  }
  EXPECT_THAT(refs, ElementsAre("domain/sales", "policy/owners",
                                "waiver/owners/w", "dataProduct/sales/orders"));
}

TEST(YamlToJsonTest, PlainScalarsAreTypedQuotedOnesAreStrings) {
  auto json = ParseYamlDocument(R"(tier: 1
tier_text: "1"
ratio: 99.5
flag: true
flag_text: 'true'
nothing: ~
empty:
name: orders
when: 2026-11-21T00:00:00Z
list: [1, two, 3.0]
nested: {a: {b: null}}
block: |
  42
)",
                                "doc.yaml");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ((*json)["tier"], 1);
  EXPECT_TRUE((*json)["tier"].is_number_integer());
  EXPECT_EQ((*json)["tier_text"], "1");
  EXPECT_EQ((*json)["ratio"], 99.5);
  EXPECT_EQ((*json)["flag"], true);
  EXPECT_EQ((*json)["flag_text"], "true");
  EXPECT_TRUE((*json)["nothing"].is_null());
  EXPECT_TRUE((*json)["empty"].is_null());
  EXPECT_EQ((*json)["name"], "orders");
  EXPECT_EQ((*json)["when"], "2026-11-21T00:00:00Z");
  EXPECT_EQ((*json)["list"], nlohmann::json::parse(R"([1, "two", 3.0])"));
  EXPECT_TRUE((*json)["nested"]["a"]["b"].is_null());
  EXPECT_EQ((*json)["block"], "42\n");
}

TEST(YamlToJsonTest, RejectsSyntaxErrorsSeveralDocumentsAndComplexKeys) {
  auto bad = ParseYamlDocument("a: [1, 2\n", "bad.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("bad.yaml:"));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("invalid YAML"));
  auto two = ParseYamlDocument("a: 1\n---\nb: 2\n", "two.yaml");
  ASSERT_FALSE(two.ok());
  EXPECT_THAT(std::string(two.status().message()),
              HasSubstr("expected one document, found 2"));
  auto key = ParseYamlDocument("? [a, b]\n: 1\n", "key.yaml");
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(std::string(key.status().message()),
              HasSubstr("key.yaml:1:3: a mapping key must be a string"));
}

TEST(PolicyNameTest, AcceptsShortAndFullForms) {
  EXPECT_EQ(*PolicyName("owners", ""), "policies/owners");
  EXPECT_EQ(*PolicyName("owners", "sales"), "domains/sales/policies/owners");
  EXPECT_EQ(*PolicyName("sales/slo", ""), "domains/sales/policies/slo");
  EXPECT_EQ(*PolicyName("policies/owners", "sales"), "policies/owners");
  EXPECT_EQ(*PolicyName("domains/sales/policies/slo", ""),
            "domains/sales/policies/slo");
  EXPECT_FALSE(PolicyName("Owners", "").ok());
  EXPECT_FALSE(PolicyName("a/b/c", "").ok());
  EXPECT_FALSE(PolicyName("", "").ok());
  EXPECT_EQ(ShortPolicyName("policies/owners"), "owners");
  EXPECT_EQ(ShortPolicyName("domains/sales/policies/slo"), "sales/slo");
}

}  // namespace
}  // namespace meshplane::cli
