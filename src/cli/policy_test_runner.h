// `meshplane policy test`: policy test cases run offline with the embedded
// engine (meshplane_policy), the way the server decides a write, so that a
// policy change can be checked in CI before it is applied.
//
// A test file (docs/governance.md describes it in full):
//
//   policies: [../products.yaml]          # files or directories, relative
//   now: "2026-11-21T00:00:00Z"
//   cases:
//     - name: a product without an owner is refused
//       trigger: dataproduct.create
//       resource: {name: domains/sales/dataProducts/orders, description: x}
//       expect: {outcome: DENY, violations: [products-have-owner]}
//
//   PolicyTestLoad load = LoadPolicyTestFile("tests/products.yaml");
//   if (!load.errors.empty()) ...              // bad input: exit 2
//   auto set = policy::PolicySet::Build(load.suite.policies,
//   load.suite.waivers); PolicyCaseResult r = RunPolicyTestCase(*set,
//   load.suite.cases[0]);
#ifndef MESHPLANE_CLI_POLICY_TEST_RUNNER_H_
#define MESHPLANE_CLI_POLICY_TEST_RUNNER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/args.h"
#include "cli/client.h"

#include "meshplane/policy/engine.h"
#include "meshplane/policy/policy.h"
#include "meshplane/v1/policy.pb.h"

namespace meshplane::cli {

// One case: the engine's input and what the decision must be.
struct PolicyTestCase {
  std::string name;
  std::string location;  // "tests.yaml:12" (1-based line of the case)
  policy::EvalInput input;
  policy::Outcome expect_outcome = policy::Outcome::kAllow;
  // When set, exactly these policies (names, sorted) must be the blocking
  // violations (ENFORCED DENY / REQUIRE_APPROVAL) or the warnings (ENFORCED
  // WARN, and DRY_RUN of any effect).
  std::optional<std::vector<std::string>> expect_violations;
  std::optional<std::vector<std::string>> expect_warnings;
  // Each must be a substring of some violation's message.
  std::vector<std::string> expect_messages;
};

// A test file with the policies (and waivers) of the files it names.
struct PolicyTestSuite {
  std::string file;
  std::vector<policy::Policy> policies;
  std::vector<std::string> policy_files;  // where each policy was defined
  std::vector<policy::Waiver> waivers;
  std::vector<PolicyTestCase> cases;
};

struct PolicyTestLoad {
  PolicyTestSuite suite;
  // Every problem found, each naming the file (and line, field or policy):
  // unreadable or invalid files, unknown keys, bad values, and policies that
  // do not compile (CheckPolicy issues with their carets). Not empty means
  // bad input.
  std::vector<std::string> errors;
};

// Parses a test file's `text`; `path` names it in errors, and relative
// policy paths are resolved against its directory. Reads the policy files.
PolicyTestLoad ParsePolicyTestFile(const std::string& text,
                                   const std::string& path);
// Reads `path` and parses it with ParsePolicyTestFile.
PolicyTestLoad LoadPolicyTestFile(const std::string& path);

// The engine's form of a policy of the API (as `apply` parses it from
// YAML): the domain id comes from the name, an unset `waivable` is true and
// an unset enforcement ENFORCED, as on the server.
policy::Policy EnginePolicy(const meshplane::v1::Policy& p);
policy::Waiver EngineWaiver(const meshplane::v1::Waiver& w,
                            const std::string& policy_name);

struct PolicyCaseResult {
  std::string name;
  std::string location;
  bool passed = false;
  // Why it failed: "expected outcome DENY, got ALLOW", ...
  std::vector<std::string> failures;
  // What the engine decided, for the report of a failed case: one line per
  // violation, and one per evaluation error.
  std::vector<std::string> details;
};

// Runs one case against `set`. Thread-safe.
PolicyCaseResult RunPolicyTestCase(const policy::PolicySet& set,
                                   const PolicyTestCase& test_case);

// The `policy test` command: -f FILE (repeatable), --run TEXT. Prints PASS
// or FAIL per case (the reasons under a failure) and "N passed, M failed";
// -o json|yaml prints the same as a document. Exit 0 when every case
// passes, 1 when one fails, 2 for bad input.
int RunPolicyTestCommand(Env& env, const ParsedArgs& args);

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_POLICY_TEST_RUNNER_H_
