// Private to src/store/postgres: the AccessRepository of a PostgreSQL
// transaction (access requests, grants and the decision log).
#ifndef MESHPLANE_STORE_POSTGRES_ACCESS_H_
#define MESHPLANE_STORE_POSTGRES_ACCESS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "store/postgres/repository.h"

#include "meshplane/store/access.h"

namespace meshplane::store::pg {

// Runs its statements (access_sql.h) in the transaction of `ctx`, which
// outlives it. Not thread-safe, like its transaction.
class PgAccessRepository : public PgRepository<AccessRepository> {
 public:
  using PgRepository::PgRepository;

  absl::Status InsertAccessRequest(const model::AccessRequest& a) override;
  absl::StatusOr<model::AccessRequest> GetAccessRequest(
      absl::string_view id) override;
  absl::Status UpdateAccessRequest(const model::AccessRequest& a,
                                   int64_t expected_revision) override;
  absl::StatusOr<Page<model::AccessRequest>> ListAccessRequests(
      const AccessRequestFilter& filter, const PageRequest& page) override;
  absl::Status InsertGrant(const model::Grant& g) override;
  absl::StatusOr<model::Grant> GetGrant(absl::string_view id) override;
  absl::Status UpdateGrant(const model::Grant& g,
                           int64_t expected_revision) override;
  absl::StatusOr<Page<model::Grant>> ListGrants(
      const GrantFilter& filter, const PageRequest& page) override;
  absl::StatusOr<std::vector<model::Grant>> ActiveGrants(
      absl::Time now, absl::string_view after, int limit) override;
  absl::Status AppendAccessDecisions(
      const std::vector<model::AccessDecision>& decisions) override;

 private:
  // An insert (expected == nullopt) or update of `a`, of `g`.
  absl::Status WriteAccessRequest(const model::AccessRequest& a,
                                  std::optional<int64_t> expected);
  absl::Status WriteGrant(const model::Grant& g,
                          std::optional<int64_t> expected);
  // Why an insert (expected == nullopt) or update of an access request or a
  // grant (`diagnose` is its kDiagnose* statement) wrote no row.
  absl::Status DiagnoseAccessWrite(const char* diagnose, const std::string& id,
                                   const model::OutputPortRef& port,
                                   const std::string& phrase,
                                   std::optional<int64_t> expected);
};

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_ACCESS_H_
