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
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(DomainKey(id));
  const Domain* d = txn_.domains.Find(std::string(id));
  if (!d)
    return absl::NotFoundError(absl::StrCat("domains/", id, " not found"));
  return *d;
}

absl::Status InMemoryRegistry::InsertDomain(const Domain& domain) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  txn_.Read(DomainKey(domain.id));
  if (txn_.domains.Find(domain.id)) {
    return absl::AlreadyExistsError(
        absl::StrCat("domains/", domain.id, " already exists"));
  }
  MP_RETURN_IF_ERROR(CheckDomainRefs(txn_, domain));
  Domain d = domain;
  d.create_time = Trunc(d.create_time);
  d.update_time = Trunc(d.update_time);
  txn_.domains.Put(d.id, d);
  txn_.Write(DomainKey(d.id), kDomainsTable);
  return absl::OkStatus();
}

absl::Status InMemoryRegistry::UpdateDomain(const Domain& domain,
                                            int64_t expected_revision) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  txn_.Read(DomainKey(domain.id));
  const Domain* cur = txn_.domains.Find(domain.id);
  if (!cur)
    return absl::NotFoundError(
        absl::StrCat("domains/", domain.id, " not found"));
  if (cur->revision != expected_revision)
    return EtagMismatch(model::DomainName(domain.id));
  MP_RETURN_IF_ERROR(CheckDomainRefs(txn_, domain));
  Domain d = domain;
  d.create_time = Trunc(d.create_time);
  d.update_time = Trunc(d.update_time);
  txn_.domains.Put(d.id, d);
  txn_.Write(DomainKey(d.id), kDomainsTable);
  return absl::OkStatus();
}

absl::Status InMemoryRegistry::DeleteDomain(absl::string_view id) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  txn_.Read(DomainKey(id));
  if (!txn_.domains.Find(std::string(id))) {
    return absl::NotFoundError(absl::StrCat("domains/", id, " not found"));
  }
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
  txn_.domains.Erase(std::string(id));
  txn_.Write(DomainKey(id), kDomainsTable);
  return absl::OkStatus();
}

absl::StatusOr<store::Page<Domain>> InMemoryRegistry::ListDomains(
    const store::DomainFilter& f, const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kDomainsTable);
  std::vector<std::pair<std::string, Domain>> items;
  for (auto& [id, d] : txn_.domains.Merged()) {
    if (!f.parent_id.empty() && d.parent_id != f.parent_id) continue;
    if (f.top_level_only && !d.parent_id.empty()) continue;
    if (!f.owner_team_id.empty() && d.owner_team_id != f.owner_team_id)
      continue;
    items.emplace_back(id, d);
  }
  return Paginate<Domain>(items, page, [](const std::string& k) { return k; });
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
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kDomainsTable);
  int64_t n = 0;
  for (const auto& [k, d] : txn_.domains.Merged())
    n += d.parent_id == id ? 1 : 0;
  return n;
}

absl::StatusOr<int64_t> InMemoryRegistry::CountDataProducts(
    absl::string_view domain_id) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kProductsTable);
  int64_t n = 0;
  for (const auto& [k, p] : txn_.products.Merged())
    n += k.domain_id == domain_id ? 1 : 0;
  return n;
}

absl::StatusOr<Team> InMemoryRegistry::GetTeam(absl::string_view id) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(TeamKey(id));
  const Team* t = txn_.teams.Find(std::string(id));
  if (!t) return absl::NotFoundError(absl::StrCat("teams/", id, " not found"));
  return *t;
}

absl::Status InMemoryRegistry::InsertTeam(const Team& team) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  txn_.Read(TeamKey(team.id));
  if (txn_.teams.Find(team.id)) {
    return absl::AlreadyExistsError(
        absl::StrCat("teams/", team.id, " already exists"));
  }
  Team t = team;
  t.create_time = Trunc(t.create_time);
  t.update_time = Trunc(t.update_time);
  txn_.teams.Put(t.id, t);
  txn_.Write(TeamKey(t.id), kTeamsTable);
  return absl::OkStatus();
}

absl::Status InMemoryRegistry::UpdateTeam(const Team& team,
                                          int64_t expected_revision) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  txn_.Read(TeamKey(team.id));
  const Team* cur = txn_.teams.Find(team.id);
  if (!cur)
    return absl::NotFoundError(absl::StrCat("teams/", team.id, " not found"));
  if (cur->revision != expected_revision)
    return EtagMismatch(model::TeamName(team.id));
  Team t = team;
  t.create_time = Trunc(t.create_time);
  t.update_time = Trunc(t.update_time);
  txn_.teams.Put(t.id, t);
  txn_.Write(TeamKey(t.id), kTeamsTable);
  return absl::OkStatus();
}

absl::Status InMemoryRegistry::DeleteTeam(absl::string_view id) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  txn_.Read(TeamKey(id));
  if (!txn_.teams.Find(std::string(id))) {
    return absl::NotFoundError(absl::StrCat("teams/", id, " not found"));
  }
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
  txn_.teams.Erase(std::string(id));
  txn_.Write(TeamKey(id), kTeamsTable);
  return absl::OkStatus();
}

