// Benchmarks of the governance engine:
//   BM_Build/N            PolicySet::Build of N policies (each compiled);
//   BM_EvaluateMixed/N    a dataproduct.create against N policies of which
//                         about 90% are for other triggers or other domains
//                         and the rest apply and hold;
//   BM_EvaluateAll/N      the same with all N policies applicable;
//   BM_EvaluateTrivial/N  all applicable, conditions `true`: the engine's
//                         own overhead.
// The conditions are the kind a platform team writes: field presence, naming
// rules (regular expressions), classification rules over lists, freshness.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"

#include "meshplane/policy/engine.h"

namespace policy = meshplane::policy;

namespace {

constexpr char kProduct[] = R"({
  "name": "domains/sales/dataProducts/orders",
  "id": "orders",
  "display_name": "Orders",
  "description": "Every order placed in the web shop, one row per order line.",
  "owner_team": "teams/sales-data",
  "domain_id": "sales",
  "lifecycle": "DRAFT",
  "tier": 2,
  "classification": "confidential",
  "tags": ["pii", "orders", "gold"],
  "create_time": "2024-05-01T10:00:00Z",
  "update_time": "2024-05-02T10:00:00Z",
  "sla": {"availability": 99.9, "max_staleness": "3600s", "latency": "5m"},
  "output_ports": [
    {"name": "orders-v1", "kind": "TABLE", "location": "warehouse.sales.orders_v1"},
    {"name": "orders-stream", "kind": "STREAM", "location": "kafka://orders"}
  ],
  "labels": {"cost_center": "cc-1234", "region": "eu"},
  "etag": "W/\"17\""
})";

// Conditions that hold for kProduct; `i` varies the constants so that no two
// policies are identical.
std::string Condition(int i) {
  switch (i % 6) {
    case 0:
      return absl::StrCat(
          "has(resource.owner_team) && "
          "resource.owner_team.startsWith('teams/')",
          " && resource.tier <= ", 2 + i % 3);
    case 1:
      return absl::StrCat(
          "resource.output_ports.all(p, p.name.matches('^[a-z][a-z0-9-]{0,",
          30 + i % 30, "}$'))");
    case 2:
      return absl::StrCat(
          "!('pii' in resource.tags) || resource.classification in "
          "['confidential', 'restricted', 'x",
          i, "']");
    case 3:
      return absl::StrCat("size(resource.description) >= ", 10 + i % 20,
                          " && resource.display_name != ''");
    case 4:
      return absl::StrCat("resource.sla.availability >= 99.", i % 9,
                          " && resource.sla.max_staleness <= duration('",
                          2 + i % 5, "h')");
    default:
      return absl::StrCat(
          "now - resource.create_time < duration('", 87600 + i,
          "h') && resource.labels.cost_center.matches('^cc-[0-9]+$')");
  }
}

policy::Policy MakePolicy(int i, std::vector<std::string> triggers,
                          std::string domain) {
  policy::Policy p;
  p.name = domain.empty()
               ? absl::StrCat("policies/p-", 100000 + i)
               : absl::StrCat("domains/", domain, "/policies/p-", 100000 + i);
  p.domain_id = std::move(domain);
  p.triggers = std::move(triggers);
  p.condition = Condition(i);
  p.message = "the product breaks a platform rule";
  p.revision = 1;
  return p;
}

// Every tenth policy applies to a create in `sales` (global, or of `sales`
// or its parent `commerce`); of the rest, a fifth are for creates in other
// domains and the others for other triggers.
std::vector<policy::Policy> MixedPolicies(int n) {
  static const char* const kOtherTriggers[] = {
      "dataproduct.update", "contract.publish", "access.request",
      "domain.create", "dataproduct.lifecycle"};
  std::vector<policy::Policy> out;
  for (int i = 0; i < n; ++i) {
    if (i % 10 == 0) {
      const char* domain = (i / 10) % 3 == 0   ? ""
                           : (i / 10) % 3 == 1 ? "sales"
                                               : "commerce";
      out.push_back(
          MakePolicy(i, {"dataproduct.create", "dataproduct.update"}, domain));
    } else if (i % 10 <= 2) {
      out.push_back(
          MakePolicy(i, {"dataproduct.create"}, absl::StrCat("other-", i % 7)));
    } else {
      out.push_back(MakePolicy(i, {kOtherTriggers[i % 5]}, ""));
    }
  }
  return out;
}

