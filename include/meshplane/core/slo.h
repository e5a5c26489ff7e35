// Service levels as data: producers and monitors report observations of the
// objectives an output port declares; compliance is computed over rolling
// windows (1 h, 24 h, 30 d) from aggregates the store computes; a breach
// opens, with a `slo.breached` event, when the breach window (1 h) stops
// meeting an objective, and closes, with `slo.recovered`, when it meets it
// again. docs/slo.md states the semantics and the window arithmetic.
//
//   core::ServiceLevels slo(store, authz, clock, {.reporters = {...}});
//   auto result = slo.ReportObservations(ctx, reports);
//   auto status = slo.GetStatus(ctx, "domains/d/dataProducts/p/outputPorts/o");
#ifndef MESHPLANE_CORE_SLO_H_
#define MESHPLANE_CORE_SLO_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "meshplane/auth/authorizer.h"
#include "meshplane/common/clock.h"
#include "meshplane/core/context.h"
#include "meshplane/model/data_product.h"
#include "meshplane/model/slo.h"
#include "meshplane/store/store.h"

namespace meshplane::core {

// The rolling windows, shortest first: every status reports them in this
// order.
inline constexpr absl::Duration kSloWindows[] = {
    absl::Hours(1), absl::Hours(24), absl::Hours(24 * 30)};
// The window whose compliance opens and closes breaches (kSloWindows[0]).
inline constexpr int kBreachWindowIndex = 0;
// How far observe_time may be ahead of the server's clock (clock skew), and
// how far behind it.
inline constexpr absl::Duration kMaxObservationLead = absl::Minutes(5);
inline constexpr absl::Duration kMaxObservationAge = absl::Hours(24 * 30);
// Observations older than this are pruned (the longest window plus a day).
inline constexpr absl::Duration kObservationRetention = absl::Hours(24 * 31);
// The most observations one ReportObservations may carry.
inline constexpr size_t kMaxObservationsPerReport = 1000;

// One observation as a caller reports it. Only the field of `objective` is
// read: staleness (FRESHNESS), available (AVAILABILITY),
// completeness_percent (COMPLETENESS), latency (LATENCY).
struct ObservationReport {
  std::string output_port;  // resource name of the port
  model::Objective objective = model::Objective::kUnspecified;
  std::optional<absl::Time> observe_time;  // nullopt: the server's clock
  absl::Duration staleness;
  bool available = false;
  double completeness_percent = 0;
  absl::Duration latency;
};

// One declared objective: what each observation must be, and for
// AVAILABILITY the share of up probes a window needs.
struct ObjectiveTarget {
  model::Objective objective = model::Objective::kUnspecified;
  store::ObservationTarget observation;
  double availability_percent = 0;  // AVAILABILITY only
};

// Compliance of one objective over one window ending now.
struct WindowCompliance {
  absl::Duration window;
  int64_t observations = 0;
  int64_t good = 0;
  double compliance_percent = 0;  // 100 * good / observations; 0 with none
  bool met = false;
};

struct ObjectiveStatus {
  ObjectiveTarget target;
  std::string target_text;                // "staleness <= 1h"
  std::vector<WindowCompliance> windows;  // as kSloWindows
  bool breached = false;                  // a breach is open
  std::optional<absl::Time> last_observe_time;
};

struct ServiceLevelStatus {
  model::OutputPortRef port;
  std::vector<ObjectiveStatus> objectives;  // declared ones, Objective order
};

struct ReportResult {
  int recorded = 0;
  std::vector<model::Breach> opened;
  std::vector<model::Breach> closed;
};

struct ServiceLevelOptions {
  // Principals that may report observations of any port (monitors,
  // "service:prober"), besides the product's owner team and platform
  // admins.
  std::vector<std::string> reporters;
};

// --- The arithmetic: pure functions, no store, no clock ---

// The objectives `slo` declares, in Objective order.
std::vector<ObjectiveTarget> DeclaredTargets(
    const model::ServiceLevelObjectives& slo);
// The target of `objective`, or nullopt when `slo` does not declare it.
std::optional<ObjectiveTarget> TargetOf(
    const model::ServiceLevelObjectives& slo, model::Objective objective);
// The objective in words: "staleness <= 1h", "availability >= 99.9%",
// "completeness >= 99%", "latency <= 250ms".
std::string DescribeTarget(const ObjectiveTarget& target);
// The value stored for a report (model::Observation's unit).
double ObservationValue(const ObservationReport& report);
// A stored value in words: "staleness 15m", "down", "completeness 97.5%".
std::string DescribeValue(model::Objective objective, double value);
// Whether one observation's value meets the target.
bool MeetsTarget(const store::ObservationTarget& target, double value);
// The first instant after the window that ends at `now`: an observation
// counts in the window iff observe_time > WindowStart (so one exactly
// `window` old is out); observations ahead of `now` (within the lead the
// reports allow) count.
absl::Time WindowStart(absl::Time now, absl::Duration window);
bool InWindow(absl::Time observe_time, absl::Time now, absl::Duration window);
// Compliance from a window's counts. AVAILABILITY is met when
// compliance_percent >= availability_percent (to within 1e-9, so that a
// share exactly at the threshold meets it despite rounding); the others
// when every observation met the target. Never met with no observations.
WindowCompliance ComputeCompliance(const ObjectiveTarget& target,
                                   absl::Duration window,
                                   const store::ObservationCounts& counts);
// INVALID_ARGUMENT naming `field` when `observe_time` is more than
// kMaxObservationLead after `now` or more than kMaxObservationAge before
// it (both bounds inclusive).
absl::Status CheckObserveTime(absl::Time observe_time, absl::Time now,
                              const std::string& field);

// Thread-safe. Holds references to its arguments, which must outlive it.
// Error codes follow core/registry.h.
class ServiceLevels {
 public:
  ServiceLevels(store::Store& store, const auth::Authorizer& authz,
                const Clock& clock, ServiceLevelOptions options);

