// Federated governance: policies and waivers as resources, the compiled
// snapshot every decision is made against, and the decisions themselves.
//
//   core::Governance gov(store, authz, clock);
//   MP_RETURN_IF_ERROR(gov.Start());       // load, then follow LISTEN/NOTIFY
//   core::Registry registry(store, authz, clock, &gov);   // governed writes
//   auto p = gov.CreatePolicy(ctx, policy);                // type-checked
//
// Scopes: a global policy (`policies/{id}`) applies everywhere and only
// platform admins write it; a domain policy (`domains/{d}/policies/{id}`)
// applies to that domain and its subdomains and is written by the owners of
// that domain's chain (auth::Authorizer::CheckDomainWrite). Evaluation takes
// every global policy plus those of the resource's domain and ancestors, so
// a domain adds rules and can never loosen a global one.
//
// Coherence: each instance holds an immutable policy::PolicySet and swaps it
// atomically. Policy and waiver writes NOTIFY kPolicyChannel in their
// transaction; every instance listening (Start) reloads on that, on a
// reconnect of its listener, and every `refresh_interval` as a safety net.
// The writing instance reloads at once after its own commit.
#ifndef MESHPLANE_CORE_GOVERNANCE_H_
#define MESHPLANE_CORE_GOVERNANCE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/core/context.h"
#include "meshplane/model/policy.h"
#include "meshplane/policy/engine.h"
#include "meshplane/store/store.h"

namespace meshplane::core {

// The NOTIFY channel of policy and waiver changes.
inline constexpr char kPolicyChannel[] = "meshplane_policies";

// What a governed write (or an evaluation) is about.
struct GovernedSubject {
  std::string trigger;        // e.g. "dataproduct.create"
  std::string resource_name;  // e.g. "domains/sales/dataProducts/orders"
  std::vector<std::string> domain_chain;  // resource's domain, then ancestors
  std::string resource_json;  // model JSON of the resource after the change
  std::optional<std::string> previous_json;  // before, for update triggers
  std::string domain_json;   // owning domain's model JSON, "" = null
  std::string request_json;  // extra `request` fields (an object), "" = {}
};

// A policy's verdict on one existing resource (SimulatePolicy).
struct SimulationResult {
  std::string resource;
  std::string trigger;
  bool violated = false;
  std::optional<PolicyViolationDetail> violation;  // when violated, not waived
  std::string waiver;
  std::string error;
};

struct SimulationSummary {
  int64_t evaluated = 0;
  int64_t violated = 0;
  int64_t waived = 0;
  int64_t errors = 0;
  bool truncated = false;
  std::vector<std::string> warnings;  // e.g. triggers that cannot be replayed
};

struct SimulationSpec {
  // Either a candidate (its domain_id/id give the scope; not stored) ...
  std::optional<model::Policy> candidate;
  // ... or a stored policy.
  std::optional<model::PolicyKey> stored;
  std::vector<std::string> triggers;  // default: the policy's replayable ones
  int64_t max_resources = 1000;       // 1..100000
  bool include_satisfied = false;     // also report resources that pass
};

// Thread-safe. Holds references to `store`, `authz` and `clock`, which must
// outlive it.
//
// Error codes of the policy and waiver calls follow core/registry.h:
// INVALID_ARGUMENT naming the field (a policy whose CEL does not compile is
// refused with the error's line, column and caret), PERMISSION_DENIED,
// NOT_FOUND, ALREADY_EXISTS, ABORTED (stale etag), UNAVAILABLE. Writes run
// through the same write pipeline (audit record, outbox event, request ids,
// validate_only).
class Governance {
 public:
  struct Options {
    absl::Duration refresh_interval = absl::Seconds(30);
    // Called with every decision Decide makes (governed writes, validate-
    // only ones included, access requests, access.check policies of
    // CheckAccess, EvaluatePolicies), on the deciding thread, for metrics:
    // it must be cheap and thread-safe. Not called when Decide fails.
    std::function<void(const GovernedSubject& subject,
                       const policy::Decision& decision)>
        on_decision;
    // Called when the policy listener's connection is found broken (it
    // reconnects and reloads by itself), for metrics.
    std::function<void()> on_listener_lost;
  };
  Governance(store::Store& store, const auth::Authorizer& authz,
             const Clock& clock);
  Governance(store::Store& store, const auth::Authorizer& authz,
             const Clock& clock, Options options);
  ~Governance();  // stops the listener and the refresh thread
  Governance(const Governance&) = delete;
  Governance& operator=(const Governance&) = delete;

  // Loads the policies and waivers and swaps in a new snapshot.
  // UNAVAILABLE if the store is down (the old snapshot stays).
  absl::Status Reload();
  // Loads once (the first Reload must succeed), then follows changes: a
  // store Listener on kPolicyChannel plus the periodic refresh.
  absl::Status Start();
  // The current snapshot (never null).
  std::shared_ptr<const policy::PolicySet> snapshot() const;
  // Reloads now, after a commit of this instance changed what the snapshot
  // holds (a policy or waiver write, a domain delete that took its
  // policies): read-your-writes here, while other replicas learn through
  // NOTIFY. A failed reload is left to the refresh thread.
  void ReloadAfterCommit();
  // Number of snapshots swapped in since construction.
  int64_t reloads() const { return reloads_.load(); }

