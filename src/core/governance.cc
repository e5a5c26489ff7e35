#include "meshplane/core/governance.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/engine_view.h"
#include "core/field_mask.h"
#include "core/filter.h"
#include "core/page_token.h"
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
using internal::CheckEtag;
using internal::DomainChain;
using internal::FilterError;
using internal::NotFoundAt;
using internal::Referenced;
using internal::StoreWrite;
using internal::ToEngine;
using internal::ToListResult;
using internal::Violations;
using internal::WriteOutcome;
using internal::WritePipeline;
using internal::WriteSpec;

constexpr char kPolicyService[] = "meshplane.v1.PolicyService/";
constexpr size_t kMaxMessage = 1024;
constexpr size_t kMaxExpression = 8192;
constexpr size_t kMaxResourceName = 1024;
constexpr absl::Duration kMaxWaiver = absl::Hours(24 * 366);
// Rows per page when a whole scope is read (snapshot, inherited lists,
// simulation).
constexpr int kBatch = 1000;

std::string Method(const char* rpc) {
  return absl::StrCat(kPolicyService, rpc);
}

// Every field check of a policy, the CEL type check included, under the
// request field `prefix` ("policy").
void ValidatePolicy(const model::Policy& p, Violations& v) {
  v.CheckText("policy.display_name", p.display_name, internal::kMaxDisplayName);
  v.CheckText("policy.description", p.description, internal::kMaxDescription);
  v.CheckText("policy.message", p.message, kMaxMessage);
  v.CheckText("policy.condition", p.condition, kMaxExpression);
  v.CheckText("policy.message_expression", p.message_expression,
              kMaxExpression);
  v.CheckLabels("policy.labels", p.labels);
  if (!policy::ParseEffect(p.effect)) {
    v.Add("policy.effect",
          absl::StrCat("\"", p.effect,
                       "\" is not one of DENY, WARN, REQUIRE_APPROVAL"));
  }
  if (!policy::ParseEnforcement(p.enforcement)) {
    v.Add("policy.enforcement",
          absl::StrCat("\"", p.enforcement,
                       "\" is not one of ENFORCED, DRY_RUN"));
  }
  if (p.domain_id.empty() && p.owner_team_id.empty()) {
    v.Add("policy.owner", "a global policy needs an owner team");
  } else if (!p.owner_team_id.empty()) {
    v.CheckId("policy.owner", p.owner_team_id);
  }
  if (!p.domain_id.empty() && !p.waivable) {
    v.Add("policy.waivable",
          "only global policies may be non-waivable; a domain policy is "
          "always waivable by its domain's owners");
  }
  if (!v.empty()) return;
  for (const policy::PolicyIssue& issue : policy::CheckPolicy(ToEngine(p))) {
    v.Add(absl::StrCat("policy.", issue.field), issue.message);
  }
}

void ValidateKey(const model::PolicyKey& key, const std::string& domain_field,
                 const std::string& id_field, Violations& v) {
  if (!key.domain_id.empty()) v.CheckId(domain_field, key.domain_id);
  v.CheckId(id_field, key.id);
}

// The domain id a resource name belongs to ("domains/x/..." -> "x"), or "".
std::string DomainOfResource(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() >= 2 && parts[0] == "domains") return std::string(parts[1]);
  return "";
}

}  // namespace

// ============================================================ Snapshot

Governance::Governance(store::Store& store, const auth::Authorizer& authz,
                       const Clock& clock)
    : Governance(store, authz, clock, Options()) {}

Governance::Governance(store::Store& store, const auth::Authorizer& authz,
                       const Clock& clock, Options options)
    : store_(store),
      authz_(authz),
      clock_(clock),
      options_(options),
      snapshot_(policy::PolicySet::Empty()) {}

Governance::~Governance() {
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  listener_.reset();  // joins the listener's thread first: no more signals
  if (refresher_.joinable()) refresher_.join();
}

std::shared_ptr<const policy::PolicySet> Governance::snapshot() const {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  return snapshot_;
}

