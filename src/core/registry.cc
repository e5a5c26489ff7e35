// The registry's domains and teams, and what its writes share (the
// governance hook); data products are in registry_products.cc.
#include "meshplane/core/registry.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/field_mask.h"
#include "core/filter.h"
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
#include "meshplane/core/access.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/model/update_fields.h"

namespace meshplane::core {
namespace {

using internal::ChainIds;
using internal::CheckEtag;
using internal::CheckFilterId;
using internal::DomainChain;
using internal::DomainTraits;
using internal::DuplicateFilterField;
using internal::Referenced;
using internal::ResourceWrite;
using internal::StoreWrite;
using internal::StripCollection;
using internal::TeamTraits;
using internal::ToListResult;
using internal::UnknownFilterField;
using internal::Violations;
using internal::WriteOutcome;
using internal::WritePipeline;
namespace rpc = internal::rpc;
using model::Domain;
using model::Team;

// Every `team:<id>` among `members` (at `fields[i]`) must name a team that
// exists: a member naming no team would grant nothing now, and whatever
// team is later created under that id afterwards.
absl::Status CheckTeamMembers(store::Transaction& txn,
                              const std::vector<std::string>& members,
                              const std::vector<std::string>& fields) {
  std::vector<FieldViolation> missing;
  for (size_t i = 0; i < members.size(); ++i) {
    absl::string_view id = members[i];
    if (!absl::ConsumePrefix(&id, "team:")) continue;
    auto team = txn.registry().GetTeam(std::string(id));
    if (team.ok()) continue;
    if (team.status().code() != absl::StatusCode::kNotFound) {
      return team.status();
    }
    missing.push_back({fields[i], absl::StrCat(model::TeamName(std::string(id)),
                                               " does not exist")});
  }
  if (missing.empty()) return absl::OkStatus();
  return InvalidArgumentWithFields(missing);
}

std::vector<std::string> MemberFields(const std::vector<std::string>& members) {
  std::vector<std::string> fields;
  for (size_t i = 0; i < members.size(); ++i) {
    fields.push_back(absl::StrCat("team.members[", i, "]"));
  }
  return fields;
}

}  // namespace

Registry::Registry(store::Store& store, const auth::Authorizer& authz,
                   const Clock& clock, Governance* governance)
    : store_(store), authz_(authz), clock_(clock), governance_(governance) {}

absl::Status Registry::Govern(const RequestContext& ctx,
                              GovernedSubject subject,
                              WriteOutcome& out) const {
  if (governance_ == nullptr) return absl::OkStatus();
  MP_ASSIGN_OR_RETURN(policy::Decision decision,
                      governance_->Decide(ctx, subject));
  out.decision_json = policy::DecisionToJson(decision);
  if (ctx.warnings != nullptr) {
    *ctx.warnings = Governance::Details(decision.Warnings());
  }
  return Governance::Verdict(decision);
}

// ================================================================ Domains

absl::StatusOr<Domain> Registry::CreateDomain(const RequestContext& ctx,
                                              Domain domain) {
  return WritePipeline(store_, clock_)
      .Create<DomainTraits>(
          ctx, domain,
          [&](store::Transaction& txn,
              ResourceWrite<DomainTraits>& w) -> absl::StatusOr<Domain> {
            const absl::Time now = internal::StoreNow(clock_);
            Violations v;
            v.CheckId("domain_id", domain.id);
            internal::ValidateDomainFields(domain, v);
            bool parent_ok =
                domain.parent_id.empty() || model::IsValidId(domain.parent_id);
            if (!model::IsValidId(domain.id) || !parent_ok) return v.ToStatus();

            std::vector<Domain> parent_chain;
            if (domain.parent_id.empty()) {
              MP_RETURN_IF_ERROR(
                  authz_.CheckAdmin(ctx.principal, "create top-level domains"));
            } else {
              auto parent = txn.registry().GetDomain(domain.parent_id);
              if (!parent.ok()) {
                return Referenced(parent.status(), "domain.parent",
                                  model::DomainName(domain.parent_id));
              }
              MP_ASSIGN_OR_RETURN(parent_chain, DomainChain(txn, *parent));
              MP_RETURN_IF_ERROR(authz_.CheckDomainWrite(
                  ctx.principal, parent_chain, "create subdomains"));
            }
            MP_RETURN_IF_ERROR(v.ToStatus());
            auto owner = txn.registry().GetTeam(domain.owner_team_id);
            if (!owner.ok()) {
              return Referenced(owner.status(), "domain.owner_team",
                                model::TeamName(domain.owner_team_id));
            }
            auto existing = txn.registry().GetDomain(domain.id);
            if (existing.ok()) {
              return absl::AlreadyExistsError(absl::StrCat(
                  model::DomainName(domain.id), " already exists"));
            }
            if (existing.status().code() != absl::StatusCode::kNotFound) {
              return existing.status();
            }
            Domain d = domain;
            d.uid = RandomUuid();
            d.create_time = now;
            d.update_time = now;
            d.revision = 1;
            GovernedSubject subject;
            subject.trigger = "domain.create";
            subject.resource_name = model::DomainName(d.id);
            subject.domain_chain = ChainIds(parent_chain);
            subject.domain_chain.insert(subject.domain_chain.begin(), d.id);
            subject.resource_json = w.After(d);
            if (!parent_chain.empty())
              subject.domain_json = model::ToJson(parent_chain.front());
            MP_RETURN_IF_ERROR(Govern(ctx, std::move(subject), w.outcome()));
            MP_RETURN_IF_ERROR(txn.registry().InsertDomain(d));
            return d;
          });
}

absl::StatusOr<Domain> Registry::GetDomain(const RequestContext& ctx,
                                           const std::string& id) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  Violations v;
  v.CheckId("name", id);
  MP_RETURN_IF_ERROR(v.ToStatus());
  // One statement: no transaction around it.
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kSingleRead));
  return txn->registry().GetDomain(id);
}

