#include "meshplane/core/registry.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "core/field_mask.h"
#include "core/filter.h"
#include "core/lineage_access.h"
#include "core/page_token.h"
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

namespace meshplane::core {
namespace {

using internal::ChainIds;
using internal::CheckEtag;
using internal::DomainChain;
using internal::NotFoundAt;
using internal::Referenced;
using internal::StoreWrite;
using internal::ToListResult;
using internal::Violations;
using internal::WriteOutcome;
using internal::WritePipeline;
using internal::WriteSpec;
using model::DataProduct;
using model::Domain;
using model::ProductKey;
using model::Team;

constexpr char kDomainService[] = "meshplane.v1.DomainService/";
constexpr char kTeamService[] = "meshplane.v1.TeamService/";
constexpr char kProductService[] = "meshplane.v1.DataProductService/";

// Deep enough for any real mesh; the store's walk terminates on cycles.
constexpr int kCycleCheckDepth = 1000;
constexpr int kMaxLineageDepth = 10;

std::string Method(const char* service, const char* rpc) {
  return absl::StrCat(service, rpc);
}

// "domains/x" or "x" -> "x"; same for teams.
std::string StripCollection(absl::string_view value,
                            absl::string_view collection) {
  absl::ConsumePrefix(&value, collection);
  return std::string(value);
}

absl::Status UnknownFilterField(const std::string& field,
                                const std::vector<std::string>& known) {
  return InvalidArgumentWithFields(
      {{"filter", absl::StrCat("unknown field ", QuotePrefix(field),
                               " (known: ", absl::StrJoin(known, ", "), ")")}});
}

absl::Status DuplicateFilterField(const std::string& field) {
  return InvalidArgumentWithFields(
      {{"filter", absl::StrCat(QuotePrefix(field), " may appear only once")}});
}

absl::Status CheckFilterId(const std::string& field, const std::string& id) {
  if (model::IsValidId(id)) return absl::OkStatus();
  return InvalidArgumentWithFields(
      {{"filter",
        absl::StrCat(field, ": ", QuotePrefix(id), " is not a valid id")}});
}

std::set<std::string> SourceProducts(const DataProduct& p) {
  std::set<std::string> out;
  for (const auto& in : p.input_ports) {
    out.insert(model::ProductName({in.source.domain_id, in.source.product_id}));
  }
  return out;
}

// Checks the input ports of `p` that are not in `old_sources`: each source
// output port exists, and reading it closes no lineage cycle. The cycle check
// runs inside the SERIALIZABLE write transaction, so two writes that would
// each close half of a cycle conflict and one of them is retried and refused.
absl::Status CheckInputPorts(store::Transaction& txn, const DataProduct& p,
                             const std::set<std::string>& old_sources) {
  std::map<std::string, DataProduct> loaded;
  std::set<std::string> cycle_checked;
  for (size_t i = 0; i < p.input_ports.size(); ++i) {
    const model::InputPort& in = p.input_ports[i];
    ProductKey src{in.source.domain_id, in.source.product_id};
    std::string src_name = model::ProductName(src);
    std::string field =
        absl::StrCat("data_product.input_ports[", i, "].source");
    if (src == p.key()) {
      return WithReason(
          absl::FailedPreconditionError(absl::StrCat(
              field, ": ", model::ProductName(p.key()),
              " cannot read its own output port (a lineage cycle)")),
          "LINEAGE_CYCLE");
    }
    auto it = loaded.find(src_name);
    if (it == loaded.end()) {
      auto got = txn.registry().GetDataProduct(src);
      if (!got.ok()) {
        return Referenced(got.status(), field,
                          model::OutputPortName(in.source));
      }
      it = loaded.emplace(src_name, *std::move(got)).first;
    }
    bool has_port = false;
    for (const auto& o : it->second.output_ports)
      has_port = has_port || o.id == in.source.port_id;
    if (!has_port) return NotFoundAt(field, model::OutputPortName(in.source));
    if (old_sources.count(src_name) || !cycle_checked.insert(src_name).second)
      continue;
    MP_ASSIGN_OR_RETURN(
        std::vector<store::LineageEdge> upstream,
        txn.registry().Lineage(src, store::LineageDirection::kUpstream,
                               kCycleCheckDepth));
    for (const auto& e : upstream) {
      ProductKey up{e.source.domain_id, e.source.product_id};
      if (up == p.key() || e.consumer == p.key()) {
        return WithReason(
            absl::FailedPreconditionError(absl::StrCat(
                field, ": reading ", model::OutputPortName(in.source),
                " would make ", model::ProductName(p.key()),
                " its own upstream (a lineage cycle)")),
            "LINEAGE_CYCLE");
      }
    }
  }
  return absl::OkStatus();
}

// What governance decides on for a product write: the product after the
// change, before it (updates), and its domain chain (its domain first).
GovernedSubject ProductSubject(const char* trigger, const DataProduct& after,
                               const DataProduct* before,
                               const std::vector<Domain>& chain) {
  GovernedSubject subject;
  subject.trigger = trigger;
  subject.resource_name = model::ProductName(after.key());
  subject.domain_chain = ChainIds(chain);
  subject.resource_json = model::ToJson(after);
  if (before != nullptr) subject.previous_json = model::ToJson(*before);
  subject.domain_json = model::ToJson(chain.front());
  return subject;
}

// Checks a sunset time given at `field`: only for deprecated products, and
// in the future.
void CheckSunset(const std::optional<absl::Time>& sunset, model::Lifecycle l,
                 absl::Time now, const std::string& field, Violations& v) {
  if (!sunset) return;
  if (l != model::Lifecycle::kDeprecated) {
    v.Add(field,
          absl::StrCat("only a deprecated product has a sunset time (it is ",
                       model::LifecycleName(l), ")"));
  } else if (*sunset <= now) {
    v.Add(field, "must be in the future");
  }
}

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
  Domain result;
  WriteSpec spec{Method(kDomainService, "CreateDomain"),
                 model::DomainName(domain.id), model::ToJson(domain)};
  WritePipeline pipeline(store_, clock_);
  MP_ASSIGN_OR_RETURN(
      auto replay,
      pipeline.Run(
          ctx, spec,
          [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
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
            subject.resource_json = model::ToJson(d);
            if (!parent_chain.empty())
              subject.domain_json = model::ToJson(parent_chain.front());
            MP_RETURN_IF_ERROR(Govern(ctx, std::move(subject), out));
            MP_RETURN_IF_ERROR(txn.registry().InsertDomain(d));
            out.after_json = model::ToJson(d);
            out.response_json = out.after_json;
            out.event_type = "domain.created";
            out.domain_id = d.id;
            result = std::move(d);
            return absl::OkStatus();
          }));
  if (replay) return model::DomainFromJson(*replay);
  return result;
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
      return InvalidArgumentWithFields(
          {{"filter", absl::StrCat("free text (", QuotePrefix(t.value),
                                   ") is not supported for domains")}});
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
  std::string fingerprint =
      internal::QueryFingerprint({"domains", internal::CanonicalFilter(terms)});
  MP_ASSIGN_OR_RETURN(std::string after,
                      internal::DecodePageToken(query.page_token, fingerprint));
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  MP_ASSIGN_OR_RETURN(auto page,
                      txn->registry().ListDomains(filter, {after, limit}));
  return ToListResult(std::move(page), fingerprint);
}

absl::StatusOr<Domain> Registry::UpdateDomain(const RequestContext& ctx,
                                              const Domain& patch,
                                              const FieldMask& mask,
                                              const std::string& etag) {
  Domain result;
  WriteSpec spec{Method(kDomainService, "UpdateDomain"),
                 model::DomainName(patch.id),
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
            v.CheckId("domain.name", patch.id);
            MP_RETURN_IF_ERROR(v.ToStatus());
            MP_ASSIGN_OR_RETURN(
                std::set<std::string> paths,
                internal::ResolveMask(
                    mask,
                    {"display_name", "description", "parent", "owner_team",
                     "labels"},
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
            subject.resource_json = model::ToJson(d);
            subject.previous_json = model::ToJson(current);
            if (governed_chain.size() > 1)
              subject.domain_json = model::ToJson(governed_chain[1]);
            MP_RETURN_IF_ERROR(Govern(ctx, std::move(subject), out));
            MP_RETURN_IF_ERROR(
                StoreWrite(txn.registry().UpdateDomain(d, current.revision)));
            out.before_json = model::ToJson(current);
            out.after_json = model::ToJson(d);
            out.response_json = out.after_json;
            out.event_type = "domain.updated";
            out.domain_id = d.id;
            result = std::move(d);
            return absl::OkStatus();
          }));
  if (replay) return model::DomainFromJson(*replay);
  return result;
}

absl::Status Registry::DeleteDomain(const RequestContext& ctx,
                                    const std::string& id,
                                    const std::string& etag) {
  WriteSpec spec{Method(kDomainService, "DeleteDomain"), model::DomainName(id),
                 absl::StrCat(id, "\n", etag)};
  WritePipeline pipeline(store_, clock_);
  MP_RETURN_IF_ERROR(
      pipeline
          .Run(ctx, spec,
               [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
                 Violations v;
                 v.CheckId("name", id);
                 MP_RETURN_IF_ERROR(v.ToStatus());
                 MP_ASSIGN_OR_RETURN(Domain current,
                                     txn.registry().GetDomain(id));
                 if (current.parent_id.empty()) {
                   MP_RETURN_IF_ERROR(authz_.CheckAdmin(
                       ctx.principal, "delete top-level domains"));
                 } else {
                   MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, current));
                   MP_RETURN_IF_ERROR(
                       authz_.CheckDomainWrite(ctx.principal, chain, "delete"));
                 }
                 MP_RETURN_IF_ERROR(
                     CheckEtag(model::DomainName(id), etag, current.revision));
                 MP_ASSIGN_OR_RETURN(int64_t subdomains,
                                     txn.registry().CountSubdomains(id));
                 MP_ASSIGN_OR_RETURN(int64_t products,
                                     txn.registry().CountDataProducts(id));
                 if (subdomains > 0 || products > 0) {
                   return WithReason(
                       absl::FailedPreconditionError(absl::StrCat(
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
                   // The domain's policies went with it (the store cascades):
                   // every replica's snapshot must drop them, or a domain
                   // created again under this id would inherit them there.
                   MP_RETURN_IF_ERROR(
                       txn.Notify(kPolicyChannel, model::DomainName(id)));
                 }
                 out.before_json = model::ToJson(current);
                 out.response_json = "{}";
                 out.event_type = "domain.deleted";
                 out.domain_id = id;
                 return absl::OkStatus();
               })
          .status());
  if (governance_ != nullptr && !ctx.validate_only) {
    governance_->ReloadAfterCommit();
  }
  return absl::OkStatus();
}

// ================================================================== Teams

absl::StatusOr<Team> Registry::CreateTeam(const RequestContext& ctx,
                                          Team team) {
  Team result;
  WriteSpec spec{Method(kTeamService, "CreateTeam"), model::TeamName(team.id),
                 model::ToJson(team)};
  WritePipeline pipeline(store_, clock_);
  MP_ASSIGN_OR_RETURN(
      auto replay,
      pipeline.Run(
          ctx, spec,
          [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
            const absl::Time now = internal::StoreNow(clock_);
            MP_RETURN_IF_ERROR(
                authz_.CheckAdmin(ctx.principal, "create teams"));
            Violations v;
            v.CheckId("team_id", team.id);
            internal::ValidateTeamFields(team, v);
            MP_RETURN_IF_ERROR(v.ToStatus());
            MP_RETURN_IF_ERROR(CheckTeamMembers(txn, team.members,
                                                MemberFields(team.members)));
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
            out.after_json = model::ToJson(t);
            out.response_json = out.after_json;
            // CheckAccess indexes memberships and ports (core/access.h).
            MP_RETURN_IF_ERROR(
                txn.Notify(kAccessChannel, absl::StrCat("team:", t.id)));
            out.event_type = "team.created";
            result = std::move(t);
            return absl::OkStatus();
          }));
  if (replay) return model::TeamFromJson(*replay);
  return result;
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
      return InvalidArgumentWithFields(
          {{"filter", absl::StrCat("free text (", QuotePrefix(t.value),
                                   ") is not supported for teams")}});
    }
    std::string field = t.field == "members" ? "member" : t.field;
    if (field != "member") return UnknownFilterField(t.field, {"member"});
    if (!seen.insert(field).second) return DuplicateFilterField(field);
    filter.member = t.value;
  }
  std::string fingerprint =
      internal::QueryFingerprint({"teams", internal::CanonicalFilter(terms)});
  MP_ASSIGN_OR_RETURN(std::string after,
                      internal::DecodePageToken(query.page_token, fingerprint));
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  MP_ASSIGN_OR_RETURN(auto page,
                      txn->registry().ListTeams(filter, {after, limit}));
  return ToListResult(std::move(page), fingerprint);
}

