// Private to src/store/postgres: the RegistryRepository of a PostgreSQL
// transaction (domains, teams, data products, search and lineage; registry.cc,
// products.cc, search.cc).
#ifndef MESHPLANE_STORE_POSTGRES_REGISTRY_H_
#define MESHPLANE_STORE_POSTGRES_REGISTRY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/postgres/repository.h"
#include <pqxx/pqxx>

#include "meshplane/store/registry.h"

namespace meshplane::store::pg {

// A row of MP_PRODUCT_COLUMNS (registry_sql.h); products.cc.
model::DataProduct ProductFromRow(const pqxx::row& r);

// Runs its statements (registry_sql.h) in the transaction of `ctx`, which
// outlives it. Not thread-safe, like its transaction.
class PgRegistryRepository : public PgRepository<RegistryRepository> {
 public:
  using PgRepository::PgRepository;

  absl::StatusOr<model::Domain> GetDomain(absl::string_view id) override;
  absl::Status InsertDomain(const model::Domain& d) override;
  absl::Status UpdateDomain(const model::Domain& d,
                            int64_t expected_revision) override;
  absl::Status DeleteDomain(absl::string_view id) override;
  absl::StatusOr<Page<model::Domain>> ListDomains(
      const DomainFilter& filter, const PageRequest& page) override;
  absl::StatusOr<std::vector<model::Domain>> DomainAncestors(
      absl::string_view id) override;
  absl::StatusOr<int64_t> CountSubdomains(absl::string_view id) override;
  absl::StatusOr<int64_t> CountDataProducts(
      absl::string_view domain_id) override;
  absl::StatusOr<model::Team> GetTeam(absl::string_view id) override;
  absl::Status InsertTeam(const model::Team& t) override;
  absl::Status UpdateTeam(const model::Team& t,
                          int64_t expected_revision) override;
  absl::Status DeleteTeam(absl::string_view id) override;
  absl::StatusOr<Page<model::Team>> ListTeams(const TeamFilter& filter,
                                              const PageRequest& page) override;
  absl::StatusOr<std::vector<std::string>> TeamsOfPrincipal(
      absl::string_view principal) override;
  absl::StatusOr<model::DataProduct> GetDataProduct(
      const model::ProductKey& key) override;
  absl::Status InsertDataProduct(const model::DataProduct& p) override;
  absl::Status UpdateDataProduct(const model::DataProduct& p,
                                 int64_t expected_revision) override;
  absl::Status DeleteDataProduct(const model::ProductKey& key) override;
  absl::StatusOr<Page<model::DataProduct>> ListDataProducts(
      const DataProductFilter& filter, const PageRequest& page) override;
  absl::StatusOr<SearchResult> SearchDataProducts(const ProductSearch& search,
                                                  const PageRequest& page,
                                                  int skip,
                                                  int facet_limit) override;
  absl::StatusOr<std::vector<LineageEdge>> Lineage(
      const model::ProductKey& start, LineageDirection direction,
      int max_depth) override;

 private:
  // An insert (expected == nullopt) or update of `d`.
  absl::Status WriteDomain(const model::Domain& d,
                           std::optional<int64_t> expected);
  absl::Status WriteTeam(const model::Team& t, std::optional<int64_t> expected);
  // Why an insert (expected == nullopt) or update of `d` wrote no row.
  absl::Status DiagnoseDomain(const model::Domain& d,
                              std::optional<int64_t> expected);
  absl::Status DiagnoseTeam(const model::Team& t,
                            std::optional<int64_t> expected);
  // Why an insert (expected == nullopt) or update of `p` wrote no row.
  absl::Status DiagnoseProduct(const model::DataProduct& p,
                               std::optional<int64_t> expected);
  absl::Status CheckSources(const model::DataProduct& p);
  absl::Status RefuseWithContracts(const model::ProductKey& key);
  void WritePorts(const model::DataProduct& p, bool replace);

  // The ancestors of the domain a write's GetDomain read last (nearest
  // first), until a domain write in this transaction.
  std::optional<std::string> ancestors_of_;
  std::vector<model::Domain> ancestors_;
};

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_REGISTRY_H_