absl::StatusOr<ListResult<Domain>> Registry::ListDomains(
    const RequestContext& ctx, const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  MP_ASSIGN_OR_RETURN(auto terms, internal::ParseFilter(query.filter));
  store::DomainFilter filter;
  std::set<std::string> seen;
  for (const auto& t : terms) {
    std::string field = t.field == "owner" ? "owner_team" : t.field;
    if (field == "parent_id") field = "parent";
    if (field.empty()) {
      return internal::FreeTextNotSupported(t.value, "domains");
    }
    if (!seen.insert(field).second) return DuplicateFilterField(field);
    if (field == "parent") {
      std::string parent = StripCollection(t.value, "domains/");
      if (parent.empty()) {
        filter.top_level_only = true;
      } else {
        MP_RETURN_IF_ERROR(CheckFilterId("parent", parent));
        filter.parent_id = parent;
      }
    } else if (field == "owner_team") {
      filter.owner_team_id = StripCollection(t.value, "teams/");
      MP_RETURN_IF_ERROR(CheckFilterId("owner_team", filter.owner_team_id));
    } else {
      return UnknownFilterField(t.field, {"parent", "owner_team"});
    }
  }
  MP_ASSIGN_OR_RETURN(
      auto read,
      internal::BeginListRead(store_, store::TxnMode::kReadOnly,
                              {"domains", internal::CanonicalFilter(terms)},
                              query.page_token, limit));
  MP_ASSIGN_OR_RETURN(auto page,
                      read.txn->registry().ListDomains(filter, read.page));
  return ToListResult(std::move(page), read.fingerprint);
}

