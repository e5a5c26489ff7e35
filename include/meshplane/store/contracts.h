// Data contract storage: contracts, their immutable versions, and the
// output ports that promise them. One repository of a store::Transaction
// (store.h), which hands it out; the error codes common to every method are
// written there.
#ifndef MESHPLANE_STORE_CONTRACTS_H_
#define MESHPLANE_STORE_CONTRACTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/model/contract.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/store/page.h"

namespace meshplane::store {

// All set fields must match (AND).
struct ContractFilter {
  std::optional<model::ProductKey> product;  // only this product's contracts
  std::string domain_id;  // only contracts of this domain's products
  std::string state;      // "ACTIVE" or "DEPRECATED"
};

// An output port that promises a data contract (its contract_id), and one
// product whose input port reads it; `reader` is empty for a port nobody
// reads.
struct ContractPortReader {
  model::OutputPortRef port;
  std::string port_owner_team_id;  // the owner team of the port's product
  std::optional<model::ProductKey> reader;
  std::string reader_input_port_id;
  std::string reader_owner_team_id;
};

// Data contracts and their versions, in the transaction that handed it out.
class ContractRepository {
 public:
  virtual ~ContractRepository() = default;

  // --- Data contracts and their versions ---
  // NOT_FOUND if absent.
  virtual absl::StatusOr<model::Contract> GetContract(absl::string_view id) = 0;
  // ALREADY_EXISTS if the id is taken; NOT_FOUND if its data product does
  // not exist.
  virtual absl::Status InsertContract(const model::Contract& contract) = 0;
  // As UpdateDomain: NOT_FOUND if absent, ABORTED on a revision mismatch.
  // The owning product is immutable: FAILED_PRECONDITION if it differs.
  virtual absl::Status UpdateContract(const model::Contract& contract,
                                      int64_t expected_revision) = 0;
  // Ordered by id.
  virtual absl::StatusOr<Page<model::Contract>> ListContracts(
      const ContractFilter& filter, const PageRequest& page) = 0;
  // Stores an immutable version. ALREADY_EXISTS if the contract has that
  // version (same text); NOT_FOUND if the contract does not exist. The
  // caller keeps the contract's latest_version/version_count up to date.
  virtual absl::Status InsertContractVersion(
      const model::ContractVersion& version) = 0;
  // NOT_FOUND naming the version, or the contract when that is absent.
  virtual absl::StatusOr<model::ContractVersion> GetContractVersion(
      absl::string_view contract_id, absl::string_view version) = 0;
  // Newest first by semver precedence (see model::PrereleaseOrderKey: a
  // release above its pre-releases). NOT_FOUND if the contract is absent.
  virtual absl::StatusOr<Page<model::ContractVersion>> ListContractVersions(
      absl::string_view contract_id, const PageRequest& page) = 0;
  // Every version, oldest first by semver precedence (for TRANSITIVE
  // compatibility checks). NOT_FOUND if the contract is absent.
  virtual absl::StatusOr<std::vector<model::ContractVersion>>
  AllContractVersions(absl::string_view contract_id) = 0;

  // Every output port whose contract_id is `contract_id`, each with the
  // products that read it (one row per reader; a port nobody reads once,
  // without a reader), ordered by port, then reader. Empty when no port
  // promises the contract (whether or not the contract exists).
  virtual absl::StatusOr<std::vector<ContractPortReader>> ContractReaders(
      absl::string_view contract_id) = 0;
};

}  // namespace meshplane::store

#endif  // MESHPLANE_STORE_CONTRACTS_H_
