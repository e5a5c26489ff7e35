// Service levels as data: the objectives an output port declares
// (ServiceLevelObjectives in data_product.h), the observations producers and
// monitors report against them, and the breaches Meshplane records when an
// objective stops being met. The arithmetic lives in core/slo.h.
#ifndef MESHPLANE_MODEL_SLO_H_
#define MESHPLANE_MODEL_SLO_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/model/resource_name.h"

namespace meshplane::model {

enum class Objective {
  kUnspecified,
  kFreshness,     // value: staleness in microseconds
  kAvailability,  // value: 1 (the probe found the port up) or 0
  kCompleteness,  // value: percent of expected records present
  kLatency,       // value: p99 latency in microseconds
};

// "FRESHNESS", "AVAILABILITY", ... ("UNSPECIFIED" for kUnspecified).
absl::string_view ObjectiveName(Objective o);
// The inverse of ObjectiveName, case-insensitive; nullopt for anything else
// (including "UNSPECIFIED").
std::optional<Objective> ParseObjective(absl::string_view s);

// One measurement of one objective of one output port. `value` is in the
// objective's unit (see Objective), so that one column holds them all.
struct Observation {
  OutputPortRef port;
  Objective objective = Objective::kUnspecified;
  absl::Time observe_time = absl::InfinitePast();
  double value = 0;
};

// A period during which an objective was not met. Open while `end_time` is
// InfinitePast().
struct Breach {
  std::string id;  // server-assigned UUID
  OutputPortRef port;
  Objective objective = Objective::kUnspecified;
  absl::Time start_time = absl::InfinitePast();
  absl::Time end_time = absl::InfinitePast();
  std::string detail;  // what was observed against what was promised

  bool open() const { return end_time == absl::InfinitePast(); }
};

// `domains/{d}/dataProducts/{p}/outputPorts/{o}/breaches/{id}`.
std::string BreachName(const Breach& b);

}  // namespace meshplane::model

#endif  // MESHPLANE_MODEL_SLO_H_
