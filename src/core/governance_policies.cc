// Policies and waivers as resources: their writes, lists and history
// (the snapshot and the decisions are in governance.cc).
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
#include "core/validation.h"
#include "core/write_helpers.h"
#include "core/write_pipeline.h"

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/limits.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/core/governance.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/model/update_fields.h"
#include "meshplane/policy/cel/json.h"

namespace meshplane::core {
namespace {

using internal::CheckEtag;
using internal::DomainChain;
using internal::DomainOfResource;
using internal::FilterError;
using internal::kMaxResourceName;
using internal::kPolicyBatch;
using internal::PolicyTraits;
using internal::Referenced;
using internal::ResourceWrite;
using internal::StoreWrite;
using internal::ToEngine;
using internal::ToListResult;
using internal::Violations;
using internal::WaiverTraits;
using internal::WritePipeline;
namespace rpc = internal::rpc;

constexpr size_t kMaxMessage = 1024;
constexpr size_t kMaxExpression = 8192;
constexpr absl::Duration kMaxWaiver = absl::Hours(24 * 366);

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

}  // namespace

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
  auto rule =
      [&](store::Transaction& txn,
          ResourceWrite<PolicyTraits>&) -> absl::StatusOr<model::Policy> {
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
    absl::Status inserted = txn.governance().InsertPolicy(p, ctx.principal.id);
    if (inserted.code() == absl::StatusCode::kAlreadyExists) {
      return absl::AlreadyExistsError(
          absl::StrCat(model::PolicyName(p.key()), " already exists"));
    }
    MP_RETURN_IF_ERROR(inserted);
    MP_RETURN_IF_ERROR(txn.Notify(kPolicyChannel, model::PolicyName(p.key())));
    return p;
  };
  return WritePipeline(store_, clock_)
      .Create<PolicyTraits>(ctx, policy, rule, [this](const model::Policy&) {
        ReloadAfterCommit();
      });
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
      return internal::FreeTextNotSupported(t.value, "policies");
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
  MP_ASSIGN_OR_RETURN(auto read,
                      internal::BeginListRead(
                          store_, store::TxnMode::kReadOnly,
                          {"policies", domain_id, include_inherited ? "1" : "0",
                           internal::CanonicalFilter(terms)},
                          query.page_token, limit));
  if (!domain_id.empty() && !any_domain) {
    auto d = read.txn->registry().GetDomain(domain_id);
    if (!d.ok())
      return Referenced(d.status(), "parent", model::DomainName(domain_id));
  }
  if (!include_inherited) {
    MP_ASSIGN_OR_RETURN(auto page,
                        read.txn->governance().ListPolicies(filter, read.page));
    return ToListResult(std::move(page), read.fingerprint);
  }
  // The effective set: global, then each ancestor, then the domain. It is
  // bounded by what governs one domain, so it comes in one page.
  MP_ASSIGN_OR_RETURN(auto ancestors,
                      read.txn->registry().DomainAncestors(domain_id));
  std::vector<std::string> scopes{""};
  for (auto it = ancestors.rbegin(); it != ancestors.rend(); ++it)
    scopes.push_back(it->id);
  scopes.push_back(domain_id);
  ListResult<model::Policy> out;
  for (const auto& scope : scopes) {
    filter.domain_id = scope;
    store::PageRequest page{"", kPolicyBatch};
    do {
      MP_ASSIGN_OR_RETURN(auto got,
                          read.txn->governance().ListPolicies(filter, page));
      for (auto& p : got.items) out.items.push_back(std::move(p));
      page.after = got.next;
    } while (!page.after.empty());
  }
  return out;
}

