// Service-level storage: observations of objectives, and breaches.
// One repository of a store::Transaction (store.h), which hands it out;
// the error codes common to every method are written there.
#ifndef MESHPLANE_STORE_SLO_H_
#define MESHPLANE_STORE_SLO_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/model/resource_name.h"
#include "meshplane/model/slo.h"
#include "meshplane/store/page.h"

namespace meshplane::store {

// What an observation of an objective must be to meet it: value <= limit
// when `at_most` (staleness, latency), else value >= limit (availability:
// 1, completeness: the declared percent).
struct ObservationTarget {
  double limit = 0;
  bool at_most = true;
};

// Counts of one window: its observations, and those that met the target.
struct ObservationCounts {
  int64_t observations = 0;
  int64_t good = 0;
};

struct ObservationSummary {
  std::vector<ObservationCounts> windows;       // one per `since`, in order
  std::optional<absl::Time> last_observe_time;  // nullopt with none at all
};

// Breaches of one product (port_id "") or of one of its ports.
struct BreachFilter {
  model::ProductKey product;
  std::string port_id;
  bool open_only = false;
};

// Observations and breaches, in the transaction that handed it out.
class SloRepository {
 public:
  virtual ~SloRepository() = default;

  // --- Service levels: observations and breaches ---
  // Both go with their output port: dropping or deleting the port deletes
  // them (as for access requests and grants).
  //
  // Appends observations (one multi-row insert; an empty batch writes
  // nothing). NOT_FOUND if one names an output port that does not exist.
  virtual absl::Status InsertObservations(
      const std::vector<model::Observation>& observations) = 0;
  // Deletes the observations of `port`'s `objective` with observe_time <
  // `before` (what keeps the table bounded).
  virtual absl::Status PruneObservations(const model::OutputPortRef& port,
                                         model::Objective objective,
                                         absl::Time before) = 0;
  // Counts, for each of `since` in order, the observations of `port`'s
  // `objective` with observe_time > since (a window open at its start) and
  // those of them that meet `target`; plus the newest observe_time.
  // Computed in the store (aggregates), not by loading rows.
  virtual absl::StatusOr<ObservationSummary> SummarizeObservations(
      const model::OutputPortRef& port, model::Objective objective,
      const ObservationTarget& target,
      const std::vector<absl::Time>& since) = 0;
  // ALREADY_EXISTS if the id is taken, or if the port already has an open
  // breach of that objective (when `breach` is open); NOT_FOUND (naming the
  // port) if the port does not exist.
  virtual absl::Status InsertBreach(const model::Breach& breach) = 0;
  // The open breach of `port`'s `objective`, if any.
  virtual absl::StatusOr<std::optional<model::Breach>> GetOpenBreach(
      const model::OutputPortRef& port, model::Objective objective) = 0;
  // Closes an open breach at `end_time`. NOT_FOUND if absent;
  // FAILED_PRECONDITION if already closed.
  virtual absl::Status CloseBreach(absl::string_view id,
                                   absl::Time end_time) = 0;
  // Newest first (start_time, id). Cursors as for ListGrants.
  virtual absl::StatusOr<Page<model::Breach>> ListBreaches(
      const BreachFilter& filter, const PageRequest& page) = 0;
};

}  // namespace meshplane::store

#endif  // MESHPLANE_STORE_SLO_H_