absl::StatusOr<Team> Registry::UpdateTeam(const RequestContext& ctx,
                                          const Team& patch,
                                          const FieldMask& mask,
                                          const std::string& etag) {
  Team result;
  WriteSpec spec{Method(kTeamService, "UpdateTeam"), model::TeamName(patch.id),
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
            v.CheckId("team.name", patch.id);
            MP_RETURN_IF_ERROR(v.ToStatus());
            MP_ASSIGN_OR_RETURN(
                std::set<std::string> paths,
                internal::ResolveMask(
                    mask, {"display_name", "description", "members"}, {},
                    {"name", "uid", "create_time", "update_time", "etag"}));
            MP_ASSIGN_OR_RETURN(Team current, txn.registry().GetTeam(patch.id));
            MP_RETURN_IF_ERROR(
                authz_.CheckTeamWrite(ctx.principal, current, "update"));
            MP_RETURN_IF_ERROR(
                CheckEtag(model::TeamName(current.id), etag, current.revision));
            Team t = current;
            if (paths.count("display_name"))
              t.display_name = patch.display_name;
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
            out.before_json = model::ToJson(current);
            out.after_json = model::ToJson(t);
            out.response_json = out.after_json;
            // CheckAccess indexes memberships and ports (core/access.h).
            MP_RETURN_IF_ERROR(
                txn.Notify(kAccessChannel, absl::StrCat("team:", t.id)));
            out.event_type = "team.updated";
            result = std::move(t);
            return absl::OkStatus();
          }));
  if (replay) return model::TeamFromJson(*replay);
  return result;
}

