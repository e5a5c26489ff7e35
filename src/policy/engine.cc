#include "meshplane/policy/engine.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "policy/compile.h"

#include "meshplane/policy/cel/activation.h"
#include "meshplane/policy/cel/program.h"
#include "meshplane/policy/cel/source.h"

namespace meshplane::policy {

namespace internal {

struct CompiledPolicy {
  Policy policy;
  std::string scope;
  std::shared_ptr<const cel::Program> condition;  // null when broken
  std::shared_ptr<const cel::Program> message;    // null when none
  std::string compile_error;                      // non-empty when broken
  std::vector<uint32_t> waivers;                  // into SetIndex::waivers
};

// Policies of one trigger: the global ones and those of each domain, as
// positions in SetIndex::policies (ascending, hence in name order).
struct TriggerIndex {
  std::vector<uint32_t> global;
  absl::flat_hash_map<std::string, std::vector<uint32_t>> by_domain;
};

struct SetIndex {
  int64_t version = 0;
  std::vector<CompiledPolicy> policies;  // sorted by name
  std::vector<Waiver> waivers;           // sorted by name
  absl::flat_hash_map<std::string, TriggerIndex> by_trigger;

  // The position of the policy `name`, or -1.
  int64_t Position(absl::string_view name) const {
    auto it =
        std::lower_bound(policies.begin(), policies.end(), name,
                         [](const CompiledPolicy& p, absl::string_view n) {
                           return p.policy.name < n;
                         });
    if (it == policies.end() || it->policy.name != name) return -1;
    return it - policies.begin();
  }
  const CompiledPolicy* Find(absl::string_view name) const {
    int64_t i = Position(name);
    return i < 0 ? nullptr : &policies[static_cast<size_t>(i)];
  }
};

}  // namespace internal

namespace {

using internal::CompiledPolicy;
using internal::SetIndex;

// Appends `id` unless it is already last (a policy listing a trigger twice).
void AppendOnce(std::vector<uint32_t>* ids, uint32_t id) {
  if (ids->empty() || ids->back() != id) ids->push_back(id);
}

cel::Value TimeValue(absl::Time t) {
  int64_t seconds = absl::ToUnixSeconds(t);
  int64_t nanos = absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds));
  return cel::Value::Timestamp(seconds, static_cast<int32_t>(nanos));
}

// One activation per decision: every policy reads the same bindings.
cel::Activation MakeActivation(const EvalInput& input) {
  cel::Activation act;
  act.Bind("resource", input.resource);
  act.Bind("principal", input.principal);
  act.Bind("request", input.request);
  act.Bind("domain", input.domain);
  act.Bind("now", TimeValue(input.now));
  if (input.previous.has_value() &&
      internal::TriggerBindsPrevious(input.trigger)) {
    act.Bind("previous", *input.previous);
  }
  return act;
}

// A run-time error, with its line:column in the condition when known.
std::string DescribeError(const cel::Program& program,
                          const cel::Value& error) {
  if (error.error_offset() < 0) return std::string(error.error_message());
  int line = 0;
  int column = 0;
  cel::Source(program.expression())
      .Location(error.error_offset(), &line, &column);
  return absl::StrCat(line, ":", column, ": ", error.error_message());
}

// Evaluates the condition: whether it is violated, and the error if it
// could not be evaluated (fail closed: an error counts as a violation).
bool ConditionViolated(const CompiledPolicy& p, const cel::Activation& act,
                       std::string* error) {
  if (p.condition == nullptr) {
    *error = absl::StrCat("policy does not compile: ", p.compile_error);
    return true;
  }
  cel::Value v = p.condition->Evaluate(act);
  if (v.IsBool()) return !v.bool_value();
  if (v.IsError()) {
    *error = DescribeError(*p.condition, v);
  } else {
    *error = absl::StrCat("condition yielded ", v.TypeName(), ", not bool");
  }
  return true;
}

const Waiver* FindWaiver(const SetIndex& index, const CompiledPolicy& p,
                         const EvalInput& input) {
  for (uint32_t w : p.waivers) {
    const Waiver& waiver = index.waivers[w];
    if (waiver.resource == input.resource_name &&
        waiver.expire_time > input.now) {
      return &waiver;
    }
  }
  return nullptr;
}

