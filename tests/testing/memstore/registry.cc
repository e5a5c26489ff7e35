// InMemoryRegistry: domains, teams and data products (search and lineage
// are in registry_search.cc).
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tests/testing/memstore/repositories.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::testing::memstore_internal {

using model::DataProduct;
using model::Domain;
using model::ProductKey;
using model::Team;

namespace {

absl::Status CheckDomainRefs(TxnState& txn, const Domain& d) {
  if (!d.parent_id.empty()) {
    txn.Read(DomainKey(d.parent_id));
    if (!txn.domains.Find(d.parent_id)) {
      return absl::NotFoundError(
          absl::StrCat("parent domains/", d.parent_id, " not found"));
    }
  }
  txn.Read(TeamKey(d.owner_team_id));
  if (!txn.teams.Find(d.owner_team_id)) {
    return absl::NotFoundError(
        absl::StrCat("owner teams/", d.owner_team_id, " not found"));
  }
  return absl::OkStatus();
}

absl::Status CheckProductRefs(TxnState& txn, const DataProduct& p) {
  txn.Read(TeamKey(p.owner_team_id));
  if (!txn.teams.Find(p.owner_team_id)) {
    return absl::NotFoundError(
        absl::StrCat("owner teams/", p.owner_team_id, " not found"));
  }
  for (const auto& ip : p.input_ports) {
    ProductKey src{ip.source.domain_id, ip.source.product_id};
    const DataProduct* sp = nullptr;
    if (src == p.key()) {
      sp = &p;
    } else {
      txn.Read(ProductRowKey(src));
      sp = txn.products.Find(src);
    }
    bool found = false;
    if (sp) {
      for (const auto& o : sp->output_ports)
        found = found || o.id == ip.source.port_id;
    }
    if (!found) {
      return absl::NotFoundError(absl::StrCat(
          "output port ", model::OutputPortName(ip.source), " not found"));
    }
  }
  return absl::OkStatus();
}

// A product other than `self` that reads `port`.
std::optional<ProductKey> FindReader(TxnState& txn,
                                     const model::OutputPortRef& port,
                                     const ProductKey& self) {
  txn.Read(kProductsTable);
  for (const auto& [k, p] : txn.products.Merged()) {
    if (k == self) continue;
    for (const auto& ip : p.input_ports) {
      if (ip.source == port) return k;
    }
  }
  return std::nullopt;
}

// FAILED_PRECONDITION if a product other than `key` reads its output port
// `port_id` (the foreign key from input ports to output ports).
absl::Status RefuseIfRead(TxnState& txn, const ProductKey& key,
                          const std::string& port_id) {
  const model::OutputPortRef port{key.domain_id, key.product_id, port_id};
  std::optional<ProductKey> reader = FindReader(txn, port, key);
  if (!reader) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(model::OutputPortName(port), " is read by ",
                   model::ProductName(*reader)));
}

// Deletes the access requests and grants of the output ports of `key`
// whose ids are not in `kept` (the schema's ON DELETE CASCADE).
void DropAccessToPorts(TxnState& txn, const ProductKey& key,
                       const std::set<std::string>& kept) {
  auto going = [&](const model::OutputPortRef& port) {
    return port.domain_id == key.domain_id &&
           port.product_id == key.product_id && !kept.count(port.port_id);
  };
  txn.Read(kAccessRequestsTable);
  for (const auto& [id, r] : txn.access_requests.Merged()) {
    if (!going(r.port)) continue;
    txn.access_requests.Erase(id);
    txn.Write(AccessRequestRowKey(id), kAccessRequestsTable);
  }
  txn.Read(kGrantsTable);
  for (const auto& [id, g] : txn.grants.Merged()) {
    if (!going(g.port)) continue;
    txn.grants.Erase(id);
    txn.Write(GrantRowKey(id), kGrantsTable);
  }
  // So do its observations and breaches.
  txn.Read(kObservationsTable);
  for (const auto& [k, o] : txn.observations.Merged()) {
    if (!going(o.port)) continue;
    txn.observations.Erase(k);
    txn.Write(kObservationsTable, "");
  }
  txn.Read(kBreachesTable);
  for (const auto& [id, b] : txn.breaches.Merged()) {
    if (!going(b.port)) continue;
    txn.breaches.Erase(id);
    txn.Write(BreachRowKey(id), kBreachesTable);
  }
}

DataProduct Normalized(const DataProduct& p) {
  DataProduct out = p;
  out.create_time = Trunc(out.create_time);
  out.update_time = Trunc(out.update_time);
  out.sunset_time = Trunc(out.sunset_time);
  return out;
}

bool MatchesText(const DataProduct& p, const std::vector<std::string>& words) {
  std::string hay = absl::AsciiStrToLower(
      absl::StrCat(p.id, " ", p.display_name, " ", p.description, " ",
                   absl::StrJoin(p.tags, " ")));
  for (const auto& w : words) {
    if (!absl::StrContains(hay, w)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<Domain> InMemoryRegistry::GetDomain(absl::string_view id) {
  return GetRow(txn_, txn_.domains, std::string(id), DomainKey(id),
                model::DomainName(id));
}

absl::Status InMemoryRegistry::InsertDomain(const Domain& domain) {
  MP_RETURN_IF_ERROR(CheckInsert(txn_, txn_.domains, domain.id,
                                 DomainKey(domain.id),
                                 model::DomainName(domain.id)));
  return PutDomain(domain);
}

absl::Status InMemoryRegistry::UpdateDomain(const Domain& domain,
                                            int64_t expected_revision) {
  MP_RETURN_IF_ERROR(
      CheckUpdate(txn_, txn_.domains, domain.id, DomainKey(domain.id),
                  model::DomainName(domain.id), expected_revision)
          .status());
  return PutDomain(domain);
}

// The rest of an insert or update: the references, then the row.
absl::Status InMemoryRegistry::PutDomain(const Domain& domain) {
  MP_RETURN_IF_ERROR(CheckDomainRefs(txn_, domain));
  Domain d = domain;
  d.create_time = Trunc(d.create_time);
  d.update_time = Trunc(d.update_time);
  PutRow(txn_, txn_.domains, d.id, d, DomainKey(d.id), kDomainsTable);
  return absl::OkStatus();
}

absl::Status InMemoryRegistry::DeleteDomain(absl::string_view id) {
  MP_RETURN_IF_ERROR(CheckExists(txn_, txn_.domains, std::string(id),
                                 DomainKey(id), model::DomainName(id))
                         .status());
  MP_ASSIGN_OR_RETURN(int64_t subs, CountSubdomains(id));
  MP_ASSIGN_OR_RETURN(int64_t products, CountDataProducts(id));
  if (subs > 0 || products > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("domains/", id, " still has ", subs, " subdomain(s) and ",
                     products, " data product(s)"));
  }
  // The domain's policies and their waivers go with it (ON DELETE
  // CASCADE in the schema).
  txn_.Read(kPoliciesTable);
  for (const auto& [k, p] : txn_.policies.Merged()) {
    if (k.first == id) ErasePolicy(txn_, k);
  }
  EraseRow(txn_, txn_.domains, std::string(id), DomainKey(id), kDomainsTable);
  return absl::OkStatus();
}

absl::StatusOr<store::Page<Domain>> InMemoryRegistry::ListDomains(
    const store::DomainFilter& f, const store::PageRequest& page) {
  return ListRows(
      txn_, txn_.domains, kDomainsTable, page,
      [&](const std::string&, const Domain& d) {
        if (!f.parent_id.empty() && d.parent_id != f.parent_id) return false;
        if (f.top_level_only && !d.parent_id.empty()) return false;
        return f.owner_team_id.empty() || d.owner_team_id == f.owner_team_id;
      },
      IdCursor);
}

absl::StatusOr<std::vector<Domain>> InMemoryRegistry::DomainAncestors(
    absl::string_view id) {
  MP_ASSIGN_OR_RETURN(Domain d, GetDomain(id));
  std::vector<Domain> chain;
  std::set<std::string> seen{d.id};
  std::string parent = d.parent_id;
  while (!parent.empty() && !seen.count(parent)) {
    seen.insert(parent);
    txn_.Read(DomainKey(parent));
    const Domain* p = txn_.domains.Find(parent);
    if (!p) break;
    chain.push_back(*p);
    parent = p->parent_id;
  }
  return chain;
}

absl::StatusOr<int64_t> InMemoryRegistry::CountSubdomains(
    absl::string_view id) {
  return CountRows(
      txn_, txn_.domains, kDomainsTable,
      [&](const std::string&, const Domain& d) { return d.parent_id == id; });
}

absl::StatusOr<int64_t> InMemoryRegistry::CountDataProducts(
    absl::string_view domain_id) {
  return CountRows(txn_, txn_.products, kProductsTable,
                   [&](const ProductKey& k, const DataProduct&) {
                     return k.domain_id == domain_id;
                   });
}

absl::StatusOr<Team> InMemoryRegistry::GetTeam(absl::string_view id) {
  return GetRow(txn_, txn_.teams, std::string(id), TeamKey(id),
                model::TeamName(id));
}

absl::Status InMemoryRegistry::InsertTeam(const Team& team) {
  MP_RETURN_IF_ERROR(CheckInsert(txn_, txn_.teams, team.id, TeamKey(team.id),
                                 model::TeamName(team.id)));
  PutTeam(team);
  return absl::OkStatus();
}

absl::Status InMemoryRegistry::UpdateTeam(const Team& team,
                                          int64_t expected_revision) {
  MP_RETURN_IF_ERROR(CheckUpdate(txn_, txn_.teams, team.id, TeamKey(team.id),
                                 model::TeamName(team.id), expected_revision)
                         .status());
  PutTeam(team);
  return absl::OkStatus();
}

void InMemoryRegistry::PutTeam(const Team& team) {
  Team t = team;
  t.create_time = Trunc(t.create_time);
  t.update_time = Trunc(t.update_time);
  PutRow(txn_, txn_.teams, t.id, t, TeamKey(t.id), kTeamsTable);
}

absl::Status InMemoryRegistry::DeleteTeam(absl::string_view id) {
  MP_RETURN_IF_ERROR(CheckExists(txn_, txn_.teams, std::string(id), TeamKey(id),
                                 model::TeamName(id))
                         .status());
  txn_.Read(kDomainsTable);
  txn_.Read(kProductsTable);
  for (const auto& [k, d] : txn_.domains.Merged()) {
    if (d.owner_team_id == id) {
      return absl::FailedPreconditionError(
          absl::StrCat("teams/", id, " still owns domains/", d.id));
    }
  }
  for (const auto& [k, p] : txn_.products.Merged()) {
    if (p.owner_team_id == id) {
      return absl::FailedPreconditionError(
          absl::StrCat("teams/", id, " still owns ", model::ProductName(k)));
    }
  }
  txn_.Read(kPoliciesTable);
  for (const auto& [k, p] : txn_.policies.Merged()) {
    if (p.owner_team_id == id) {
      return absl::FailedPreconditionError(absl::StrCat(
          "teams/", id, " still owns ", model::PolicyName(p.key())));
    }
  }
  EraseRow(txn_, txn_.teams, std::string(id), TeamKey(id), kTeamsTable);
  return absl::OkStatus();
}

absl::StatusOr<store::Page<Team>> InMemoryRegistry::ListTeams(
    const store::TeamFilter& f, const store::PageRequest& page) {
  return ListRows(
      txn_, txn_.teams, kTeamsTable, page,
      [&](const std::string&, const Team& t) {
        return f.member.empty() || std::find(t.members.begin(), t.members.end(),
                                             f.member) != t.members.end();
      },
      IdCursor);
}

absl::StatusOr<std::vector<std::string>> InMemoryRegistry::TeamsOfPrincipal(
    absl::string_view principal) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kTeamsTable);
  std::vector<std::string> out;
  for (const auto& [id, t] : txn_.teams.Merged()) {
    if (std::find(t.members.begin(), t.members.end(), principal) !=
        t.members.end()) {
      out.push_back(id);
    }
  }
  return out;
}

absl::StatusOr<DataProduct> InMemoryRegistry::GetDataProduct(
    const ProductKey& key) {
  return GetRow(txn_, txn_.products, key, ProductRowKey(key),
                model::ProductName(key));
}

absl::Status InMemoryRegistry::InsertDataProduct(const DataProduct& product) {
  ProductKey key = product.key();
  MP_RETURN_IF_ERROR(CheckInsert(txn_, txn_.products, key, ProductRowKey(key),
                                 model::ProductName(key)));
  txn_.Read(DomainKey(product.domain_id));
  if (!txn_.domains.Find(product.domain_id)) {
    return absl::NotFoundError(
        absl::StrCat("domains/", product.domain_id, " not found"));
  }
  MP_RETURN_IF_ERROR(CheckProductRefs(txn_, product));
  PutRow(txn_, txn_.products, key, Normalized(product), ProductRowKey(key),
         kProductsTable);
  return absl::OkStatus();
}

absl::Status InMemoryRegistry::UpdateDataProduct(const DataProduct& product,
                                                 int64_t expected_revision) {
  ProductKey key = product.key();
  MP_ASSIGN_OR_RETURN(const DataProduct* cur,
                      CheckUpdate(txn_, txn_.products, key, ProductRowKey(key),
                                  model::ProductName(key), expected_revision));
  MP_RETURN_IF_ERROR(CheckProductRefs(txn_, product));
  // Output ports that other products read cannot disappear (the foreign
  // key from input ports to output ports).
  std::set<std::string> kept;
  for (const auto& o : product.output_ports) kept.insert(o.id);
  bool drops_a_port = false;
  for (const auto& o : cur->output_ports) {
    if (kept.count(o.id)) continue;
    drops_a_port = true;
    MP_RETURN_IF_ERROR(RefuseIfRead(txn_, key, o.id));
  }
  // Only then, so that other product updates do not read (and conflict
  // on) the access tables.
  if (drops_a_port) DropAccessToPorts(txn_, key, kept);
  PutRow(txn_, txn_.products, key, Normalized(product), ProductRowKey(key),
         kProductsTable);
  return absl::OkStatus();
}

absl::Status InMemoryRegistry::DeleteDataProduct(const ProductKey& key) {
  MP_ASSIGN_OR_RETURN(const DataProduct* cur,
                      CheckExists(txn_, txn_.products, key, ProductRowKey(key),
                                  model::ProductName(key)));
  for (const auto& o : cur->output_ports) {
    MP_RETURN_IF_ERROR(RefuseIfRead(txn_, key, o.id));
  }
  txn_.Read(kContractsTable);
  for (const auto& [id, c] : txn_.contracts.Merged()) {
    if (c.product == key) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot delete ", model::ProductName(key),
                       ": it still owns ", model::ContractName(id)));
    }
  }
  DropAccessToPorts(txn_, key, {});
  EraseRow(txn_, txn_.products, key, ProductRowKey(key), kProductsTable);
  return absl::OkStatus();
}

