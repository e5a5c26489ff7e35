// Private to src/store/postgres: the SloRepository of a PostgreSQL
// transaction (observations and breaches of service levels).
#ifndef MESHPLANE_STORE_POSTGRES_SLO_H_
#define MESHPLANE_STORE_POSTGRES_SLO_H_

#include "store/postgres/repository.h"

#include "meshplane/store/slo.h"

namespace meshplane::store::pg {

// Runs its statements (slo_sql.h) in the transaction of `ctx`, which
// outlives it. Not thread-safe, like its transaction.
class PgSloRepository : public PgRepository<SloRepository> {
 public:
  using PgRepository::PgRepository;

  absl::Status InsertObservations(
      const std::vector<model::Observation>& observations) override;
  absl::Status PruneObservations(const model::OutputPortRef& port,
                                 model::Objective objective,
                                 absl::Time before) override;
  absl::StatusOr<ObservationSummary> SummarizeObservations(
      const model::OutputPortRef& port, model::Objective objective,
      const ObservationTarget& target,
      const std::vector<absl::Time>& since) override;
  absl::Status InsertBreach(const model::Breach& b) override;
  absl::StatusOr<std::optional<model::Breach>> GetOpenBreach(
      const model::OutputPortRef& port, model::Objective objective) override;
  absl::Status CloseBreach(absl::string_view id, absl::Time end_time) override;
  absl::StatusOr<Page<model::Breach>> ListBreaches(
      const BreachFilter& filter, const PageRequest& page) override;
};

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_SLO_H_