absl::StatusOr<store::Page<Team>> InMemoryRegistry::ListTeams(
    const store::TeamFilter& f, const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kTeamsTable);
  std::vector<std::pair<std::string, Team>> items;
  for (auto& [id, t] : txn_.teams.Merged()) {
    if (!f.member.empty() && std::find(t.members.begin(), t.members.end(),
                                       f.member) == t.members.end()) {
      continue;
    }
    items.emplace_back(id, t);
  }
  return Paginate<Team>(items, page, [](const std::string& k) { return k; });
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
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(ProductRowKey(key));
  const DataProduct* p = txn_.products.Find(key);
  if (!p)
    return absl::NotFoundError(
        absl::StrCat(model::ProductName(key), " not found"));
  return *p;
}

absl::Status InMemoryRegistry::InsertDataProduct(const DataProduct& product) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  ProductKey key = product.key();
  txn_.Read(ProductRowKey(key));
  if (txn_.products.Find(key)) {
    return absl::AlreadyExistsError(
        absl::StrCat(model::ProductName(key), " already exists"));
  }
  txn_.Read(DomainKey(product.domain_id));
  if (!txn_.domains.Find(product.domain_id)) {
    return absl::NotFoundError(
        absl::StrCat("domains/", product.domain_id, " not found"));
  }
  MP_RETURN_IF_ERROR(CheckProductRefs(txn_, product));
  txn_.products.Put(key, Normalized(product));
  txn_.Write(ProductRowKey(key), kProductsTable);
  return absl::OkStatus();
}

absl::Status InMemoryRegistry::UpdateDataProduct(const DataProduct& product,
                                                 int64_t expected_revision) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  ProductKey key = product.key();
  txn_.Read(ProductRowKey(key));
  const DataProduct* cur = txn_.products.Find(key);
  if (!cur)
    return absl::NotFoundError(
        absl::StrCat(model::ProductName(key), " not found"));
  if (cur->revision != expected_revision)
    return EtagMismatch(model::ProductName(key));
  MP_RETURN_IF_ERROR(CheckProductRefs(txn_, product));
  // Output ports that other products read cannot disappear (the foreign
  // key from input ports to output ports).
  std::set<std::string> kept;
  for (const auto& o : product.output_ports) kept.insert(o.id);
  bool drops_a_port = false;
  for (const auto& o : cur->output_ports) {
    if (kept.count(o.id)) continue;
    drops_a_port = true;
    auto reader = FindReader(txn_, {key.domain_id, key.product_id, o.id}, key);
    if (reader) {
      return absl::FailedPreconditionError(absl::StrCat(
          model::OutputPortName({key.domain_id, key.product_id, o.id}),
          " is read by ", model::ProductName(*reader)));
    }
  }
  // Only then, so that other product updates do not read (and conflict
  // on) the access tables.
  if (drops_a_port) DropAccessToPorts(txn_, key, kept);
  txn_.products.Put(key, Normalized(product));
  txn_.Write(ProductRowKey(key), kProductsTable);
  return absl::OkStatus();
}

absl::Status InMemoryRegistry::DeleteDataProduct(const ProductKey& key) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  txn_.Read(ProductRowKey(key));
  const DataProduct* cur = txn_.products.Find(key);
  if (!cur)
    return absl::NotFoundError(
        absl::StrCat(model::ProductName(key), " not found"));
  for (const auto& o : cur->output_ports) {
    auto reader = FindReader(txn_, {key.domain_id, key.product_id, o.id}, key);
    if (reader) {
      return absl::FailedPreconditionError(absl::StrCat(
          model::OutputPortName({key.domain_id, key.product_id, o.id}),
          " is read by ", model::ProductName(*reader)));
    }
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
  txn_.products.Erase(key);
  txn_.Write(ProductRowKey(key), kProductsTable);
  return absl::OkStatus();
}

absl::StatusOr<store::Page<DataProduct>> InMemoryRegistry::ListDataProducts(
    const store::DataProductFilter& f, const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kProductsTable);
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
  std::vector<std::pair<ProductKey, DataProduct>> items;
  for (auto& [k, p] : txn_.products.Merged()) {
    if (!domains.empty() && !domains.count(k.domain_id)) continue;
    if (!f.owner_team_id.empty() && p.owner_team_id != f.owner_team_id)
      continue;
    if (f.lifecycle && p.lifecycle != *f.lifecycle) continue;
    if (!f.tag.empty() &&
        std::find(p.tags.begin(), p.tags.end(), f.tag) == p.tags.end()) {
      continue;
    }
    if (!words.empty() && !MatchesText(p, words)) continue;
    items.emplace_back(k, p);
  }
  return Paginate<DataProduct>(items, page, ProductCursor);
}

}  // namespace meshplane::testing::memstore_internal
