// The policy commands against an in-process fake PolicyService: what
// `policy apply`, `policy eval` and `policy waive` send, what they print and
// their exit codes.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "cli/app.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/cli_test_util.h"
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>

#include "meshplane/v1/policy.grpc.pb.h"

namespace meshplane::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

namespace v1 = ::meshplane::v1;

class FakePolicies final : public v1::PolicyService::Service {
 public:
  grpc::Status GetPolicy(grpc::ServerContext*, const v1::GetPolicyRequest* r,
                         v1::Policy* response) override {
    absl::MutexLock lock(&mu_);
    auto it = stored_.find(r->name());
    if (it == stored_.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, r->name());
    }
    *response = it->second;
    return grpc::Status::OK;
  }
  grpc::Status CreatePolicy(grpc::ServerContext*,
                            const v1::CreatePolicyRequest* r,
                            v1::Policy* response) override {
    absl::MutexLock lock(&mu_);
    return test_util::RecordAndAnswer(*r, &creates_, grpc::Status::OK,
                                      r->policy(), response);
  }
  grpc::Status UpdatePolicy(grpc::ServerContext*,
                            const v1::UpdatePolicyRequest* r,
                            v1::Policy* response) override {
    absl::MutexLock lock(&mu_);
    return test_util::RecordAndAnswer(*r, &updates_, grpc::Status::OK,
                                      r->policy(), response);
  }
  grpc::Status CreateWaiver(grpc::ServerContext*,
                            const v1::CreateWaiverRequest* r,
                            v1::Waiver* response) override {
    absl::MutexLock lock(&mu_);
    return test_util::RecordAndAnswer(*r, &waivers_, grpc::Status::OK,
                                      r->waiver(), response);
  }
  grpc::Status EvaluatePolicies(
      grpc::ServerContext*, const v1::EvaluatePoliciesRequest* r,
      v1::EvaluatePoliciesResponse* response) override {
    absl::MutexLock lock(&mu_);
    evaluations_.push_back(*r);
    *response->mutable_decision() = decision_;
    return grpc::Status::OK;
  }

  absl::Mutex mu_;
  std::map<std::string, v1::Policy> stored_;
  v1::Decision decision_;
  std::vector<v1::CreatePolicyRequest> creates_;
  std::vector<v1::UpdatePolicyRequest> updates_;
  std::vector<v1::CreateWaiverRequest> waivers_;
  std::vector<v1::EvaluatePoliciesRequest> evaluations_;
};

class PolicyCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start({&fake_}));
    ASSERT_TRUE(dir_.Create("policy-cli"));
  }

  using Result = test_util::CliResult;

  Result Cli(const std::vector<std::string>& args) {
    return test_util::RunCliAt(server_.addr(), "", args);
  }

  std::string Write(const std::string& name, const std::string& text) {
    return dir_.Write(name, text);
  }

  FakePolicies fake_;
  test_util::LoopbackServer server_;
  test_util::ScratchDir dir_;
};

constexpr char kThreePolicies[] = R"(apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: fresh}
spec: {triggers: [dataproduct.create], condition: "true", effect: DENY,
       owner: governance}
---
apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: same}
spec: {triggers: [dataproduct.create], condition: "true", effect: WARN,
       owner: governance}
---
apiVersion: meshplane.dev/v1
kind: Policy
metadata: {name: changed, domain: sales}
spec: {triggers: [dataproduct.create], condition: "false", effect: DENY}
)";

TEST_F(PolicyCliTest, ApplyCreatesUpdatesAndLeavesAlone) {
  {
    absl::MutexLock lock(&fake_.mu_);
    v1::Policy same;
    same.set_name("policies/same");
    same.add_triggers("dataproduct.create");
    same.set_condition("true");
    same.set_effect(v1::POLICY_EFFECT_WARN);
    same.set_owner("teams/governance");
    // Unset enforcement and waivable are the server's defaults, which the
    // file's omissions mean too.
    fake_.stored_["policies/same"] = same;
    v1::Policy changed;
    changed.set_name("domains/sales/policies/changed");
    changed.add_triggers("dataproduct.create");
    changed.set_condition("true");
    changed.set_effect(v1::POLICY_EFFECT_DENY);
    changed.set_owner("teams/sales-eng");  // the domain's default owner
    changed.set_etag("7");
    fake_.stored_[changed.name()] = changed;
  }
  Result r = Cli({"policy", "apply", "-f", Write("p.yaml", kThreePolicies)});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "policy/fresh created\npolicy/same unchanged\n"
            "policy/sales/changed updated\n");
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.creates_, SizeIs(1));
  EXPECT_EQ(fake_.creates_[0].parent(), "");
  EXPECT_EQ(fake_.creates_[0].policy_id(), "fresh");
  EXPECT_EQ(fake_.creates_[0].policy().name(), "");
  EXPECT_EQ(fake_.creates_[0].policy().owner(), "teams/governance");
  EXPECT_FALSE(fake_.creates_[0].validate_only());
  ASSERT_THAT(fake_.updates_, SizeIs(1));
  const v1::UpdatePolicyRequest& u = fake_.updates_[0];
  EXPECT_EQ(u.policy().name(), "domains/sales/policies/changed");
  EXPECT_EQ(u.policy().condition(), "false");
  EXPECT_EQ(u.policy().etag(), "7");
  // Every field of the file, but not the owner it leaves to the server.
  EXPECT_THAT(u.update_mask().paths(),
              ElementsAre("display_name", "description", "triggers",
                          "condition", "effect", "enforcement", "message",
                          "message_expression", "labels", "waivable"));
}