absl::Status Governance::Reload() {
  std::lock_guard<std::mutex> reload_lock(reload_mu_);
  std::vector<model::Policy> policies;
  std::vector<model::Waiver> waivers;
  MP_RETURN_IF_ERROR(store_.RunInTransaction(
      store::TxnMode::kReadOnly, [&](store::Transaction& txn) -> absl::Status {
        MP_ASSIGN_OR_RETURN(policies, txn.governance().AllPolicies());
        waivers.clear();
        store::WaiverFilter filter;
        filter.all_policies = true;
        filter.not_expired_at = clock_.Now();
        store::PageRequest page{"", kBatch};
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
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    snapshot_ = std::move(set);
  }
  reloads_.fetch_add(1);
  return absl::OkStatus();
}

absl::Status Governance::Start() {
  MP_RETURN_IF_ERROR(Reload());
  MP_ASSIGN_OR_RETURN(listener_, store_.NewListener());
  MP_RETURN_IF_ERROR(listener_->Start(
      {kPolicyChannel}, [this](const store::Listener::Notification& n) {
        if (n.lost && options_.on_listener_lost) options_.on_listener_lost();
        // A change elsewhere, or a reconnect after which changes may have
        // been missed: reload on the refresh thread, not this one.
        {
          std::lock_guard<std::mutex> lock(loop_mu_);
          dirty_ = true;
        }
        loop_cv_.notify_all();
      }));
  refresher_ = std::thread([this] { RefreshLoop(); });
  return absl::OkStatus();
}

void Governance::RefreshLoop() {
  const auto interval = absl::ToChronoMilliseconds(options_.refresh_interval);
  std::unique_lock<std::mutex> lock(loop_mu_);
  while (!stopping_) {
    loop_cv_.wait_for(lock, interval, [this] { return stopping_ || dirty_; });
    if (stopping_) break;
    dirty_ = false;
    lock.unlock();
    const bool loaded = Reload().ok();
    lock.lock();
    if (!loaded) {
      // The old snapshot stays; try again in a second (the store is down
      // or failing: do not hammer it), sooner only to stop.
      dirty_ = true;
      loop_cv_.wait_for(lock, std::chrono::seconds(1),
                        [this] { return stopping_; });
    } else if (dirty_) {
      // More changes came during the reload: coalesce a burst a little.
      loop_cv_.wait_for(lock, std::chrono::milliseconds(20),
                        [this] { return stopping_; });
    }
  }
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
  audit.method = ctx.method.empty() ? Method("EvaluatePolicies") : ctx.method;
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

// ============================================================ Policies

absl::Status Governance::CheckPolicyWrite(const RequestContext& ctx,
                                          store::Transaction& txn,
                                          const model::Policy& policy,
                                          const char* action) const {
  if (policy.domain_id.empty()) {
    return authz_.CheckAdmin(ctx.principal,
                             absl::StrCat(action, " global policies"));
  }
  auto domain = txn.registry().GetDomain(policy.domain_id);
  if (!domain.ok()) {
    return Referenced(domain.status(), "parent",
                      model::DomainName(policy.domain_id));
  }
  MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, *domain));
  return authz_.CheckDomainWrite(ctx.principal, chain,
                                 absl::StrCat(action, " policies"));
}

absl::Status Governance::CheckWaiverWrite(const RequestContext& ctx,
                                          store::Transaction& txn,
                                          const model::Policy& policy) const {
  if (ctx.principal.platform_admin) return absl::OkStatus();
  if (!policy.owner_team_id.empty() &&
      ctx.principal.IsMemberOf(policy.owner_team_id)) {
    return absl::OkStatus();
  }
  if (!policy.domain_id.empty()) {
    return CheckPolicyWrite(ctx, txn, policy, "grant waivers of");
  }
  return absl::PermissionDeniedError(
      absl::StrCat(ctx.principal.id, " may not grant waivers of ",
                   model::PolicyName(policy.key()),
                   ": only platform admins and members of its owner team ",
                   model::TeamName(policy.owner_team_id), " may"));
}

absl::StatusOr<model::Policy> Governance::CreatePolicy(
    const RequestContext& ctx, model::Policy policy) {
  model::Policy result;
  WriteSpec spec{Method("CreatePolicy"), model::PolicyName(policy.key()),
                 model::ToJson(policy)};
  WritePipeline pipeline(store_, clock_);
  MP_ASSIGN_OR_RETURN(
      auto replay,
      pipeline.Run(
          ctx, spec,
          [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
            const absl::Time now = internal::StoreNow(clock_);
            Violations v;
            ValidateKey(policy.key(), "parent", "policy_id", v);
            MP_RETURN_IF_ERROR(v.ToStatus());
            MP_RETURN_IF_ERROR(CheckPolicyWrite(ctx, txn, policy, "write"));
            model::Policy p = policy;
            if (p.owner_team_id.empty() && !p.domain_id.empty()) {
              MP_ASSIGN_OR_RETURN(model::Domain d,
                                  txn.registry().GetDomain(p.domain_id));
              p.owner_team_id = d.owner_team_id;
            }
            ValidatePolicy(p, v);
            MP_RETURN_IF_ERROR(v.ToStatus());
            auto owner = txn.registry().GetTeam(p.owner_team_id);
            if (!owner.ok()) {
              return Referenced(owner.status(), "policy.owner",
                                model::TeamName(p.owner_team_id));
            }
            p.uid = RandomUuid();
            p.create_time = now;
            p.update_time = now;
            p.revision = 1;
            absl::Status inserted =
                txn.governance().InsertPolicy(p, ctx.principal.id);
            if (inserted.code() == absl::StatusCode::kAlreadyExists) {
              return absl::AlreadyExistsError(
                  absl::StrCat(model::PolicyName(p.key()), " already exists"));
            }
            MP_RETURN_IF_ERROR(inserted);
            MP_RETURN_IF_ERROR(
                txn.Notify(kPolicyChannel, model::PolicyName(p.key())));
            out.after_json = model::ToJson(p);
            out.response_json = out.after_json;
            out.event_type = "policy.created";
            out.domain_id = p.domain_id;
            result = std::move(p);
            return absl::OkStatus();
          }));
  if (replay) return model::PolicyFromJson(*replay);
  if (!ctx.validate_only) ReloadAfterCommit();
  return result;
}

absl::StatusOr<model::Policy> Governance::GetPolicy(
    const RequestContext& ctx, const model::PolicyKey& key) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  Violations v;
  ValidateKey(key, "name", "name", v);
  MP_RETURN_IF_ERROR(v.ToStatus());
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kSingleRead));
  return txn->governance().GetPolicy(key);
}

