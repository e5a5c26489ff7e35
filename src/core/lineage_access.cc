#include "core/lineage_access.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/write_helpers.h"

#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core::internal {
namespace {

using model::DataProduct;
using model::OutputPortRef;
using model::ProductKey;

constexpr int kGrantPage = 100;

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string Quoted(const std::string& s) { return absl::StrCat("\"", s, "\""); }

// Whether `caller` may declare reading a port of `source` without a grant:
// an admin, or an owner of `source` (what may write it may also say who
// reads it).
absl::StatusOr<bool> CallerOwnsSource(store::Transaction& txn,
                                      const auth::Authorizer& authz,
                                      const model::Principal& caller,
                                      const DataProduct& source) {
  if (caller.platform_admin || caller.IsMemberOf(source.owner_team_id)) {
    return true;
  }
  MP_ASSIGN_OR_RETURN(model::Domain domain,
                      txn.registry().GetDomain(source.domain_id));
  MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, domain));
  return authz.CheckProductWrite(caller, source, chain, "declare readers of")
      .ok();
}

}  // namespace

absl::StatusOr<std::optional<model::Grant>> ReadGrantOf(
    store::Transaction& txn, const OutputPortRef& port,
    const std::string& team_id, absl::Time now) {
  MP_ASSIGN_OR_RETURN(model::Team team, txn.registry().GetTeam(team_id));
  store::GrantFilter filter;
  filter.port = port;
  filter.consumers.push_back(absl::StrCat("team:", team_id));
  filter.consumers.insert(filter.consumers.end(), team.members.begin(),
                          team.members.end());
  filter.active_only = true;
  filter.now = now;
  store::PageRequest page{"", kGrantPage};
  do {
    MP_ASSIGN_OR_RETURN(auto got, txn.access().ListGrants(filter, page));
    for (auto& g : got.items) {
      if (g.ActiveAt(now) && g.Allows("read")) {
        return std::optional<model::Grant>(std::move(g));
      }
    }
    page.after = got.next;
  } while (!page.after.empty());
  return std::nullopt;
}