absl::StatusOr<Domain> Registry::UpdateDomain(const RequestContext& ctx,
                                              const Domain& patch,
                                              const FieldMask& mask,
                                              const std::string& etag) {
  return WritePipeline(store_, clock_)
      .Update<DomainTraits>(
          ctx, patch, mask, etag,
          [&](store::Transaction& txn,
              ResourceWrite<DomainTraits>& w) -> absl::StatusOr<Domain> {
            const absl::Time now = internal::StoreNow(clock_);
            Violations v;
            v.CheckId("domain.name", patch.id);
            MP_RETURN_IF_ERROR(v.ToStatus());
            MP_ASSIGN_OR_RETURN(
                std::set<std::string> paths,
                internal::ResolveMask(
                    mask, model::DomainUpdatableFields(),
                    {{"parent_id", "parent"}, {"owner_team_id", "owner_team"}},
                    {"name", "uid", "create_time", "update_time", "etag"}));
            MP_ASSIGN_OR_RETURN(Domain current,
                                txn.registry().GetDomain(patch.id));
            MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, current));
            MP_RETURN_IF_ERROR(
                authz_.CheckDomainWrite(ctx.principal, chain, "update"));
            MP_RETURN_IF_ERROR(CheckEtag(model::DomainName(current.id), etag,
                                         current.revision));

            Domain d = current;
            if (paths.count("display_name"))
              d.display_name = patch.display_name;
            if (paths.count("description")) d.description = patch.description;
            if (paths.count("parent")) d.parent_id = patch.parent_id;
            if (paths.count("owner_team"))
              d.owner_team_id = patch.owner_team_id;
            if (paths.count("labels")) d.labels = patch.labels;
            internal::ValidateDomainFields(d, v);
            MP_RETURN_IF_ERROR(v.ToStatus());

            // The chain the domain will have: itself, then its (new) parent's.
            std::vector<Domain> governed_chain = chain;
            if (d.parent_id != current.parent_id) {
              governed_chain.assign(1, d);
              if (d.parent_id.empty()) {
                MP_RETURN_IF_ERROR(authz_.CheckAdmin(
                    ctx.principal, "make a domain top-level"));
              } else {
                if (d.parent_id == d.id) {
                  return WithReason(
                      absl::FailedPreconditionError(absl::StrCat(
                          "domain.parent: ", model::DomainName(d.id),
                          " cannot be its own parent")),
                      "DOMAIN_CYCLE");
                }
                auto parent = txn.registry().GetDomain(d.parent_id);
                if (!parent.ok()) {
                  return Referenced(parent.status(), "domain.parent",
                                    model::DomainName(d.parent_id));
                }
                MP_ASSIGN_OR_RETURN(auto new_chain, DomainChain(txn, *parent));
                for (const auto& a : new_chain) {
                  if (a.id == d.id) {
                    return WithReason(
                        absl::FailedPreconditionError(absl::StrCat(
                            "domain.parent: ", model::DomainName(d.parent_id),
                            " is inside ", model::DomainName(d.id),
                            "; moving it there would make a cycle")),
                        "DOMAIN_CYCLE");
                  }
                }
                MP_RETURN_IF_ERROR(authz_.CheckDomainWrite(
                    ctx.principal, new_chain, "move domains"));
                governed_chain.insert(governed_chain.end(), new_chain.begin(),
                                      new_chain.end());
              }
            }
            if (d.owner_team_id != current.owner_team_id) {
              auto owner = txn.registry().GetTeam(d.owner_team_id);
              if (!owner.ok()) {
                return Referenced(owner.status(), "domain.owner_team",
                                  model::TeamName(d.owner_team_id));
              }
            }
            d.revision = current.revision + 1;
            d.update_time = now;
            GovernedSubject subject;
            subject.trigger = "domain.update";
            subject.resource_name = model::DomainName(d.id);
            subject.domain_chain = ChainIds(governed_chain);
            subject.resource_json = w.After(d);
            subject.previous_json = w.Before(current);
            if (governed_chain.size() > 1)
              subject.domain_json = model::ToJson(governed_chain[1]);
            MP_RETURN_IF_ERROR(Govern(ctx, std::move(subject), w.outcome()));
            MP_RETURN_IF_ERROR(
                StoreWrite(txn.registry().UpdateDomain(d, current.revision)));
            return d;
          });
}

