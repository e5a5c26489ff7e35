// In-process cost of CheckAccess: the index lookup alone and the whole
// core::Access::Check (authorization of the caller, freshness, index,
// decision queued for the log), over 10,000 ports and 100,000 grants
// (direct and through teams), allowed and denied; and the memory of an
// index of 1,000,000 grants, measured as the growth of the process's
// resident set while it is built. scripts/bench-access.sh measures
// CheckAccess through meshplaned over loopback.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/testing/memstore/in_memory_store.h"
#include <benchmark/benchmark.h>
#include <unistd.h>

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/common/crypto.h"
#include "meshplane/core/access.h"
#include "meshplane/core/access_index.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core {
namespace {

constexpr int kProducts = 2500;  // 4 ports each: 10,000 ports
constexpr int kPortsPerProduct = 4;
constexpr int kPrincipals = 20000;
constexpr int kTeams = 200;  // 100 members each

const absl::Time kNow = absl::FromUnixSeconds(1767225600);

std::string PortName(int i) {
  return absl::StrCat("domains/bench/dataProducts/p", i / kPortsPerProduct,
                      "/outputPorts/o", i % kPortsPerProduct);
}

std::string User(int i) { return absl::StrCat("user:u", i, "@example.com"); }

// `grants` grants: nine in ten to a user, one in ten to a team.
AccessIndexData Data(int grants) {
  AccessIndexData data;
  for (int p = 0; p < kProducts; ++p) {
    for (int o = 0; o < kPortsPerProduct; ++o) {
      data.ports.push_back(
          {{"bench", absl::StrCat("p", p), absl::StrCat("o", o)}, "owners"});
    }
  }
  for (int t = 0; t < kTeams; ++t) {
    model::Team team;
    team.id = absl::StrCat("t", t);
    for (int m = 0; m < kPrincipals / kTeams; ++m) {
      team.members.push_back(User(t * (kPrincipals / kTeams) + m));
    }
    data.teams.push_back(std::move(team));
  }
  data.grants.reserve(static_cast<size_t>(grants));
  for (int i = 0; i < grants; ++i) {
    model::Grant g;
    g.id = RandomUuid();
    const int port = (i * 7919) % (kProducts * kPortsPerProduct);
    g.port = {"bench", absl::StrCat("p", port / kPortsPerProduct),
              absl::StrCat("o", port % kPortsPerProduct)};
    g.consumer = i % 10 == 9 ? absl::StrCat("team:t", i % kTeams)
                             : User(i % kPrincipals);
    g.actions = {"read"};
    g.expire_time = kNow + absl::Hours(24);
    data.grants.push_back(std::move(g));
  }
  return data;
}

const AccessIndexData& Shared() {
  static const AccessIndexData* data = new AccessIndexData(Data(100000));
  return *data;
}

void BM_IndexCheckAllowed(benchmark::State& state) {
  AccessIndex index;
  index.Replace(Shared());
  const auto& grants = Shared().grants;
  size_t i = 0;
  int64_t allowed = 0;
  for (auto _ : state) {
    const model::Grant& g = grants[(i++ * 104729) % 90000];  // users' grants
    if (g.consumer.rfind("team:", 0) == 0) continue;
    IndexCheck r =
        index.Check(g.consumer, model::OutputPortName(g.port), "read", kNow);
    allowed += r.allowed;
  }
  state.counters["allowed"] = static_cast<double>(allowed);
}
BENCHMARK(BM_IndexCheckAllowed);

// The same lookups with the names prepared outside the loop: the index's
// own cost.
void BM_IndexCheckPrepared(benchmark::State& state) {
  AccessIndex index;
  index.Replace(Shared());
  std::vector<std::pair<std::string, std::string>> asks;
  for (int i = 0; i < 4096; ++i) {
    const model::Grant& g = Shared().grants[static_cast<size_t>(i) * 17];
    asks.emplace_back(g.consumer.rfind("team:", 0) == 0 ? User(i) : g.consumer,
                      model::OutputPortName(g.port));
  }
  size_t i = 0;
  for (auto _ : state) {
    const auto& ask = asks[i++ & 4095];
    benchmark::DoNotOptimize(index.Check(ask.first, ask.second, "read", kNow));
  }
}
BENCHMARK(BM_IndexCheckPrepared);

void BM_IndexCheckDeniedThroughTeams(benchmark::State& state) {
  AccessIndex index;
  index.Replace(Shared());
  std::vector<std::string> ports;
  for (int i = 0; i < 4096; ++i) ports.push_back(PortName((i * 31) % 10000));
  size_t i = 0;
  for (auto _ : state) {
    // A member of a team without a grant on that port: scans its own
    // grants and its team's, then says why not.
    benchmark::DoNotOptimize(index.Check(User(static_cast<int>(i % 97)),
                                         ports[i & 4095], "read", kNow));
    ++i;
  }
}
BENCHMARK(BM_IndexCheckDeniedThroughTeams);

// The whole core call: caller authorization, freshness, the index, the
// decision queued for the batched log (written to the in-memory store).
void BM_AccessCheck(benchmark::State& state) {
  testing::InMemoryStore store;
  auth::Authorizer authz;
  SimulatedClock clock(kNow);
  AccessOptions options;
  options.checkers = {"service:trino"};
  Access access(store, authz, clock, nullptr, options);
  // An (empty) load makes the index current; then the index is seeded as
  // Start would load it, without 100,000 rows through the fake store.
  if (!access.Reload().ok()) {
    state.SkipWithError("reload failed");
    return;
  }
  access.index().Replace(Shared());
  RequestContext ctx;
  ctx.principal = {"service:trino", false, {}};
  std::vector<AccessQuestion> asks;
  for (int i = 0; i < 4096; ++i) {
    const model::Grant& g = Shared().grants[static_cast<size_t>(i) * 17];
    asks.push_back({g.consumer.rfind("team:", 0) == 0 ? User(i) : g.consumer,
                    model::OutputPortName(g.port), "read", ""});
  }
  size_t i = 0;
  for (auto _ : state) {
    auto v = access.Check(ctx, asks[i++ & 4095]);
    benchmark::DoNotOptimize(v);
  }
  access.FlushDecisions();
  // Batched log: how long a decision waited for its commit, while this
  // loop saturates a core and the writer thread competes for the other
  // (with whatever else runs): an upper bound under overload, over the
  // in-memory store, not PostgreSQL's production window.
  state.counters["log_max_delay_ms"] =
      absl::ToDoubleMilliseconds(access.max_decision_delay());
}
BENCHMARK(BM_AccessCheck);

int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0;
  int64_t resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// Resident memory of an index of N grants (the loaded grant list freed
// first, as Access::Reload does once the index is built).
void BM_IndexMemory(benchmark::State& state) {
  const int grants = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    auto data = std::make_unique<AccessIndexData>(Data(grants));
    const int64_t before = ResidentBytes();
    auto index = std::make_unique<AccessIndex>();
    state.ResumeTiming();
    index->Replace(*data);
    state.PauseTiming();
    const int64_t after = ResidentBytes();
    state.counters["rss_mb"] = static_cast<double>(after - before) / 1e6;
    state.counters["estimate_mb"] =
        static_cast<double>(index->MemoryBytes()) / 1e6;
    state.counters["bytes_per_grant"] =
        static_cast<double>(after - before) / grants;
    data.reset();
    index.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_IndexMemory)
    ->Arg(100000)
    ->Arg(1000000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace meshplane::core

BENCHMARK_MAIN();