absl::StatusOr<ListResult<model::Policy>> Governance::ListPolicies(
    const RequestContext& ctx, const std::string& domain_id,
    bool include_inherited, const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  const bool any_domain = domain_id == "-";
  if (!domain_id.empty() && !any_domain && !model::IsValidId(domain_id)) {
    return InvalidArgumentWithFields(
        {{"parent",
          absl::StrCat("\"", domain_id, "\" is not a valid domain id")}});
  }
  if (include_inherited && (domain_id.empty() || any_domain)) {
    return InvalidArgumentWithFields(
        {{"include_inherited", "needs a parent of the form domains/{domain}"}});
  }
  MP_ASSIGN_OR_RETURN(auto terms, internal::ParseFilter(query.filter));
  store::PolicyFilter filter;
  filter.domain_id = any_domain ? "" : domain_id;
  filter.any_domain = any_domain;
  std::set<std::string> seen;
  for (const auto& t : terms) {
    std::string field = t.field == "owner_team" ? "owner" : t.field;
    if (field == "triggers") field = "trigger";
    if (field.empty()) {
      return FilterError(absl::StrCat("free text (", QuotePrefix(t.value),
                                      ") is not supported for policies"));
    }
    if (!seen.insert(field).second) {
      return FilterError(
          absl::StrCat(QuotePrefix(field), " may appear only once"));
    }
    if (field == "trigger") {
      if (!policy::IsKnownTrigger(t.value)) {
        return FilterError(absl::StrCat("trigger: ", QuotePrefix(t.value),
                                        " is not a trigger"));
      }
      filter.trigger = t.value;
    } else if (field == "effect") {
      if (!policy::ParseEffect(t.value)) {
        return FilterError(
            absl::StrCat("effect: ", QuotePrefix(t.value),
                         " is not one of DENY, WARN, REQUIRE_APPROVAL"));
      }
      filter.effect = t.value;
    } else if (field == "enforcement") {
      if (!policy::ParseEnforcement(t.value)) {
        return FilterError(absl::StrCat("enforcement: ", QuotePrefix(t.value),
                                        " is not one of ENFORCED, DRY_RUN"));
      }
      filter.enforcement = t.value;
    } else if (field == "owner") {
      std::string owner = t.value;
      if (absl::StartsWith(owner, "teams/")) owner = owner.substr(6);
      if (!model::IsValidId(owner)) {
        return FilterError(absl::StrCat("owner: ", QuotePrefix(t.value),
                                        " is not a valid team"));
      }
      filter.owner_team_id = owner;
    } else {
      return FilterError(
          absl::StrCat("unknown field \"", t.field,
                       "\" (known: trigger, effect, enforcement, owner)"));
    }
  }
  std::string fingerprint = internal::QueryFingerprint(
      {"policies", domain_id, include_inherited ? "1" : "0",
       internal::CanonicalFilter(terms)});
  MP_ASSIGN_OR_RETURN(std::string after,
                      internal::DecodePageToken(query.page_token, fingerprint));
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  if (!domain_id.empty() && !any_domain) {
    auto d = txn->registry().GetDomain(domain_id);
    if (!d.ok())
      return Referenced(d.status(), "parent", model::DomainName(domain_id));
  }
  if (!include_inherited) {
    MP_ASSIGN_OR_RETURN(auto page,
                        txn->governance().ListPolicies(filter, {after, limit}));
    return ToListResult(std::move(page), fingerprint);
  }
  // The effective set: global, then each ancestor, then the domain. It is
  // bounded by what governs one domain, so it comes in one page.
  MP_ASSIGN_OR_RETURN(auto ancestors,
                      txn->registry().DomainAncestors(domain_id));
  std::vector<std::string> scopes{""};
  for (auto it = ancestors.rbegin(); it != ancestors.rend(); ++it)
    scopes.push_back(it->id);
  scopes.push_back(domain_id);
  ListResult<model::Policy> out;
  for (const auto& scope : scopes) {
    filter.domain_id = scope;
    store::PageRequest page{"", kBatch};
    do {
      MP_ASSIGN_OR_RETURN(auto got,
                          txn->governance().ListPolicies(filter, page));
      for (auto& p : got.items) out.items.push_back(std::move(p));
      page.after = got.next;
    } while (!page.after.empty());
  }
  return out;
}