std::string ViolationMessage(const CompiledPolicy& p,
                             const cel::Activation& act) {
  if (p.message != nullptr) {
    cel::Value v = p.message->Evaluate(act);
    if (v.kind() == cel::ValueKind::kString && !v.string_value().empty()) {
      return std::string(v.string_value());
    }
  }
  if (!p.policy.message.empty()) return p.policy.message;
  return absl::StrCat("policy ", p.policy.name, " does not hold");
}

// Evaluates one policy; fills *violation (if not null) when violated.
Evaluated EvaluatePolicy(const SetIndex& index, const CompiledPolicy& p,
                         const EvalInput& input, const cel::Activation& act,
                         Violation* violation) {
  Evaluated e;
  e.policy = p.policy.name;
  e.revision = p.policy.revision;
  bool violated = ConditionViolated(p, act, &e.error);
  if (violated && p.policy.waivable) {
    if (const Waiver* w = FindWaiver(index, p, input)) {
      e.waiver = w->name;
      violated = false;
    }
  }
  e.violated = violated;
  if (violated && violation != nullptr) {
    violation->policy = p.policy.name;
    violation->scope = p.scope;
    violation->effect = p.policy.effect;
    violation->enforcement = p.policy.enforcement;
    violation->revision = p.policy.revision;
    violation->evaluation_error = !e.error.empty();
    violation->message =
        e.error.empty() ? ViolationMessage(p, act)
                        : absl::StrCat("policy failed to evaluate: ", e.error);
  }
  return e;
}

Outcome Combine(const std::vector<Violation>& violations,
                absl::string_view trigger) {
  bool approval = false;
  for (const Violation& v : violations) {
    if (v.enforcement != Enforcement::kEnforced) continue;
    if (v.effect == Effect::kDeny) return Outcome::kDeny;
    if (v.effect == Effect::kRequireApproval) approval = true;
  }
  if (!approval) return Outcome::kAllow;
  return trigger == "access.request" ? Outcome::kRequireApproval
                                     : Outcome::kDeny;
}

// The positions of the policies of `input.trigger` that cover
// input.domain_chain, ascending (name order).
std::vector<uint32_t> Applicable(const SetIndex& index,
                                 const EvalInput& input) {
  std::vector<uint32_t> ids;
  auto it = index.by_trigger.find(input.trigger);
  if (it == index.by_trigger.end()) return ids;
  const internal::TriggerIndex& t = it->second;
  ids = t.global;
  for (size_t i = 0; i < input.domain_chain.size(); ++i) {
    const std::string& d = input.domain_chain[i];
    if (std::find(input.domain_chain.begin(), input.domain_chain.begin() + i,
                  d) != input.domain_chain.begin() + i) {
      continue;  // a domain listed twice applies once
    }
    auto dit = t.by_domain.find(d);
    if (dit == t.by_domain.end()) continue;
    // Each list is ascending: merging keeps the whole in name order.
    const auto middle = static_cast<std::ptrdiff_t>(ids.size());
    ids.insert(ids.end(), dit->second.begin(), dit->second.end());
    std::inplace_merge(ids.begin(), ids.begin() + middle, ids.end());
  }
  return ids;
}

std::shared_ptr<const PolicySet> MakeEmpty() {
  return PolicySet::Build({}, {}, 0);
}

}  // namespace

absl::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kAllow:
      return "ALLOW";
    case Outcome::kDeny:
      return "DENY";
    case Outcome::kRequireApproval:
      return "REQUIRE_APPROVAL";
  }
  return "DENY";
}

std::vector<Violation> Decision::Warnings() const {
  std::vector<Violation> out;
  for (const Violation& v : violations) {
    if (v.enforcement == Enforcement::kDryRun || v.effect == Effect::kWarn) {
      out.push_back(v);
    }
  }
  return out;
}

std::vector<Violation> Decision::Blocking() const {
  std::vector<Violation> out;
  if (outcome == Outcome::kAllow) return out;
  auto collect = [&](Effect effect) {
    for (const Violation& v : violations) {
      if (v.enforcement == Enforcement::kEnforced && v.effect == effect) {
        out.push_back(v);
      }
    }
  };
  // A DENY comes from DENY policies, or, off access.request, from
  // REQUIRE_APPROVAL policies when no DENY policy was violated.
  if (outcome == Outcome::kDeny) collect(Effect::kDeny);
  if (out.empty()) collect(Effect::kRequireApproval);
  return out;
}

