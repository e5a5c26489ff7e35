// Parse + validate + diff of a generated contract: 20 objects of 25
// properties each (500), each property with a type, options, a quality rule
// on every fifth. The aim (issue 5) is under 5 ms for the whole pipeline.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "contract/yaml_util.h"

#include "meshplane/contract/compatibility.h"
#include "meshplane/contract/validate.h"

namespace meshplane::contract {
namespace {

std::string Generate(int objects, int properties, int max_length) {
  std::string out =
      "apiVersion: v3.1.0\nkind: DataContract\nid: bench\nversion: 1.0.0\n"
      "status: active\nschema:\n";
  for (int o = 0; o < objects; ++o) {
    absl::StrAppend(&out, "  - name: object_", o, "\n    physicalType: table\n",
                    "    description: generated\n    properties:\n");
    for (int p = 0; p < properties; ++p) {
      absl::StrAppend(
          &out, "      - name: column_", p, "\n",
          "        logicalType: string\n", "        physicalType: varchar(",
          max_length, ")\n",
          "        required: ", p % 3 == 0 ? "true" : "false", "\n",
          "        classification: internal\n", "        tags: [generated]\n",
          "        logicalTypeOptions:\n          maxLength: ", max_length,
          "\n");
      if (p % 5 == 0) {
        absl::StrAppend(&out,
                        "        quality:\n          - metric: nullValues\n"
                        "            mustBeLessThan: 10\n");
      }
    }
  }
  absl::StrAppend(&out,
                  "slaProperties:\n  - property: latency\n    value: 4\n"
                  "    unit: d\n");
  return out;
}

void BM_ParseAndValidate(benchmark::State& state) {
  const std::string text = Generate(20, 25, 64);
  for (auto _ : state) {
    auto v = ParseAndValidate(text);
    benchmark::DoNotOptimize(v);
  }
  state.SetLabel(absl::StrCat(text.size() / 1024, " KiB"));
}
BENCHMARK(BM_ParseAndValidate)->Unit(benchmark::kMillisecond);

// The YAML front end alone (libyaml's parser building our node tree), the
// floor under BM_ParseAndValidate.
void BM_YamlLoadOnly(benchmark::State& state) {
  const std::string text = Generate(20, 25, 64);
  for (auto _ : state) {
    auto root = internal::LoadYaml(text);
    benchmark::DoNotOptimize(root);
  }
}
BENCHMARK(BM_YamlLoadOnly)->Unit(benchmark::kMillisecond);

void BM_Diff(benchmark::State& state) {
  const Document a = ParseAndValidate(Generate(20, 25, 64))->document;
  const Document b = ParseAndValidate(Generate(20, 25, 128))->document;
  for (auto _ : state) {
    auto changes = Diff(a, b);
    benchmark::DoNotOptimize(changes);
  }
}
BENCHMARK(BM_Diff)->Unit(benchmark::kMillisecond);

// The CI check end to end: the candidate from text, then Check against the
// previous version, parsed once as a caller keeps its history. (Passing
// `{previous}` here would copy the whole previous Document into an
// initializer list on every iteration, work that no caller does.)
void BM_ParseValidateDiff(benchmark::State& state) {
  const std::string old_text = Generate(20, 25, 64);
  const std::string new_text = Generate(20, 25, 128);
  const std::vector<Document> history = {ParseAndValidate(old_text)->document};
  for (auto _ : state) {
    auto candidate = ParseAndValidate(new_text);
    auto verdict =
        Check(candidate->document, history, CompatibilityMode::kBackward);
    benchmark::DoNotOptimize(verdict);
  }
}
BENCHMARK(BM_ParseValidateDiff)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace meshplane::contract

BENCHMARK_MAIN();