absl::StatusOr<model::Policy> Governance::UpdatePolicy(
    const RequestContext& ctx, const model::Policy& patch,
    const FieldMask& mask, const std::string& etag) {
  model::Policy result;
  WriteSpec spec{Method("UpdatePolicy"), model::PolicyName(patch.key()),
                 absl::StrCat(model::ToJson(patch), "\n",
                              absl::StrJoin(mask.paths, ","), "\n", etag)};
  WritePipeline pipeline(store_, clock_);
  MP_ASSIGN_OR_RETURN(
      auto replay,
      pipeline.Run(
          ctx, spec,
          [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
            const absl::Time now = internal::StoreNow(clock_);
            Violations v;
            ValidateKey(patch.key(), "policy.name", "policy.name", v);
            MP_RETURN_IF_ERROR(v.ToStatus());
            MP_ASSIGN_OR_RETURN(
                std::set<std::string> paths,
                internal::ResolveMask(
                    mask,
                    {"display_name", "description", "triggers", "condition",
                     "effect", "enforcement", "message", "message_expression",
                     "labels", "owner", "waivable"},
                    {{"owner_team", "owner"}},
                    {"name", "uid", "scope", "revision", "create_time",
                     "update_time", "etag"}));
            MP_ASSIGN_OR_RETURN(model::Policy current,
                                txn.governance().GetPolicy(patch.key()));
            // docs/governance.md: a domain policy's owner team may edit it
            // besides the domain's owners; handing it to another team stays
            // with the domain's owners (checked below).
            const bool policy_owner =
                !current.domain_id.empty() && !current.owner_team_id.empty() &&
                ctx.principal.IsMemberOf(current.owner_team_id);
            if (!policy_owner) {
              MP_RETURN_IF_ERROR(CheckPolicyWrite(ctx, txn, current, "update"));
            }
            MP_RETURN_IF_ERROR(CheckEtag(model::PolicyName(current.key()), etag,
                                         current.revision));
            model::Policy p = current;
            if (paths.count("display_name"))
              p.display_name = patch.display_name;
            if (paths.count("description")) p.description = patch.description;
            if (paths.count("triggers")) p.triggers = patch.triggers;
            if (paths.count("condition")) p.condition = patch.condition;
            if (paths.count("effect")) p.effect = patch.effect;
            if (paths.count("enforcement")) p.enforcement = patch.enforcement;
            if (paths.count("message")) p.message = patch.message;
            if (paths.count("message_expression"))
              p.message_expression = patch.message_expression;
            if (paths.count("labels")) p.labels = patch.labels;
            if (paths.count("owner")) p.owner_team_id = patch.owner_team_id;
            if (paths.count("waivable")) p.waivable = patch.waivable;
            if (p.owner_team_id.empty() && !p.domain_id.empty()) {
              MP_ASSIGN_OR_RETURN(model::Domain d,
                                  txn.registry().GetDomain(p.domain_id));
              p.owner_team_id = d.owner_team_id;
            }
            ValidatePolicy(p, v);
            MP_RETURN_IF_ERROR(v.ToStatus());
            if (policy_owner && p.owner_team_id != current.owner_team_id) {
              MP_RETURN_IF_ERROR(
                  CheckPolicyWrite(ctx, txn, current, "change the owner of"));
            }
            if (p.owner_team_id != current.owner_team_id) {
              auto owner = txn.registry().GetTeam(p.owner_team_id);
              if (!owner.ok()) {
                return Referenced(owner.status(), "policy.owner",
                                  model::TeamName(p.owner_team_id));
              }
            }
            out.before_json = model::ToJson(current);
            // An update that changes nothing makes no revision.
            p.revision = current.revision;
            p.update_time = current.update_time;
            if (model::ToJson(p) == out.before_json) {
              out.after_json = out.before_json;
              out.response_json = out.after_json;
              result = std::move(p);
              return absl::OkStatus();
            }
            p.revision = current.revision + 1;
            p.update_time = now;
            MP_RETURN_IF_ERROR(StoreWrite(txn.governance().UpdatePolicy(
                p, current.revision, ctx.principal.id)));
            MP_RETURN_IF_ERROR(
                txn.Notify(kPolicyChannel, model::PolicyName(p.key())));
            out.after_json = model::ToJson(p);
            out.response_json = out.after_json;
            out.event_type = "policy.updated";
            out.domain_id = p.domain_id;
            result = std::move(p);
            return absl::OkStatus();
          }));
  if (replay) return model::PolicyFromJson(*replay);
  if (!ctx.validate_only) ReloadAfterCommit();
  return result;
}