absl::StatusOr<store::Page<DataProduct>> InMemoryRegistry::ListDataProducts(
    const store::DataProductFilter& f, const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(txn_.Check());
  std::set<std::string> domains;
  if (!f.domain_id.empty()) {
    domains.insert(f.domain_id);
    if (f.include_subdomains) {
      txn_.Read(kDomainsTable);
      auto all = txn_.domains.Merged();
      bool grew = true;
      while (grew) {
        grew = false;
        for (const auto& [id, d] : all) {
          if (!d.parent_id.empty() && domains.count(d.parent_id) &&
              !domains.count(id)) {
            domains.insert(id);
            grew = true;
          }
        }
      }
    }
  }
  std::vector<std::string> words =
      absl::StrSplit(absl::AsciiStrToLower(f.text), absl::ByAnyChar(" \t\n"),
                     absl::SkipEmpty());
  return ListRows(
      txn_, txn_.products, kProductsTable, page,
      [&](const ProductKey& k, const DataProduct& p) {
        if (!domains.empty() && !domains.count(k.domain_id)) return false;
        if (!f.owner_team_id.empty() && p.owner_team_id != f.owner_team_id)
          return false;
        if (f.lifecycle && p.lifecycle != *f.lifecycle) return false;
        if (!f.tag.empty() &&
            std::find(p.tags.begin(), p.tags.end(), f.tag) == p.tags.end()) {
          return false;
        }
        return words.empty() || MatchesText(p, words);
      },
      ProductCursor);
}

}  // namespace meshplane::testing::memstore_internal