absl::StatusOr<model::Policy> Governance::UpdatePolicy(
    const RequestContext& ctx, const model::Policy& patch,
    const FieldMask& mask, const std::string& etag) {
  auto rule =
      [&](store::Transaction& txn,
          ResourceWrite<PolicyTraits>& w) -> absl::StatusOr<model::Policy> {
    const absl::Time now = internal::StoreNow(clock_);
    Violations v;
    ValidateKey(patch.key(), "policy.name", "policy.name", v);
    MP_RETURN_IF_ERROR(v.ToStatus());
    MP_ASSIGN_OR_RETURN(
        std::set<std::string> paths,
        internal::ResolveMask(mask, model::PolicyUpdatableFields(),
                              {{"owner_team", "owner"}},
                              {"name", "uid", "scope", "revision",
                               "create_time", "update_time", "etag"}));
    MP_ASSIGN_OR_RETURN(model::Policy current,
                        txn.governance().GetPolicy(patch.key()));
    // docs/governance.md: a domain policy's owner team may edit it besides
    // the domain's owners; handing it to another team stays with the
    // domain's owners (checked below).
    const bool policy_owner = !current.domain_id.empty() &&
                              !current.owner_team_id.empty() &&
                              ctx.principal.IsMemberOf(current.owner_team_id);
    if (!policy_owner) {
      MP_RETURN_IF_ERROR(CheckPolicyWrite(ctx, txn, current, "update"));
    }
    MP_RETURN_IF_ERROR(
        CheckEtag(model::PolicyName(current.key()), etag, current.revision));
    model::Policy p = current;
    if (paths.count("display_name")) p.display_name = patch.display_name;
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
    const std::string& before_json = w.Before(current);
    // An update that changes nothing makes no revision.
    p.revision = current.revision;
    p.update_time = current.update_time;
    if (PolicyTraits::ToJson(p) == before_json) {
      w.Unchanged();
      return p;
    }
    p.revision = current.revision + 1;
    p.update_time = now;
    MP_RETURN_IF_ERROR(StoreWrite(
        txn.governance().UpdatePolicy(p, current.revision, ctx.principal.id)));
    MP_RETURN_IF_ERROR(txn.Notify(kPolicyChannel, model::PolicyName(p.key())));
    return p;
  };
  return WritePipeline(store_, clock_)
      .Update<PolicyTraits>(
          ctx, patch, mask, etag, rule,
          [this](const model::Policy&) { ReloadAfterCommit(); });
}

absl::Status Governance::DeletePolicy(const RequestContext& ctx,
                                      const model::PolicyKey& key,
                                      const std::string& etag) {
  auto rule =
      [&](store::Transaction& txn,
          ResourceWrite<PolicyTraits>&) -> absl::StatusOr<model::Policy> {
    Violations v;
    ValidateKey(key, "name", "name", v);
    MP_RETURN_IF_ERROR(v.ToStatus());
    MP_ASSIGN_OR_RETURN(model::Policy current, txn.governance().GetPolicy(key));
    MP_RETURN_IF_ERROR(CheckPolicyWrite(ctx, txn, current, "delete"));
    MP_RETURN_IF_ERROR(
        CheckEtag(model::PolicyName(key), etag, current.revision));
    MP_RETURN_IF_ERROR(txn.governance().DeletePolicy(key));
    MP_RETURN_IF_ERROR(txn.Notify(kPolicyChannel, model::PolicyName(key)));
    return current;
  };
  MP_RETURN_IF_ERROR(WritePipeline(store_, clock_)
                         .Delete<PolicyTraits>(
                             ctx,
                             {rpc::kDeletePolicy, model::PolicyName(key),
                              absl::StrCat(model::PolicyName(key), "\n", etag)},
                             rule));
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
  MP_ASSIGN_OR_RETURN(
      auto read,
      internal::BeginListRead(store_, store::TxnMode::kReadOnly,
                              {"policyRevisions", model::PolicyName(key)},
                              query.page_token, limit));
  MP_ASSIGN_OR_RETURN(
      auto page, read.txn->governance().ListPolicyRevisions(key, read.page));
  if (page.items.empty() && read.page.after.empty()) {
    // Neither a policy nor a history: say so rather than return nothing.
    auto current = read.txn->governance().GetPolicy(key);
    if (!current.ok()) return current.status();
  }
  return ToListResult(std::move(page), read.fingerprint);
}