absl::Status Registry::DeleteTeam(const RequestContext& ctx,
                                  const std::string& id,
                                  const std::string& etag) {
  WriteSpec spec{Method(kTeamService, "DeleteTeam"), model::TeamName(id),
                 absl::StrCat(id, "\n", etag)};
  WritePipeline pipeline(store_, clock_);
  return pipeline
      .Run(ctx, spec,
           [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
             Violations v;
             v.CheckId("name", id);
             MP_RETURN_IF_ERROR(v.ToStatus());
             MP_ASSIGN_OR_RETURN(Team current, txn.registry().GetTeam(id));
             MP_RETURN_IF_ERROR(
                 authz_.CheckAdmin(ctx.principal, "delete teams"));
             MP_RETURN_IF_ERROR(
                 CheckEtag(model::TeamName(id), etag, current.revision));
             absl::Status deleted = txn.registry().DeleteTeam(id);
             if (deleted.code() == absl::StatusCode::kFailedPrecondition) {
               return WithReason(deleted, "TEAM_IN_USE");
             }
             MP_RETURN_IF_ERROR(deleted);
             out.before_json = model::ToJson(current);
             out.response_json = "{}";
             // CheckAccess indexes memberships and ports (core/access.h).
             MP_RETURN_IF_ERROR(
                 txn.Notify(kAccessChannel, absl::StrCat("team:", current.id)));
             out.event_type = "team.deleted";
             return absl::OkStatus();
           })
      .status();
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
  Team result;
  WriteSpec spec{
      Method(kTeamService, add ? "AddTeamMember" : "RemoveTeamMember"),
      model::TeamName(team_id), absl::StrCat(team_id, "\n", principal)};
  WritePipeline pipeline(store_, clock_);
  MP_ASSIGN_OR_RETURN(
      auto replay,
      pipeline.Run(
          ctx, spec,
          [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
            const absl::Time now = internal::StoreNow(clock_);
            Violations v;
            v.CheckId("team", team_id);
            v.AddStatus("principal",
                        model::ValidatePrincipal("principal", principal));
            MP_RETURN_IF_ERROR(v.ToStatus());
            MP_ASSIGN_OR_RETURN(Team current, txn.registry().GetTeam(team_id));
            MP_RETURN_IF_ERROR(authz_.CheckTeamWrite(
                ctx.principal, current,
                add ? "add members to" : "remove members from"));
            Team t = current;
            auto it = std::find(t.members.begin(), t.members.end(), principal);
            bool present = it != t.members.end();
            out.before_json = model::ToJson(current);
            if (present == add) {
              // Nothing to change (AIP: idempotent); audited, no event.
              out.after_json = out.before_json;
              out.response_json = out.after_json;
              result = std::move(t);
              return absl::OkStatus();
            }
            if (add) {
              MP_RETURN_IF_ERROR(
                  CheckTeamMembers(txn, {principal}, {"member"}));
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
            out.after_json = model::ToJson(t);
            out.response_json = out.after_json;
            // CheckAccess indexes memberships and ports (core/access.h).
            MP_RETURN_IF_ERROR(
                txn.Notify(kAccessChannel, absl::StrCat("team:", t.id)));
            out.event_type = "team.updated";
            result = std::move(t);
            return absl::OkStatus();
          }));
  if (replay) return model::TeamFromJson(*replay);
  return result;
}

// ========================================================== Data products

absl::Status Registry::InsertProduct(const RequestContext& ctx,
                                     store::Transaction& txn,
                                     DataProduct product, WriteOutcome& out,
                                     DataProduct& result,
                                     const std::string& id_field,
                                     const std::string& domain_field) {
  const absl::Time now = internal::StoreNow(clock_);
  Violations v;
  v.CheckId(domain_field, product.domain_id);
  v.CheckId(id_field, product.id);
  if (product.lifecycle != model::Lifecycle::kDraft &&
      product.lifecycle != model::Lifecycle::kPublished) {
    v.Add("data_product.lifecycle",
          absl::StrCat("a new product starts as DRAFT or PUBLISHED, not ",
                       model::LifecycleName(product.lifecycle)));
  }
  internal::ValidateProductFields(product, v);
  CheckSunset(product.sunset_time, product.lifecycle, now,
              "data_product.sunset_time", v);
  if (!model::IsValidId(product.domain_id) || !model::IsValidId(product.id)) {
    return v.ToStatus();
  }
  auto domain = txn.registry().GetDomain(product.domain_id);
  if (!domain.ok()) {
    return Referenced(domain.status(), domain_field,
                      model::DomainName(product.domain_id));
  }
  MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, *domain));
  MP_RETURN_IF_ERROR(
      authz_.CheckDomainWrite(ctx.principal, chain, "create data products"));
  MP_RETURN_IF_ERROR(v.ToStatus());
  auto owner = txn.registry().GetTeam(product.owner_team_id);
  if (!owner.ok()) {
    return Referenced(owner.status(), "data_product.owner_team",
                      model::TeamName(product.owner_team_id));
  }
  // No pre-read of the product: the insert answers ALREADY_EXISTS itself
  // (one statement less, and one predicate lock less under SERIALIZABLE).
  MP_RETURN_IF_ERROR(CheckInputPorts(txn, product, {}));
  MP_RETURN_IF_ERROR(internal::CheckDeclaredInputs(txn, authz_, ctx.principal,
                                                   product, {}, now));
  internal::SortUnique(product.tags);
  product.uid = RandomUuid();
  product.create_time = now;
  product.update_time = now;
  product.revision = 1;
  MP_RETURN_IF_ERROR(Govern(
      ctx, ProductSubject("dataproduct.create", product, nullptr, chain), out));
  absl::Status inserted = txn.registry().InsertDataProduct(product);
  if (inserted.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(
        absl::StrCat(model::ProductName(product.key()), " already exists"));
  }
  MP_RETURN_IF_ERROR(inserted);
  out.after_json = model::ToJson(product);
  out.response_json = out.after_json;
  // CheckAccess indexes memberships and ports (core/access.h).
  MP_RETURN_IF_ERROR(
      txn.Notify(kAccessChannel,
                 absl::StrCat("product:", product.domain_id, "/", product.id)));
  out.event_type = "dataproduct.created";
  out.domain_id = product.domain_id;
  result = std::move(product);
  return absl::OkStatus();
}