absl::Status CheckDeclaredInputs(
    store::Transaction& txn, const auth::Authorizer& authz,
    const model::Principal& caller, const DataProduct& product,
    const std::vector<OutputPortRef>& already_declared, absl::Time now) {
  std::map<ProductKey, DataProduct> sources;
  for (size_t i = 0; i < product.input_ports.size(); ++i) {
    const OutputPortRef& src = product.input_ports[i].source;
    if (std::find(already_declared.begin(), already_declared.end(), src) !=
        already_declared.end()) {
      continue;  // declared earlier: a lapsed grant does not undo it
    }
    ProductKey key{src.domain_id, src.product_id};
    if (key == product.key()) continue;  // CheckInputPorts refuses it
    auto it = sources.find(key);
    if (it == sources.end()) {
      MP_ASSIGN_OR_RETURN(DataProduct got, txn.registry().GetDataProduct(key));
      it = sources.emplace(key, std::move(got)).first;
    }
    const DataProduct& source = it->second;
    if (source.owner_team_id == product.owner_team_id) continue;
    MP_ASSIGN_OR_RETURN(bool owner,
                        CallerOwnsSource(txn, authz, caller, source));
    if (owner) continue;
    MP_ASSIGN_OR_RETURN(auto grant,
                        ReadGrantOf(txn, src, product.owner_team_id, now));
    if (grant) continue;
    return WithReason(
        absl::PermissionDeniedError(absl::StrCat(
            "data_product.input_ports[", i,
            "].source: ", model::TeamName(product.owner_team_id),
            " may not read ", model::OutputPortName(src),
            ": neither the team nor any of its members holds an active grant "
            "to read it; request read access for team:",
            product.owner_team_id, " first, or ask its owners (",
            model::TeamName(source.owner_team_id), ")")),
        "INPUT_NOT_GRANTED");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<DetachedReader>> ReleaseReaders(
    store::Transaction& txn, const DataProduct& producer,
    const std::set<std::string>& port_ids, absl::Time now,
    absl::string_view reason) {
  std::vector<DetachedReader> detached;
  if (port_ids.empty()) return detached;
  MP_ASSIGN_OR_RETURN(
      std::vector<store::LineageEdge> edges,
      txn.registry().Lineage(producer.key(),
                             store::LineageDirection::kDownstream, 1));
  std::map<ProductKey, DetachedReader> readers;
  for (const auto& e : edges) {
    if (e.depth != 1 || e.consumer == producer.key() ||
        !port_ids.count(e.source.port_id)) {
      continue;
    }
    auto it = readers.find(e.consumer);
    if (it == readers.end()) {
      MP_ASSIGN_OR_RETURN(DataProduct reader,
                          txn.registry().GetDataProduct(e.consumer));
      DetachedReader d;
      d.before = std::move(reader);
      it = readers.emplace(e.consumer, std::move(d)).first;
    }
    const DataProduct& reader = it->second.before;
    std::string what =
        absl::StrCat("output port ", model::OutputPortName(e.source),
                     " is read by input port ", Quoted(e.input_port_id), " of ",
                     model::ProductName(e.consumer));
    // The producer's own team pins its port: it can unpin it itself.
    if (reader.owner_team_id == producer.owner_team_id) {
      return WithReason(absl::FailedPreconditionError(
                            absl::StrCat(what, ", a product of the same team (",
                                         model::TeamName(reader.owner_team_id),
                                         "); remove that input port first")),
                        reason);
    }
    MP_ASSIGN_OR_RETURN(auto grant,
                        ReadGrantOf(txn, e.source, reader.owner_team_id, now));
    if (grant) {
      return WithReason(
          absl::FailedPreconditionError(absl::StrCat(
              what, ", which reads it by ", model::GrantName(grant->id),
              " (to ", grant->consumer, ", active until ",
              FormatUtc(grant->expire_time),
              "); revoke that grant, or have that product stop reading the "
              "port, first")),
          reason);
    }
    it->second.input_port_ids.push_back(e.input_port_id);
  }
  for (auto& [key, d] : readers) {
    d.after = d.before;
    auto& in = d.after.input_ports;
    in.erase(std::remove_if(in.begin(), in.end(),
                            [&](const model::InputPort& p) {
                              return std::find(d.input_port_ids.begin(),
                                               d.input_port_ids.end(),
                                               p.id) != d.input_port_ids.end();
                            }),
             in.end());
    d.after.revision = d.before.revision + 1;
    d.after.update_time = now;
    MP_RETURN_IF_ERROR(StoreWrite(
        txn.registry().UpdateDataProduct(d.after, d.before.revision)));
    detached.push_back(std::move(d));
  }
  return detached;
}

absl::Status RecordDetached(store::Transaction& txn, const RequestContext& ctx,
                            const std::string& method,
                            const std::vector<DetachedReader>& detached,
                            absl::Time now) {
  for (const auto& d : detached) {
    model::AuditRecord audit;
    audit.time = now;
    audit.principal = ctx.principal.id;
    audit.method = method;
    audit.resource = model::ProductName(d.after.key());
    audit.request_id = ctx.request_id;
    audit.transport = ctx.transport;
    audit.before_json = model::ToJson(d.before);
    audit.after_json = model::ToJson(d.after);
    audit.outcome_message =
        absl::StrCat("input ports ", absl::StrJoin(d.input_port_ids, ", "),
                     " removed: their source went and no grant kept it");
    MP_RETURN_IF_ERROR(txn.events().AppendAudit(audit).status());
    model::Event event;
    event.time = now;
    event.type = "dataproduct.updated";
    event.resource = audit.resource;
    event.domain_id = d.after.domain_id;
    event.payload_json = audit.after_json;
    MP_RETURN_IF_ERROR(txn.events().AppendEvent(event).status());
  }
  return absl::OkStatus();
}

}  // namespace meshplane::core::internal
