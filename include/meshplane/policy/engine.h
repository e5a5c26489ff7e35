// Policy sets and decisions: an immutable compiled snapshot of every policy
// and waiver, and the function that decides a request against it.
//
//   std::shared_ptr<const PolicySet> set = PolicySet::Build(policies, waivers);
//   EvalInput in;
//   in.trigger = "dataproduct.create";
//   in.resource_name = "domains/sales/dataProducts/orders";
//   in.domain_chain = {"sales"};             // the resource's domain, then
//   ancestors in.resource = *DocumentFromJson(product_json); in.now =
//   clock.Now(); Decision d = Evaluate(*set, in); if (d.outcome ==
//   Outcome::kDeny) ...     // d.violations says why
//
// Federation: a request is evaluated against every global policy and every
// policy of each domain in `domain_chain`, for its trigger. Domains can only
// add rules. Combination: any violated ENFORCED DENY policy (or one that
// failed to evaluate: fail closed) makes the outcome DENY; otherwise any
// violated ENFORCED REQUIRE_APPROVAL policy makes it REQUIRE_APPROVAL on
// access.request and DENY elsewhere; otherwise ALLOW. WARN policies and
// DRY_RUN policies never change the outcome; they are reported as
// violations all the same (so DRY_RUN rules can be watched). A waiver that
// names the policy and the resource, and has not expired at `now`, exempts
// the resource from a waivable policy.
//
// A policy that fails to evaluate (a CEL error such as a missing key or a
// division by zero, a non-bool result, or a condition that no longer
// compiles) counts as violated with its own effect and enforcement: an
// ENFORCED DENY policy denies, an ENFORCED REQUIRE_APPROVAL policy asks for
// approval, a WARN or DRY_RUN policy only reports. So a broken WARN rule
// cannot block writes, and a broken DENY rule cannot let them through.
#ifndef MESHPLANE_POLICY_ENGINE_H_
#define MESHPLANE_POLICY_ENGINE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/policy/cel/value.h"
#include "meshplane/policy/policy.h"

namespace meshplane::policy {

namespace internal {
struct CompiledPolicy;
struct SetIndex;
}  // namespace internal

// Everything a decision is made from.
struct EvalInput {
  std::string trigger;
  std::string resource_name;
  // The resource's domain first, then its ancestors up to the root; empty
  // when the resource belongs to no domain (then only global policies
  // apply). For a domain itself: the domain, then its ancestors.
  std::vector<std::string> domain_chain;
  cel::Value resource;                 // a map (see DocumentFromJson)
  std::optional<cel::Value> previous;  // update triggers
  cel::Value principal;                // see PrincipalValue
  cel::Value request;                  // a map; {} when there is nothing to say
  cel::Value domain;                   // the owning domain's document, or null
  absl::Time now = absl::UnixEpoch();
};

enum class Outcome { kAllow, kDeny, kRequireApproval };
absl::string_view OutcomeName(
    Outcome o);  // "ALLOW", "DENY", "REQUIRE_APPROVAL"

// A policy that did not hold (or failed to evaluate).
struct Violation {
  std::string policy;  // name
  std::string scope;   // "global" or "domains/{d}"
  Effect effect = Effect::kDeny;
  Enforcement enforcement = Enforcement::kEnforced;
  // message_expression's value (when it yields a non-empty string), else
  // message, else a default naming the policy; for an evaluation error,
  // "policy failed to evaluate: <error>".
  std::string message;
  int64_t revision = 0;
  bool evaluation_error = false;  // failed to evaluate: counted as violated
};

// A policy that was evaluated, held or not.
struct Evaluated {
  std::string policy;
  int64_t revision = 0;
  bool violated = false;  // false when it held, or when a waiver applied
  // The waiver that exempted the resource, if any: set only when the
  // policy was violated and a waiver turned that off.
  std::string waiver;
  // The run-time error ("1:15: divide by zero", with the line:column in the
  // condition when known) or "policy does not compile: ...", if any.
  std::string error;
};

struct Decision {
  Outcome outcome = Outcome::kAllow;
  // Every violation (DENY, WARN, REQUIRE_APPROVAL; ENFORCED and DRY_RUN), in
  // policy name order. Waived policies are not violations.
  std::vector<Violation> violations;
  // Every applicable policy, in policy name order.
  std::vector<Evaluated> evaluated;
  int64_t set_version = 0;  // PolicySet::version() of the snapshot used