std::vector<policy::Policy> ApplicablePolicies(int n) {
  std::vector<policy::Policy> out;
  for (int i = 0; i < n; ++i) {
    const char* domain = i % 3 == 0 ? "" : i % 3 == 1 ? "sales" : "commerce";
    out.push_back(MakePolicy(i, {"dataproduct.create"}, domain));
  }
  return out;
}

policy::EvalInput CreateInput() {
  policy::EvalInput in;
  in.trigger = "dataproduct.create";
  in.resource_name = "domains/sales/dataProducts/orders";
  in.domain_chain = {"sales", "commerce"};
  in.resource = *policy::DocumentFromJson(kProduct);
  in.principal = policy::PrincipalValue(
      "user:ana@example.com", {"teams/sales-data", "teams/analytics"}, false);
  in.request = *policy::DocumentFromJson(R"({"validate_only": false})");
  in.domain =
      *policy::DocumentFromJson(R"({"id": "sales", "parent_id": "commerce"})");
  in.now = absl::FromUnixSeconds(1717200000);
  return in;
}

// Builds the set and checks that every applicable policy holds, so that the
// benchmark measures the passing path it claims to.
std::shared_ptr<const policy::PolicySet> BuildChecked(
    std::vector<policy::Policy> policies, const policy::EvalInput& in) {
  auto set = policy::PolicySet::Build(std::move(policies), {});
  if (!set->Broken().empty()) {
    std::fprintf(stderr, "%s does not compile: %s\n",
                 set->Broken()[0].first.c_str(),
                 set->Broken()[0].second.c_str());
    std::exit(1);
  }
  policy::Decision d = policy::Evaluate(*set, in);
  if (d.outcome != policy::Outcome::kAllow || !d.violations.empty()) {
    std::fprintf(stderr, "unexpected decision: %s\n",
                 policy::DecisionToJson(d).c_str());
    std::exit(1);
  }
  return set;
}

void BM_Build(benchmark::State& state) {
  std::vector<policy::Policy> policies =
      MixedPolicies(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto set = policy::PolicySet::Build(policies, {});
    benchmark::DoNotOptimize(set);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Build)->Arg(10)->Arg(100)->Arg(1000)->Unit(
    benchmark::kMicrosecond);

void RunEvaluate(benchmark::State& state,
                 std::vector<policy::Policy> policies) {
  const policy::EvalInput in = CreateInput();
  auto set = BuildChecked(std::move(policies), in);
  size_t applicable = policy::Evaluate(*set, in).evaluated.size();
  for (auto _ : state) {
    policy::Decision d = policy::Evaluate(*set, in);
    benchmark::DoNotOptimize(d);
  }
  state.counters["applicable"] = static_cast<double>(applicable);
}

void BM_EvaluateMixed(benchmark::State& state) {
  RunEvaluate(state, MixedPolicies(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_EvaluateMixed)
    ->Arg(0)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kMicrosecond);

void BM_EvaluateAll(benchmark::State& state) {
  RunEvaluate(state, ApplicablePolicies(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_EvaluateAll)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kMicrosecond);

// The engine's own cost per applicable policy: conditions that are the
// constant `true` (folded by the CEL planner) cost almost nothing to run.
void BM_EvaluateTrivial(benchmark::State& state) {
  std::vector<policy::Policy> policies =
      ApplicablePolicies(static_cast<int>(state.range(0)));
  for (policy::Policy& p : policies) p.condition = "true";
  RunEvaluate(state, std::move(policies));
}
BENCHMARK(BM_EvaluateTrivial)->Arg(100)->Unit(benchmark::kMicrosecond);

// A decision's JSON for the decision log, over 100 applicable policies.
void BM_DecisionToJson(benchmark::State& state) {
  const policy::EvalInput in = CreateInput();
  auto set = BuildChecked(ApplicablePolicies(100), in);
  policy::Decision d = policy::Evaluate(*set, in);
  for (auto _ : state) {
    std::string json = policy::DecisionToJson(d);
    benchmark::DoNotOptimize(json);
  }
}
BENCHMARK(BM_DecisionToJson)->Unit(benchmark::kMicrosecond);

void BM_DocumentFromJson(benchmark::State& state) {
  for (auto _ : state) {
    auto doc = policy::DocumentFromJson(kProduct);
    benchmark::DoNotOptimize(doc);
  }
}
BENCHMARK(BM_DocumentFromJson)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