// ============================================================ Waivers

absl::StatusOr<model::Waiver> Governance::CreateWaiver(
    const RequestContext& ctx, model::Waiver waiver) {
  auto rule =
      [&](store::Transaction& txn,
          ResourceWrite<WaiverTraits>&) -> absl::StatusOr<model::Waiver> {
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
    if (waiver.resource.empty() || waiver.resource.size() > kMaxResourceName ||
        absl::StrContains(waiver.resource, ' ')) {
      v.Add("waiver.resource",
            "the exempted resource's name is required (1 to 1024 "
            "characters, no spaces)");
    }
    if (waiver.reason.empty()) {
      v.Add("waiver.reason", "a justification is required");
    } else {
      v.CheckText("waiver.reason", waiver.reason, internal::kMaxDescription);
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
          for (const auto& c : chain) inside |= c.id == policy->domain_id;
        } else if (domain.status().code() != absl::StatusCode::kNotFound) {
          return domain.status();
        }
      }
      if (!inside) {
        return InvalidArgumentWithFields(
            {{"waiver.resource",
              absl::StrCat(waiver.resource, " is not inside ",
                           model::DomainName(policy->domain_id), ", which ",
                           model::PolicyName(policy->key()), " governs")}});
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
    MP_RETURN_IF_ERROR(txn.Notify(kPolicyChannel, model::WaiverName(w)));
    return w;
  };
  return WritePipeline(store_, clock_)
      .Create<WaiverTraits>(ctx, waiver, rule, [this](const model::Waiver&) {
        ReloadAfterCommit();
      });
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
  MP_ASSIGN_OR_RETURN(
      auto read,
      internal::BeginListRead(
          store_, store::TxnMode::kReadOnly,
          {"waivers", all_policies ? "-" : model::PolicyName(policy),
           show_expired ? "1" : "0", internal::CanonicalFilter(terms)},
          query.page_token, limit));
  if (!all_policies) {
    auto p = read.txn->governance().GetPolicy(policy);
    if (!p.ok())
      return Referenced(p.status(), "parent", model::PolicyName(policy));
  }
  MP_ASSIGN_OR_RETURN(auto page,
                      read.txn->governance().ListWaivers(filter, read.page));
  return ToListResult(std::move(page), read.fingerprint);
}

absl::Status Governance::DeleteWaiver(const RequestContext& ctx,
                                      const model::PolicyKey& policy_key,
                                      const std::string& waiver_id) {
  model::Waiver named;
  named.policy = policy_key;
  named.id = waiver_id;
  auto rule =
      [&](store::Transaction& txn,
          ResourceWrite<WaiverTraits>&) -> absl::StatusOr<model::Waiver> {
    Violations v;
    ValidateKey(policy_key, "name", "name", v);
    v.CheckId("name", waiver_id);
    MP_RETURN_IF_ERROR(v.ToStatus());
    MP_ASSIGN_OR_RETURN(model::Waiver current,
                        txn.governance().GetWaiver(policy_key, waiver_id));
    MP_ASSIGN_OR_RETURN(model::Policy policy,
                        txn.governance().GetPolicy(policy_key));
    MP_RETURN_IF_ERROR(CheckWaiverWrite(ctx, txn, policy));
    MP_RETURN_IF_ERROR(txn.governance().DeleteWaiver(policy_key, waiver_id));
    MP_RETURN_IF_ERROR(txn.Notify(kPolicyChannel, model::WaiverName(current)));
    return current;
  };
  MP_RETURN_IF_ERROR(
      WritePipeline(store_, clock_)
          .Delete<WaiverTraits>(ctx,
                                {rpc::kDeleteWaiver, model::WaiverName(named),
                                 model::WaiverName(named)},
                                rule));
  if (!ctx.validate_only) ReloadAfterCommit();
  return absl::OkStatus();
}

}  // namespace meshplane::core
