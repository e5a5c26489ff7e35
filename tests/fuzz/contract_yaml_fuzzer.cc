// The one YAML reader and the contract library on any input: the budget
// check over a whole stream, parse + validate, and the diff of two
// documents (the input cut in two at its first "\n---\n"), under ASan and
// UBSan. A crash, a leak, a timeout or an out-of-memory is a finding;
// INVALID_ARGUMENT and issues are the expected answers to bad input.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"

#include "meshplane/contract/compatibility.h"
#include "meshplane/contract/validate.h"
#include "meshplane/contract/yaml.h"

namespace mc = ::meshplane::contract;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  (void)mc::CheckYamlBudgets(text);

  absl::string_view first = text;
  absl::string_view second;
  if (const size_t cut = text.find("\n---\n"); cut != absl::string_view::npos) {
    first = text.substr(0, cut + 1);
    second = text.substr(cut + 5);
  }
  auto a = mc::ParseAndValidate(first);
  if (!a.ok()) return 0;
  for (const mc::Issue& issue : a->issues) (void)issue.ToString();
  if (second.empty()) return 0;
  auto b = mc::ParseAndValidate(second);
  if (!b.ok()) return 0;
  const std::vector<mc::Document> previous = {a->document};
  for (mc::CompatibilityMode mode :
       {mc::CompatibilityMode::kBackward, mc::CompatibilityMode::kForward,
        mc::CompatibilityMode::kFull, mc::CompatibilityMode::kNone}) {
    (void)mc::Check(b->document, previous, mode);
  }
  return 0;
}
