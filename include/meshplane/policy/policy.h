// Governance policies as the engine sees them: what a policy checks, when,
// and what happens when it does not hold. A pure library: no storage, no
// proto, no threads. core/ converts stored policies (model/policy.h) into
// these.
//
//   policy::Policy p;
//   p.name = "policies/products-have-owner";
//   p.triggers = {"dataproduct.create", "dataproduct.update"};
//   p.condition = "has(resource.owner_team) && resource.description != ''";
//   std::vector<policy::PolicyIssue> issues = policy::CheckPolicy(p);
#ifndef MESHPLANE_POLICY_POLICY_H_
#define MESHPLANE_POLICY_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace meshplane::policy {

// What a policy does when its condition does NOT hold.
enum class Effect { kDeny, kWarn, kRequireApproval };
// Whether the effect applies or is only reported and logged.
enum class Enforcement { kEnforced, kDryRun };

// "DENY", "WARN", "REQUIRE_APPROVAL"; "ENFORCED", "DRY_RUN".
absl::string_view EffectName(Effect e);
absl::string_view EnforcementName(Enforcement e);
// Inverses; accept the names above (case-sensitive). nullopt otherwise.
std::optional<Effect> ParseEffect(absl::string_view s);
std::optional<Enforcement> ParseEnforcement(absl::string_view s);

// The triggers: the events that evaluate policies.
//   domain.create domain.update
//   dataproduct.create dataproduct.update dataproduct.lifecycle
//   contract.publish access.request access.check
//   agent.call (an MCP tool call of an agent, before the RPC it runs)
const std::vector<std::string>& KnownTriggers();
bool IsKnownTrigger(absl::string_view trigger);

// The variables a trigger binds for its policies. Every trigger binds
// `resource` (the resource after the change, a map), `principal` (map:
// name, kind, id, teams, admin), `request` (map), `now` (timestamp) and
// `domain` (the owning domain's document, or null). Update triggers
// (domain.update, dataproduct.update, dataproduct.lifecycle) also bind
// `previous` (the resource before the change).
std::vector<std::string> TriggerVariables(absl::string_view trigger);

// One policy. The condition is an assertion: it must evaluate to true; a
// policy is violated when it evaluates to false, and also (fail closed)
// when it fails to evaluate or yields a non-bool.
struct Policy {
  // `policies/{id}` (global) or `domains/{domain}/policies/{id}`.
  std::string name;
  // "" for a global policy, else the domain whose subtree it governs.
  std::string domain_id;
  std::vector<std::string> triggers;  // at least one, each IsKnownTrigger
  std::string condition;              // CEL, type bool (or dyn)
  Effect effect = Effect::kDeny;
  Enforcement enforcement = Enforcement::kEnforced;
  std::string message;             // shown on violation
  std::string message_expression;  // CEL of type string (or dyn); optional
  bool waivable = true;
  int64_t revision = 0;

  // "global" or "domains/{domain_id}".
  std::string scope() const;
};

// An exemption of one resource from one policy until `expire_time`.
struct Waiver {
  std::string name;      // `{policy}/waivers/{id}`
  std::string policy;    // the policy's name
  std::string resource;  // the exempted resource's name
  absl::Time expire_time = absl::InfinitePast();
};

// A problem with a policy definition. `field` is the policy field at fault
// ("triggers[1]", "condition", "message_expression", "effect"); for CEL
// errors `message` holds every issue formatted with line:column and a caret
// (cel::CompileResult::FormatIssues).
struct PolicyIssue {
  std::string field;
  std::string message;
};

// Checks a policy definition: at least one trigger, every trigger known,
// a non-empty condition, REQUIRE_APPROVAL only with access triggers
// (access.request, access.check), and both CEL expressions type-checked
// against the variables that EVERY one of its triggers binds (so a policy
// on dataproduct.create and dataproduct.update may not use `previous`). The
// condition must be bool or dyn, the message expression string or dyn.
// Returns every issue; empty means the policy is valid. Thread-safe.
std::vector<PolicyIssue> CheckPolicy(const Policy& policy);

}  // namespace meshplane::policy

#endif  // MESHPLANE_POLICY_POLICY_H_