absl::Status Registry::DeleteDomain(const RequestContext& ctx,
                                    const std::string& id,
                                    const std::string& etag) {
  auto rule = [&](store::Transaction& txn,
                  ResourceWrite<DomainTraits>&) -> absl::StatusOr<Domain> {
    Violations v;
    v.CheckId("name", id);
    MP_RETURN_IF_ERROR(v.ToStatus());
    MP_ASSIGN_OR_RETURN(Domain current, txn.registry().GetDomain(id));
    if (current.parent_id.empty()) {
      MP_RETURN_IF_ERROR(
          authz_.CheckAdmin(ctx.principal, "delete top-level domains"));
    } else {
      MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, current));
      MP_RETURN_IF_ERROR(
          authz_.CheckDomainWrite(ctx.principal, chain, "delete"));
    }
    MP_RETURN_IF_ERROR(
        CheckEtag(model::DomainName(id), etag, current.revision));
    MP_ASSIGN_OR_RETURN(int64_t subdomains, txn.registry().CountSubdomains(id));
    MP_ASSIGN_OR_RETURN(int64_t products, txn.registry().CountDataProducts(id));
    if (subdomains > 0 || products > 0) {
      return WithReason(absl::FailedPreconditionError(absl::StrCat(
                            model::DomainName(id), " still has ", subdomains,
                            " subdomain(s) and ", products,
                            " data product(s); delete or move them first")),
                        "HAS_CHILDREN");
    }
    absl::Status deleted = txn.registry().DeleteDomain(id);
    if (deleted.code() == absl::StatusCode::kFailedPrecondition) {
      return WithReason(deleted, "HAS_CHILDREN");
    }
    MP_RETURN_IF_ERROR(deleted);
    if (governance_ != nullptr) {
      // The domain's policies went with it (the store cascades): every
      // replica's snapshot must drop them, or a domain created again under
      // this id would inherit them there.
      MP_RETURN_IF_ERROR(txn.Notify(kPolicyChannel, model::DomainName(id)));
    }
    return current;
  };
  MP_RETURN_IF_ERROR(
      WritePipeline(store_, clock_)
          .Delete<DomainTraits>(ctx,
                                {rpc::kDeleteDomain, model::DomainName(id),
                                 absl::StrCat(id, "\n", etag)},
                                rule));
  if (governance_ != nullptr && !ctx.validate_only) {
    governance_->ReloadAfterCommit();
  }
  return absl::OkStatus();
}

// ================================================================== Teams

absl::StatusOr<Team> Registry::CreateTeam(const RequestContext& ctx,
                                          Team team) {
  auto rule = [&](store::Transaction& txn,
                  ResourceWrite<TeamTraits>&) -> absl::StatusOr<Team> {
    const absl::Time now = internal::StoreNow(clock_);
    MP_RETURN_IF_ERROR(authz_.CheckAdmin(ctx.principal, "create teams"));
    Violations v;
    v.CheckId("team_id", team.id);
    internal::ValidateTeamFields(team, v);
    MP_RETURN_IF_ERROR(v.ToStatus());
    MP_RETURN_IF_ERROR(
        CheckTeamMembers(txn, team.members, MemberFields(team.members)));
    auto existing = txn.registry().GetTeam(team.id);
    if (existing.ok()) {
      return absl::AlreadyExistsError(
          absl::StrCat(model::TeamName(team.id), " already exists"));
    }
    if (existing.status().code() != absl::StatusCode::kNotFound) {
      return existing.status();
    }
    Team t = team;
    internal::SortUnique(t.members);
    t.uid = RandomUuid();
    t.create_time = now;
    t.update_time = now;
    t.revision = 1;
    MP_RETURN_IF_ERROR(txn.registry().InsertTeam(t));
    // CheckAccess indexes memberships and ports (core/access.h).
    MP_RETURN_IF_ERROR(txn.Notify(kAccessChannel, absl::StrCat("team:", t.id)));
    return t;
  };
  return WritePipeline(store_, clock_).Create<TeamTraits>(ctx, team, rule);
}