absl::StatusOr<DataProduct> Registry::CreateDataProduct(
    const RequestContext& ctx, DataProduct product) {
  DataProduct result;
  WriteSpec spec{Method(kProductService, "CreateDataProduct"),
                 model::ProductName(product.key()), model::ToJson(product)};
  WritePipeline pipeline(store_, clock_);
  MP_ASSIGN_OR_RETURN(
      auto replay,
      pipeline.Run(ctx, spec, [&](store::Transaction& txn, WriteOutcome& out) {
        return InsertProduct(ctx, txn, product, out, result, "data_product_id",
                             "parent");
      }));
  if (replay) return model::DataProductFromJson(*replay);
  return result;
}

absl::StatusOr<DataProduct> Registry::GetDataProduct(const RequestContext& ctx,
                                                     const ProductKey& key) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_RETURN_IF_ERROR(ValidateProductKey(key, "name"));
  // One statement: no transaction around it.
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kSingleRead));
  return txn->registry().GetDataProduct(key);
}

absl::Status Registry::ValidateProductKey(const ProductKey& key,
                                          const std::string& field) {
  if (model::IsValidId(key.domain_id) && model::IsValidId(key.product_id)) {
    return absl::OkStatus();
  }
  return InvalidArgumentWithFields(
      {{field,
        absl::StrCat("\"", model::ProductName(key),
                     "\" is not a valid data product name "
                     "(domains/{domain}/dataProducts/{data_product}, ids "
                     "of lowercase letters, digits, hyphens; 1-63 chars, "
                     "starting with a letter)")}});
}

