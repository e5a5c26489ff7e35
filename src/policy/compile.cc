#include "policy/compile.h"

#include <utility>

#include "absl/strings/str_cat.h"

#include "meshplane/policy/cel/type.h"

namespace meshplane::policy::internal {
namespace {

cel::Env MakeEnv(bool with_previous) {
  // Policy authors write more than the core language: optionals,
  // cel.bind and the math, encoders, lists and sets libraries.
  cel::Env env = cel::Env::Extended();
  // Documents are maps with string keys; `domain` may be null (a resource
  // outside any domain), so it is dyn and `domain == null` type-checks.
  const cel::Type doc = cel::Type::Map(cel::Type::String(), cel::Type::Dyn());
  env.AddVariable("resource", doc);
  env.AddVariable("principal", doc);
  env.AddVariable("request", doc);
  env.AddVariable("domain", cel::Type::Dyn());
  env.AddVariable("now", cel::Type::Timestamp());
  if (with_previous) env.AddVariable("previous", doc);
  return env;
}

// Compiles one expression; on success stores the program, else appends
// issues naming `field`. `allowed` is the result type required besides dyn.
std::shared_ptr<const cel::Program> CompileOne(
    const cel::Env& env, absl::string_view field, const std::string& expression,
    cel::Type::Kind allowed, absl::string_view what,
    std::vector<PolicyIssue>* issues) {
  absl::StatusOr<cel::CompileResult> compiled = cel::Compile(env, expression);
  if (!compiled.ok()) {
    issues->push_back(
        {std::string(field),
         absl::StrCat("the CEL engine failed: ", compiled.status().message())});
    return nullptr;
  }
  if (compiled->program == nullptr) {
    issues->push_back({std::string(field), compiled->FormatIssues()});
    return nullptr;
  }
  const cel::Type& type = compiled->program->result_type();
  if (type.kind() != allowed && type.kind() != cel::Type::Kind::kDyn) {
    issues->push_back({std::string(field),
                       absl::StrCat(field, " must be a ", what,
                                    " expression, got ", type.ToString())});
    return nullptr;
  }
  return std::move(compiled->program);
}

}  // namespace

bool TriggerBindsPrevious(absl::string_view trigger) {
  return trigger == "domain.update" || trigger == "dataproduct.update" ||
         trigger == "dataproduct.lifecycle";
}

const cel::Env& PolicyEnv(const std::vector<std::string>& triggers) {
  static const cel::Env* const kBase = new cel::Env(MakeEnv(false));
  static const cel::Env* const kWithPrevious = new cel::Env(MakeEnv(true));
  if (triggers.empty()) return *kBase;
  for (const std::string& t : triggers) {
    if (!TriggerBindsPrevious(t)) return *kBase;
  }
  return *kWithPrevious;
}

CompiledExpressions CompileExpressions(const Policy& policy) {
  CompiledExpressions out;
  const cel::Env& env = PolicyEnv(policy.triggers);
  if (policy.condition.empty()) {
    out.issues.push_back({"condition", "condition is required"});
  } else {
    out.condition = CompileOne(env, "condition", policy.condition,
                               cel::Type::Kind::kBool, "bool", &out.issues);
  }
  if (!policy.message_expression.empty()) {
    out.message =
        CompileOne(env, "message_expression", policy.message_expression,
                   cel::Type::Kind::kString, "string", &out.issues);
  }
  if (!out.issues.empty()) {
    out.condition = nullptr;
    out.message = nullptr;
  }
  return out;
}

}  // namespace meshplane::policy::internal
