// In-process cost of governance on CreateDataProduct: what a governed
// write adds with 0, 10, 100 and 1,000 global policies (one in ten on
// dataproduct.create, all holding), and a snapshot rebuild
// (Governance::Reload: load from the store, compile, swap) of 100 and 1,000
// policies. scripts/bench-server.sh (phase "governed") measures the same
// policy counts end to end through meshplaned and PostgreSQL.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/testing/memstore/in_memory_store.h"
#include <benchmark/benchmark.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/core/governance.h"
#include "meshplane/core/registry.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/policy/engine.h"

namespace meshplane::core {
namespace {

struct World {
  testing::InMemoryStore store;
  auth::Authorizer authz;
  SystemClock clock;
  Governance governance{store, authz, clock};
  std::unique_ptr<Registry> registry;
  RequestContext admin;
  int64_t next = 0;

  World(bool governed, int policies) {
    registry = std::make_unique<Registry>(store, authz, clock,
                                          governed ? &governance : nullptr);
    admin.principal = {"user:admin", true, {}};
    model::Team team;
    team.id = "bench";
    (void)registry->CreateTeam(admin, team);
    model::Domain domain;
    domain.id = "bench";
    domain.owner_team_id = "bench";
    (void)registry->CreateDomain(admin, domain);
    static const char* kOther[] = {
        "domain.create",         "domain.update",    "dataproduct.update",
        "dataproduct.lifecycle", "contract.publish", "access.request"};
    for (int i = 0; i < policies; ++i) {
      model::Policy p;
      p.id = absl::StrFormat("p%04d", i);
      p.owner_team_id = "bench";
      p.message = "bench";
      if (i % 10 == 0) {
        p.triggers = {"dataproduct.create"};
        p.condition = absl::StrFormat(
            "has(resource.description) && size(resource.output_ports) > 0 && "
            "resource.output_ports.all(o, o.id.size() < 64) && resource.tier "
            "<= %d",
            3 + i);
      } else {
        p.triggers = {kOther[i % 6]};
        p.condition =
            "has(resource.name) && resource.name.startsWith('domains/')";
      }
      auto created = governance.CreatePolicy(admin, p);
      if (!created.ok()) abort();
    }
    if (!governance.Reload().ok()) abort();
  }

  model::DataProduct Product() {
    model::DataProduct p;
    p.domain_id = "bench";
    p.id = absl::StrCat("p", next++);
    p.owner_team_id = "bench";
    p.description = "A product of the benchmark, with a port.";
    p.tier = 2;
    model::OutputPort port;
    port.id = "orders";
    port.type = "table";
    port.objectives.availability_percent = 99.9;
    p.output_ports.push_back(port);
    return p;
  }
};

// What governance adds to one CreateDataProduct: the decision on the new
// product (documents built from its JSON, every applicable policy
// evaluated), the decision's JSON for the audit record, and the verdict.
// The registry's own work and the store's are not in it.
void BM_GovernCreate(benchmark::State& state) {
  World world(true, static_cast<int>(state.range(0)));
  model::DataProduct product = world.Product();
  model::Domain domain;
  domain.id = "bench";
  domain.owner_team_id = "bench";
  GovernedSubject subject;
  subject.trigger = "dataproduct.create";
  subject.resource_name = model::ProductName(product.key());
  subject.domain_chain = {"bench"};
  subject.resource_json = model::ToJson(product);
  subject.domain_json = model::ToJson(domain);
  for (auto _ : state) {
    auto decision = world.governance.Decide(world.admin, subject);
    if (!decision.ok()) state.SkipWithError("decide failed");
    std::string json = policy::DecisionToJson(*decision);
    benchmark::DoNotOptimize(json);
    benchmark::DoNotOptimize(Governance::Verdict(*decision));
  }
  state.SetLabel(absl::StrCat(state.range(0), " policies, ",
                              (state.range(0) + 9) / 10, " on the trigger"));
}
BENCHMARK(BM_GovernCreate)
    ->Arg(0)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kMicrosecond);

void BM_SnapshotReload(benchmark::State& state) {
  World world(true, static_cast<int>(state.range(0)));
  for (auto _ : state) {
    if (!world.governance.Reload().ok()) state.SkipWithError("reload failed");
  }
}
BENCHMARK(BM_SnapshotReload)
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace meshplane::core

BENCHMARK_MAIN();