absl::StatusOr<ListResult<DataProduct>> Registry::ListDataProducts(
    const RequestContext& ctx, const ProductScope& scope,
    const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  std::string scope_domain = scope.domain_id == "-" ? "" : scope.domain_id;
  if (!scope_domain.empty() && !model::IsValidId(scope_domain)) {
    return InvalidArgumentWithFields(
        {{"parent", absl::StrCat(QuotePrefix(scope_domain),
                                 " is not a valid domain id")}});
  }
  MP_ASSIGN_OR_RETURN(auto terms, internal::ParseFilter(query.filter));
  store::DataProductFilter filter;
  filter.domain_id = scope_domain;
  filter.include_subdomains = scope.include_subdomains;
  std::set<std::string> seen;
  std::vector<std::string> text;
  const std::vector<std::string> known = {"owner_team", "lifecycle", "tags",
                                          "domain", "text"};
  for (const auto& t : terms) {
    std::string field = t.field;
    if (field == "owner") field = "owner_team";
    if (field == "tag") field = "tags";
    if (field.empty() || field == "text") {
      text.push_back(t.value);
      continue;
    }
    if (!seen.insert(field).second) return DuplicateFilterField(field);
    if (field == "owner_team") {
      filter.owner_team_id = StripCollection(t.value, "teams/");
      MP_RETURN_IF_ERROR(CheckFilterId("owner_team", filter.owner_team_id));
    } else if (field == "lifecycle") {
      auto l = model::ParseLifecycle(t.value);
      if (!l) {
        return InvalidArgumentWithFields(
            {{"filter", absl::StrCat("lifecycle: ", QuotePrefix(t.value),
                                     " is not one of DRAFT, PUBLISHED, "
                                     "DEPRECATED, RETIRED")}});
      }
      filter.lifecycle = *l;
    } else if (field == "tags") {
      filter.tag = t.value;
    } else if (field == "domain") {
      std::string d = StripCollection(t.value, "domains/");
      MP_RETURN_IF_ERROR(CheckFilterId("domain", d));
      if (!scope_domain.empty() && d != scope_domain) {
        return InvalidArgumentWithFields(
            {{"filter", absl::StrCat("domain ", QuotePrefix(d),
                                     " contradicts the parent ",
                                     model::DomainName(scope_domain))}});
      }
      filter.domain_id = d;
    } else {
      return UnknownFilterField(t.field, known);
    }
  }
  filter.text = absl::StrJoin(text, " ");
  std::string fingerprint = internal::QueryFingerprint(
      {"dataProducts", scope_domain, scope.include_subdomains ? "1" : "0",
       internal::CanonicalFilter(terms)});
  MP_ASSIGN_OR_RETURN(std::string after,
                      internal::DecodePageToken(query.page_token, fingerprint));
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  if (!filter.domain_id.empty()) {
    auto d = txn->registry().GetDomain(filter.domain_id);
    if (!d.ok())
      return Referenced(d.status(), "parent",
                        model::DomainName(filter.domain_id));
  }
  MP_ASSIGN_OR_RETURN(auto page,
                      txn->registry().ListDataProducts(filter, {after, limit}));
  return ToListResult(std::move(page), fingerprint);
}

