#include "meshplane/model/slo.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "model/enum_names.h"

namespace meshplane::model {

absl::string_view ObjectiveName(Objective o) {
  switch (o) {
    case Objective::kFreshness:
      return "FRESHNESS";
    case Objective::kAvailability:
      return "AVAILABILITY";
    case Objective::kCompleteness:
      return "COMPLETENESS";
    case Objective::kLatency:
      return "LATENCY";
    case Objective::kUnspecified:
      break;
  }
  return "UNSPECIFIED";
}

std::optional<Objective> ParseObjective(absl::string_view s) {
  return internal::ParseEnumName(
      s,
      {Objective::kFreshness, Objective::kAvailability,
       Objective::kCompleteness, Objective::kLatency},
      ObjectiveName);
}

std::string BreachName(const Breach& b) {
  return absl::StrCat(OutputPortName(b.port), "/breaches/", b.id);
}

}  // namespace meshplane::model