TEST_F(PolicyCliTest, ApplyDryRunValidatesOnly) {
  Result r = Cli(
      {"policy", "apply", "--dry-run", "-f", Write("p.yaml", kThreePolicies)});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("policy/fresh created (dry run: nothing was changed)"));
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.creates_, SizeIs(3));
  for (const auto& c : fake_.creates_) EXPECT_TRUE(c.validate_only());
}

TEST_F(PolicyCliTest, PolicyApplyRefusesOtherKinds) {
  Result r = Cli({"policy", "apply", "-f", Write("d.yaml", R"(
apiVersion: meshplane.dev/v1
kind: Domain
metadata: {name: sales}
spec: {ownerTeam: t}
)")});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("policy apply takes only Policy and Waiver "
                               "documents"));
}

TEST_F(PolicyCliTest, EvalSendsTypedDocumentsAndExitsOneOnDeny) {
  {
    absl::MutexLock lock(&fake_.mu_);
    fake_.decision_.set_outcome(v1::DECISION_OUTCOME_DENY);
    *fake_.decision_.add_violations() = test_util::EnforcedViolation(
        "policies/owners", "global", "DENY", 3, "name an owner");
  }
  std::string resource = Write("r.yaml", R"(name: domains/sales/dataProducts/x
tier: 1
tags: [a]
)");
  std::string request = Write("q.yaml", "purpose: reporting\n");
  Result r = Cli({"policy", "eval", "--trigger", "dataproduct.create", "-f",
                  resource, "--request", request});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("outcome: DENY\n  policy policies/owners "
                               "(global, DENY, ENFORCED, revision 3): name an "
                               "owner\n"));
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.evaluations_, SizeIs(1));
  const v1::EvaluatePoliciesRequest& e = fake_.evaluations_[0];
  EXPECT_EQ(e.trigger(), "dataproduct.create");
  EXPECT_EQ(e.resource_name(), "domains/sales/dataProducts/x");
  EXPECT_EQ(e.resource().fields().at("tier").number_value(), 1);
  EXPECT_EQ(e.request().fields().at("purpose").string_value(), "reporting");
}

TEST_F(PolicyCliTest, EvalExitsZeroOnAllowAndApproval) {
  std::string resource = Write("r.yaml", "{tier: 2}\n");
  {
    absl::MutexLock lock(&fake_.mu_);
    fake_.decision_.set_outcome(v1::DECISION_OUTCOME_REQUIRE_APPROVAL);
  }
  Result r = Cli({"policy", "eval", "--trigger", "access.request", "-f",
                  resource, "--resource-name", "domains/s/dataProducts/p"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("outcome: REQUIRE_APPROVAL"));
  // Without --resource-name and without a `name`, the name is asked for.
  r = Cli({"policy", "eval", "--trigger", "access.request", "-f", resource});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--resource-name is required"));
}

TEST_F(PolicyCliTest, WaiveNamesTheWaiverAfterTheResource) {
  absl::Time before = absl::Now();
  Result r = Cli({"policy", "waive", "sales/slo", "--resource", "sales/orders",
                  "--reason", "agreed", "--expires", "30d"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("waiver/sales/slo/orders created"));
  absl::MutexLock lock(&fake_.mu_);
  ASSERT_THAT(fake_.waivers_, SizeIs(1));
  const v1::CreateWaiverRequest& w = fake_.waivers_[0];
  EXPECT_EQ(w.parent(), "domains/sales/policies/slo");
  EXPECT_EQ(w.waiver_id(), "orders");
  EXPECT_EQ(w.waiver().resource(), "domains/sales/dataProducts/orders");
  EXPECT_EQ(w.waiver().reason(), "agreed");
  int64_t expiry = w.waiver().expire_time().seconds();
  EXPECT_GE(expiry, absl::ToUnixSeconds(before + absl::Hours(24 * 30)) - 1);
  EXPECT_LE(expiry, absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 30)));
}

TEST_F(PolicyCliTest, WaiveNeedsReasonAndAValidExpiry) {
  Result r = Cli({"policy", "waive", "owners", "--resource", "sales/orders",
                  "--expires", "30d"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--reason is required"));
  r = Cli({"policy", "waive", "owners", "--resource", "sales/orders",
           "--reason", "x", "--expires", "soon"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--expires soon: expected a time"));
}

}  // namespace
}  // namespace meshplane::cli
