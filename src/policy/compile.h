// Compiling a policy's CEL expressions, shared by CheckPolicy (which reports
// the issues) and PolicySet::Build (which keeps the programs).
#ifndef MESHPLANE_POLICY_COMPILE_H_
#define MESHPLANE_POLICY_COMPILE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

#include "meshplane/policy/cel/checker.h"
#include "meshplane/policy/cel/program.h"
#include "meshplane/policy/policy.h"

namespace meshplane::policy::internal {

// Whether `trigger` binds `previous` (the update triggers).
bool TriggerBindsPrevious(absl::string_view trigger);

// The declarations for a policy on `triggers`: the variables that every one
// of them binds. Unknown triggers bind only the common variables. The Envs
// are built once and shared (they are immutable once built).
const cel::Env& PolicyEnv(const std::vector<std::string>& triggers);

struct CompiledExpressions {
  std::shared_ptr<const cel::Program> condition;  // null on issues
  std::shared_ptr<const cel::Program> message;    // null when none or on issues
  // Issues with the condition (including an empty one) and the message
  // expression, each naming its field.
  std::vector<PolicyIssue> issues;
};

// Compiles the condition and the message expression of `policy` against
// PolicyEnv(policy.triggers) and checks their result types.
CompiledExpressions CompileExpressions(const Policy& policy);

}  // namespace meshplane::policy::internal

#endif  // MESHPLANE_POLICY_COMPILE_H_