absl::StatusOr<Team> Registry::GetTeam(const RequestContext& ctx,
                                       const std::string& id) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  Violations v;
  v.CheckId("name", id);
  MP_RETURN_IF_ERROR(v.ToStatus());
  // One statement: no transaction around it.
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kSingleRead));
  return txn->registry().GetTeam(id);
}

absl::StatusOr<ListResult<Team>> Registry::ListTeams(const RequestContext& ctx,
                                                     const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  MP_ASSIGN_OR_RETURN(auto terms, internal::ParseFilter(query.filter));
  store::TeamFilter filter;
  std::set<std::string> seen;
  for (const auto& t : terms) {
    if (t.field.empty()) {
      return internal::FreeTextNotSupported(t.value, "teams");
    }
    std::string field = t.field == "members" ? "member" : t.field;
    if (field != "member") return UnknownFilterField(t.field, {"member"});
    if (!seen.insert(field).second) return DuplicateFilterField(field);
    filter.member = t.value;
  }
  MP_ASSIGN_OR_RETURN(
      auto read,
      internal::BeginListRead(store_, store::TxnMode::kReadOnly,
                              {"teams", internal::CanonicalFilter(terms)},
                              query.page_token, limit));
  MP_ASSIGN_OR_RETURN(auto page,
                      read.txn->registry().ListTeams(filter, read.page));
  return ToListResult(std::move(page), read.fingerprint);
}

absl::StatusOr<Team> Registry::UpdateTeam(const RequestContext& ctx,
                                          const Team& patch,
                                          const FieldMask& mask,
                                          const std::string& etag) {
  auto rule = [&](store::Transaction& txn,
                  ResourceWrite<TeamTraits>& w) -> absl::StatusOr<Team> {
    const absl::Time now = internal::StoreNow(clock_);
    Violations v;
    v.CheckId("team.name", patch.id);
    MP_RETURN_IF_ERROR(v.ToStatus());
    MP_ASSIGN_OR_RETURN(
        std::set<std::string> paths,
        internal::ResolveMask(
            mask, model::TeamUpdatableFields(), {},
            {"name", "uid", "create_time", "update_time", "etag"}));
    MP_ASSIGN_OR_RETURN(Team current, txn.registry().GetTeam(patch.id));
    MP_RETURN_IF_ERROR(authz_.CheckTeamWrite(ctx.principal, current, "update"));
    MP_RETURN_IF_ERROR(
        CheckEtag(model::TeamName(current.id), etag, current.revision));
    Team t = current;
    if (paths.count("display_name")) t.display_name = patch.display_name;
    if (paths.count("description")) t.description = patch.description;
    if (paths.count("members")) t.members = patch.members;
    internal::ValidateTeamFields(t, v);
    MP_RETURN_IF_ERROR(v.ToStatus());
    if (paths.count("members")) {
      MP_RETURN_IF_ERROR(
          CheckTeamMembers(txn, t.members, MemberFields(t.members)));
    }
    internal::SortUnique(t.members);
    t.revision = current.revision + 1;
    t.update_time = now;
    MP_RETURN_IF_ERROR(
        StoreWrite(txn.registry().UpdateTeam(t, current.revision)));
    w.Before(current);
    // CheckAccess indexes memberships and ports (core/access.h).
    MP_RETURN_IF_ERROR(txn.Notify(kAccessChannel, absl::StrCat("team:", t.id)));
    return t;
  };
  return WritePipeline(store_, clock_)
      .Update<TeamTraits>(ctx, patch, mask, etag, rule);
}

