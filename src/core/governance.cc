#include "meshplane/core/governance.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/engine_view.h"
#include "core/field_mask.h"
#include "core/filter.h"
#include "core/governance_internal.h"
#include "core/page_token.h"
#include "core/resource_traits.h"
#include "core/rpc_names.h"
#include "core/snapshot_refresher.h"
#include "core/validation.h"
#include "core/write_helpers.h"
#include "core/write_pipeline.h"

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/limits.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/policy/cel/json.h"

namespace meshplane::core {
namespace {

using internal::ChainIds;
using internal::DomainChain;
using internal::DomainOfResource;
using internal::kMaxResourceName;
using internal::kPolicyBatch;
using internal::Referenced;
using internal::ToEngine;
using internal::Violations;
namespace rpc = internal::rpc;

}  // namespace

// ============================================================ Snapshot

Governance::Governance(store::Store& store, const auth::Authorizer& authz,
                       const Clock& clock)
    : Governance(store, authz, clock, Options()) {}

struct Governance::Live {
  explicit Live(Governance& g)
      : refresher([&g] { return g.Reload(); },
                  {g.options_.refresh_interval, absl::Seconds(1),
                   absl::Milliseconds(20)}) {}

  std::mutex snapshot_mu;
  std::shared_ptr<const policy::PolicySet> snapshot =
      policy::PolicySet::Empty();
  std::mutex reload_mu;  // one reload at a time, so the newest load wins
  std::unique_ptr<store::Listener> listener;
  internal::SnapshotRefresher refresher;
};

Governance::Governance(store::Store& store, const auth::Authorizer& authz,
                       const Clock& clock, Options options)
    : store_(store),
      authz_(authz),
      clock_(clock),
      options_(options),
      live_(std::make_unique<Live>(*this)) {}

Governance::~Governance() {
  live_->refresher.Stop();
  live_->listener.reset();  // joins the listener's thread: no more signals
}

std::shared_ptr<const policy::PolicySet> Governance::snapshot() const {
  std::lock_guard<std::mutex> lock(live_->snapshot_mu);
  return live_->snapshot;
}

absl::Status Governance::Reload() {
  std::lock_guard<std::mutex> reload_lock(live_->reload_mu);
  std::vector<model::Policy> policies;
  std::vector<model::Waiver> waivers;
  MP_RETURN_IF_ERROR(store_.RunInTransaction(
      store::TxnMode::kReadOnly, [&](store::Transaction& txn) -> absl::Status {
        MP_ASSIGN_OR_RETURN(policies, txn.governance().AllPolicies());
        waivers.clear();
        store::WaiverFilter filter;
        filter.all_policies = true;
        filter.not_expired_at = clock_.Now();
        store::PageRequest page{"", kPolicyBatch};
        do {
          MP_ASSIGN_OR_RETURN(auto got,
                              txn.governance().ListWaivers(filter, page));
          for (auto& w : got.items) waivers.push_back(std::move(w));
          page.after = got.next;
        } while (!page.after.empty());
        return absl::OkStatus();
      }));
  std::vector<policy::Policy> engine_policies;
  engine_policies.reserve(policies.size());
  for (const auto& p : policies) engine_policies.push_back(ToEngine(p));
  std::vector<policy::Waiver> engine_waivers;
  engine_waivers.reserve(waivers.size());
  for (const auto& w : waivers) engine_waivers.push_back(ToEngine(w));
  int64_t version = reloads_.load() + 1;
  auto set = policy::PolicySet::Build(std::move(engine_policies),
                                      std::move(engine_waivers), version);
  {
    std::lock_guard<std::mutex> lock(live_->snapshot_mu);
    live_->snapshot = std::move(set);
  }
  reloads_.fetch_add(1);
  return absl::OkStatus();
}

absl::Status Governance::Start() {
  MP_RETURN_IF_ERROR(Reload());
  MP_ASSIGN_OR_RETURN(live_->listener, store_.NewListener());
  MP_RETURN_IF_ERROR(live_->listener->Start(
      {kPolicyChannel}, [this](const store::Listener::Notification& n) {
        if (n.lost && options_.on_listener_lost) options_.on_listener_lost();
        // A change elsewhere, or a reconnect after which changes may have
        // been missed: reload on the refresh thread, not this one.
        live_->refresher.Wake();
      }));
  live_->refresher.Start();
  return absl::OkStatus();
}

void Governance::ReloadAfterCommit() { Reload().IgnoreError(); }

// ============================================================ Decisions

absl::StatusOr<policy::Decision> Governance::Decide(
    const RequestContext& ctx, const GovernedSubject& subject) const {
  policy::EvalInput in;
  in.trigger = subject.trigger;
  in.resource_name = subject.resource_name;
  in.domain_chain = subject.domain_chain;
  auto doc = [](const std::string& json,
                const char* what) -> absl::StatusOr<policy::cel::Value> {
    auto v = policy::DocumentFromJson(json);
    if (!v.ok()) {
      return absl::InternalError(
          absl::StrCat("governance: the ", what,
                       " document is not valid: ", v.status().message()));
    }
    return v;
  };
  MP_ASSIGN_OR_RETURN(in.resource, doc(subject.resource_json, "resource"));
  if (subject.previous_json) {
    MP_ASSIGN_OR_RETURN(in.previous, doc(*subject.previous_json, "previous"));
  }
  if (!subject.domain_json.empty()) {
    MP_ASSIGN_OR_RETURN(in.domain, doc(subject.domain_json, "domain"));
  }
  std::string request_json = subject.request_json;
  if (request_json.empty()) {
    request_json = absl::StrCat(
        "{\"method\":",
        policy::cel::ValueToJson(policy::cel::Value::String(ctx.method)),
        ",\"validate_only\":", ctx.validate_only ? "true" : "false", "}");
  }
  MP_ASSIGN_OR_RETURN(in.request, doc(request_json, "request"));
  std::vector<std::string> teams;
  teams.reserve(ctx.principal.team_ids.size());
  for (const auto& t : ctx.principal.team_ids)
    teams.push_back(model::TeamName(t));
  in.principal = policy::PrincipalValue(ctx.principal.id, teams,
                                        ctx.principal.platform_admin);
  in.now = clock_.Now();
  policy::Decision decision = policy::Evaluate(*snapshot(), in);
  if (options_.on_decision) options_.on_decision(subject, decision);
  return decision;
}

std::vector<PolicyViolationDetail> Governance::Details(
    const std::vector<policy::Violation>& violations) {
  std::vector<PolicyViolationDetail> out;
  out.reserve(violations.size());
  for (const auto& v : violations) {
    PolicyViolationDetail d;
    d.policy = v.policy;
    d.scope = v.scope;
    d.effect = std::string(policy::EffectName(v.effect));
    d.enforcement = std::string(policy::EnforcementName(v.enforcement));
    d.message = v.message;
    d.revision = v.revision;
    d.evaluation_error = v.evaluation_error;
    out.push_back(std::move(d));
  }
  return out;
}

absl::Status Governance::Verdict(const policy::Decision& decision) {
  if (decision.outcome == policy::Outcome::kAllow) return absl::OkStatus();
  std::vector<policy::Violation> blocking = decision.Blocking();
  std::vector<std::string> parts;
  for (const auto& v : blocking) {
    parts.push_back(absl::StrCat(v.policy, ": ", v.message));
  }
  const char* what = decision.outcome == policy::Outcome::kRequireApproval
                         ? "needs approval by"
                         : "refused by";
  absl::Status status = absl::FailedPreconditionError(
      absl::StrCat(what, " policy: ", absl::StrJoin(parts, "; ")));
  status = WithReason(std::move(status), "POLICY_VIOLATION");
  return WithPolicyViolations(std::move(status), Details(blocking));
}

absl::StatusOr<policy::Decision> Governance::Evaluate(
    const RequestContext& ctx, GovernedSubject subject,
    const std::string& as_principal) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  Violations v;
  if (!policy::IsKnownTrigger(subject.trigger)) {
    v.Add("trigger",
          absl::StrCat("\"", subject.trigger, "\" is not one of ",
                       absl::StrJoin(policy::KnownTriggers(), ", ")));
  }
  if (subject.resource_name.empty() ||
      subject.resource_name.size() > kMaxResourceName) {
    v.Add("resource_name",
          "a resource name of 1 to 1024 characters is required");
  }
  if (!as_principal.empty()) {
    v.AddStatus("principal",
                model::ValidatePrincipal("principal", as_principal));
  }
  MP_RETURN_IF_ERROR(v.ToStatus());
  RequestContext eval_ctx = ctx;
  MP_RETURN_IF_ERROR(store_.RunInTransaction(
      store::TxnMode::kReadOnly, [&](store::Transaction& txn) -> absl::Status {
        if (!as_principal.empty()) {
          MP_RETURN_IF_ERROR(authz_.CheckAdmin(
              ctx.principal, "evaluate policies as another principal"));
          eval_ctx.principal = model::Principal{};
          eval_ctx.principal.id = as_principal;
          MP_ASSIGN_OR_RETURN(eval_ctx.principal.team_ids,
                              txn.registry().TeamsOfPrincipal(as_principal));
        }
        std::string domain_id = DomainOfResource(subject.resource_name);
        subject.domain_chain.clear();
        subject.domain_json.clear();
        if (domain_id.empty()) return absl::OkStatus();
        if (!model::IsValidId(domain_id)) {
          return InvalidArgumentWithFields(
              {{"resource_name",
                absl::StrCat("\"", domain_id, "\" is not a valid domain id")}});
        }
        bool is_domain = subject.resource_name == model::DomainName(domain_id);
        auto domain = txn.registry().GetDomain(domain_id);
        if (!domain.ok() &&
            domain.status().code() == absl::StatusCode::kNotFound &&
            is_domain && !subject.resource_json.empty()) {
          // A domain that does not exist yet (domain.create): its chain is
          // itself under the parent its document names.
          auto planned = model::DomainFromJson(subject.resource_json);
          if (!planned.ok()) {
            return InvalidArgumentWithFields(
                {{"resource", std::string(planned.status().message())}});
          }
          planned->id = domain_id;
          std::vector<model::Domain> chain{*planned};
          if (!planned->parent_id.empty()) {
            auto parent = txn.registry().GetDomain(planned->parent_id);
            if (!parent.ok()) {
              return Referenced(parent.status(), "resource.parent",
                                model::DomainName(planned->parent_id));
            }
            MP_ASSIGN_OR_RETURN(auto above, DomainChain(txn, *parent));
            chain.insert(chain.end(), above.begin(), above.end());
            subject.domain_json = model::ToJson(*parent);
          }
          subject.domain_chain = ChainIds(chain);
          return absl::OkStatus();
        }
        if (!domain.ok()) {
          return Referenced(domain.status(), "resource_name",
                            model::DomainName(domain_id));
        }
        MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, *domain));
        subject.domain_chain = ChainIds(chain);
        // For a domain, `domain` is its parent; for what lives in a
        // domain, that domain.
        if (!is_domain) {
          subject.domain_json = model::ToJson(*domain);
        } else if (chain.size() > 1) {
          subject.domain_json = model::ToJson(chain[1]);
        }
        if (!subject.resource_json.empty()) return absl::OkStatus();
        if (is_domain) {
          subject.resource_json = model::ToJson(*domain);
          return absl::OkStatus();
        }
        auto key =
            model::ParseProductName("resource_name", subject.resource_name);
        if (!key.ok()) {
          return InvalidArgumentWithFields(
              {{"resource",
                "is required: only domains and data products can "
                "be read from the registry"}});
        }
        auto product = txn.registry().GetDataProduct(*key);
        if (!product.ok()) {
          return Referenced(product.status(), "resource_name",
                            subject.resource_name);
        }
        subject.resource_json = model::ToJson(*product);
        return absl::OkStatus();
      }));
  MP_ASSIGN_OR_RETURN(policy::Decision decision, Decide(eval_ctx, subject));
  // The decision log: an audit record of the evaluation (best effort, as
  // for refusals: the caller still gets the decision).
  model::AuditRecord audit;
  audit.time = internal::StoreNow(clock_);
  audit.principal = ctx.principal.id;
  audit.method = internal::MethodOf(ctx, rpc::kEvaluatePolicies);
  audit.resource = subject.resource_name;
  audit.request_id = ctx.request_id;
  audit.transport = ctx.transport;
  audit.after_json = subject.resource_json;
  audit.validate_only = true;
  audit.decision_json = policy::DecisionToJson(decision);
  store_
      .RunInTransaction(
          store::TxnMode::kReadWrite,
          [&](store::Transaction& txn) {
            return txn.events().AppendAudit(audit).status();
          },
          /*max_attempts=*/2)
      .IgnoreError();
  return decision;
}

}  // namespace meshplane::core