absl::Status Governance::DeletePolicy(const RequestContext& ctx,
                                      const model::PolicyKey& key,
                                      const std::string& etag) {
  WriteSpec spec{Method("DeletePolicy"), model::PolicyName(key),
                 absl::StrCat(model::PolicyName(key), "\n", etag)};
  WritePipeline pipeline(store_, clock_);
  MP_RETURN_IF_ERROR(
      pipeline
          .Run(ctx, spec,
               [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
                 Violations v;
                 ValidateKey(key, "name", "name", v);
                 MP_RETURN_IF_ERROR(v.ToStatus());
                 MP_ASSIGN_OR_RETURN(model::Policy current,
                                     txn.governance().GetPolicy(key));
                 MP_RETURN_IF_ERROR(
                     CheckPolicyWrite(ctx, txn, current, "delete"));
                 MP_RETURN_IF_ERROR(
                     CheckEtag(model::PolicyName(key), etag, current.revision));
                 MP_RETURN_IF_ERROR(txn.governance().DeletePolicy(key));
                 MP_RETURN_IF_ERROR(
                     txn.Notify(kPolicyChannel, model::PolicyName(key)));
                 out.before_json = model::ToJson(current);
                 out.response_json = "{}";
                 out.event_type = "policy.deleted";
                 out.domain_id = key.domain_id;
                 return absl::OkStatus();
               })
          .status());
  if (!ctx.validate_only) ReloadAfterCommit();
  return absl::OkStatus();
}

