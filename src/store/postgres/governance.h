// Private to src/store/postgres: the GovernanceRepository of a PostgreSQL
// transaction (policies, their history and waivers).
#ifndef MESHPLANE_STORE_POSTGRES_GOVERNANCE_H_
#define MESHPLANE_STORE_POSTGRES_GOVERNANCE_H_

#include <cstdint>
#include <optional>

#include "store/postgres/repository.h"

#include "meshplane/store/governance.h"

namespace meshplane::store::pg {

// Runs its statements (governance_sql.h) in the transaction of `ctx`, which
// outlives it. Not thread-safe, like its transaction.
class PgGovernanceRepository : public PgRepository<GovernanceRepository> {
 public:
  using PgRepository::PgRepository;

  absl::StatusOr<model::Policy> GetPolicy(const model::PolicyKey& key) override;
  absl::Status InsertPolicy(const model::Policy& p,
                            absl::string_view author) override;
  absl::Status UpdatePolicy(const model::Policy& p, int64_t expected_revision,
                            absl::string_view author) override;
  absl::Status DeletePolicy(const model::PolicyKey& key) override;
  absl::StatusOr<Page<model::Policy>> ListPolicies(
      const PolicyFilter& filter, const PageRequest& page) override;
  absl::StatusOr<std::vector<model::Policy>> AllPolicies() override;
  absl::StatusOr<Page<model::PolicyRevision>> ListPolicyRevisions(
      const model::PolicyKey& key, const PageRequest& page) override;
  absl::Status InsertWaiver(const model::Waiver& w) override;
  absl::StatusOr<model::Waiver> GetWaiver(const model::PolicyKey& policy,
                                          absl::string_view id) override;
  absl::Status DeleteWaiver(const model::PolicyKey& policy,
                            absl::string_view id) override;
  absl::StatusOr<Page<model::Waiver>> ListWaivers(
      const WaiverFilter& filter, const PageRequest& page) override;

 private:
  // An insert (expected == nullopt) or update of `p`, and its history row.
  absl::Status WritePolicy(const model::Policy& p,
                           std::optional<int64_t> expected,
                           absl::string_view author);
  // Why an insert (expected == nullopt) or update of `p` wrote no row.
  absl::Status DiagnosePolicy(const model::Policy& p,
                              std::optional<int64_t> expected);
  void AppendPolicyRevision(const model::Policy& p, absl::string_view author);
};

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_GOVERNANCE_H_
