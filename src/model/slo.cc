#include "meshplane/model/slo.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

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
  const std::string upper = absl::AsciiStrToUpper(s);
  for (Objective o : {Objective::kFreshness, Objective::kAvailability,
                      Objective::kCompleteness, Objective::kLatency}) {
    if (upper == ObjectiveName(o)) return o;
  }
  return std::nullopt;
}

std::string BreachName(const Breach& b) {
  return absl::StrCat(OutputPortName(b.port), "/breaches/", b.id);
}

}  // namespace meshplane::model
