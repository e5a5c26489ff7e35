// Private to src/store/postgres: the ContractRepository of a PostgreSQL
// transaction (data contracts and their versions).
#ifndef MESHPLANE_STORE_POSTGRES_CONTRACTS_H_
#define MESHPLANE_STORE_POSTGRES_CONTRACTS_H_

#include <cstdint>
#include <optional>

#include "store/postgres/repository.h"

#include "meshplane/store/contracts.h"

namespace meshplane::store::pg {

// Runs its statements (contracts_sql.h) in the transaction of `ctx`, which
// outlives it. Not thread-safe, like its transaction.
class PgContractRepository : public PgRepository<ContractRepository> {
 public:
  using PgRepository::PgRepository;

  absl::StatusOr<model::Contract> GetContract(absl::string_view id) override;
  absl::Status InsertContract(const model::Contract& c) override;
  absl::Status UpdateContract(const model::Contract& c,
                              int64_t expected_revision) override;
  absl::StatusOr<Page<model::Contract>> ListContracts(
      const ContractFilter& filter, const PageRequest& page) override;
  absl::Status InsertContractVersion(const model::ContractVersion& v) override;
  absl::StatusOr<model::ContractVersion> GetContractVersion(
      absl::string_view contract_id, absl::string_view version) override;
  absl::StatusOr<Page<model::ContractVersion>> ListContractVersions(
      absl::string_view contract_id, const PageRequest& page) override;
  absl::StatusOr<std::vector<model::ContractVersion>> AllContractVersions(
      absl::string_view contract_id) override;
  absl::StatusOr<std::vector<store::ContractPortReader>> ContractReaders(
      absl::string_view contract_id) override;

 private:
  // An insert (expected == nullopt) or update of `c`.
  absl::Status WriteContract(const model::Contract& c,
                             std::optional<int64_t> expected);
  // Why an insert (expected == nullopt) or update of `c` wrote no row.
  absl::Status DiagnoseContract(const model::Contract& c,
                                std::optional<int64_t> expected);
  bool ContractExists(absl::string_view id);
};

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_CONTRACTS_H_