absl::StatusOr<ProductSearchResult> Registry::SearchDataProducts(
    const RequestContext& ctx, const ProductSearchQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  // Bounds keep one search cheap: a page is a screenful, skip reaches page
  // 500 of 20, and the text is what a person types.
  constexpr int kDefaultSearchPage = 20;
  constexpr int kMaxSearchPage = 100;
  constexpr int kMaxSkip = 10000;
  constexpr int kDefaultFacetSize = 10;
  constexpr int kMaxFacetSize = 100;
  constexpr size_t kMaxQueryLength = 200;
  constexpr size_t kMaxWords = 32;
  constexpr size_t kMinPrefix = 3;
  std::vector<FieldViolation> bad;
  auto check_id = [&](const char* field, const std::string& id) {
    if (!id.empty() && !model::IsValidId(id)) {
      bad.push_back(
          {field, absl::StrCat(QuotePrefix(id), " is not a valid id")});
    }
  };
  check_id("domain", query.domain_id);
  check_id("owner_team", query.owner_team_id);
  check_id("tag", query.tag);
  if (query.text.size() > kMaxQueryLength) {
    bad.push_back(
        {"query", absl::StrCat("has ", query.text.size(),
                               " characters; at most ", kMaxQueryLength)});
  }
  std::vector<std::string> words = model::SearchWords(query.text);
  if (words.size() > kMaxWords) {
    bad.push_back({"query", absl::StrCat("has ", words.size(),
                                         " words; at most ", kMaxWords)});
  }
  if (query.tier < 0 || query.tier > 3) {
    bad.push_back(
        {"tier", absl::StrCat(query.tier, " is not 0 (any) or a tier 1-3")});
  }
  if (query.page_size < 0) {
    bad.push_back({"page_size", "must not be negative"});
  }
  if (query.skip < 0 || query.skip > kMaxSkip) {
    bad.push_back(
        {"skip", absl::StrCat(query.skip, " is not in 0-", kMaxSkip)});
  }
  if (query.facet_size < 0) {
    bad.push_back({"facet_size", "must not be negative"});
  }
  if (!bad.empty()) return InvalidArgumentWithFields(bad);
  int limit = query.page_size == 0 ? kDefaultSearchPage
                                   : std::min(query.page_size, kMaxSearchPage);
  int facets = query.facet_size == 0
                   ? kDefaultFacetSize
                   : std::min(query.facet_size, kMaxFacetSize);
  store::ProductSearch search;
  // As you type: the last word is unfinished unless a separator follows it.
  // Only from 3 characters on: a prefix of 1 or 2 matches a large part of
  // any catalog (every word that starts with "o"), which makes the search
  // and its facets read most rows for a result nobody reads.
  search.last_is_prefix =
      !words.empty() && words.back().size() >= kMinPrefix &&
      model::SearchWords(query.text.substr(query.text.size() - 1)).size() == 1;
  search.words = std::move(words);
  search.domain_id = query.domain_id;
  search.owner_team_id = query.owner_team_id;
  search.lifecycle = query.lifecycle;
  search.tier = query.tier;
  search.classification = query.classification;
  search.tag = query.tag;
  std::string fingerprint = internal::QueryFingerprint(
      {"searchDataProducts", absl::StrJoin(search.words, " "),
       search.last_is_prefix ? "1" : "0", search.domain_id,
       search.owner_team_id,
       search.lifecycle ? std::string(model::LifecycleName(*search.lifecycle))
                        : "",
       absl::StrCat(search.tier),
       search.classification
           ? std::string(model::ClassificationName(*search.classification))
           : "",
       search.tag});
  MP_ASSIGN_OR_RETURN(std::string after,
                      internal::DecodePageToken(query.page_token, fingerprint));
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  MP_ASSIGN_OR_RETURN(store::SearchResult found,
                      txn->registry().SearchDataProducts(search, {after, limit},
                                                         query.skip, facets));
  ProductSearchResult out;
  out.items = std::move(found.items);
  out.next_page_token = internal::EncodePageToken(found.next, fingerprint);
  out.total_size = found.total;
  out.facets = std::move(found.facets);
  return out;
}