PolicySet::PolicySet() : index_(std::make_unique<SetIndex>()) {}
PolicySet::~PolicySet() = default;

std::shared_ptr<const PolicySet> PolicySet::Build(std::vector<Policy> policies,
                                                  std::vector<Waiver> waivers,
                                                  int64_t version) {
  std::shared_ptr<PolicySet> set(new PolicySet());
  SetIndex& index = *set->index_;
  index.version = version;
  std::stable_sort(
      policies.begin(), policies.end(),
      [](const Policy& a, const Policy& b) { return a.name < b.name; });
  index.policies.reserve(policies.size());
  for (Policy& p : policies) {
    CompiledPolicy& cp = index.policies.emplace_back();
    internal::CompiledExpressions compiled = internal::CompileExpressions(p);
    if (compiled.issues.empty()) {
      cp.condition = std::move(compiled.condition);
      cp.message = std::move(compiled.message);
    } else {
      for (const PolicyIssue& issue : compiled.issues) {
        absl::StrAppend(&cp.compile_error, cp.compile_error.empty() ? "" : "\n",
                        issue.field, ": ", issue.message);
      }
    }
    cp.scope = p.scope();
    cp.policy = std::move(p);
  }
  for (uint32_t i = 0; i < index.policies.size(); ++i) {
    const Policy& p = index.policies[i].policy;
    for (const std::string& trigger : p.triggers) {
      internal::TriggerIndex& t = index.by_trigger[trigger];
      AppendOnce(p.domain_id.empty() ? &t.global : &t.by_domain[p.domain_id],
                 i);
    }
  }
  std::stable_sort(
      waivers.begin(), waivers.end(),
      [](const Waiver& a, const Waiver& b) { return a.name < b.name; });
  index.waivers = std::move(waivers);
  for (uint32_t w = 0; w < index.waivers.size(); ++w) {
    int64_t i = index.Position(index.waivers[w].policy);
    if (i >= 0) index.policies[static_cast<size_t>(i)].waivers.push_back(w);
  }
  return set;
}

std::shared_ptr<const PolicySet> PolicySet::Empty() {
  static const std::shared_ptr<const PolicySet>* const kEmpty =
      new std::shared_ptr<const PolicySet>(MakeEmpty());
  return *kEmpty;
}

int64_t PolicySet::version() const { return index_->version; }
size_t PolicySet::size() const { return index_->policies.size(); }

bool PolicySet::HasTrigger(absl::string_view trigger) const {
  return index_->by_trigger.find(trigger) != index_->by_trigger.end();
}

const Policy* PolicySet::Find(absl::string_view name) const {
  const CompiledPolicy* cp = index_->Find(name);
  return cp == nullptr ? nullptr : &cp->policy;
}

std::vector<std::pair<std::string, std::string>> PolicySet::Broken() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const CompiledPolicy& cp : index_->policies) {
    if (!cp.compile_error.empty())
      out.emplace_back(cp.policy.name, cp.compile_error);
  }
  return out;
}

Decision Evaluate(const PolicySet& set, const EvalInput& input) {
  const SetIndex& index = *set.index_;
  Decision d;
  d.set_version = index.version;
  std::vector<uint32_t> ids = Applicable(index, input);
  if (ids.empty()) return d;
  const cel::Activation act = MakeActivation(input);
  d.evaluated.reserve(ids.size());
  Violation violation;
  for (uint32_t id : ids) {
    d.evaluated.push_back(
        EvaluatePolicy(index, index.policies[id], input, act, &violation));
    if (d.evaluated.back().violated)
      d.violations.push_back(std::move(violation));
  }
  d.outcome = Combine(d.violations, input.trigger);
  return d;
}

std::optional<Evaluated> EvaluateOne(const PolicySet& set,
                                     absl::string_view name,
                                     const EvalInput& input,
                                     Violation* violation) {
  const SetIndex& index = *set.index_;
  const CompiledPolicy* cp = index.Find(name);
  if (cp == nullptr) return std::nullopt;
  const std::vector<std::string>& triggers = cp->policy.triggers;
  if (std::find(triggers.begin(), triggers.end(), input.trigger) ==
      triggers.end()) {
    return std::nullopt;
  }
  const cel::Activation act = MakeActivation(input);
  return EvaluatePolicy(index, *cp, input, act, violation);
}

}  // namespace meshplane::policy