  // The violations that are ENFORCED WARN, or DRY_RUN of any effect: what
  // the caller is told while the request goes through.
  std::vector<Violation> Warnings() const;
  // The ENFORCED violations that made the outcome: none for ALLOW; for
  // DENY the ENFORCED DENY violations, or, when there are none (approval
  // policies off access.request), the ENFORCED REQUIRE_APPROVAL ones; for
  // REQUIRE_APPROVAL the ENFORCED REQUIRE_APPROVAL violations.
  std::vector<Violation> Blocking() const;
};

// An immutable compiled snapshot of policies and waivers. Thread-safe: share
// it through std::shared_ptr<const PolicySet> and swap the pointer.
class PolicySet {
 public:
  ~PolicySet();
  PolicySet(const PolicySet&) = delete;
  PolicySet& operator=(const PolicySet&) = delete;

  // Compiles every policy (against the variables of its triggers, as
  // CheckPolicy does) and indexes them by trigger and scope. A policy that
  // does not compile is kept and fails closed: it is reported as an
  // evaluation error whenever it applies. Only the CEL is checked here
  // (CheckPolicy refuses the rest when a policy is written): an unknown
  // trigger never matches, and a REQUIRE_APPROVAL policy denies off
  // access.request. Never fails.
  static std::shared_ptr<const PolicySet> Build(std::vector<Policy> policies,
                                                std::vector<Waiver> waivers,
                                                int64_t version = 0);
  // An empty set (no policy: everything is allowed).
  static std::shared_ptr<const PolicySet> Empty();

  int64_t version() const;
  size_t size() const;  // number of policies
  // Whether any policy (of any scope) has `trigger`: lets a hot path skip
  // building documents when nothing could apply.
  bool HasTrigger(absl::string_view trigger) const;
  // The policy of that name, or nullptr.
  const Policy* Find(absl::string_view name) const;
  // Names of the policies that did not compile, with their errors.
  std::vector<std::pair<std::string, std::string>> Broken() const;

 private:
  PolicySet();
  friend Decision Evaluate(const PolicySet&, const EvalInput&);
  friend std::optional<Evaluated> EvaluateOne(const PolicySet&,
                                              absl::string_view,
                                              const EvalInput&, Violation*);
  std::unique_ptr<internal::SetIndex> index_;
};

// Decides `input` against `set`. Never fails: CEL errors become
// evaluation_error violations. Thread-safe.
Decision Evaluate(const PolicySet& set, const EvalInput& input);

// Evaluates the single policy `name` of `set` for `input` (used to simulate
// a draft policy over existing resources), ignoring whether its scope covers
// input.domain_chain. nullopt if `set` has no such policy or it does not
// have input.trigger. When it is violated and `violation` is not null,
// fills it in.
std::optional<Evaluated> EvaluateOne(const PolicySet& set,
                                     absl::string_view name,
                                     const EvalInput& input,
                                     Violation* violation);

// A resource document as policies see it: the JSON object parsed with
// cel::ValueFromJson, then every string under a key ending in "_time"
// that is an RFC 3339 timestamp becomes a timestamp, and every string under
// the keys "duration", "max_staleness", "latency" and keys ending in
// "_duration" that
// is a duration ("3600s", "1h30m") becomes a duration, at any depth
// (objects inside lists included). A string that does not parse stays a
// string. Parts of the document that need no conversion are shared, not
// copied. INVALID_ARGUMENT for malformed JSON or a non-object.
absl::StatusOr<cel::Value> DocumentFromJson(absl::string_view json);

// The `principal` variable: {"name": "user:ana@example.com", "kind":
// "user", "id": "ana@example.com", "teams": ["teams/a", ...], "admin":
// bool}. `kind` and `id` split the name at its first ':'; a name without
// one has kind "" and id the whole name. `teams` are bound as given: pass
// team resource names ("teams/a"), as the server does.
cel::Value PrincipalValue(absl::string_view name,
                          const std::vector<std::string>& teams, bool admin);

// The decision as compact JSON for the decision log:
// {"outcome":"DENY","set_version":N,"violations":[{...}],"evaluated":[{...}]}
// with stable key order. A violation has every field of Violation (effect
// and enforcement by name); an evaluated entry has policy, revision and
// violated, and waiver and error only when not empty (most policies hold,
// and a decision may list hundreds).
std::string DecisionToJson(const Decision& d);

}  // namespace meshplane::policy

#endif  // MESHPLANE_POLICY_ENGINE_H_