absl::StatusOr<ListResult<model::PolicyRevision>>
Governance::ListPolicyRevisions(const RequestContext& ctx,
                                const model::PolicyKey& key,
                                const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  Violations v;
  ValidateKey(key, "name", "name", v);
  MP_RETURN_IF_ERROR(v.ToStatus());
  if (!query.filter.empty()) {
    return FilterError("policy revisions cannot be filtered");
  }
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  std::string fingerprint =
      internal::QueryFingerprint({"policyRevisions", model::PolicyName(key)});
  MP_ASSIGN_OR_RETURN(std::string after,
                      internal::DecodePageToken(query.page_token, fingerprint));
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  MP_ASSIGN_OR_RETURN(
      auto page, txn->governance().ListPolicyRevisions(key, {after, limit}));
  if (page.items.empty() && after.empty()) {
    // Neither a policy nor a history: say so rather than return nothing.
    auto current = txn->governance().GetPolicy(key);
    if (!current.ok()) return current.status();
  }
  return ToListResult(std::move(page), fingerprint);
}

// ============================================================ Waivers

absl::StatusOr<model::Waiver> Governance::CreateWaiver(
    const RequestContext& ctx, model::Waiver waiver) {
  model::Waiver result;
  WriteSpec spec{Method("CreateWaiver"), model::WaiverName(waiver),
                 model::ToJson(waiver)};
  WritePipeline pipeline(store_, clock_);
  MP_ASSIGN_OR_RETURN(
      auto replay,
      pipeline.Run(
          ctx, spec,
          [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
            const absl::Time now = internal::StoreNow(clock_);
            Violations v;
            ValidateKey(waiver.policy, "parent", "parent", v);
            v.CheckId("waiver_id", waiver.id);
            MP_RETURN_IF_ERROR(v.ToStatus());
            auto policy = txn.governance().GetPolicy(waiver.policy);
            if (!policy.ok()) {
              return Referenced(policy.status(), "parent",
                                model::PolicyName(waiver.policy));
            }
            MP_RETURN_IF_ERROR(CheckWaiverWrite(ctx, txn, *policy));
            if (waiver.resource.empty() ||
                waiver.resource.size() > kMaxResourceName ||
                absl::StrContains(waiver.resource, ' ')) {
              v.Add("waiver.resource",
                    "the exempted resource's name is required (1 to 1024 "
                    "characters, no spaces)");
            }
            if (waiver.reason.empty()) {
              v.Add("waiver.reason", "a justification is required");
            } else {
              v.CheckText("waiver.reason", waiver.reason,
                          internal::kMaxDescription);
            }
            if (waiver.expire_time <= now) {
              v.Add("waiver.expire_time", "must be in the future");
            } else if (waiver.expire_time > now + kMaxWaiver) {
              v.Add("waiver.expire_time", "may be at most 366 days ahead");
            }
            MP_RETURN_IF_ERROR(v.ToStatus());
            if (!policy->waivable) {
              return WithReason(
                  absl::FailedPreconditionError(absl::StrCat(
                      model::PolicyName(policy->key()),
                      " is not waivable: no resource can be exempted from it")),
                  "NOT_WAIVABLE");
            }
            if (!policy->domain_id.empty()) {
              // A domain policy governs its subtree only: a waiver outside it
              // would exempt nothing and mislead.
              std::string d = DomainOfResource(waiver.resource);
              bool inside = false;
              if (model::IsValidId(d)) {
                auto domain = txn.registry().GetDomain(d);
                if (domain.ok()) {
                  MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, *domain));
                  for (const auto& c : chain)
                    inside |= c.id == policy->domain_id;
                } else if (domain.status().code() !=
                           absl::StatusCode::kNotFound) {
                  return domain.status();
                }
              }
              if (!inside) {
                return InvalidArgumentWithFields(
                    {{"waiver.resource",
                      absl::StrCat(waiver.resource, " is not inside ",
                                   model::DomainName(policy->domain_id),
                                   ", which ", model::PolicyName(policy->key()),
                                   " governs")}});
              }
            }
            model::Waiver w = waiver;
            w.uid = RandomUuid();
            w.created_by = ctx.principal.id;
            w.create_time = now;
            w.policy_revision = policy->revision;
            absl::Status inserted = txn.governance().InsertWaiver(w);
            if (inserted.code() == absl::StatusCode::kAlreadyExists) {
              return absl::AlreadyExistsError(
                  absl::StrCat(model::WaiverName(w), " already exists"));
            }
            MP_RETURN_IF_ERROR(inserted);
            MP_RETURN_IF_ERROR(
                txn.Notify(kPolicyChannel, model::WaiverName(w)));
            out.after_json = model::ToJson(w);
            out.response_json = out.after_json;
            out.event_type = "waiver.created";
            out.domain_id = w.policy.domain_id;
            result = std::move(w);
            return absl::OkStatus();
          }));
  if (replay) return model::WaiverFromJson(*replay);
  if (!ctx.validate_only) ReloadAfterCommit();
  return result;
}

