// libFuzzer target: any input compiled (checked, then unchecked) and
// evaluated against a small document, with every extension library
// enabled (as in policies), must yield a value, an error value or issues,
// never crash, hang or exhaust memory. The input is also fed to the
// JSON parser, whose output is printed back.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

#include "meshplane/policy/cel/activation.h"
#include "meshplane/policy/cel/json.h"
#include "meshplane/policy/cel/program.h"

namespace {

namespace cel = ::meshplane::policy::cel;

struct Fixture {
  Fixture() : env(cel::Env::Extended()) {
    cel::Type doc = cel::Type::Map(cel::Type::String(), cel::Type::Dyn());
    env.AddVariable("resource", doc);
    env.AddVariable("principal", doc);
    env.AddVariable("x", cel::Type::Int());
    env.AddVariable("s", cel::Type::String());
    env.AddVariable("l", cel::Type::List(cel::Type::Int()));
    // Keep each run short: libFuzzer flags slow inputs as timeouts.
    env.eval_options().comprehension_budget = 20000;
    activation.Bind("resource",
                    *cel::ValueFromJson(R"({"name": "orders", "owner": "t",
                      "tier": 1, "sla": {"availability": 99.9},
                      "fields": [{"pii": true, "classification": "restricted"},
                                 {"pii": false}], "tags": ["a", "b"]})"));
    activation.Bind("principal",
                    *cel::ValueFromJson(R"({"id": "u", "teams": ["t"]})"));
    activation.Bind("x", cel::Value::Int(7));
    activation.Bind("s", cel::Value::String("hello"));
    activation.Bind("l",
                    cel::Value::List({cel::Value::Int(1), cel::Value::Int(2)}));
  }
  cel::Env env;
  cel::Activation activation;
};

void Run(const Fixture& f, absl::string_view expr, bool check) {
  cel::CompileOptions options;
  options.type_check = check;
  absl::StatusOr<cel::CompileResult> r = cel::Compile(f.env, expr, options);
  if (!r.ok()) __builtin_trap();  // the engine itself must never fail
  if (r->program == nullptr) {
    std::string issues = r->FormatIssues();
    (void)issues;
    return;
  }
  cel::Value v = r->program->Evaluate(f.activation);
  std::string printed = v.DebugString();
  std::string json = cel::ValueToJson(v);
  (void)printed;
  (void)json;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Fixture* fixture = new Fixture();
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  Run(*fixture, input, true);
  Run(*fixture, input, false);
  absl::StatusOr<cel::Value> doc = cel::ValueFromJson(input);
  if (doc.ok()) {
    std::string back = cel::ValueToJson(*doc);
    (void)back;
  }
  return 0;
}
