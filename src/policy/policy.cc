#include "meshplane/policy/policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy/compile.h"

namespace meshplane::policy {

absl::string_view EffectName(Effect e) {
  switch (e) {
    case Effect::kDeny:
      return "DENY";
    case Effect::kWarn:
      return "WARN";
    case Effect::kRequireApproval:
      return "REQUIRE_APPROVAL";
  }
  return "DENY";
}

absl::string_view EnforcementName(Enforcement e) {
  switch (e) {
    case Enforcement::kEnforced:
      return "ENFORCED";
    case Enforcement::kDryRun:
      return "DRY_RUN";
  }
  return "ENFORCED";
}

std::optional<Effect> ParseEffect(absl::string_view s) {
  for (Effect e : {Effect::kDeny, Effect::kWarn, Effect::kRequireApproval}) {
    if (s == EffectName(e)) return e;
  }
  return std::nullopt;
}

std::optional<Enforcement> ParseEnforcement(absl::string_view s) {
  for (Enforcement e : {Enforcement::kEnforced, Enforcement::kDryRun}) {
    if (s == EnforcementName(e)) return e;
  }
  return std::nullopt;
}

const std::vector<std::string>& KnownTriggers() {
  static const std::vector<std::string>* const kTriggers =
      new std::vector<std::string>{
          "domain.create",      "domain.update",         "dataproduct.create",
          "dataproduct.update", "dataproduct.lifecycle", "contract.publish",
          "access.request",     "access.check",          "agent.call"};
  return *kTriggers;
}

bool IsKnownTrigger(absl::string_view trigger) {
  const std::vector<std::string>& known = KnownTriggers();
  return std::find(known.begin(), known.end(), trigger) != known.end();
}

std::vector<std::string> TriggerVariables(absl::string_view trigger) {
  std::vector<std::string> vars = {"resource", "principal", "request", "now",
                                   "domain"};
  if (internal::TriggerBindsPrevious(trigger)) vars.push_back("previous");
  return vars;
}

std::string Policy::scope() const {
  return domain_id.empty() ? "global" : absl::StrCat("domains/", domain_id);
}

namespace {

bool IsAccessTrigger(absl::string_view t) {
  return t == "access.request" || t == "access.check";
}

void CheckTriggers(const Policy& policy, std::vector<PolicyIssue>* issues) {
  if (policy.triggers.empty()) {
    issues->push_back(
        {"triggers", absl::StrCat("at least one trigger is required (",
                                  absl::StrJoin(KnownTriggers(), ", "), ")")});
    return;
  }
  for (size_t i = 0; i < policy.triggers.size(); ++i) {
    const std::string& t = policy.triggers[i];
    if (!IsKnownTrigger(t)) {
      issues->push_back(
          {absl::StrCat("triggers[", i, "]"),
           absl::StrCat("unknown trigger \"", t, "\" (known: ",
                        absl::StrJoin(KnownTriggers(), ", "), ")")});
    }
  }
}

void CheckEffect(const Policy& policy, std::vector<PolicyIssue>* issues) {
  if (policy.effect != Effect::kRequireApproval) return;
  for (const std::string& t : policy.triggers) {
    if (!IsAccessTrigger(t)) {
      issues->push_back(
          {"effect", absl::StrCat("REQUIRE_APPROVAL applies only to access "
                                  "triggers (access.request, access.check), "
                                  "not to \"",
                                  t, "\"")});
      return;
    }
  }
}

}  // namespace

std::vector<PolicyIssue> CheckPolicy(const Policy& policy) {
  std::vector<PolicyIssue> issues;
  CheckTriggers(policy, &issues);
  internal::CompiledExpressions compiled = internal::CompileExpressions(policy);
  for (PolicyIssue& issue : compiled.issues) issues.push_back(std::move(issue));
  CheckEffect(policy, &issues);
  return issues;
}

}  // namespace meshplane::policy