absl::StatusOr<ListResult<model::Waiver>> Governance::ListWaivers(
    const RequestContext& ctx, const model::PolicyKey& policy,
    bool all_policies, bool show_expired, const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  if (!all_policies) {
    Violations v;
    ValidateKey(policy, "parent", "parent", v);
    MP_RETURN_IF_ERROR(v.ToStatus());
  }
  MP_ASSIGN_OR_RETURN(auto terms, internal::ParseFilter(query.filter));
  store::WaiverFilter filter;
  filter.policy = policy;
  filter.all_policies = all_policies;
  filter.not_expired_at = show_expired ? absl::InfinitePast() : clock_.Now();
  for (const auto& t : terms) {
    if (t.field != "resource" || !filter.resource.empty()) {
      return FilterError(absl::StrCat("unknown or repeated field \"", t.field,
                                      "\" (known: resource)"));
    }
    filter.resource = t.value;
  }
  std::string fingerprint = internal::QueryFingerprint(
      {"waivers", all_policies ? "-" : model::PolicyName(policy),
       show_expired ? "1" : "0", internal::CanonicalFilter(terms)});
  MP_ASSIGN_OR_RETURN(std::string after,
                      internal::DecodePageToken(query.page_token, fingerprint));
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  if (!all_policies) {
    auto p = txn->governance().GetPolicy(policy);
    if (!p.ok())
      return Referenced(p.status(), "parent", model::PolicyName(policy));
  }
  MP_ASSIGN_OR_RETURN(auto page,
                      txn->governance().ListWaivers(filter, {after, limit}));
  return ToListResult(std::move(page), fingerprint);
}

absl::Status Governance::DeleteWaiver(const RequestContext& ctx,
                                      const model::PolicyKey& policy_key,
                                      const std::string& waiver_id) {
  model::Waiver named;
  named.policy = policy_key;
  named.id = waiver_id;
  WriteSpec spec{Method("DeleteWaiver"), model::WaiverName(named),
                 model::WaiverName(named)};
  WritePipeline pipeline(store_, clock_);
  MP_RETURN_IF_ERROR(
      pipeline
          .Run(ctx, spec,
               [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
                 Violations v;
                 ValidateKey(policy_key, "name", "name", v);
                 v.CheckId("name", waiver_id);
                 MP_RETURN_IF_ERROR(v.ToStatus());
                 MP_ASSIGN_OR_RETURN(
                     model::Waiver current,
                     txn.governance().GetWaiver(policy_key, waiver_id));
                 MP_ASSIGN_OR_RETURN(model::Policy policy,
                                     txn.governance().GetPolicy(policy_key));
                 MP_RETURN_IF_ERROR(CheckWaiverWrite(ctx, txn, policy));
                 MP_RETURN_IF_ERROR(
                     txn.governance().DeleteWaiver(policy_key, waiver_id));
                 MP_RETURN_IF_ERROR(
                     txn.Notify(kPolicyChannel, model::WaiverName(current)));
                 out.before_json = model::ToJson(current);
                 out.response_json = "{}";
                 out.event_type = "waiver.deleted";
                 out.domain_id = policy_key.domain_id;
                 return absl::OkStatus();
               })
          .status());
  if (!ctx.validate_only) ReloadAfterCommit();
  return absl::OkStatus();
}

}  // namespace meshplane::core