  // Records up to kMaxObservationsPerReport observations in one
  // transaction (with its audit record and request-id record), then opens
  // and closes breaches of the (port, objective) pairs it touched.
  // INVALID_ARGUMENT naming `observations[i].<field>` for a malformed
  // observation, for an objective the port does not declare, or for an
  // empty or oversized batch: the whole batch is refused. NOT_FOUND naming
  // `observations[i].output_port` for a port that does not exist.
  // PERMISSION_DENIED unless the caller is a member of each product's owner
  // team, a platform admin, or one of the options' reporters.
  absl::StatusOr<ReportResult> ReportObservations(
      const RequestContext& ctx, const std::vector<ObservationReport>& reports);

  // The compliance of a port's declared objectives now (any authenticated
  // caller). INVALID_ARGUMENT / NOT_FOUND naming `output_port`.
  absl::StatusOr<ServiceLevelStatus> GetStatus(const RequestContext& ctx,
                                               const std::string& output_port);

  // The status of every port of `product` that declares objectives, in
  // port order, read in one transaction (what GetDataProduct shows).
  absl::StatusOr<std::vector<ServiceLevelStatus>> ProductStatus(
      const RequestContext& ctx, const model::DataProduct& product);

  // Breaches of a product (`domains/{d}/dataProducts/{p}`) or of one of its
  // ports, newest first. INVALID_ARGUMENT / NOT_FOUND naming `parent`.
  absl::StatusOr<ListResult<model::Breach>> ListBreaches(
      const RequestContext& ctx, const std::string& parent, bool open_only,
      const ListQuery& query);

 private:
  // PERMISSION_DENIED unless the caller may report on `product`.
  absl::Status CheckReporter(const RequestContext& ctx,
                             const model::DataProduct& product) const;
  absl::StatusOr<ObjectiveStatus> Status(store::Transaction& txn,
                                         const model::OutputPortRef& port,
                                         const ObjectiveTarget& target,
                                         absl::Time now) const;

  store::Store& store_;
  const auth::Authorizer& authz_;
  const Clock& clock_;
  const ServiceLevelOptions options_;
};

}  // namespace meshplane::core

#endif  // MESHPLANE_CORE_SLO_H_
