// Benchmarks of the CEL engine on Meshplane's reference policies
// (bench/cel/data/policies.json):
//   A (registration) over a data product with 20 fields;
//   B (access) for a principal in 5 teams and a product with 10 grants;
//   C (registration again, over A's document) written with optional
//     selection (.?f.orValue(d)) and cel.bind, as policy authors write now.
// Every policy compiles in the policy environment (Env::Extended()).
// Each policy is compiled once and evaluated many times; compiling (parse +
// check + plan) is measured separately. After Google Benchmark's table the
// program times single evaluations to report the median and p99.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"

#include "meshplane/policy/cel/activation.h"
#include "meshplane/policy/cel/json.h"
#include "meshplane/policy/cel/program.h"

namespace cel = meshplane::policy::cel;

namespace {

std::string ReadFile(const std::string& name) {
  std::ifstream in(std::string(MESHPLANE_CEL_BENCH_DATA) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Policy {
  std::string expression;
  cel::Env env = cel::Env::Extended();
  cel::Activation activation;
  std::shared_ptr<const cel::Program> program;
};

Policy Load(const char* key, const char* doc_file) {
  Policy p;
  cel::Value policies = *cel::ValueFromJson(ReadFile("policies.json"));
  p.expression = std::string(policies.map().FindString(key)->string_value());
  cel::Value doc = *cel::ValueFromJson(ReadFile(doc_file));
  cel::Type doc_type = cel::Type::Map(cel::Type::String(), cel::Type::Dyn());
  for (const auto& [name, value] : doc.map()) {
    p.env.AddVariable(std::string(name.string_value()), doc_type);
    p.activation.Bind(std::string(name.string_value()), value);
  }
  absl::StatusOr<cel::CompileResult> c = cel::Compile(p.env, p.expression);
  if (!c.ok() || c->program == nullptr) {
    std::cerr << "policy " << key << " does not compile: "
              << (c.ok() ? c->FormatIssues() : c.status().ToString()) << "\n";
    std::exit(1);
  }
  p.program = c->program;
  cel::Value v = p.program->Evaluate(p.activation);
  if (v.kind() != cel::ValueKind::kBool || !v.bool_value()) {
    std::cerr << "policy " << key << " evaluated to " << v.DebugString()
              << ", want true\n";
    std::exit(1);
  }
  return p;
}

const Policy& PolicyA() {
  static const Policy* p = new Policy(Load("A", "policy_a.json"));
  return *p;
}
const Policy& PolicyB() {
  static const Policy* p = new Policy(Load("B", "policy_b.json"));
  return *p;
}
const Policy& PolicyC() {
  static const Policy* p = new Policy(Load("C", "policy_a.json"));
  return *p;
}

void BM_Evaluate(benchmark::State& state, const Policy& (*policy)()) {
  const Policy& p = policy();
  for (auto _ : state) {
    cel::Value v = p.program->Evaluate(p.activation);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Compile(benchmark::State& state, const Policy& (*policy)()) {
  const Policy& p = policy();
  for (auto _ : state) {
    auto c = cel::Compile(p.env, p.expression);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_Evaluate, PolicyA, &PolicyA);
BENCHMARK_CAPTURE(BM_Evaluate, PolicyB, &PolicyB);
BENCHMARK_CAPTURE(BM_Evaluate, PolicyC, &PolicyC);
BENCHMARK_CAPTURE(BM_Compile, PolicyA, &PolicyA);
BENCHMARK_CAPTURE(BM_Compile, PolicyB, &PolicyB);
BENCHMARK_CAPTURE(BM_Compile, PolicyC, &PolicyC);

// Times `n` single evaluations and prints evaluations/s, median and p99.
void Latency(const char* name, const Policy& p, int n) {
  using Clock = std::chrono::steady_clock;
  for (int i = 0; i < n / 10; ++i) {  // warm up
    benchmark::DoNotOptimize(p.program->Evaluate(p.activation));
  }
  // The cost of reading the clock, subtracted from each sample.
  std::vector<double> overhead(1000);
  for (double& o : overhead) {
    auto t0 = Clock::now();
    auto t1 = Clock::now();
    o = std::chrono::duration<double, std::nano>(t1 - t0).count();
  }
  std::sort(overhead.begin(), overhead.end());
  double clock_ns = overhead[overhead.size() / 2];
  std::vector<double> samples(static_cast<size_t>(n));
  auto start = Clock::now();
  for (double& s : samples) {
    auto t0 = Clock::now();
    cel::Value v = p.program->Evaluate(p.activation);
    benchmark::DoNotOptimize(v);
    auto t1 = Clock::now();
    s = std::chrono::duration<double, std::nano>(t1 - t0).count() - clock_ns;
  }
  double total_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(samples.begin(), samples.end());
  std::printf("%-10s evals/s %10.0f   median %7.0f ns   p99 %7.0f ns\n", name,
              n / total_s, samples[samples.size() / 2],
              samples[samples.size() * 99 / 100]);
}

void CompileLatency(const char* name, const Policy& p, int n) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> samples(static_cast<size_t>(n));
  for (double& s : samples) {
    auto t0 = Clock::now();
    auto c = cel::Compile(p.env, p.expression);
    benchmark::DoNotOptimize(c);
    s = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  }
  std::sort(samples.begin(), samples.end());
  std::printf("%-10s compile median %6.1f us   p99 %6.1f us\n", name,
              samples[samples.size() / 2], samples[samples.size() * 99 / 100]);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::printf("\nSingle-evaluation latency (compiled once):\n");
  Latency("policy A", PolicyA(), 200000);
  Latency("policy B", PolicyB(), 200000);
  Latency("policy C", PolicyC(), 200000);
  CompileLatency("policy A", PolicyA(), 2000);
  CompileLatency("policy B", PolicyB(), 2000);
  CompileLatency("policy C", PolicyC(), 2000);
  return 0;
}