absl::StatusOr<DataProduct> Registry::UpdateDataProduct(
    const RequestContext& ctx, const DataProduct& patch, const FieldMask& mask,
    const std::string& etag, bool allow_missing) {
  DataProduct result;
  WriteSpec spec{
      Method(kProductService, "UpdateDataProduct"),
      model::ProductName(patch.key()),
      absl::StrCat(model::ToJson(patch), "\n", absl::StrJoin(mask.paths, ","),
                   "\n", etag, "\n", allow_missing)};
  WritePipeline pipeline(store_, clock_);
  MP_ASSIGN_OR_RETURN(
      auto replay,
      pipeline.Run(
          ctx, spec,
          [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
            const absl::Time now = internal::StoreNow(clock_);
            MP_RETURN_IF_ERROR(
                ValidateProductKey(patch.key(), "data_product.name"));
            MP_ASSIGN_OR_RETURN(
                std::set<std::string> paths,
                internal::ResolveMask(
                    mask,
                    {"display_name", "description", "owner_team", "tier",
                     "classification", "tags", "labels", "output_ports",
                     "input_ports", "sunset_time", "archetype",
                     "odps_document"},
                    {{"owner_team_id", "owner_team"}},
                    {"name", "uid", "lifecycle", "create_time", "update_time",
                     "etag"}));
            auto found = txn.registry().GetDataProduct(patch.key());
            if (!found.ok() &&
                found.status().code() == absl::StatusCode::kNotFound &&
                allow_missing) {
              // AIP-134: upsert. The whole patch is the new product.
              DataProduct create = patch;
              return InsertProduct(ctx, txn, std::move(create), out, result,
                                   "data_product.name", "data_product.name");
            }
            if (!found.ok()) return found.status();
            DataProduct current = *std::move(found);
            MP_ASSIGN_OR_RETURN(Domain domain,
                                txn.registry().GetDomain(current.domain_id));
            MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, domain));
            MP_RETURN_IF_ERROR(authz_.CheckProductWrite(ctx.principal, current,
                                                        chain, "update"));
            if (current.lifecycle == model::Lifecycle::kRetired) {
              return WithReason(
                  absl::FailedPreconditionError(
                      absl::StrCat(model::ProductName(current.key()),
                                   " is RETIRED and can no longer be changed")),
                  "PRODUCT_RETIRED");
            }
            MP_RETURN_IF_ERROR(CheckEtag(model::ProductName(current.key()),
                                         etag, current.revision));
            DataProduct p = current;
            if (paths.count("display_name"))
              p.display_name = patch.display_name;
            if (paths.count("description")) p.description = patch.description;
            if (paths.count("owner_team"))
              p.owner_team_id = patch.owner_team_id;
            if (paths.count("tier")) p.tier = patch.tier;
            if (paths.count("classification"))
              p.classification = patch.classification;
            if (paths.count("tags")) p.tags = patch.tags;
            if (paths.count("labels")) p.labels = patch.labels;
            if (paths.count("output_ports"))
              p.output_ports = patch.output_ports;
            if (paths.count("input_ports")) p.input_ports = patch.input_ports;
            if (paths.count("sunset_time")) p.sunset_time = patch.sunset_time;
            if (paths.count("archetype")) p.archetype = patch.archetype;
            if (paths.count("odps_document"))
              p.odps_document = patch.odps_document;
            Violations v;
            internal::ValidateProductFields(p, v);
            if (paths.count("sunset_time")) {
              CheckSunset(p.sunset_time, p.lifecycle, now,
                          "data_product.sunset_time", v);
            }
            MP_RETURN_IF_ERROR(v.ToStatus());
            if (p.owner_team_id != current.owner_team_id) {
              auto owner = txn.registry().GetTeam(p.owner_team_id);
              if (!owner.ok()) {
                return Referenced(owner.status(), "data_product.owner_team",
                                  model::TeamName(p.owner_team_id));
              }
            }
            MP_RETURN_IF_ERROR(
                CheckInputPorts(txn, p, SourceProducts(current)));
            // A new owner team declares every input anew (docs/access.md).
            std::vector<model::OutputPortRef> declared;
            if (p.owner_team_id == current.owner_team_id) {
              for (const auto& in : current.input_ports)
                declared.push_back(in.source);
            }
            MP_RETURN_IF_ERROR(internal::CheckDeclaredInputs(
                txn, authz_, ctx.principal, p, declared, now));
            std::set<std::string> dropped;
            for (const auto& o : current.output_ports) dropped.insert(o.id);
            for (const auto& o : p.output_ports) dropped.erase(o.id);
            MP_ASSIGN_OR_RETURN(std::vector<internal::DetachedReader> detached,
                                internal::ReleaseReaders(txn, current, dropped,
                                                         now, "PORT_IN_USE"));
            internal::SortUnique(p.tags);
            p.revision = current.revision + 1;
            p.update_time = now;
            MP_RETURN_IF_ERROR(Govern(
                ctx, ProductSubject("dataproduct.update", p, &current, chain),
                out));
            absl::Status updated = StoreWrite(
                txn.registry().UpdateDataProduct(p, current.revision));
            if (updated.code() == absl::StatusCode::kFailedPrecondition) {
              return WithReason(updated, "PORT_IN_USE");
            }
            MP_RETURN_IF_ERROR(updated);
            MP_RETURN_IF_ERROR(internal::RecordDetached(
                txn, ctx, ctx.method.empty() ? spec.method : ctx.method,
                detached, now));
            out.before_json = model::ToJson(current);
            out.after_json = model::ToJson(p);
            out.response_json = out.after_json;
            // CheckAccess indexes memberships and ports (core/access.h).
            MP_RETURN_IF_ERROR(
                txn.Notify(kAccessChannel,
                           absl::StrCat("product:", p.domain_id, "/", p.id)));
            out.event_type = "dataproduct.updated";
            out.domain_id = p.domain_id;
            result = std::move(p);
            return absl::OkStatus();
          }));
  if (replay) return model::DataProductFromJson(*replay);
  return result;
}

absl::Status Registry::DeleteDataProduct(const RequestContext& ctx,
                                         const ProductKey& key,
                                         const std::string& etag) {
  WriteSpec spec{Method(kProductService, "DeleteDataProduct"),
                 model::ProductName(key),
                 absl::StrCat(model::ProductName(key), "\n", etag)};
  WritePipeline pipeline(store_, clock_);
  return pipeline
      .Run(ctx, spec,
           [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
             MP_RETURN_IF_ERROR(ValidateProductKey(key, "name"));
             MP_ASSIGN_OR_RETURN(DataProduct current,
                                 txn.registry().GetDataProduct(key));
             MP_ASSIGN_OR_RETURN(Domain domain,
                                 txn.registry().GetDomain(key.domain_id));
             MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, domain));
             MP_RETURN_IF_ERROR(authz_.CheckProductWrite(ctx.principal, current,
                                                         chain, "delete"));
             MP_RETURN_IF_ERROR(
                 CheckEtag(model::ProductName(key), etag, current.revision));
             const absl::Time now = internal::StoreNow(clock_);
             std::set<std::string> ports;
             for (const auto& o : current.output_ports) ports.insert(o.id);
             MP_ASSIGN_OR_RETURN(
                 std::vector<internal::DetachedReader> detached,
                 internal::ReleaseReaders(txn, current, ports, now,
                                          "HAS_CONSUMERS"));
             absl::Status deleted = txn.registry().DeleteDataProduct(key);
             if (deleted.code() == absl::StatusCode::kFailedPrecondition) {
               return WithReason(deleted, "HAS_CONSUMERS");
             }
             MP_RETURN_IF_ERROR(deleted);
             MP_RETURN_IF_ERROR(internal::RecordDetached(
                 txn, ctx, ctx.method.empty() ? spec.method : ctx.method,
                 detached, now));
             out.before_json = model::ToJson(current);
             out.response_json = "{}";
             // CheckAccess indexes memberships and ports (core/access.h).
             MP_RETURN_IF_ERROR(txn.Notify(
                 kAccessChannel,
                 absl::StrCat("product:", key.domain_id, "/", key.product_id)));
             out.event_type = "dataproduct.deleted";
             out.domain_id = key.domain_id;
             return absl::OkStatus();
           })
      .status();
}