  // --- Decisions ---
  // Decides `subject` against the current snapshot, as `ctx.principal`.
  // INTERNAL only if a document is not valid JSON (a bug of the caller).
  absl::StatusOr<policy::Decision> Decide(const RequestContext& ctx,
                                          const GovernedSubject& subject) const;
  // OK for ALLOW; for DENY (and REQUIRE_APPROVAL outside access requests)
  // FAILED_PRECONDITION, reason POLICY_VIOLATION, carrying every blocking
  // violation (GetPolicyViolations) and naming them in the message.
  static absl::Status Verdict(const policy::Decision& decision);
  // The violations in the core's error-detail form.
  static std::vector<PolicyViolationDetail> Details(
      const std::vector<policy::Violation>& violations);

  // EvaluatePolicies: decides without writing anything but the decision
  // log (an audit record with the decision). `as_principal` (admins only)
  // evaluates as someone else; "" = the caller. When
  // subject.resource_json is "", the stored resource is used (domains and
  // data products).
  absl::StatusOr<policy::Decision> Evaluate(const RequestContext& ctx,
                                            GovernedSubject subject,
                                            const std::string& as_principal);

  // SimulatePolicy: runs a candidate or stored policy over the existing
  // resources its triggers cover (data products for dataproduct.*, domains
  // for domain.*), evaluating in parallel; calls `emit` for each violated
  // resource (and each satisfied one with include_satisfied), in resource
  // order, then returns the totals. `emit` returning false stops early
  // (client gone). Any authenticated principal may simulate.
  absl::StatusOr<SimulationSummary> Simulate(
      const RequestContext& ctx, const SimulationSpec& spec,
      const std::function<bool(const SimulationResult&)>& emit);

  // --- Policies ---
  absl::StatusOr<model::Policy> CreatePolicy(const RequestContext& ctx,
                                             model::Policy policy);
  absl::StatusOr<model::Policy> GetPolicy(const RequestContext& ctx,
                                          const model::PolicyKey& key);
  // `domain_id` "" lists global policies, "-" every domain's. With
  // `include_inherited` (a concrete domain only), also the global policies
  // and those of its ancestors: the effective set. Filter fields: trigger,
  // effect, enforcement, owner.
  absl::StatusOr<ListResult<model::Policy>> ListPolicies(
      const RequestContext& ctx, const std::string& domain_id,
      bool include_inherited, const ListQuery& query);
  // Mask fields: display_name, description, triggers, condition, effect,
  // enforcement, message, message_expression, labels, owner, waivable.
  absl::StatusOr<model::Policy> UpdatePolicy(const RequestContext& ctx,
                                             const model::Policy& patch,
                                             const FieldMask& mask,
                                             const std::string& etag);
  absl::Status DeletePolicy(const RequestContext& ctx,
                            const model::PolicyKey& key,
                            const std::string& etag);
  absl::StatusOr<ListResult<model::PolicyRevision>> ListPolicyRevisions(
      const RequestContext& ctx, const model::PolicyKey& key,
      const ListQuery& query);

  // --- Waivers ---
  // Granted by platform admins, members of the policy's owner team, or (for
  // domain policies) the owners of the policy's domain chain.
  // FAILED_PRECONDITION (reason NOT_WAIVABLE) for a non-waivable policy.
  // The expiry must be in the future and at most 366 days ahead.
  absl::StatusOr<model::Waiver> CreateWaiver(const RequestContext& ctx,
                                             model::Waiver waiver);
  // `all_policies` lists the waivers of every policy. Filter field:
  // resource.
  absl::StatusOr<ListResult<model::Waiver>> ListWaivers(
      const RequestContext& ctx, const model::PolicyKey& policy,
      bool all_policies, bool show_expired, const ListQuery& query);
  absl::Status DeleteWaiver(const RequestContext& ctx,
                            const model::PolicyKey& policy,
                            const std::string& waiver_id);

 private:
  absl::Status CheckPolicyWrite(const RequestContext& ctx,
                                store::Transaction& txn,
                                const model::Policy& policy,
                                const char* action) const;
  absl::Status CheckWaiverWrite(const RequestContext& ctx,
                                store::Transaction& txn,
                                const model::Policy& policy) const;

  store::Store& store_;
  const auth::Authorizer& authz_;
  const Clock& clock_;
  Options options_;

  std::atomic<int64_t> reloads_{0};
  // The snapshot, its locks, the listener and the refresh thread
  // (governance.cc).
  struct Live;
  std::unique_ptr<Live> live_;
};

}  // namespace meshplane::core

#endif  // MESHPLANE_CORE_GOVERNANCE_H_