absl::Status Registry::DeleteTeam(const RequestContext& ctx,
                                  const std::string& id,
                                  const std::string& etag) {
  auto rule = [&](store::Transaction& txn,
                  ResourceWrite<TeamTraits>&) -> absl::StatusOr<Team> {
    Violations v;
    v.CheckId("name", id);
    MP_RETURN_IF_ERROR(v.ToStatus());
    MP_ASSIGN_OR_RETURN(Team current, txn.registry().GetTeam(id));
    MP_RETURN_IF_ERROR(authz_.CheckAdmin(ctx.principal, "delete teams"));
    MP_RETURN_IF_ERROR(CheckEtag(model::TeamName(id), etag, current.revision));
    absl::Status deleted = txn.registry().DeleteTeam(id);
    if (deleted.code() == absl::StatusCode::kFailedPrecondition) {
      return WithReason(deleted, "TEAM_IN_USE");
    }
    MP_RETURN_IF_ERROR(deleted);
    // CheckAccess indexes memberships and ports (core/access.h).
    MP_RETURN_IF_ERROR(
        txn.Notify(kAccessChannel, absl::StrCat("team:", current.id)));
    return current;
  };
  return WritePipeline(store_, clock_)
      .Delete<TeamTraits>(
          ctx,
          {rpc::kDeleteTeam, model::TeamName(id), absl::StrCat(id, "\n", etag)},
          rule);
}

absl::StatusOr<Team> Registry::AddTeamMember(const RequestContext& ctx,
                                             const std::string& team_id,
                                             const std::string& principal) {
  return ChangeMembership(ctx, team_id, principal, /*add=*/true);
}

absl::StatusOr<Team> Registry::RemoveTeamMember(const RequestContext& ctx,
                                                const std::string& team_id,
                                                const std::string& principal) {
  return ChangeMembership(ctx, team_id, principal, /*add=*/false);
}

absl::StatusOr<Team> Registry::ChangeMembership(const RequestContext& ctx,
                                                const std::string& team_id,
                                                const std::string& principal,
                                                bool add) {
  auto rule = [&](store::Transaction& txn,
                  ResourceWrite<TeamTraits>& w) -> absl::StatusOr<Team> {
    const absl::Time now = internal::StoreNow(clock_);
    Violations v;
    v.CheckId("team", team_id);
    v.AddStatus("principal", model::ValidatePrincipal("principal", principal));
    MP_RETURN_IF_ERROR(v.ToStatus());
    MP_ASSIGN_OR_RETURN(Team current, txn.registry().GetTeam(team_id));
    MP_RETURN_IF_ERROR(
        authz_.CheckTeamWrite(ctx.principal, current,
                              add ? "add members to" : "remove members from"));
    Team t = current;
    auto it = std::find(t.members.begin(), t.members.end(), principal);
    bool present = it != t.members.end();
    w.Before(current);
    if (present == add) {
      // Nothing to change (AIP: idempotent); audited, no event.
      w.Unchanged();
      return t;
    }
    if (add) {
      MP_RETURN_IF_ERROR(CheckTeamMembers(txn, {principal}, {"member"}));
      if (t.members.size() >= internal::kMaxMembers) {
        return InvalidArgumentWithFields(
            {{"principal",
              absl::StrCat(model::TeamName(team_id), " already has ",
                           internal::kMaxMembers,
                           " members, the most a team may have")}});
      }
      t.members.push_back(principal);
      internal::SortUnique(t.members);
    } else {
      t.members.erase(it);
    }
    t.revision = current.revision + 1;
    t.update_time = now;
    MP_RETURN_IF_ERROR(
        StoreWrite(txn.registry().UpdateTeam(t, current.revision)));
    // CheckAccess indexes memberships and ports (core/access.h).
    MP_RETURN_IF_ERROR(txn.Notify(kAccessChannel, absl::StrCat("team:", t.id)));
    return t;
  };
  return WritePipeline(store_, clock_)
      .Update<TeamTraits>(
          ctx,
          {add ? rpc::kAddTeamMember : rpc::kRemoveTeamMember,
           model::TeamName(team_id), absl::StrCat(team_id, "\n", principal)},
          rule);
}

}  // namespace meshplane::core