absl::StatusOr<DataProduct> Registry::TransitionDataProduct(
    const RequestContext& ctx, const ProductKey& key, model::Lifecycle target,
    const std::string& etag, std::optional<absl::Time> sunset_time) {
  const char* rpc = "PublishDataProduct";
  const char* event = "dataproduct.published";
  const char* action = "publish";
  if (target == model::Lifecycle::kDeprecated) {
    rpc = "DeprecateDataProduct";
    event = "dataproduct.deprecated";
    action = "deprecate";
  } else if (target == model::Lifecycle::kRetired) {
    rpc = "RetireDataProduct";
    event = "dataproduct.retired";
    action = "retire";
  }
  DataProduct result;
  WriteSpec spec{
      Method(kProductService, rpc), model::ProductName(key),
      absl::StrCat(model::ProductName(key), "\n", model::LifecycleName(target),
                   "\n", etag, "\n",
                   sunset_time ? absl::FormatTime(*sunset_time) : "")};
  WritePipeline pipeline(store_, clock_);
  MP_ASSIGN_OR_RETURN(
      auto replay,
      pipeline.Run(
          ctx, spec,
          [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
            const absl::Time now = internal::StoreNow(clock_);
            MP_RETURN_IF_ERROR(ValidateProductKey(key, "name"));
            if (target == model::Lifecycle::kDraft) {
              return InvalidArgumentWithFields(
                  {{"lifecycle", "a product cannot be moved back to DRAFT"}});
            }
            MP_ASSIGN_OR_RETURN(DataProduct current,
                                txn.registry().GetDataProduct(key));
            MP_ASSIGN_OR_RETURN(Domain domain,
                                txn.registry().GetDomain(key.domain_id));
            MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, domain));
            MP_RETURN_IF_ERROR(authz_.CheckProductWrite(ctx.principal, current,
                                                        chain, action));
            MP_RETURN_IF_ERROR(
                CheckEtag(model::ProductName(key), etag, current.revision));
            absl::Status transition =
                model::CheckTransition(current.lifecycle, target);
            if (!transition.ok()) {
              return WithReason(
                  absl::FailedPreconditionError(absl::StrCat(
                      model::ProductName(key), ": ", transition.message())),
                  "LIFECYCLE_TRANSITION");
            }
            Violations v;
            CheckSunset(sunset_time, target, now, "sunset_time", v);
            MP_RETURN_IF_ERROR(v.ToStatus());
            DataProduct p = current;
            p.lifecycle = target;
            if (target == model::Lifecycle::kDeprecated) {
              p.sunset_time = sunset_time;
            } else if (target == model::Lifecycle::kPublished) {
              p.sunset_time.reset();  // un-deprecated: no sunset any more
            }
            p.revision = current.revision + 1;
            p.update_time = now;
            MP_RETURN_IF_ERROR(Govern(
                ctx,
                ProductSubject("dataproduct.lifecycle", p, &current, chain),
                out));
            MP_RETURN_IF_ERROR(StoreWrite(
                txn.registry().UpdateDataProduct(p, current.revision)));
            out.before_json = model::ToJson(current);
            out.after_json = model::ToJson(p);
            out.response_json = out.after_json;
            out.event_type = event;
            out.domain_id = p.domain_id;
            result = std::move(p);
            return absl::OkStatus();
          }));
  if (replay) return model::DataProductFromJson(*replay);
  return result;
}

absl::StatusOr<Lineage> Registry::GetLineage(const RequestContext& ctx,
                                             const ProductKey& key,
                                             LineageScope scope, int depth) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_RETURN_IF_ERROR(ValidateProductKey(key, "name"));
  if (depth == 0) depth = 1;
  if (depth < 0 || depth > kMaxLineageDepth) {
    return InvalidArgumentWithFields(
        {{"depth", absl::StrCat(depth, " is outside 1..", kMaxLineageDepth)}});
  }
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  Lineage out;
  MP_ASSIGN_OR_RETURN(DataProduct start, txn->registry().GetDataProduct(key));
  out.nodes.push_back(std::move(start));
  std::set<ProductKey> seen{key};
  auto add_node = [&](const ProductKey& k) -> absl::Status {
    if (!seen.insert(k).second) return absl::OkStatus();
    MP_ASSIGN_OR_RETURN(DataProduct p, txn->registry().GetDataProduct(k));
    out.nodes.push_back(std::move(p));
    return absl::OkStatus();
  };
  if (scope == LineageScope::kUpstream || scope == LineageScope::kBoth) {
    MP_ASSIGN_OR_RETURN(auto edges,
                        txn->registry().Lineage(
                            key, store::LineageDirection::kUpstream, depth));
    for (auto& e : edges) {
      MP_RETURN_IF_ERROR(add_node({e.source.domain_id, e.source.product_id}));
      out.edges.push_back(std::move(e));
    }
  }
  if (scope == LineageScope::kDownstream || scope == LineageScope::kBoth) {
    MP_ASSIGN_OR_RETURN(auto edges,
                        txn->registry().Lineage(
                            key, store::LineageDirection::kDownstream, depth));
    for (auto& e : edges) {
      MP_RETURN_IF_ERROR(add_node(e.consumer));
      out.edges.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace meshplane::core
